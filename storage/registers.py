"""Read queries behind the official report and the commendation shortlist: the cases of a
unit's logbooks, who mediated them, and the make-up of its teams. Scoped by the access rule.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_visible, person_visible, under, unit_in_scope
from storage.models import (
    Case,
    CaseEvent,
    CaseMediator,
    Person,
    Role,
    Training,
    TrainingInvite,
    TrainingStatus,
    Unit,
    UnitKind,
    case_number,
)
from storage.rollups import lineage_ids

MEDIATOR_ROLES = (Role.HOA_GIAI_VIEN, Role.TO_TRUONG)


@dataclass
class LogRow:
    """One case as the logbook (sổ theo dõi) records it."""

    id: int
    team_id: int
    seq: int
    year: int
    received_on: dt.date
    category: str
    status: str
    parties: dict[str, Any]
    summary: str
    agreement: str | None
    end_reason: str | None
    mediators: list[tuple[int, str]] = field(default_factory=list)  # (person id, full name)
    code: str = ""
    source: str = ""
    sessions: list[str] = field(default_factory=list)  # ISO days
    outcome_on: dt.date | None = None
    referral: str | None = None
    corrected_at: dt.datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def number(self) -> str:
        return case_number(self.code, self.seq, self.year)


@dataclass
class Census:
    """The make-up of the teams under one unit."""

    teams: int = 0
    mediators: int = 0
    women: int = 0
    ethnic: int = 0

    def add(self, other: Census) -> None:
        self.teams += other.teams
        self.mediators += other.mediators
        self.women += other.women
        self.ethnic += other.ethnic


def in_office(at: dt.datetime) -> ColumnElement[bool]:
    """Mediators who had not left at this moment (Điều 11)."""
    return or_(and_(Person.active.is_(True), Person.left_at.is_(None)), Person.left_at > at)


class RegisterRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _cases(self, viewer: Person, unit: Unit, start: dt.date, end: dt.date) -> ColumnElement[bool]:
        return and_(case_visible(viewer), under(Case.unit_path, unit.path), Case.received_on.between(start, end))

    async def teams(self, viewer: Person, unit: Unit) -> Sequence[Unit]:
        q = (
            select(Unit)
            .where(under(Unit.path, unit.path), Unit.kind == UnitKind.TO_HOA_GIAI, unit_in_scope(viewer))
            .order_by(Unit.path)
        )
        return (await self.s.scalars(q)).all()

    async def logbook(self, viewer: Person, unit: Unit, start: dt.date, end: dt.date) -> list[LogRow]:
        cond = self._cases(viewer, unit, start, end)
        q = (
            select(
                Case.id,
                Case.team_id,
                Case.seq,
                Case.year,
                Case.received_on,
                Case.category,
                Case.status,
                Case.parties,
                Case.summary,
                Case.agreement,
                Case.end_reason,
                Case.code,
                Case.source,
                Case.sessions,
                Case.outcome_on,
                Case.referral,
                Case.corrected_at,
            )
            .where(cond)
            .order_by(Case.team_id, Case.received_on, Case.year, Case.seq)
        )
        rows = {
            r.id: LogRow(
                r.id,
                r.team_id,
                r.seq,
                r.year,
                r.received_on,
                r.category,
                r.status.value,
                r.parties or {},
                r.summary,
                r.agreement,
                r.end_reason,
                [],
                r.code,
                r.source,
                list(r.sessions or []),
                r.outcome_on,
                r.referral,
                r.corrected_at,
            )
            for r in await self.s.execute(q)
        }
        if rows:
            mq = (
                select(CaseMediator.case_id, Person.id, Person.full_name)
                .join(Person, Person.id == CaseMediator.person_id)
                .where(CaseMediator.case_id.in_(select(Case.id).where(cond)))
                .order_by(CaseMediator.case_id, Person.full_name)
            )
            for case_id, pid, name in await self.s.execute(mq):
                if case_id in rows:
                    rows[case_id].mediators.append((pid, name))
            nq = (
                select(CaseEvent.case_id, CaseEvent.text)
                .where(CaseEvent.kind == "note", CaseEvent.case_id.in_(select(Case.id).where(cond)))
                .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)
            )
            for case_id, text in await self.s.execute(nq):
                if case_id in rows and text:
                    rows[case_id].notes.append(text)
        return list(rows.values())

    async def census(self, viewer: Person, unit: Unit, at: dt.datetime) -> dict[int, Census]:
        """Unit id (the unit itself, and each child) → its teams and mediators in office at `at`."""
        depth = len(lineage_ids(unit.path))
        out: dict[int, Census] = {unit.id: Census()}

        def bucket(path: str) -> list[Census]:
            ids = lineage_ids(path)
            keys = [unit.id] + ([ids[depth]] if len(ids) > depth else [])
            return [out.setdefault(k, Census()) for k in keys]

        for team in await self.teams(viewer, unit):
            for c in bucket(team.path):
                c.teams += 1
        q = (
            select(Unit.path, Person.sex, Person.ethnic_minority, func.count(Person.id))
            .join(Unit, Unit.id == Person.unit_id)
            .where(under(Unit.path, unit.path), Person.role.in_(MEDIATOR_ROLES), in_office(at), person_visible(viewer))
            .group_by(Unit.path, Person.sex, Person.ethnic_minority)
        )
        for path, sex, ethnic, n in await self.s.execute(q):
            for c in bucket(path):
                c.mediators += n
                c.women += n if sex == "nu" else 0
                c.ethnic += n if ethnic else 0
        return out

    async def mediator_results(
        self, viewer: Person, unit: Unit, start: dt.date, end: dt.date
    ) -> dict[int, Counter[str]]:
        """Person id → status → cases they took part in, received in the period."""
        q = (
            select(CaseMediator.person_id, Case.status, func.count())
            .join(Case, Case.id == CaseMediator.case_id)
            .where(self._cases(viewer, unit, start, end))
            .group_by(CaseMediator.person_id, Case.status)
        )
        out: dict[int, Counter[str]] = {}
        for pid, status, n in await self.s.execute(q):
            out.setdefault(pid, Counter())[status.value] += n
        return out

    async def team_results(self, viewer: Person, unit: Unit, start: dt.date, end: dt.date) -> dict[int, Counter[str]]:
        q = (
            select(Case.team_id, Case.status, func.count())
            .where(self._cases(viewer, unit, start, end))
            .group_by(Case.team_id, Case.status)
        )
        out: dict[int, Counter[str]] = {}
        for team_id, status, n in await self.s.execute(q):
            out.setdefault(team_id, Counter())[status.value] += n
        return out

    async def people(self, viewer: Person, ids: Sequence[int]) -> dict[int, Person]:
        if not ids:
            return {}
        q = select(Person).where(Person.id.in_(list(ids)), person_visible(viewer))
        return {p.id: p for p in await self.s.scalars(q)}

    async def attendance(
        self, viewer: Person, unit: Unit, low: dt.datetime, high: dt.datetime
    ) -> dict[int, int] | None:
        """Person id → trainings attended that started in [low, high], for the mediators under
        the unit; None when no training at all took place for them (the column is left out)."""
        q = (
            select(TrainingInvite.person_id, func.sum(func.cast(TrainingInvite.attended, Integer)))
            .join(Training, Training.id == TrainingInvite.training_id)
            .join(Person, Person.id == TrainingInvite.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(
                Training.status != TrainingStatus.CANCELLED,
                Training.starts_at.between(low, high),
                under(Unit.path, unit.path),
                person_visible(viewer),
            )
            .group_by(TrainingInvite.person_id)
        )
        rows = (await self.s.execute(q)).all()
        return {pid: int(n or 0) for pid, n in rows} if rows else None
