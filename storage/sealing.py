"""Sealing what was written before a column was encrypted: every Sealed column (found by type,
storage/keycheck.py) whose value is still plain text is rewritten sealed, in batches."""

from __future__ import annotations

from sqlalchemy import Text, column, select, table, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import PREFIX, PartyCipher
from storage.keycheck import sealed_columns


async def seal_plain_rows(engine: AsyncEngine, cipher: PartyCipher, batch: int = 1000) -> int:
    """Returns how many values it sealed. Plain JSON (parties, drafts) and plain text both
    become sealed text: opening a sealed JSON value parses the text it holds."""
    done = 0
    for t, col in sealed_columns():
        keys = [k.name for k in t.primary_key.columns]
        raw = table(t.name, *(column(k) for k in keys), column(col.name, Text()))
        value = raw.c[col.name]
        plain = select(*(raw.c[k] for k in keys), value).where(value.is_not(None), ~value.startswith(PREFIX))
        while True:
            async with engine.begin() as conn:
                rows = (await conn.execute(plain.limit(batch))).all()
                for row in rows:
                    where = [raw.c[k] == row[i] for i, k in enumerate(keys)]
                    await conn.execute(update(raw).where(*where).values({col.name: cipher.seal_text(row[-1])}))
            done += len(rows)
            if len(rows) < batch:
                break
    return done
