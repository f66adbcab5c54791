"""Encrypted backups (`python -m bot backup --encrypt`), read back by `restore`.

The file is a header line, then one Fernet token per line, each sealing a numbered chunk
of the SQLite backup with the store's data key (DATA_KEY or the key file). Chunks carry
their number and a last-chunk mark, so a file cut short, reordered or altered does not
restore. The plain copy in between lives in the data folder (0700) and is removed.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import InvalidToken

from bot.settings import Settings
from storage.crypto import KeyProblem, PartyCipher, key_source
from storage.keycheck import opens
from storage.private_files import private_file

MAGIC = b"HOAGIAI-BACKUP-FERNET-1\n"
CHUNK = 1 << 20
HEAD = struct.Struct(">Q?")  # chunk number, last chunk


class BadBackup(Exception):
    """Not readable with this key: altered, cut short, or sealed under another key."""


def is_encrypted(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def encrypt_file(source: Path, target: Path, cipher: PartyCipher) -> None:
    private_file(target)
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(MAGIC)
        number, data = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            dst.write(cipher.encrypt(HEAD.pack(number, not following) + data) + b"\n")
            if not following:
                return
            number, data = number + 1, following


def decrypt_file(source: Path, target: Path, cipher: PartyCipher) -> None:
    private_file(target)
    with open(source, "rb") as src, open(target, "wb") as dst:
        if src.readline() != MAGIC:
            raise BadBackup
        expected, last = 0, False
        for line in src:
            if last:
                raise BadBackup  # something after the last chunk
            try:
                plain = cipher.decrypt(line.strip())
            except InvalidToken:
                raise BadBackup from None
            if len(plain) < HEAD.size:
                raise BadBackup
            number, last = HEAD.unpack_from(plain)
            if number != expected:
                raise BadBackup
            dst.write(plain[HEAD.size :])
            expected += 1
        if not last:
            raise BadBackup  # cut short


def backup_cipher(
    settings: Settings, store: Path | None, say: Callable[[str], None], t: Callable[..., str]
) -> PartyCipher | None:
    """The store's key (DATA_KEY or the key file), checked against the key check of `store`
    when given; None (and a message said) when there is no usable key."""
    secret = settings.data_key.get_secret_value() if settings.data_key else ""
    try:
        source = key_source(secret, settings.database_url)
    except KeyProblem as problem:
        say(str(problem))
        return None
    if source.cipher is None:
        say(t("backup.no_key", path=source.key_file))
        return None
    token = _key_check(store) if store is not None else None
    if token is not None and not opens(source.cipher, token):
        say(t("backup.key_not_store", key_id=source.cipher.key_id))
        return None
    return source.cipher


def _key_check(store: Path) -> str | None:
    if not store.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT token FROM key_check WHERE id = 1").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None
