"""Targets (chỉ tiêu) and the reads their measures need beyond the existing repositories: the
targets on a unit's lineage and subtree, help requests with their answer times, and the officials
the monthly digest goes to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.access import case_counted, person_visible, under, unit_in_scope
from storage.models import (
    Case,
    HelpRequest,
    Measure,
    Person,
    ReportRule,
    ReportSubmission,
    Role,
    Target,
    Unit,
    UnitKind,
)
from storage.registers import MEDIATOR_ROLES
from storage.rollups import lineage_ids
from storage.subtree import child_id, child_key, under_column

MARKED_LISTED = 500  # marked areas named in the query; more: joined (each costs two parameters)


@dataclass(frozen=True)
class HelpTime:
    """A help request on a case of this path: when it was asked and answered (None: not yet)."""

    unit_path: str
    asked_at: dt.datetime
    answered_at: dt.datetime | None


class TargetRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def around(self, ancestors: Sequence[int], path: str) -> dict[tuple[int, Measure], Target]:
        """Targets set on these units (a unit's lineage) and on any unit under the path."""
        q = (
            select(Target)
            .join(Unit, Unit.id == Target.unit_id)
            .where(Target.unit_id.in_(list(ancestors)) | under(Unit.path, path))
        )
        return {(t.unit_id, t.measure): t for t in await self.s.scalars(q)}

    async def set(self, unit_id: int, measure: Measure, value: int, person_id: int | None, now: dt.datetime) -> Target:
        found = await self.s.scalar(select(Target).where(Target.unit_id == unit_id, Target.measure == measure))
        if found is None:
            found = Target(unit_id=unit_id, measure=measure)
            self.s.add(found)
        found.value, found.set_by_id, found.set_at = value, person_id, now
        await self.s.flush()
        return found

    async def clear(self, unit_id: int, measure: Measure) -> bool:
        """The unit's own value removed (it inherits again); False if it had none."""
        found = await self.s.scalar(select(Target).where(Target.unit_id == unit_id, Target.measure == measure))
        if found is None:
            return False
        await self.s.delete(found)
        await self.s.flush()
        return True

    async def help_times(self, viewer: Person, unit: Unit, since: dt.datetime, until: dt.datetime) -> list[HelpTime]:
        """Help requests on the viewer's visible cases under the unit, asked in [since, until)."""
        q = (
            select(Case.unit_path, HelpRequest.created_at, HelpRequest.answered_at)
            .join(Case, Case.id == HelpRequest.case_id)
            .where(
                case_counted(viewer),
                under(Case.unit_path, unit.path),
                HelpRequest.created_at >= since,
                HelpRequest.created_at < until,
            )
            .order_by(HelpRequest.id)
        )
        return [HelpTime(p, a, b) for p, a, b in (await self.s.execute(q)).tuples()]

    async def teams_meeting(self, viewer: Person, unit: Unit, least: int) -> dict[int | None, tuple[int, int]]:
        """Per direct child of the unit (None: the unit itself, a team): its teams, and those
        whose mediators in office (as the team review reads them) are at least `least`, with a
        woman and a leader, and, in an area marked as having many ethnic-minority people, an
        ethnic-minority mediator (the checks of handlers/teams/usecases.check_team, in SQL)."""
        one = lambda cond: func.max(case((cond, 1), else_=0))  # noqa: E731
        per = (
            select(
                Person.unit_id.label("team_id"),
                func.count(Person.id).label("n"),
                one(Person.sex == "nu").label("woman"),
                one(Person.ethnic_minority.is_(True)).label("ethnic"),
                one(Person.role == Role.TO_TRUONG).label("leader"),
            )
            .join(Unit, Unit.id == Person.unit_id)
            .where(
                under(Unit.path, unit.path),
                Unit.kind == UnitKind.TO_HOA_GIAI,
                Person.role.in_(MEDIATOR_ROLES),
                Person.active.is_(True),
                person_visible(viewer),
            )
            .group_by(Person.unit_id)
            .subquery()
        )
        ethnic_area = await self._ethnic_area(unit)
        ok = and_(
            func.coalesce(per.c.n, 0) >= least,
            per.c.woman == 1,
            per.c.leader == 1,
            or_(per.c.ethnic == 1, ~ethnic_area),
        )
        key = child_key(Unit.path, unit.path)
        q = (
            select(key, func.count(Unit.id), func.sum(case((ok, 1), else_=0)))
            .select_from(Unit)
            .outerjoin(per, per.c.team_id == Unit.id)
            .where(under(Unit.path, unit.path), Unit.kind == UnitKind.TO_HOA_GIAI, unit_in_scope(viewer))
            .group_by(key)
        )
        return {child_id(k): (int(n), int(done or 0)) for k, n, done in await self.s.execute(q)}

    async def _ethnic_area(self, unit: Unit) -> ColumnElement[bool]:
        """SQL on units: the team lies in an area marked as having many ethnic-minority people (the
        unit or a unit above it marked: every team; else under one of the marked units below)."""
        q = select(Unit.path).where(
            Unit.ethnic_area == true(), Unit.id.in_(lineage_ids(unit.path)) | under(Unit.path, unit.path)
        )
        marked = list(await self.s.scalars(q))
        if any(unit.path.startswith(p) for p in marked):
            return true()
        if len(marked) <= MARKED_LISTED:
            return or_(false(), *(under(Unit.path, p) for p in marked))
        area, team = aliased(Unit), aliased(Unit)
        return Unit.id.in_(
            select(team.id)
            .join(area, under_column(team.path, area.path))
            .where(area.ethnic_area == true(), under(area.path, unit.path), under(team.path, unit.path))
        )

    async def rules_around(self, unit: Unit) -> list[tuple[str, str, int, int]]:
        """Report rules set on the unit's lineage or under it: (path, kind, due month, due day)."""
        q = (
            select(Unit.path, ReportRule.kind, ReportRule.due_month, ReportRule.due_day)
            .join(Unit, Unit.id == ReportRule.unit_id)
            .where(ReportRule.unit_id.in_(lineage_ids(unit.path)) | under(Unit.path, unit.path))
        )
        return [(p, k, m, d) for p, k, m, d in (await self.s.execute(q)).tuples()]

    async def reports_in_time(
        self, viewer: Person, unit: Unit, top: str, below: Sequence[str], kind: str, code: str, by: dt.datetime
    ) -> dict[int | None, tuple[int, int]]:
        """Per direct child of the unit: the teams under `top` but under none of `below` (their
        own rule applies there) formed before `by`, and those whose report (kind, period code)
        was handed in before `by`."""
        handed = exists(
            select(ReportSubmission.id).where(
                ReportSubmission.team_id == Unit.id,
                ReportSubmission.kind == kind,
                ReportSubmission.period == code,
                ReportSubmission.submitted_at < by,
            )
        )
        key = child_key(Unit.path, unit.path)
        q = (
            select(key, func.count(Unit.id), func.sum(case((handed, 1), else_=0)))
            .where(
                under(Unit.path, top),
                *(~under(Unit.path, p) for p in below),
                Unit.kind == UnitKind.TO_HOA_GIAI,
                unit_in_scope(viewer),
                Unit.created_at < by,
            )
            .group_by(key)
        )
        return {child_id(k): (int(n), int(done or 0)) for k, n, done in await self.s.execute(q)}

    async def officials(self) -> Sequence[Person]:
        """Active officials (công chức tư pháp) of any unit (their unit comes joined)."""
        q = select(Person).where(Person.role == Role.CAN_BO, Person.active.is_(True)).order_by(Person.id)
        return (await self.s.scalars(q)).all()


def targets_of(uow) -> TargetRepo:
    """The targets' queries on this unit of work's session (handlers never touch the session)."""
    return TargetRepo(uow.session)
