"""The key check stored with the data, and key rotation.

One row holds a Fernet token of a known text under the store's key, and the key's id. At
start the key (DATA_KEY or the key file) must open it; a store with encrypted data and no
key, or with another key, does not start, so a lost or changed key never forks the store.
A key file is made only for a store that holds nothing encrypted yet.

`rotate` re-encrypts every value of every `Sealed` column (found in the models' metadata,
whatever the table) and the key check under a new key, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import (
    CheckConstraint,
    Column,
    String,
    Table,
    Text,
    bindparam,
    column,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import (
    PREFIX,
    KeyProblem,
    KeySource,
    PartyCipher,
    Sealed,
    parse_key,
    write_key_file,
)
from storage.models import Base

KNOWN = b"tro-ly-hoa-giai key check"
BATCH = 500


class KeyCheck(Base):
    """The store's key: its id (a hash, safe to show) and a token only that key opens."""

    __tablename__ = "key_check"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key_id: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime]


def sealed_columns(tables: Iterable[Table] | None = None) -> list[tuple[Table, Column]]:
    """Every column whose type is a Sealed (encrypted) type, in the given tables or all models'."""
    if tables is None:
        from storage.schema import Base as models

        tables = models.metadata.sorted_tables
    return [(t, c) for t in tables for c in t.columns if isinstance(c.type, Sealed)]


def _raw(t: Table, col: Column):
    """The table as plain text columns: values as stored, not opened."""
    return table(t.name, *(column(k.name) for k in t.primary_key.columns), column(col.name, Text()))


async def _samples(conn: AsyncConnection, tables: Iterable[Table] | None) -> list[tuple[str, str]]:
    """The first and the last encrypted value of each sealed column (enough to tell a key)."""
    found = []
    for t, col in sealed_columns(tables):
        raw = _raw(t, col)
        pk = [raw.c[k.name] for k in t.primary_key.columns]
        where = raw.c[col.name].like(PREFIX + "%")
        for order in (pk, [k.desc() for k in pk]):
            query = select(raw.c[col.name]).where(where).order_by(*order).limit(1)
            value = await conn.scalar(query)
            if value is not None:
                found.append((f"{t.name}.{col.name}", value))
    return found


async def check_key(
    engine: AsyncEngine, source: KeySource, now: dt.datetime, tables: Iterable[Table] | None = None
) -> PartyCipher:
    """The cipher to use with this store, or KeyProblem (a line naming DATA_KEY or the key file)."""
    query = select(KeyCheck.key_id, KeyCheck.token).where(KeyCheck.id == 1)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
        samples = [] if row else await _samples(conn, tables)
    cipher = source.cipher
    if row is not None:
        if cipher is not None and opens(cipher, row.token):
            if source.key_file is not None:  # a rotation that failed before its commit
                pending_key_file(source.key_file).unlink(missing_ok=True)
            return cipher
        finished = _finish_rotation(source, row.token)
        if finished is None:
            raise KeyProblem(_refusal(source, row.key_id))
        return finished
    if samples:
        if cipher is None:
            raise KeyProblem(_refusal(source, None))
        for where, value in samples:
            try:
                cipher.open_text(value)
            except ValueError:
                raise KeyProblem(_refusal(source, None, where)) from None
    if cipher is None:  # nothing is encrypted yet: a new store gets its key file
        assert source.key_file is not None  # KeySource: no cipher only when its key file is missing
        cipher = PartyCipher(Fernet.generate_key())
        write_key_file(source.key_file, cipher.key)
    return await _record(engine, source, cipher, now, tables)


async def _record(
    engine: AsyncEngine, source: KeySource, cipher: PartyCipher, now: dt.datetime, tables: Iterable[Table] | None
) -> PartyCipher:
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(KeyCheck).values(id=1, key_id=cipher.key_id, token=_token(cipher), set_at=now))
    except IntegrityError:  # another worker starting at the same moment wrote it first
        return await check_key(engine, source, now, tables)
    return cipher


