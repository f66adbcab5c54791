"""Read queries for counts: cases by category and current status, for a unit, its child
units or month by month. Every query is scoped by the access rule (storage/access.py).

Whole months come from `stat_rollups`; the days of a period that do not fill a month are
counted on `cases` through the (unit_path, received_on) index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_counted, case_visible, under, unit_in_scope
from storage.models import Case, Person, StatRollup, Unit
from storage.rollups import lineage_ids, month_of

Cell = tuple[str, str]  # (category, status)


@dataclass
class Tally:
    """How many cases of each (category, current status)."""

    cells: Counter[Cell] = field(default_factory=Counter)

    def add(self, category: str, status: str, n: int) -> None:
        if n:
            self.cells[(category, status)] += n

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def status(self, status: str) -> int:
        return sum(n for (_, s), n in self.cells.items() if s == status)

    def category(self, category: str, status: str | None = None) -> int:
        return sum(n for (c, s), n in self.cells.items() if c == category and status in (None, s))


def _first(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month (the one place it is computed: reporting periods use it too)."""
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def split_months(start: dt.date, end: dt.date) -> tuple[tuple[int, int] | None, list[tuple[dt.date, dt.date]]]:
    """Whole months inside [start, end] as (first yyyymm, last yyyymm), and the leftover day
    ranges at either end."""
    if end < start:
        return None, []
    first = start if start.day == 1 else month_end(start.year, start.month) + dt.timedelta(days=1)
    last = end if end == month_end(end.year, end.month) else _first(end.year, end.month) - dt.timedelta(days=1)
    if first > last:
        return None, [(start, end)]
    edges = []
    if start < first:
        edges.append((start, first - dt.timedelta(days=1)))
    if last < end:
        edges.append((last + dt.timedelta(days=1), end))
    return (month_of(first), month_of(last)), edges


class StatsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # --- units -------------------------------------------------------------------
    async def unit_for(self, viewer: Person, unit_id: int) -> Unit | None:
        """The unit if this person may count it, else None (same as no such unit)."""
        return await self.s.scalar(select(Unit).where(Unit.id == unit_id, unit_in_scope(viewer)))

    async def children(self, viewer: Person, unit: Unit) -> Sequence[Unit]:
        q = select(Unit).where(Unit.parent_id == unit.id, unit_in_scope(viewer)).order_by(Unit.name, Unit.id)
        return (await self.s.scalars(q)).all()

    async def find_units(self, viewer: Person, name: str) -> Sequence[Unit]:
        q = select(Unit).where(Unit.name == name, unit_in_scope(viewer)).order_by(Unit.path)
        return (await self.s.scalars(q.limit(10))).all()

    async def units_under(self, viewer: Person, unit: Unit, limit: int) -> Sequence[Unit]:
        q = select(Unit).where(under(Unit.path, unit.path), unit_in_scope(viewer)).order_by(Unit.path)
        return (await self.s.scalars(q.limit(limit))).all()

    # --- a unit, its children, its months -----------------------------------------
    async def tally(self, viewer: Person, unit: Unit, start: dt.date, end: dt.date) -> Tally:
        out = Tally()
        months, edges = split_months(start, end)
        if months:
            q = (
                select(StatRollup.category, StatRollup.status, func.sum(StatRollup.n))
                .join(Unit, Unit.id == StatRollup.unit_id)
                .where(StatRollup.unit_id == unit.id, unit_in_scope(viewer), StatRollup.month.between(*months))
                .group_by(StatRollup.category, StatRollup.status)
            )
            for category, status, n in await self.s.execute(q):
                out.add(category, status, int(n))
        for category, status, n in await self._edge(viewer, unit, edges, ()):
            out.add(category, status, n)
        return out

    async def tally_children(self, viewer: Person, unit: Unit, start: dt.date, end: dt.date) -> dict[int, Tally]:
        out: dict[int, Tally] = {}
        months, edges = split_months(start, end)
        if months:
            q = (
                select(StatRollup.unit_id, StatRollup.category, StatRollup.status, func.sum(StatRollup.n))
                .join(Unit, Unit.id == StatRollup.unit_id)
                .where(Unit.parent_id == unit.id, unit_in_scope(viewer), StatRollup.month.between(*months))
                .group_by(StatRollup.unit_id, StatRollup.category, StatRollup.status)
            )
            for child, category, status, n in await self.s.execute(q):
                out.setdefault(child, Tally()).add(category, status, int(n))
        depth = len(lineage_ids(unit.path))
        for path, category, status, n in await self._edge(viewer, unit, edges, (Case.unit_path,)):
            ids = lineage_ids(path)
            if len(ids) > depth:
                out.setdefault(ids[depth], Tally()).add(category, status, n)
        return out

    async def monthly(self, viewer: Person, unit: Unit, start: dt.date, end: dt.date) -> dict[int, Counter[str]]:
        """yyyymm → status → number of cases received that month."""
        out: dict[int, Counter[str]] = {}
        months, edges = split_months(start, end)
        if months:
            q = (
                select(StatRollup.month, StatRollup.status, func.sum(StatRollup.n))
                .join(Unit, Unit.id == StatRollup.unit_id)
                .where(StatRollup.unit_id == unit.id, unit_in_scope(viewer), StatRollup.month.between(*months))
                .group_by(StatRollup.month, StatRollup.status)
            )
            for month, status, n in await self.s.execute(q):
                out.setdefault(int(month), Counter())[status] += int(n)
        for day, _category, status, n in await self._edge(viewer, unit, edges, (Case.received_on,)):
            out.setdefault(month_of(day), Counter())[status] += n
        return out

    async def _edge(
        self, viewer: Person, unit: Unit, ranges: list[tuple[dt.date, dt.date]], keys: tuple
    ) -> list[tuple]:
        if not ranges:
            return []
        return await self._count(case_counted(viewer) & under(Case.unit_path, unit.path), ranges, keys)

    # --- a mediator's own cases ------------------------------------------------------
    async def own_tally(self, viewer: Person, start: dt.date, end: dt.date) -> Tally:
        out = Tally()
        for category, status, n in await self._count(case_visible(viewer), [(start, end)], ()):
            out.add(category, status, n)
        return out

    async def own_monthly(self, viewer: Person, start: dt.date, end: dt.date) -> dict[int, Counter[str]]:
        out: dict[int, Counter[str]] = {}
        for day, _category, status, n in await self._count(case_visible(viewer), [(start, end)], (Case.received_on,)):
            out.setdefault(month_of(day), Counter())[status] += n
        return out

    async def _count(
        self, cond: ColumnElement[bool], ranges: list[tuple[dt.date, dt.date]], keys: tuple
    ) -> list[tuple]:
        rows: list[tuple] = []
        for low, high in ranges:
            q: Select = (
                select(*keys, Case.category, Case.status, func.count())
                .where(cond, Case.received_on.between(low, high))
                .group_by(*keys, Case.category, Case.status)
            )
            rows += [(*r[:-2], r[-2].value, int(r[-1])) for r in await self.s.execute(q)]
        return rows
