"""Alembic migrations build exactly the models' schema, and go down again, on both stores."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from storage.access import under
from storage.db import make_engine
from storage.migrate import downgrade, upgrade
from storage.models import Case
from storage.schema import Base, compared


async def _inspect(url: str):
    engine = make_engine(url)

    def read(conn):
        context = MigrationContext.configure(conn, opts={"include_object": compared})
        return compare_metadata(context, Base.metadata), set(inspect(conn).get_table_names())

    async with engine.connect() as conn:
        result = await conn.run_sync(read)
    await engine.dispose()
    return result


async def test_upgrade_matches_models_and_downgrade_empties(store_url, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3" if isinstance(store_url, str) else await store_url.new_database()
    await asyncio.to_thread(upgrade, url)
    diff, tables = await _inspect(url)
    assert diff == []
    assert {
        "units",
        "people",
        "accounts",
        "invite_codes",
        "cases",
        "case_events",
        "conversations",
        "audit_log",
        "seen_updates",
    } <= tables
    await asyncio.to_thread(downgrade, url)
    _, tables = await _inspect(url)
    assert tables == {"alembic_version"}
    await asyncio.to_thread(upgrade, url)  # and up again from empty
    assert (await _inspect(url))[0] == []


async def test_subtree_reads_have_an_index_on_both_stores(store_url, tmp_path):
    """A ward's counts read its cases by path prefix (storage.access.under): byte-wise, which
    PostgreSQL can only serve from an index in the "C" collation."""
    url = f"sqlite+aiosqlite:///{tmp_path}/i.sqlite3" if isinstance(store_url, str) else await store_url.new_database()
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    query = select(func.count(Case.id)).where(under(Case.unit_path, "/1/4/"))
    async with engine.connect() as conn:
        indexes = await conn.run_sync(lambda c: {i["name"] for i in inspect(c).get_indexes("cases")})
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            assert "ix_cases_unit_path_c_received" in indexes and "ix_cases_unit_path_received" not in indexes
            await conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: ask what it could use
            plan = "\n".join(r[0] for r in await conn.exec_driver_sql("EXPLAIN " + sql))
        else:
            assert "ix_cases_unit_path_received" in indexes
            plan = "\n".join(str(r[-1]) for r in await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    await engine.dispose()
    assert "ix_cases_unit_path" in plan, plan
