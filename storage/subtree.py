"""SQL over a unit's subtree by materialised path, so that /thongke's blocks count in the
database, grouped by the child unit each row lies under, instead of loading every team:
`child_key` (the direct child's id as text, '' for the unit itself), `under_column` (a path
under another row's path, as an index range) and `bytewise` (ordering names as Python does)."""

from __future__ import annotations

import weakref

from sqlalchemy import Boolean, ColumnElement, String, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage.access import _PATH


class _ChildKey(FunctionElement[str]):
    type = String()
    inherit_cache = True
    name = "child_key"


@compiles(_ChildKey)
def _child_key_sqlite(element, compiler, **kw):
    col, start = (compiler.process(c, **kw) for c in element.clauses)
    rest = f"substr({col}, {start})"
    return f"substr({rest}, 1, instr({rest} || '/', '/') - 1)"


@compiles(_ChildKey, "postgresql")
def _child_key_postgresql(element, compiler, **kw):
    col, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"split_part(substr({col}, {start}), '/', 1)"


def child_key(column, path: str) -> ColumnElement[str]:
    """For a path at or under `path`: the id of the direct child of `path` it lies under, as
    text ('' for `path` itself). '/1/4/' under '/1/' → '4'."""
    if not _PATH.match(path):
        raise ValueError(f"not a unit path: {path!r}")
    return _ChildKey(column, len(path) + 1)


def child_id(key: str) -> int | None:
    return int(key) if key else None


class _UnderColumn(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True
    name = "under_column"
    _is_implicitly_boolean = True


@compiles(_UnderColumn)
def _under_column_sqlite(element, compiler, **kw):
    col, top = (compiler.process(c, **kw) for c in element.clauses)
    return f"({col} >= {top} AND {col} < substr({top}, 1, length({top}) - 1) || '0')"


@compiles(_UnderColumn, "postgresql")
def _under_column_postgresql(element, compiler, **kw):
    col, top = (compiler.process(c, **kw) for c in element.clauses)
    low, high = f'{top} COLLATE "C"', f"(substr({top}, 1, length({top}) - 1) || '0') COLLATE \"C\""
    return f'({col} COLLATE "C" >= {low} AND {col} COLLATE "C" < {high})'


def under_column(column, top) -> ColumnElement[bool]:
    """`column` holds a path at or under the path in the column `top` (storage.access.under,
    with the upper path another row's)."""
    return _UnderColumn(column, top)


class _Bytewise(FunctionElement[str]):
    type = String()
    inherit_cache = True
    name = "bytewise"


@compiles(_Bytewise)
def _bytewise_sqlite(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[0], **kw)  # BINARY: code points, as Python


@compiles(_Bytewise, "postgresql")
def _bytewise_postgresql(element, compiler, **kw):
    return f'({compiler.process(element.clauses.clauses[0], **kw)} COLLATE "C")'


def bytewise(column) -> ColumnElement[str]:
    """The text ordered by code point (UTF-8 bytes), as Python orders str."""
    return _Bytewise(column)


async def plan_for_these_values(session: AsyncSession) -> None:
    """PostgreSQL: plan the rest of this transaction's statements for their own values. The same
    prepared statement counts a commune or the whole country; after five runs PostgreSQL may keep
    one generic plan for all, and the country's plan for a commune (or the reverse) took seconds."""
    if session.bind.dialect.name != "postgresql":
        return
    done = session.info.get("custom_plans")  # once per transaction
    transaction = session.sync_session.get_transaction()
    if transaction is None or done is None or done() is not transaction:
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.info["custom_plans"] = weakref.ref(session.sync_session.get_transaction())
