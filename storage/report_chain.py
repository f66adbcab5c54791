"""The report chain above the teams: the days by which communes (and districts, where a plan
still has them) report to the unit above, the reports they marked sent with the workbook kept
as sent, and who to nudge. Every read an official makes is scoped by the access rule.

A unit of kind xã or huyện reports; it reports to its nearest ancestor of kind huyện or tỉnh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from storage.access import under, unit_in_scope
from storage.models import Person, Role, Unit, UnitKind
from storage.models.deadlines import ChainRule, UnitReport
from storage.rollups import lineage_ids
from storage.sql import insert

REPORTERS = frozenset({UnitKind.XA, UnitKind.HUYEN})
RECEIVERS = frozenset({UnitKind.TINH, UnitKind.HUYEN})


def receiver_of(unit: Unit, above: dict[int, Unit]) -> Unit | None:
    """The unit this one reports to: its nearest ancestor of a receiving kind (in `above`)."""
    for unit_id in reversed(lineage_ids(unit.path)[:-1]):
        found = above.get(unit_id)
        if found is not None and found.kind in RECEIVERS:
            return found
    return None


class ReportChainRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def units(self, ids: Sequence[int]) -> dict[int, Unit]:
        if not ids:
            return {}
        return {u.id: u for u in await self.s.scalars(select(Unit).where(Unit.id.in_(list(ids))))}

    async def receiver(self, unit: Unit) -> Unit | None:
        """Where this unit's report goes (None: it reports to nobody in the tree)."""
        if unit.kind not in REPORTERS:
            return None
        return receiver_of(unit, await self.units(lineage_ids(unit.path)[:-1]))

    async def rules_for(self, unit_ids: Sequence[int]) -> Sequence[ChainRule]:
        return (await self.s.scalars(select(ChainRule).where(ChainRule.unit_id.in_(list(unit_ids))))).all()

    async def all_rules(self) -> Sequence[ChainRule]:
        return (await self.s.scalars(select(ChainRule))).all()

    async def set_rule(
        self, unit_id: int, kind: str, month: int, day: int, person_id: int | None, now: dt.datetime
    ) -> ChainRule:
        rule = await self.s.scalar(select(ChainRule).where(ChainRule.unit_id == unit_id, ChainRule.kind == kind))
        if rule is None:
            rule = ChainRule(unit_id=unit_id, kind=kind, due_month=month, due_day=day)
            self.s.add(rule)
        rule.due_month, rule.due_day, rule.updated_by_id, rule.updated_at = month, day, person_id, now
        await self.s.flush()
        return rule

    async def reporting_to(self, viewer: Person, unit: Unit) -> list[Unit]:
        """The units that report straight to `unit`, among those the viewer may see."""
        kinds = list(REPORTERS | RECEIVERS)
        q = (
            select(Unit)
            .where(under(Unit.path, unit.path), Unit.kind.in_(kinds), unit_in_scope(viewer))
            .order_by(Unit.name, Unit.id)
        )
        found = {u.id: u for u in await self.s.scalars(q)}
        found[unit.id] = unit
        out = []
        for u in found.values():
            if u.id != unit.id and u.kind in REPORTERS:
                to = receiver_of(u, found)
                if to is not None and to.id == unit.id:
                    out.append(u)
        return out

    async def sent(self, kind: str, period: str, unit_ids: Sequence[int]) -> dict[int, UnitReport]:
        if not unit_ids:
            return {}
        q = select(UnitReport).where(
            UnitReport.kind == kind, UnitReport.period == period, UnitReport.unit_id.in_(list(unit_ids))
        )
        return {r.unit_id: r for r in await self.s.scalars(q)}

    async def add_once(self, report: UnitReport) -> bool:
        """Record the report (its id set); False, and nothing written, when the unit's report of
        that period is recorded already, also by another official at the same moment (the
        INSERT waits for their commit, then does nothing)."""
        columns = ("unit_id", "kind", "period", "sent_by_id", "sent_at", "cases", "file_name", "xlsx")
        stmt = insert(self.s, UnitReport).values({c: getattr(report, c) for c in columns})
        stmt = stmt.on_conflict_do_nothing(index_elements=["unit_id", "kind", "period"])
        found = (await self.s.execute(stmt.returning(UnitReport.id))).scalar()
        if found is None:
            return False
        report.id = found
        return True

    async def with_file(self, viewer: Person, report_id: int) -> tuple[UnitReport, Unit] | None:
        """A report and its unit, with the workbook, if the viewer's scope holds that unit."""
        q = (
            select(UnitReport, Unit)
            .join(Unit, Unit.id == UnitReport.unit_id)
            .where(UnitReport.id == report_id, unit_in_scope(viewer))
            .options(undefer(UnitReport.xlsx))
        )
        row = (await self.s.execute(q)).first()
        return (row[0], row[1]) if row is not None else None

    async def reporting_officials(self, paths: Sequence[str]) -> Sequence[Person]:
        """The officials, still in office, of the reporting units under any of these paths."""
        if not paths:
            return []
        q = (
            select(Person)
            .join(Unit, Unit.id == Person.unit_id)
            .where(
                or_(*(under(Unit.path, p) for p in paths)),
                Unit.kind.in_(list(REPORTERS)),
                Person.role == Role.CAN_BO,
                Person.active.is_(True),
                Person.left_at.is_(None),
            )
        )
        return (await self.s.scalars(q.order_by(Person.unit_id, Person.id))).unique().all()

    async def officials(self, unit_ids: Sequence[int]) -> Sequence[Person]:
        """The officials (công chức) of these units, still in office."""
        if not unit_ids:
            return []
        q = select(Person).where(
            Person.unit_id.in_(list(unit_ids)),
            Person.role == Role.CAN_BO,
            Person.active.is_(True),
            Person.left_at.is_(None),
        )
        return (await self.s.scalars(q.order_by(Person.unit_id, Person.id))).all()
