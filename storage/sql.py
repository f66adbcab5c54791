"""Small pieces of SQL every repository words the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def dialect_of(s: AsyncSession | AsyncConnection) -> str:
    """ "postgresql" or "sqlite", for a session or a plain connection."""
    dialect = getattr(s, "dialect", None) or getattr(getattr(s, "bind", None), "dialect", None)
    return dialect.name if dialect is not None else "sqlite"


def insert(s: AsyncSession | AsyncConnection, table: Any) -> Any:
    """The dialect's INSERT for `table`, the one that has ON CONFLICT DO NOTHING."""
    return (postgresql.insert if dialect_of(s) == "postgresql" else sqlite.insert)(table)
