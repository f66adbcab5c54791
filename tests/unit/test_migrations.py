"""Alembic migrations build exactly the models' schema, and go down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.migrate import downgrade, upgrade
from storage.models import Base


def test_upgrade_matches_models_and_downgrade_empties(tmp_path):
    path = tmp_path / "m.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    sync = create_engine(f"sqlite:///{path}")
    with sync.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"units", "people", "accounts", "invite_codes", "cases", "case_events", "conversations",
            "audit_log", "seen_updates"} <= tables
    downgrade(url)
    with sync.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    sync.dispose()
