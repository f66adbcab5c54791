"""The chairman's decisions about a team's people (storage.models.decisions): recorded when an
official adds a mediator, appoints a leader or records a leave; number and day may come later.
Reads are scoped by the access rule (people the viewer may see)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import person_visible
from storage.models import Decision, DecisionKind, Person, Role


class DecisionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def record(
        self,
        person: Person,
        kind: DecisionKind,
        at: dt.datetime,
        by: Person | None,
        *,
        number: str | None = None,
        signed_on: dt.date | None = None,
    ) -> Decision:
        row = Decision(
            person_id=person.id,
            team_id=person.unit_id,
            kind=kind,
            number=number,
            signed_on=signed_on,
            recorded_at=at,
            recorded_by_id=by.id if by is not None and by.id else None,
        )
        self.s.add(row)
        await self.s.flush()
        return row

    async def latest(self, viewer: Person, person_id: int, kind: DecisionKind) -> Decision | None:
        q = (
            select(Decision)
            .join(Person, Person.id == Decision.person_id)
            .where(Decision.person_id == person_id, Decision.kind == kind, person_visible(viewer))
            .order_by(Decision.recorded_at.desc(), Decision.id.desc())
            .limit(1)
        )
        return await self.s.scalar(q)

    async def missing(self, members: Sequence[Person]) -> set[int]:
        """The people in office whose recognition (and, for a leader, appointment) has no
        complete decision on record."""
        if not members:
            return set()
        q = select(Decision).where(
            Decision.person_id.in_([p.id for p in members]),
            Decision.kind.in_([DecisionKind.RECOGNISED, DecisionKind.LEADER]),
        )
        done = {(d.person_id, d.kind) for d in await self.s.scalars(q) if d.complete}
        out = set()
        for p in members:
            if (p.id, DecisionKind.RECOGNISED) not in done:
                out.add(p.id)
            if p.role is Role.TO_TRUONG and (p.id, DecisionKind.LEADER) not in done:
                out.add(p.id)
        return out

    async def of_people(self, people: Sequence[Person]) -> dict[tuple[int, DecisionKind], Decision]:
        """(person id, kind) → the latest decision on record, for the people shown."""
        if not people:
            return {}
        q = (
            select(Decision)
            .where(Decision.person_id.in_([p.id for p in people]))
            .order_by(Decision.recorded_at, Decision.id)
        )
        return {(d.person_id, d.kind): d for d in await self.s.scalars(q)}  # the later row wins

    async def pending_left(self, viewer: Person, team_ids: Sequence[int]) -> dict[int, list[Person]]:
        """Team id → the people who left it through the bot and whose leave (Điều 11) still
        has no complete decision."""
        out: dict[int, list[Person]] = {t: [] for t in team_ids}
        if not team_ids:
            return out
        q = (
            select(Decision, Person)
            .join(Person, Person.id == Decision.person_id)
            .where(
                Decision.team_id.in_(list(team_ids)),
                Decision.kind == DecisionKind.LEFT,
                Person.active.is_(False),
                person_visible(viewer),
            )
            .order_by(Decision.recorded_at, Decision.id)
        )
        latest = {p.id: (p, d) for d, p in (await self.s.execute(q)).tuples()}
        for p, d in latest.values():
            if not d.complete:
                out[d.team_id].append(p)
        return out

    async def person_for(self, viewer: Person, person_id: int) -> Person | None:
        """Anyone the viewer may see, in office or not (a leave's decision comes after)."""
        return await self.s.scalar(select(Person).where(Person.id == person_id, person_visible(viewer)))
