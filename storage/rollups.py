"""Keeps `stat_rollups` in step with `cases`: every ORM insert, outcome change or delete of a
case adds or removes one count on each unit of its lineage, in the same transaction.

Bulk loads that bypass the ORM (the benchmark, an import) call `rebuild()` afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, event, extract, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import attributes

from storage.models import Case, StatRollup

Key = tuple[str, int, str, str]  # unit_path, yyyymm, category, status
KEY_COLUMNS = ("unit_id", "month", "category", "status")


def lineage_ids(path: str) -> list[int]:
    """'/1/4/9/' → [1, 4, 9]: the unit itself and every unit above it."""
    return [int(p) for p in path.strip("/").split("/") if p]


def month_of(day: dt.date) -> int:
    return day.year * 100 + day.month


def _value(value: Any) -> str:
    return getattr(value, "value", value)  # an enum member or its stored text


def _key_now(case: Case) -> Key:
    return (case.unit_path, month_of(case.received_on), case.category, _value(case.status))


def _key_before(case: Case) -> Key:
    old = []
    for name in ("unit_path", "received_on", "category", "status"):
        history = attributes.get_history(case, name)
        old.append(history.deleted[0] if history.deleted else getattr(case, name))
    path, received, category, status = old
    return (path, month_of(received), category, _value(status))


def apply(conn: Connection, changes: Iterable[tuple[Key, int]]) -> None:
    """Add each delta to the rows of every unit on the key's lineage."""
    deltas: Counter[tuple[int, int, str, str]] = Counter()
    for (path, month, category, status), delta in changes:
        for unit_id in lineage_ids(path):
            deltas[(unit_id, month, category, status)] += delta
    rows = [dict(zip(KEY_COLUMNS, k, strict=True), n=d) for k, d in deltas.items() if d]
    if rows:
        _upsert(conn, rows)


def _upsert(conn: Connection, rows: list[dict]) -> None:
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        ins = (sqlite if name == "sqlite" else postgresql).insert(StatRollup)
        stmt = ins.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_={"n": StatRollup.n + ins.excluded.n})
        conn.execute(stmt, rows)
        return
    for row in rows:  # any other database: update, else insert
        where = [getattr(StatRollup, c) == row[c] for c in KEY_COLUMNS]
        done = conn.execute(update(StatRollup).where(*where).values(n=StatRollup.n + row["n"]))
        if done.rowcount == 0:
            conn.execute(insert(StatRollup), [row])


@event.listens_for(Case, "after_insert")
def _case_inserted(mapper, conn: Connection, case: Case) -> None:
    apply(conn, [(_key_now(case), 1)])


@event.listens_for(Case, "after_update")
def _case_updated(mapper, conn: Connection, case: Case) -> None:
    before, now = _key_before(case), _key_now(case)
    if before != now:
        apply(conn, [(before, -1), (now, 1)])


@event.listens_for(Case, "after_delete")
def _case_deleted(mapper, conn: Connection, case: Case) -> None:
    apply(conn, [(_key_before(case), -1)])


def rebuild(conn: Connection, batch: int = 50_000) -> int:
    """Recount every unit's rows from the cases table; returns the number of rows written."""
    conn.execute(delete(StatRollup))
    month = extract("year", Case.received_on) * 100 + extract("month", Case.received_on)
    q = select(Case.unit_path, month, Case.category, Case.status, func.count()).group_by(
        Case.unit_path, month, Case.category, Case.status
    )
    totals: Counter[tuple[int, int, str, str]] = Counter()
    for path, yyyymm, category, status, n in conn.execute(q):
        for unit_id in lineage_ids(path):
            totals[(unit_id, int(yyyymm), category, _value(status))] += n
    rows = [dict(zip(KEY_COLUMNS, k, strict=True), n=n) for k, n in totals.items()]
    for i in range(0, len(rows), batch):
        conn.execute(insert(StatRollup), rows[i : i + batch])
    return len(rows)
