"""Alembic environment: async engines, URL given by storage.migrate (never read here)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import make_engine
from storage.schema import Base, compared

config = context.config
target_metadata = Base.metadata
# workers starting together migrate one at a time: a PostgreSQL advisory lock ("hg" and a serial
# number), never changed, so that workers of two versions starting together also take turns
MIGRATION_LOCK = 0x6867_0007


def _run(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Batch migrations copy a table and drop the old one; with foreign keys on, that drop
        # cascades and deletes the rows that refer to it (a case's mediators and events).
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=compared,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # held until this transaction ends; the next worker then finds the schema current
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()


async def _online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "alembic: sqlalchemy.url is not set"
    engine = make_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
