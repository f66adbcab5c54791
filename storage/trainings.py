"""Trainings, their invitations, and report-deadline rules and submissions. Never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import under
from storage.models import (
    Answer,
    CheckinMiss,
    Person,
    ReportRule,
    ReportSubmission,
    Role,
    Training,
    TrainingInvite,
    TrainingStatus,
    Unit,
    UnitKind,
)
from storage.sql import insert


def _organised_by_scope(viewer: Person):
    """Trainings an official may manage: organised at their unit or under it."""
    if viewer.role is Role.ADMIN:
        return true()
    return under(Training.unit_path, viewer.unit.path)


def _followed_by(viewer: Person) -> ColumnElement[bool]:
    """Trainings an official follows: those they may manage, and those organised above that
    invited people of their unit or under it (a province's class for several communes)."""
    if viewer.role is Role.ADMIN:
        return true()
    theirs = (
        select(TrainingInvite.id)
        .join(Unit, Unit.id == TrainingInvite.team_id)
        .where(TrainingInvite.training_id == Training.id, under(Unit.path, viewer.unit.path))
    )
    return or_(_organised_by_scope(viewer), exists(theirs))


def _official(viewer: Person) -> bool:
    return viewer.role.is_official and viewer.active


class TrainingRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, training: Training) -> Training:
        self.s.add(training)
        await self.s.flush()
        return training

    async def add_invites(self, training: Training, people: Sequence[Person]) -> None:
        self.s.add_all(
            [
                TrainingInvite(
                    training_id=training.id, person_id=p.id, team_id=p.unit_id, answer=Answer.PENDING, attended=False
                )
                for p in people
            ]
        )
        await self.s.flush()

    async def upcoming_covering(self, unit_path: str, now: dt.datetime) -> Sequence[Training]:
        """Scheduled trainings yet to start whose invited units include this unit or one above."""
        lineage = {int(p) for p in unit_path.strip("/").split("/") if p}
        q = (
            select(Training)
            .where(Training.status == TrainingStatus.SCHEDULED, Training.starts_at > now)
            .order_by(Training.starts_at, Training.id)
        )
        return [t for t in (await self.s.scalars(q)).all() if lineage & set(t.scope or [])]

    async def managed(self, viewer: Person, training_id: int) -> Training | None:
        """The training if this official may manage it, else None (same as no such training)."""
        if not _official(viewer):
            return None
        q = select(Training).where(Training.id == training_id, _organised_by_scope(viewer))
        return await self.s.scalar(q)

    async def followed(self, viewer: Person, training_id: int) -> Training | None:
        """The training if this official manages it or its invitations reach their unit, else None."""
        if not _official(viewer):
            return None
        return await self.s.scalar(select(Training).where(Training.id == training_id, _followed_by(viewer)))

    async def followed_list(self, viewer: Person, since: dt.datetime, limit: int) -> Sequence[Training]:
        if not _official(viewer):
            return []
        q = (
            select(Training)
            .where(_followed_by(viewer), Training.starts_at >= since)
            .order_by(Training.starts_at, Training.id)
            .limit(limit)
        )
        return (await self.s.scalars(q)).all()

    async def invite(self, training_id: int, person_id: int) -> tuple[TrainingInvite, Training] | None:
        q = (
            select(TrainingInvite, Training)
            .join(Training, TrainingInvite.training_id == Training.id)
            .where(TrainingInvite.training_id == training_id, TrainingInvite.person_id == person_id)
        )
        row = (await self.s.execute(q)).tuples().first()
        return row if row else None

    async def invite_by_id(self, invite_id: int) -> tuple[TrainingInvite, Training] | None:
        q = (
            select(TrainingInvite, Training)
            .join(Training, TrainingInvite.training_id == Training.id)
            .where(TrainingInvite.id == invite_id)
        )
        row = (await self.s.execute(q)).tuples().first()
        return row if row else None

    async def invites(
        self, training_id: int, team_id: int | None = None, path: str | None = None
    ) -> Sequence[tuple[TrainingInvite, Person]]:
        """Who was invited, by name; only one team's, or only those of units under `path`."""
        q = (
            select(TrainingInvite, Person)
            .join(Person, TrainingInvite.person_id == Person.id)
            .where(TrainingInvite.training_id == training_id)
        )
        if team_id is not None:
            q = q.where(TrainingInvite.team_id == team_id)
        if path is not None:
            q = q.join(Unit, Unit.id == TrainingInvite.team_id).where(under(Unit.path, path))
        return (await self.s.execute(q.order_by(Person.full_name, Person.id))).tuples().all()

    async def mine(self, person_id: int, since: dt.datetime, limit: int) -> Sequence[tuple[TrainingInvite, Training]]:
        q = (
            select(TrainingInvite, Training)
            .join(Training, TrainingInvite.training_id == Training.id)
            .where(TrainingInvite.person_id == person_id, Training.starts_at >= since)
            .order_by(Training.starts_at, Training.id)
            .limit(limit)
        )
        return (await self.s.execute(q)).tuples().all()

    async def starting_between(
        self, person_id: int, start: dt.datetime, end: dt.datetime
    ) -> Sequence[tuple[TrainingInvite, Training]]:
        """This person's scheduled classes starting in [start, end] (Training.checkin_open decides)."""
        q = (
            select(TrainingInvite, Training)
            .join(Training, TrainingInvite.training_id == Training.id)
            .where(
                TrainingInvite.person_id == person_id,
                Training.status == TrainingStatus.SCHEDULED,
                Training.starts_at.between(start, end),
            )
            .order_by(Training.starts_at, Training.id)
        )
        return (await self.s.execute(q)).tuples().all()

    async def misses(self, person_id: int, training_ids: Sequence[int]) -> dict[int, int]:
        """Training id → wrong check-in codes this person typed for it."""
        q = (
            select(CheckinMiss.training_id, func.count(CheckinMiss.id))
            .where(CheckinMiss.person_id == person_id, CheckinMiss.training_id.in_(list(training_ids)))
            .group_by(CheckinMiss.training_id)
        )
        return {tid: int(n) for tid, n in (await self.s.execute(q)).all()}

    async def add_miss(self, training_id: int, person_id: int, now: dt.datetime) -> None:
        self.s.add(CheckinMiss(training_id=training_id, person_id=person_id, at=now))
        await self.s.flush()

    async def clear_attendance(self, training_id: int) -> list[int]:
        """Every check-in of the class undone (it moved); returns whose were undone."""
        q = select(TrainingInvite).where(TrainingInvite.training_id == training_id, TrainingInvite.attended.is_(True))
        cleared = list(await self.s.scalars(q))
        for invite in cleared:
            invite.attended, invite.attended_at = False, None
        await self.s.flush()
        return [i.person_id for i in cleared]

    async def tally(self, training_id: int, path: str | None = None) -> Sequence[tuple[Unit, int, int, int, int]]:
        """Per team (the unit each person was in when invited): invited, accepted, declined,
        attended; only the units under `path` when it is given."""
        q = (
            select(
                Unit,
                func.count(TrainingInvite.id),
                func.sum(case((TrainingInvite.answer == Answer.YES, 1), else_=0)),
                func.sum(case((TrainingInvite.answer == Answer.NO, 1), else_=0)),
                func.sum(case((TrainingInvite.attended.is_(True), 1), else_=0)),
            )
            .join(Unit, TrainingInvite.team_id == Unit.id)
            .where(TrainingInvite.training_id == training_id, under(Unit.path, path) if path else true())
            .group_by(Unit.id)
            .order_by(Unit.path)
        )
        return [(u, int(a), int(b or 0), int(c or 0), int(d or 0)) for u, a, b, c, d in (await self.s.execute(q)).all()]

    async def tally_by_child(self, training_id: int, unit: Unit) -> list[tuple[Unit, int, int, int, int]]:
        """The per-team counts under `unit` added up per unit right below it (a province's
        communes), in path order; people invited at `unit` itself count under it."""
        sums: dict[int, list[int]] = {}
        for team, *counts in await self.tally(training_id, unit.path):
            below = team.path[len(unit.path) :].strip("/")
            row = sums.setdefault(int(below.split("/")[0]) if below else unit.id, [0, 0, 0, 0])
            for i, n in enumerate(counts):
                row[i] += n
        units = {u.id: u for u in await self.s.scalars(select(Unit).where(Unit.id.in_(list(sums))))}
        rows = [(units[i], a, b, c, d) for i, (a, b, c, d) in sums.items() if i in units]
        return sorted(rows, key=lambda r: r[0].path)


class DeadlineRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def rules_for(self, unit_ids: Sequence[int]) -> Sequence[ReportRule]:
        q = select(ReportRule).where(ReportRule.unit_id.in_(list(unit_ids)))
        return (await self.s.scalars(q)).all()

    async def all_rules(self) -> Sequence[ReportRule]:
        return (await self.s.scalars(select(ReportRule))).all()

    async def set_rule(
        self, unit_id: int, kind: str, month: int, day: int, person_id: int | None, now: dt.datetime
    ) -> ReportRule:
        rule = await self.s.scalar(select(ReportRule).where(ReportRule.unit_id == unit_id, ReportRule.kind == kind))
        if rule is None:
            rule = ReportRule(unit_id=unit_id, kind=kind, due_month=month, due_day=day)
            self.s.add(rule)
        rule.due_month, rule.due_day, rule.updated_by_id, rule.updated_at = month, day, person_id, now
        await self.s.flush()
        return rule

    async def teams_under(self, path: str) -> Sequence[Unit]:
        q = select(Unit).where(under(Unit.path, path), Unit.kind == UnitKind.TO_HOA_GIAI).order_by(Unit.path)
        return (await self.s.scalars(q)).all()

    async def leaders(self, team_ids: Sequence[int] | None = None) -> Sequence[Person]:
        q = select(Person).where(Person.role == Role.TO_TRUONG, Person.active.is_(True))
        if team_ids is not None:
            q = q.where(Person.unit_id.in_(list(team_ids)))
        return (await self.s.scalars(q.order_by(Person.unit_id, Person.id))).all()

    async def submitted(self, kind: str, period: str, team_ids: Sequence[int]) -> dict[int, ReportSubmission]:
        """In chunks: a country has more teams than one query takes parameters (32,767)."""
        ids, out = list(team_ids), {}
        for i in range(0, len(ids), 10_000):
            q = select(ReportSubmission).where(
                ReportSubmission.kind == kind,
                ReportSubmission.period == period,
                ReportSubmission.team_id.in_(ids[i : i + 10_000]),
            )
            out.update({s.team_id: s for s in await self.s.scalars(q)})
        return out

    async def submit(self, team_id: int, kind: str, period: str, person_id: int, now: dt.datetime) -> bool:
        """Record the team's report; False when it was recorded before, also by another leader
        at the same moment (the INSERT waits for their commit, then does nothing)."""
        stmt = insert(self.s, ReportSubmission).values(
            team_id=team_id, kind=kind, period=period, submitted_by_id=person_id, submitted_at=now
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["team_id", "kind", "period"])
        return bool((await self.s.execute(stmt.returning(ReportSubmission.id))).all())
