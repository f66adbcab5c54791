"""Targets (chỉ tiêu) and the reads their measures need beyond the existing repositories: the
targets on a unit's lineage and subtree, help requests with their answer times, and the officials
the monthly digest goes to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_counted, under
from storage.models import Case, HelpRequest, Measure, Person, Role, Target, Unit


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

    async def officials(self) -> Sequence[Person]:
        """Active officials (công chức tư pháp) of any unit (their unit comes joined)."""
        q = select(Person).where(Person.role == Role.CAN_BO, Person.active.is_(True)).order_by(Person.id)
        return (await self.s.scalars(q)).all()


def targets_of(uow) -> TargetRepo:
    """The targets' queries on this unit of work's session (handlers never touch the session)."""
    return TargetRepo(uow.session)
