"""The outbox repository: pushes and their deliveries, made and read; the dispatcher's claims are
in storage/outbox_queue.py. Never commits."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import String, Table, func, literal, or_, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.access import under
from storage.models import (
    OPEN_STATUSES,
    Case,
    CaseMediator,
    CaseStatus,
    Delivery,
    DeliveryStatus,
    Person,
    Push,
    PushFile,
    PushPrefs,
    Role,
    Unit,
    UTCDateTime,
)
from storage.outbox_queue import DeliveryQueue
from storage.sql import insert

CHUNK = 400  # rows per INSERT (SQLite allows 32,766 bound values per statement)
ANALYZE_AFTER = 20_000  # rows one announcement adds before the table's statistics are taken again
REACHED = (DeliveryStatus.SENT, DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN)


class OutboxRepo(DeliveryQueue):
    """Works on a session, or (the dispatcher's state writes) on a plain connection."""

    def __init__(self, session: AsyncSession | AsyncConnection) -> None:
        self.s = session

    @property
    def _session(self) -> AsyncSession:
        """Adding and getting rows: only ever on a session (the dispatcher's connection updates)."""
        return cast(AsyncSession, self.s)

    # --- creating ------------------------------------------------------------------------
    async def add_push(self, push: Push) -> Push:
        self._session.add(push)
        await self._session.flush()
        return push

    async def add_file(self, filename: str, kind: str, data: bytes, now: dt.datetime) -> PushFile:
        file = PushFile(
            filename=filename[:200],
            kind=kind,
            data=data,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=now,
        )
        self._session.add(file)
        await self._session.flush()
        return file

    async def add_file_ref(self, filename: str, kind: str, ref: str, size: int, now: dt.datetime) -> PushFile:
        file = PushFile(
            filename=filename[:200],
            kind=kind,
            data=b"",
            ref=ref[:300],
            size=size,
            sha256=hashlib.sha256(ref.encode()).hexdigest(),
            created_at=now,
        )
        self._session.add(file)
        await self._session.flush()
        return file

    async def file(self, file_id: int) -> PushFile | None:
        return await self._session.get(PushFile, file_id)

    async def add_deliveries(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert rows; a key that exists already is skipped. Returns the number inserted."""
        added = 0
        for i in range(0, len(rows), CHUNK):
            chunk = [{"status": DeliveryStatus.PENDING, "attempts": 0, **r} for r in rows[i : i + CHUNK]]
            stmt = insert(self.s, Delivery).values(chunk).on_conflict_do_nothing(index_elements=["key"])
            added += len((await self.s.execute(stmt.returning(Delivery.id))).all())
        return added

    async def add_under(
        self,
        push: Push,
        paths: Sequence[str],
        exclude_id: int | None,
        topic: str,
        due: dt.datetime,
        expires_at: dt.datetime | None,
        *,
        urgent: bool,
        mutable: bool,
        page: int,
    ) -> int:
        """One delivery (key `<topic>:<person id>`) for each active person at or under these unit
        paths but `exclude_id`, written by the database from the people table (INSERT … SELECT),
        `page` people a statement, read by id: nothing is loaded, however many they are. An
        existing key is skipped (running it again adds nothing). Returns the number inserted."""
        if not paths:
            return 0
        table = cast(Table, Delivery.__table__)
        person_id = cast(Table, Person.__table__).c.id
        values = {
            "push_id": literal(push.id),
            "person_id": person_id,
            "key": literal(f"{topic}:") + cast_(person_id, String),
            "topic": literal(topic),
            "urgent": literal(urgent),
            "mutable": literal(mutable),
            "due_at": literal(due, UTCDateTime()),
            "next_attempt_at": literal(due, UTCDateTime()),
            "expires_at": literal(expires_at, UTCDateTime()),
            "status": literal(DeliveryStatus.PENDING, table.c.status.type),
            "attempts": literal(0),
        }
        who = [or_(*(under(Unit.path, p) for p in paths)), Person.active.is_(True)]
        if exclude_id is not None:
            who.append(Person.id != exclude_id)
        ids = select(Person.id).join(Unit, Person.unit_id == Unit.id).where(*who)
        added, after = 0, 0
        while page_ids := (await self.s.scalars(ids.where(Person.id > after).order_by(Person.id).limit(page))).all():
            rows = (
                select(*(v.label(k) for k, v in values.items()))
                .select_from(Person)
                .join(Unit, Person.unit_id == Unit.id)
                .where(*who, Person.id > after, Person.id <= page_ids[-1])
            )
            stmt = insert(self.s, table).from_select(list(values), rows).on_conflict_do_nothing(index_elements=["key"])
            added += (await self.s.execute(stmt)).rowcount  # type: ignore[attr-defined]  # CursorResult
            after = page_ids[-1]
        if added >= ANALYZE_AFTER and self._dialect == "postgresql":
            # the planner's counts for the table are now far off (autovacuum comes a minute
            # later): without them the dispatcher's first claims sort every pending row
            await self.s.execute(text("ANALYZE deliveries"))
        return added

    async def count_under(self, paths: Sequence[str], exclude_id: int | None) -> int:
        """How many active people are at or under these unit paths, `exclude_id` aside."""
        if not paths:
            return 0
        q = (
            select(func.count(Person.id))
            .join(Unit, Person.unit_id == Unit.id)
            .where(or_(*(under(Unit.path, p) for p in paths)), Person.active.is_(True))
        )
        if exclude_id is not None:
            q = q.where(Person.id != exclude_id)
        return int(await self.s.scalar(q) or 0)

    async def queued_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these delivery keys exist already (a reminder made on an earlier run)."""
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            found.update(await self.s.scalars(select(Delivery.key).where(Delivery.key.in_(list(keys[i : i + 500])))))
        return found

    async def cancel(self, topics: Sequence[str], person_ids: Sequence[int] | None = None) -> int:
        """Deliveries of these topics not yet handed to a platform will not be sent."""
        q = update(Delivery).where(Delivery.topic.in_(list(topics)), Delivery.status.in_(OPEN_STATUSES))
        if person_ids is not None:
            q = q.where(Delivery.person_id.in_(list(person_ids)))
        result = await self.s.execute(
            q.values(status=DeliveryStatus.CANCELLED).execution_options(synchronize_session=False)
        )
        return result.rowcount  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult

    async def revive(self, topic: str, person_id: int, now: dt.datetime) -> int:
        """Cancelled deliveries of a topic that are still ahead go back to pending."""
        q = (
            update(Delivery)
            .where(
                Delivery.topic == topic,
                Delivery.person_id == person_id,
                Delivery.status == DeliveryStatus.CANCELLED,
                Delivery.due_at > now,
            )
            .values(status=DeliveryStatus.PENDING)
            .execution_options(synchronize_session=False)
        )
        return (await self.s.execute(q)).rowcount  # type: ignore[attr-defined]

    # --- people ----------------------------------------------------------------------------
    async def people_at(self, unit_id: int, roles: Sequence[Role]) -> Sequence[Person]:
        q = (
            select(Person)
            .where(Person.unit_id == unit_id, Person.active.is_(True), Person.role.in_(roles))
            .order_by(Person.id)
        )
        return (await self.s.scalars(q)).all()

    async def people_under(self, paths: Sequence[str], roles: Sequence[Role] | None = None) -> Sequence[Person]:
        """Active people whose unit lies at or under any of these unit paths."""
        if not paths:
            return []
        q = (
            select(Person)
            .join(Unit, Person.unit_id == Unit.id)
            .where(or_(*(under(Unit.path, p) for p in paths)), Person.active.is_(True))
        )
        if roles is not None:
            q = q.where(Person.role.in_(roles))
        return (await self.s.scalars(q.order_by(Unit.path, Person.full_name, Person.id))).all()

    # --- reading -------------------------------------------------------------------------
    async def push(self, push_id: int) -> Push | None:
        return await self._session.get(Push, push_id)

    async def pushes_by(self, person_id: int, kind: str, limit: int) -> Sequence[Push]:
        q = (
            select(Push)
            .where(Push.created_by_id == person_id, Push.kind == kind)
            .order_by(Push.created_at.desc(), Push.id.desc())
            .limit(limit)
        )
        return (await self.s.scalars(q)).all()

    async def counts(self, push_id: int) -> dict[DeliveryStatus, int]:
        q = (
            select(Delivery.status, func.count(Delivery.id))
            .where(Delivery.push_id == push_id)
            .group_by(Delivery.status)
        )
        return {DeliveryStatus(s): n for s, n in (await self.s.execute(q)).all()}

    async def not_reached(self, push_id: int, limit: int) -> Sequence[Person]:
        q = (
            select(Person)
            .join(Delivery, Delivery.person_id == Person.id)
            .where(
                Delivery.push_id == push_id,
                Delivery.status.in_([DeliveryStatus.UNREACHABLE, DeliveryStatus.FAILED, DeliveryStatus.EXPIRED]),
            )
            .order_by(Person.full_name)
            .limit(limit)
        )
        return (await self.s.scalars(q)).all()

    async def coming(self, person_id: int, now: dt.datetime, limit: int) -> Sequence[tuple[Delivery, Push]]:
        q = (
            select(Delivery, Push)
            .join(Push, Delivery.push_id == Push.id)
            .where(
                Delivery.person_id == person_id,
                Delivery.status.in_(OPEN_STATUSES),
                or_(Delivery.expires_at.is_(None), Delivery.expires_at > now),
            )
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        )
        return (await self.s.execute(q)).tuples().all()

    async def topic_exists(self, topic: str) -> bool:
        return await self.s.scalar(select(Delivery.id).where(Delivery.topic == topic).limit(1)) is not None

    async def reached(self, topic: str) -> set[int]:
        """People to whom a delivery of this topic was (or may have been) handed over."""
        q = select(Delivery.person_id).where(Delivery.topic == topic, Delivery.status.in_(REACHED))
        return set(await self.s.scalars(q))

    async def muted(self, person_id: int) -> bool:
        prefs = await self._session.get(PushPrefs, person_id)
        return bool(prefs and prefs.mute_reminders)

    async def set_muted(self, person_id: int, muted: bool, now: dt.datetime) -> None:
        prefs = await self._session.get(PushPrefs, person_id)
        if prefs is None:
            self._session.add(PushPrefs(person_id=person_id, mute_reminders=muted, updated_at=now))
        else:
            prefs.mute_reminders, prefs.updated_at = muted, now
        await self._session.flush()

    # --- the weekly digest of stale cases -----------------------------------------------------
    async def stale_cases(self, received_before: dt.date) -> Sequence[tuple[int, Case]]:
        """(mediator, case) for every case still being mediated, received on or before the day."""
        q = (
            select(CaseMediator.person_id, Case)
            .join(Case, CaseMediator.case_id == Case.id)
            .join(Person, CaseMediator.person_id == Person.id)
            .where(
                Case.status == CaseStatus.DANG_HOA_GIAI, Case.received_on <= received_before, Person.active.is_(True)
            )
            .order_by(CaseMediator.person_id, Case.received_on, Case.id)
        )
        return (await self.s.execute(q)).tuples().all()