def _token(cipher: PartyCipher) -> str:
    return cipher.encrypt(KNOWN).decode("ascii")


def opens(cipher: PartyCipher, token: str) -> bool:
    try:
        return cipher.decrypt(token.encode("ascii")) == KNOWN
    except (InvalidToken, UnicodeError):
        return False


def _refusal(source: KeySource, store_key: str | None, where: str = "") -> str:
    held = f"encrypted with key {store_key}" if store_key else f"holding encrypted data ({where or 'personal data'})"
    never = "the bot does not start with another key, so the data is never encrypted under two keys"
    if source.cipher is None:
        return (
            f"{source.name} is missing and this store is {held}: put the key file back from "
            "where you keep it, or set DATA_KEY to the store's key; a new key is made only "
            "for a new store"
        )
    fix = (
        "set DATA_KEY to the store's key"
        if source.name == "DATA_KEY"
        else "put the store's key file back, or set DATA_KEY to the store's key"
    )
    key = source.cipher.key_id
    return f"{source.name} (key {key}) does not open this store, {held}: {fix}; {never}"


def pending_key_file(key_file: Path) -> Path:
    """Where `key rotate` writes the new key before it commits (then moves it over the key file)."""
    return key_file.with_name(key_file.name + ".new")


def _finish_rotation(source: KeySource, token: str) -> PartyCipher | None:
    """A rotation that committed but stopped before moving its new key file into place."""
    if source.key_file is None or not pending_key_file(source.key_file).exists():
        return None
    pending = pending_key_file(source.key_file)
    try:
        cipher = parse_key(pending.read_bytes(), str(pending))
    except KeyProblem:
        return None
    if not opens(cipher, token):
        return None
    os.replace(pending, source.key_file)
    return cipher


class RotationFailed(Exception):
    """A value that the current key does not open; nothing was changed."""


async def rotate(
    engine: AsyncEngine, old: PartyCipher, new: PartyCipher, now: dt.datetime, tables: Iterable[Table] | None = None
) -> dict[str, int]:
    """Re-encrypt every sealed value and the key check under `new`, in one transaction.
    Returns how many values of each column were re-encrypted."""
    done: dict[str, int] = {}
    async with engine.begin() as conn:
        query = select(KeyCheck.token).where(KeyCheck.id == 1)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()  # two rotations at once: the second waits, then fails
        token = await conn.scalar(query)
        if token is None or not opens(old, token):
            raise RotationFailed("key_check")
        for t, col in sealed_columns(tables):
            done[f"{t.name}.{col.name}"] = await _rotate_column(conn, t, col, old, new)
        await conn.execute(
            update(KeyCheck).where(KeyCheck.id == 1).values(key_id=new.key_id, token=_token(new), set_at=now)
        )
    return done


async def _rotate_column(conn: AsyncConnection, t: Table, col: Column, old: PartyCipher, new: PartyCipher) -> int:
    raw = _raw(t, col)
    pk = [raw.c[k.name] for k in t.primary_key.columns]
    value = raw.c[col.name]
    change = raw.update().where(*(k == bindparam(f"pk_{k.name}") for k in pk)).values({col.name: bindparam("sealed")})
    count, after = 0, None
    while True:
        query = select(*pk, value).where(value.is_not(None)).order_by(*pk).limit(BATCH)
        if after is not None:
            query = query.where(pk[0] > after) if len(pk) == 1 else query.offset(count)
        rows = (await conn.execute(query)).all()
        if not rows:
            return count
        params = []
        for row in rows:
            try:
                plain = old.open_text(row[-1])
            except ValueError:
                raise RotationFailed(f"{t.name}.{col.name}") from None
            keys = {f"pk_{k.name}": row[i] for i, k in enumerate(pk)}
            params.append({**keys, "sealed": new.seal_text(plain)})
        await conn.execute(change, params)
        count += len(rows)
        after = rows[-1][0]
