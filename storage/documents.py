"""The document library's repository: who finds which document, and who opened it.

Visibility is one rule (`document_visible`): a document published to a unit is found by the
people of that unit and of every unit under it, whoever they are and whenever they joined;
an administrator finds every document; someone who has left finds none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import under
from storage.models import Document, DocumentOpen, Person, PushFile, Role, Topic, Unit
from storage.sql import insert


def ancestor_paths(path: str) -> list[str]:
    """'/1/4/9/' → ['/1/', '/1/4/', '/1/4/9/']: the unit and every unit above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def document_visible(viewer: Person) -> ColumnElement[bool]:
    """SQL condition: documents published at the viewer's unit or any unit above it."""
    if not viewer.active:
        return false()
    if viewer.role is Role.ADMIN:
        return true()
    return Document.unit_path.in_(ancestor_paths(viewer.unit.path))


def can_open(viewer: Person, doc: Document) -> bool:
    """The same rule on one document: live, and published at the viewer's unit or above it."""
    if not viewer.active or doc.withdrawn_at is not None:
        return False
    return viewer.role is Role.ADMIN or doc.unit_path in ancestor_paths(viewer.unit.path)


@dataclass(frozen=True)
class TeamReach:
    unit_id: int
    unit_name: str
    opened: int
    people: int  # people there now who can open it (the publisher excepted)


class DocumentRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, doc: Document) -> Document:
        self.s.add(doc)
        await self.s.flush()
        return doc

    async def get(self, doc_id: int) -> Document | None:
        return await self.s.get(Document, doc_id)

    async def file(self, doc: Document) -> PushFile | None:
        return await self.s.get(PushFile, doc.file_id)

    async def find(
        self, viewer: Person, *, topic: Topic | None = None, words: Sequence[str] = (), offset: int = 0, limit: int = 8
    ) -> tuple[list[Document], int]:
        """Live documents this person may open, latest first; `words` are folded title words,
        all of which must appear. Returns a page and the total."""
        cond = document_visible(viewer) & Document.withdrawn_at.is_(None)
        if topic is not None:
            cond = cond & (Document.topic == topic)
        for word in words:
            cond = cond & Document.title_folded.contains(word, autoescape=True)
        total = await self.s.scalar(select(func.count(Document.id)).where(cond)) or 0
        page = await self.s.scalars(
            select(Document)
            .where(cond)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(page), total

    async def by_author(self, person_id: int, *, offset: int = 0, limit: int = 8) -> tuple[list[Document], int]:
        cond = (Document.created_by_id == person_id) & Document.withdrawn_at.is_(None)
        total = await self.s.scalar(select(func.count(Document.id)).where(cond)) or 0
        page = await self.s.scalars(
            select(Document)
            .where(cond)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(page), total

    async def record_open(self, doc_id: int, person_id: int, now: dt.datetime) -> bool:
        """The first open of this document by this person; True if it was the first."""
        stmt = insert(self.s, DocumentOpen).values(document_id=doc_id, person_id=person_id, opened_at=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["document_id", "person_id"])
        return bool((await self.s.execute(stmt.returning(DocumentOpen.person_id))).all())

    async def reach(self, doc: Document) -> list[TeamReach]:
        """Per unit under the document's unit that has people: how many opened it, of how many.
        Most opened first; people who left are counted only if they opened it."""
        in_subtree = Person.unit_id.in_(select(Unit.id).where(under(Unit.path, doc.unit_path)))
        others = Person.id != doc.created_by_id
        people = dict(
            (
                await self.s.execute(
                    select(Person.unit_id, func.count(Person.id))
                    .where(in_subtree, others, Person.active)
                    .group_by(Person.unit_id)
                )
            )
            .tuples()
            .all()
        )
        opened = dict(
            (
                await self.s.execute(
                    select(Person.unit_id, func.count(DocumentOpen.person_id))
                    .join(Person, Person.id == DocumentOpen.person_id)
                    .where(DocumentOpen.document_id == doc.id, in_subtree, others)
                    .group_by(Person.unit_id)
                )
            )
            .tuples()
            .all()
        )
        ids = set(people) | set(opened)
        names = (
            dict((await self.s.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))).tuples().all())
            if ids
            else {}
        )
        rows = [
            TeamReach(uid, names.get(uid, ""), opened.get(uid, 0), max(people.get(uid, 0), opened.get(uid, 0)))
            for uid in ids
        ]
        return sorted(rows, key=lambda r: (-r.opened, r.unit_name, r.unit_id))
