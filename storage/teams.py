"""Teams and their members, for the review of Điều 12 and the changes of Điều 11–12.
Every read is scoped by the access rule."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import person_visible, under, unit_in_scope
from storage.models import Person, Role, Unit, UnitKind
from storage.rollups import lineage_ids

MEDIATOR_ROLES = (Role.HOA_GIAI_VIEN, Role.TO_TRUONG)
IDS_PER_QUERY = 10_000  # PostgreSQL's driver takes at most 32,767 parameters in one statement


def id_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """The ids in lists short enough for one query's `IN (…)`."""
    items = list(ids)
    for at in range(0, len(items), IDS_PER_QUERY):
        yield items[at : at + IDS_PER_QUERY]


class TeamRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def team_for(self, viewer: Person, team_id: int) -> Unit | None:
        q = select(Unit).where(Unit.id == team_id, Unit.kind == UnitKind.TO_HOA_GIAI, unit_in_scope(viewer))
        return await self.s.scalar(q)

    async def teams_under(self, viewer: Person, unit: Unit) -> Sequence[Unit]:
        q = (
            select(Unit)
            .where(under(Unit.path, unit.path), Unit.kind == UnitKind.TO_HOA_GIAI, unit_in_scope(viewer))
            .order_by(Unit.path)
        )
        return (await self.s.scalars(q)).all()

    async def members(self, viewer: Person, team_ids: Sequence[int]) -> dict[int, list[Person]]:
        """Team id → its mediators in office, leader first (in chunks: a country has more teams
        than one query takes parameters)."""
        out: dict[int, list[Person]] = {t: [] for t in team_ids}
        for ids in id_chunks(out):
            q = (
                select(Person)
                .where(
                    Person.unit_id.in_(ids),
                    Person.role.in_(MEDIATOR_ROLES),
                    Person.active.is_(True),
                    person_visible(viewer),
                )
                .order_by(Person.role.desc(), Person.full_name, Person.id)
            )
            for p in await self.s.scalars(q):
                out[p.unit_id].append(p)
        return out

    async def mediator_for(self, viewer: Person, person_id: int) -> Person | None:
        """A mediator in office this person may see, else None (same as no such person)."""
        q = select(Person).where(
            Person.id == person_id, Person.role.in_(MEDIATOR_ROLES), Person.active.is_(True), person_visible(viewer)
        )
        return await self.s.scalar(q)

    async def ethnic_areas(self, teams: Sequence[Unit]) -> set[int]:
        """Teams that lie in an area marked as having many ethnic-minority people (any level)."""
        ids = {i for t in teams for i in lineage_ids(t.path)}
        if not ids:
            return set()
        flagged: set[int] = set()
        for chunk in id_chunks(ids):
            q = select(Unit.id).where(Unit.id.in_(chunk), Unit.ethnic_area.is_(True))
            flagged |= set(await self.s.scalars(q))
        return {t.id for t in teams if flagged & set(lineage_ids(t.path))}

    async def lineage(self, unit: Unit) -> list[Unit]:
        ids = lineage_ids(unit.path)
        found = {u.id: u for u in await self.s.scalars(select(Unit).where(Unit.id.in_(ids)))}
        return [found[i] for i in ids if i in found]
