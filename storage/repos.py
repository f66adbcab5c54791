"""Repositories: queries and writes, never commits (the unit of work commits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_visible, under
from storage.casecode import commune_path, unique_code
from storage.codes import code_digest
from storage.models import (
    Account,
    AuditEntry,
    Case,
    CaseEvent,
    CaseStatus,
    Conversation,
    InviteCode,
    Person,
    Role,
    SeenUpdate,
    Unit,
    UnitKind,
)
from storage.models.base import Base
from storage.sql import insert


async def insert_or_nothing(session: AsyncSession, model: type[Base], **values: Any) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL): False when the row was there,
    or another transaction inserted it first (PostgreSQL waits for that one's commit)."""
    result = await session.execute(insert(session, model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session


class UnitRepo(_Repo):
    async def add(self, kind: UnitKind, name: str, parent: Unit | None, now: dt.datetime) -> Unit:
        unit = Unit(kind=kind, name=name, parent_id=parent.id if parent else None, created_at=now)
        self.s.add(unit)
        await self.s.flush()
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        if kind is UnitKind.TO_HOA_GIAI:
            unit.code = await self._free_code(unit)
        await self.s.flush()
        return unit

    async def _free_code(self, team: Unit) -> str:
        """A short code no other team of the same commune has (storage.casecode)."""
        ids = [int(p) for p in team.path.strip("/").split("/") if p]
        kinds = {r.id: r.kind.value for r in await self.s.execute(select(Unit.id, Unit.kind).where(Unit.id.in_(ids)))}
        scope = commune_path(team.path, kinds)
        taken = set(
            await self.s.scalars(
                select(Unit.code).where(Unit.kind == UnitKind.TO_HOA_GIAI, Unit.id != team.id, under(Unit.path, scope))
            )
        )
        # a team merged into another left its code on its cases: their numbers stay theirs
        taken |= set(await self.s.scalars(select(Case.code).distinct().where(under(Case.unit_path, scope))))
        return unique_code(team.name, {c for c in taken if c})

    async def get(self, unit_id: int) -> Unit | None:
        return await self.s.get(Unit, unit_id)

    async def child_named(self, parent: Unit | None, name: str) -> Unit | None:
        cond = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
        return await self.s.scalar(select(Unit).where(cond, Unit.name == name))

    async def find(self, key: str) -> Sequence[Unit]:
        if key.isdigit():
            unit = await self.get(int(key))
            return [unit] if unit else []
        return (await self.s.scalars(select(Unit).where(Unit.name == key).order_by(Unit.id))).all()

    async def under(self, root: Unit, kind: UnitKind | None = None) -> Sequence[Unit]:
        q = select(Unit).where(Unit.path.startswith(root.path, autoescape=True))
        if kind is not None:
            q = q.where(Unit.kind == kind)
        return (await self.s.scalars(q.order_by(Unit.path))).all()

    async def all(self) -> Sequence[Unit]:
        return (await self.s.scalars(select(Unit).order_by(Unit.path))).all()

    async def lineage(self, unit: Unit) -> list[Unit]:
        ids = [int(p) for p in unit.path.strip("/").split("/") if p]
        rows = {u.id: u for u in await self.s.scalars(select(Unit).where(Unit.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]


class PeopleRepo(_Repo):
    async def add(self, person: Person) -> Person:
        self.s.add(person)
        await self.s.flush()
        return person

    async def get(self, person_id: int) -> Person | None:
        return await self.s.get(Person, person_id)

    async def with_unit(self, person: Person) -> Person:
        """The person with their unit loaded as it is now (after a move or a join)."""
        await self.s.flush()
        await self.s.refresh(person, ["unit"])
        return person

    async def team_members(self, team_id: int) -> Sequence[Person]:
        q = (
            select(Person)
            .where(Person.unit_id == team_id, Person.active.is_(True))
            .where(Person.role.in_([Role.HOA_GIAI_VIEN, Role.TO_TRUONG]))
            .order_by(Person.full_name, Person.id)
        )
        return (await self.s.scalars(q)).all()

    async def count(self) -> int:
        return await self.s.scalar(select(func.count(Person.id))) or 0


class AccountRepo(_Repo):
    async def touch(
        self, channel: str, external_id: str, name: str, now: dt.datetime
    ) -> tuple[Account, Person | None, Conversation]:
        """The account writing to us, its person and its conversation, in one query (a turn's
        first read). A first message makes the missing rows with inserts that do nothing when
        another worker made the same row at the same moment (PostgreSQL waits for that one to
        commit), then reads them again: both turns go on, the store keeps one of each."""
        row = await self._row(channel, external_id)
        if row is None:
            values = {"display_name": name[:200], "unreachable": False, "last_seen_at": now}
            await insert_or_nothing(self.s, Account, channel=channel, external_id=external_id, **values)
            row = await self._row(channel, external_id)
        if row is not None and row[2] is None:
            await insert_or_nothing(self.s, Conversation, account_id=row[0].id, data={}, choices={}, updated_at=now)
            row = await self._row(channel, external_id)
        account, person, conv = row if row is not None else (None, None, None)
        if account is None or conv is None:
            raise RuntimeError("account or conversation missing right after its insert")
        account.last_seen_at = now  # "the app used last" decides where reminders go
        account.unreachable = False
        return account, person, conv

    async def _row(self, channel: str, external_id: str) -> tuple[Account, Person | None, Conversation | None] | None:
        q = (
            select(Account, Person, Conversation)
            .outerjoin(Person, Person.id == Account.person_id)
            .outerjoin(Conversation, Conversation.account_id == Account.id)
            .where(Account.channel == channel, Account.external_id == external_id)
        )
        row = (await self.s.execute(q)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def get(self, channel: str, external_id: str) -> Account | None:
        q = select(Account).where(Account.channel == channel, Account.external_id == external_id)
        return await self.s.scalar(q)

    async def for_delivery(self, person_id: int, channels: Sequence[str] | None = None) -> Account | None:
        """Where pushes to this person go: a reachable account on the app they chose, else the
        reachable account they used last; `channels` limits it to the apps this process serves."""
        preferred = select(Person.preferred_channel).where(Person.id == person_id).scalar_subquery()
        q = (
            select(Account)
            .where(Account.person_id == person_id, Account.unreachable.is_(False))
            .order_by(sql_case((Account.channel == preferred, 0), else_=1), Account.last_seen_at.desc())
            .limit(1)
        )
        if channels is not None:
            q = q.where(Account.channel.in_(list(channels)))
        return await self.s.scalar(q)

    async def of_person(self, person_id: int) -> Sequence[Account]:
        q = select(Account).where(Account.person_id == person_id).order_by(Account.last_seen_at.desc())
        return (await self.s.scalars(q)).all()


class InviteRepo(_Repo):
    """Invite codes, found by their digest (storage.codes): the store never holds a code."""

    async def add(self, invite: InviteCode) -> InviteCode:
        self.s.add(invite)
        await self.s.flush()
        return invite

    async def get(self, code: str) -> InviteCode | None:
        q = select(InviteCode).where(InviteCode.code_hash == code_digest(code))
        return await self.s.scalar(q)

    async def by_id(self, invite_id: int) -> InviteCode | None:
        return await self.s.get(InviteCode, invite_id)

    async def use(self, invite_id: int, now: dt.datetime) -> bool:
        """Spend one use atomically; False if the code is spent or expired."""
        result = await self.s.execute(
            update(InviteCode)
            .where(InviteCode.id == invite_id, InviteCode.uses_left > 0, InviteCode.expires_at > now)
            .values(uses_left=InviteCode.uses_left - 1)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def live(
        self, now: dt.datetime, path: str, *, made_by: int | None = None, limit: int = 500
    ) -> Sequence[InviteCode]:
        """Codes still usable, for units under `path` (and made by `made_by`), newest first."""
        q = (
            select(InviteCode)
            .join(Unit, Unit.id == InviteCode.unit_id)
            .where(under(Unit.path, path), InviteCode.uses_left > 0, InviteCode.expires_at > now)
            .order_by(InviteCode.id.desc())
            .limit(limit)
        )
        if made_by is not None:
            q = q.where(InviteCode.created_by_id == made_by)
        return (await self.s.scalars(q)).all()

    async def failures_since(self, target: str, since: dt.datetime) -> int:
        """Wrong invite codes typed from this account lately (a brake on guessing)."""
        q = select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "invite_failed", AuditEntry.target == target, AuditEntry.at > since
        )
        return await self.s.scalar(q) or 0


class CaseRepo(_Repo):
    async def next_seq(self, team_id: int, year: int) -> int:
        q = select(func.max(Case.seq)).where(Case.team_id == team_id, Case.year == year)
        return (await self.s.scalar(q) or 0) + 1

    async def add(self, case: Case) -> Case:
        self.s.add(case)
        await self.s.flush()
        return case

    async def add_numbered(self, make: Callable[[int], Case], team_id: int, year: int, tries: int = 5) -> Case | None:
        """Add the case `make(seq)` builds with the team's next number of the year; when another
        worker took that number first, take the next one. None after `tries` such clashes."""
        for _ in range(tries):
            try:
                async with self.s.begin_nested():
                    case = make(await self.next_seq(team_id, year))
                    await self.add(case)
            except IntegrityError:
                continue  # another worker took this number: take the next one
            return case
        return None

    async def add_event(self, event: CaseEvent) -> None:
        self.s.add(event)
        await self.s.flush()

    async def visible(self, viewer: Person, case_id: int) -> Case | None:
        """The case if this person may see it, else None (same answer as 'no such case')."""
        return await self.s.scalar(select(Case).where(Case.id == case_id, case_visible(viewer)))

    async def page_for(self, viewer: Person, offset: int, limit: int) -> tuple[Sequence[Case], int]:
        cond = case_visible(viewer)
        total = await self.s.scalar(select(func.count(Case.id)).where(cond)) or 0
        q = select(Case).where(cond).order_by(Case.received_on.desc(), Case.id.desc()).offset(offset).limit(limit)
        return (await self.s.scalars(q)).all(), total

    async def events(self, case_id: int) -> Sequence[CaseEvent]:
        q = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
        return (await self.s.scalars(q)).all()

    async def count_all(self) -> int:
        return await self.s.scalar(select(func.count(Case.id))) or 0

    async def count_by_status(self, status: CaseStatus) -> int:
        return await self.s.scalar(select(func.count(Case.id)).where(Case.status == status)) or 0


class ConversationRepo(_Repo):
    async def get(self, account_id: int) -> Conversation | None:
        return await self.s.get(Conversation, account_id)

    async def get_or_new(self, account_id: int, now: dt.datetime) -> Conversation:
        """The account's conversation; made when missing, as in AccountRepo.touch."""
        conv = await self.get(account_id)
        if conv is None:
            await insert_or_nothing(self.s, Conversation, account_id=account_id, data={}, choices={}, updated_at=now)
            conv = await self.get(account_id)
        if conv is None:
            raise RuntimeError("conversation missing right after its insert")
        return conv


class SeenUpdateRepo(_Repo):
    async def first_time(self, key: str, now: dt.datetime) -> bool:
        """Record an update key; False when it was seen before (a redelivery)."""
        return await insert_or_nothing(self.s, SeenUpdate, key=key, at=now)

    async def prune(self, before: dt.datetime) -> None:
        await self.s.execute(delete(SeenUpdate).where(SeenUpdate.at < before))


class AuditRepo(_Repo):
    async def add(self, entry: AuditEntry) -> None:
        self.s.add(entry)

    async def record(
        self, at: dt.datetime, person_id: int | None, action: str, target: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Who (None: the operator at the shell) did what to which target, and its particulars."""
        self.s.add(AuditEntry(at=at, person_id=person_id, action=action, target=target, detail=detail or {}))
