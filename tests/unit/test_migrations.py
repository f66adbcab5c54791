"""Alembic migrations build exactly the models' schema, and go down again, on both stores."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import downgrade, upgrade
from storage.schema import Base


async def _inspect(url: str):
    engine = make_engine(url)

    def read(conn):
        return compare_metadata(MigrationContext.configure(conn), Base.metadata), set(inspect(conn).get_table_names())

    async with engine.connect() as conn:
        result = await conn.run_sync(read)
    await engine.dispose()
    return result


async def test_upgrade_matches_models_and_downgrade_empties(store_url, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3" if isinstance(store_url, str) else await store_url.new_database()
    await asyncio.to_thread(upgrade, url)
    diff, tables = await _inspect(url)
    assert diff == []
    assert {"units", "people", "accounts", "invite_codes", "cases", "case_events", "conversations",
            "audit_log", "seen_updates"} <= tables
    await asyncio.to_thread(downgrade, url)
    _, tables = await _inspect(url)
    assert tables == {"alembic_version"}
    await asyncio.to_thread(upgrade, url)  # and up again from empty
    assert (await _inspect(url))[0] == []
