"""Read queries for the officials' plan desk: how many of a unit's mediators were trained in a
period (per team), and the cases still being mediated after N days (per team). Scoped by the
access rule (storage/access.py), except the clock job's read of every stale case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_visible, person_visible, under, unit_in_scope
from storage.models import (
    Case,
    CaseStatus,
    Person,
    Role,
    Training,
    TrainingInvite,
    TrainingStatus,
    Unit,
    UnitKind,
    case_number,
)
from storage.registers import MEDIATOR_ROLES, in_office
from storage.subtree import bytewise, child_id, child_key, plan_for_these_values
from storage.teams import id_chunks


@dataclass
class TeamTraining:
    """One team's mediators in office, and how many attended a class in the period."""

    team: Unit
    mediators: int = 0
    trained: int = 0
    new: int = 0  # joined in the twelve months before the period's end
    new_trained: int = 0


@dataclass
class TrainingTotals:
    """TeamTraining's numbers added up over teams, with how many teams and how many untrained."""

    mediators: int = 0
    trained: int = 0
    new: int = 0
    new_trained: int = 0
    teams: int = 0
    teams_untrained: int = 0


@dataclass
class StaleTeam:
    """A team's cases still being mediated after N days: how many, and the oldest numbers."""

    team: Unit
    count: int = 0
    numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StaleCase:
    team_id: int
    unit_path: str
    number: str


def _attended(since: dt.datetime, until: dt.datetime):
    """SQL: this person attended a class that started in [since, until) and was not cancelled."""
    return exists(
        select(TrainingInvite.id)
        .join(Training, Training.id == TrainingInvite.training_id)
        .where(
            TrainingInvite.person_id == Person.id,
            TrainingInvite.attended.is_(True),
            Training.status != TrainingStatus.CANCELLED,
            Training.starts_at >= since,
            Training.starts_at < until,
        )
    )


def _in_office_then(viewer: Person, at: dt.datetime) -> list:
    """SQL on people: mediators in office at `at` (joined by then, not left) the viewer may see."""
    return [Person.role.in_(MEDIATOR_ROLES), in_office(at), Person.created_at <= at, person_visible(viewer)]


class DeskRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _per_team(self, viewer: Person, unit: Unit, since, until, at, new_since, teams: Sequence[int] = ()):
        """Per team under the unit (or only these teams): its mediators in office at `at`, those
        who attended a class in [since, until), the new ones and the new ones trained (a subquery)."""
        trained = _attended(since, until)
        new = Person.created_at > new_since
        one = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
        return (
            select(
                Person.unit_id.label("team_id"),
                func.count(Person.id).label("n"),
                one(trained).label("k"),
                one(new).label("m"),
                one(and_(new, trained)).label("mk"),
            )
            .join(Unit, Unit.id == Person.unit_id)
            .where(
                under(Unit.path, unit.path),
                Unit.kind == UnitKind.TO_HOA_GIAI,
                *([Person.unit_id.in_(teams)] if teams else []),
                *_in_office_then(viewer, at),
            )
            .group_by(Person.unit_id)
            .subquery()
        )

    async def training_by_child(
        self,
        viewer: Person,
        unit: Unit,
        since: dt.datetime,
        until: dt.datetime,
        at: dt.datetime,
        new_since: dt.datetime,
    ) -> dict[int | None, TrainingTotals]:
        """Per direct child of the unit (None: the unit itself, when it is a team), added up in
        the database: its teams' mediators in office at `at`, those who attended a class in
        [since, until), the new ones (joined after `new_since`) and the new ones trained, with
        how many teams and how many of them had nobody trained."""
        await plan_for_these_values(self.s)
        per = self._per_team(viewer, unit, since, until, at, new_since)
        key = child_key(Unit.path, unit.path)
        total = lambda col: func.coalesce(func.sum(col), 0)  # noqa: E731
        q = (
            select(
                key,
                total(per.c.n),
                total(per.c.k),
                total(per.c.m),
                total(per.c.mk),
                func.count(Unit.id),
                func.sum(case((func.coalesce(per.c.k, 0) == 0, 1), else_=0)),
            )
            .select_from(Unit)
            .outerjoin(per, per.c.team_id == Unit.id)
            .where(under(Unit.path, unit.path), Unit.kind == UnitKind.TO_HOA_GIAI, unit_in_scope(viewer))
            .group_by(key)
        )
        return {child_id(k): TrainingTotals(*map(int, rest)) for k, *rest in await self.s.execute(q)}

    async def untrained_teams(
        self,
        viewer: Person,
        unit: Unit,
        since: dt.datetime,
        until: dt.datetime,
        at: dt.datetime,
        new_since: dt.datetime,
        limit: int | None,
        *,
        common: bool = False,
    ) -> list[TeamTraining]:
        """The teams under the unit where nobody attended a class, in path order (the first
        `limit` of them; None: all). `common`: such teams are common, so the first few are found
        by walking the teams in order, without counting every team's people first."""
        if common and limit is not None:
            return await self._first_untrained(viewer, unit, since, until, at, new_since, limit)
        per = self._per_team(viewer, unit, since, until, at, new_since)
        q = (
            select(Unit, func.coalesce(per.c.n, 0), func.coalesce(per.c.m, 0))
            .outerjoin(per, per.c.team_id == Unit.id)
            .where(
                under(Unit.path, unit.path),
                Unit.kind == UnitKind.TO_HOA_GIAI,
                unit_in_scope(viewer),
                func.coalesce(per.c.k, 0) == 0,
            )
            .order_by(bytewise(Unit.path))
        )
        rows = await self.s.execute(q if limit is None else q.limit(limit))
        return [TeamTraining(team, int(n), 0, int(m), 0) for team, n, m in rows.tuples()]

    async def _first_untrained(self, viewer, unit, since, until, at, new_since, limit: int) -> list[TeamTraining]:
        someone = exists(
            select(Person.id).where(Person.unit_id == Unit.id, *_in_office_then(viewer, at), _attended(since, until))
        )
        q = (
            select(Unit)
            .where(under(Unit.path, unit.path), Unit.kind == UnitKind.TO_HOA_GIAI, unit_in_scope(viewer), ~someone)
            .order_by(bytewise(Unit.path))
            .limit(limit)
        )
        teams = list(await self.s.scalars(q))
        per = self._per_team(viewer, unit, since, until, at, new_since, [t.id for t in teams])
        counts = {i: (int(n), int(m)) for i, n, m in await self.s.execute(select(per.c.team_id, per.c.n, per.c.m))}
        return [TeamTraining(t, counts.get(t.id, (0, 0))[0], 0, counts.get(t.id, (0, 0))[1], 0) for t in teams]

    async def stale_summary(
        self, viewer: Person, unit: Unit, received_before: dt.date, numbers: int, shown: int
    ) -> tuple[int, int, list[StaleTeam]]:
        """Cases under the unit still being mediated, received on or before the day: how many, in
        how many teams, and the first `shown` teams (most cases first, then by name) with the
        numbers of their `numbers` oldest."""
        await plan_for_these_values(self.s)
        cond = and_(
            case_visible(viewer),
            under(Case.unit_path, unit.path),
            Case.status == CaseStatus.DANG_HOA_GIAI,
            Case.received_on <= received_before,
        )
        total, teams = (
            await self.s.execute(select(func.count(), func.count(func.distinct(Case.team_id))).where(cond))
        ).one()
        if not total:
            return 0, 0, []
        n = func.count(Case.id)
        q = (
            select(Unit, n)
            .join(Unit, Unit.id == Case.team_id)
            .where(cond)
            .group_by(Unit.id)
            .order_by(n.desc(), bytewise(Unit.name), Unit.id)
            .limit(shown)
        )
        top = [StaleTeam(team, int(count)) for team, count in (await self.s.execute(q)).tuples()]
        rank = func.row_number().over(partition_by=Case.team_id, order_by=(Case.received_on, Case.id))
        ranked = (
            select(Case.team_id, Case.code, Case.seq, Case.year, rank.label("rank"))
            .where(cond, Case.team_id.in_([r.team.id for r in top]))
            .subquery()
        )
        oldest = select(ranked.c.team_id, ranked.c.code, ranked.c.seq, ranked.c.year).where(ranked.c.rank <= numbers)
        by_team = {r.team.id: r for r in top}
        for team_id, code, seq, year in (await self.s.execute(oldest.order_by(ranked.c.rank))).tuples():
            by_team[team_id].numbers.append(case_number(code, seq, year))
        return int(total), int(teams), top

    # --- the clock's weekly digest for officials ---------------------------------------
    async def stale_cases(self, received_before: dt.date) -> list[StaleCase]:
        """Every case still being mediated, received on or before the day, oldest first."""
        q = (
            select(Case.team_id, Case.unit_path, Case.code, Case.seq, Case.year)
            .where(Case.status == CaseStatus.DANG_HOA_GIAI, Case.received_on <= received_before)
            .order_by(Case.received_on, Case.id)
        )
        return [
            StaleCase(team_id, path, case_number(code, seq, year))
            for team_id, path, code, seq, year in (await self.s.execute(q)).tuples()
        ]

    async def commune_officials(self) -> Sequence[Person]:
        """Active officials (công chức tư pháp) of a commune or ward."""
        q = (
            select(Person)
            .join(Unit, Unit.id == Person.unit_id)
            .where(Person.role == Role.CAN_BO, Person.active.is_(True), Unit.kind == UnitKind.XA)
            .order_by(Person.id)
        )
        return (await self.s.scalars(q)).all()

    async def units(self, ids: Sequence[int]) -> dict[int, Unit]:
        out: dict[int, Unit] = {}
        for chunk in id_chunks(ids):
            out |= {u.id: u for u in await self.s.scalars(select(Unit).where(Unit.id.in_(chunk)))}
        return out


def desk_of(uow) -> DeskRepo:
    """The plan desk's queries on this unit of work's session (handlers never touch the session)."""
    return DeskRepo(uow.session)
