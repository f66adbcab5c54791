"""Opening the store: migrate it, check the data key against it, seal rows written before
encryption. A wrong, malformed or missing key stops the start with one line (exit 2)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NoReturn

from bot.settings import Settings
from storage.crypto import KeyProblem, KeySource, PartyCipher, key_file_key, key_source
from storage.db import Database
from storage.keycheck import check_key
from storage.migrate import upgrade_async

if TYPE_CHECKING:
    pass

from bot.clock import system_clock

log = logging.getLogger(__name__)


async def open_store(settings: Settings) -> Database:
    """Migrate, check the key against the store (a wrong or missing key stops the start here,
    storage/keycheck.py), and seal rows written before encryption."""
    source = key_source_of(settings)
    await upgrade_async(settings.database_url)
    db = Database(
        settings.database_url,
        source.cipher or PartyCipher.ephemeral(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    try:
        db.use_cipher(await check_key(db.engine, source, system_clock()))
    except KeyProblem as problem:
        await db.dispose()
        refuse(problem)
    sealed = await db.seal_plain_rows()
    if sealed:
        log.info("store: encrypted %d values written before encryption", sealed)
    return db


def key_source_of(settings: Settings) -> KeySource:
    """DATA_KEY, or the key file of the SQLite default; a malformed key stops here."""
    secret = settings.data_key.get_secret_value() if settings.data_key else ""
    try:
        return key_source(secret, settings.database_url)
    except KeyProblem as problem:
        refuse(problem)


def refuse(problem: KeyProblem) -> NoReturn:
    """One line saying what is wrong with the key and what to do; no traceback."""
    log.error("store: %s", problem)
    raise SystemExit(2)


def data_cipher(settings: Settings) -> PartyCipher:
    """The configured key without looking at the store (a missing key file is made)."""
    source = key_source_of(settings)
    if source.cipher is not None:
        return source.cipher
    if source.key_file is None:  # key_source names a key file whenever it has no key yet
        refuse(KeyProblem(f"no key: {source.name}"))
    return PartyCipher(key_file_key(source.key_file))
