"""The dispatcher's side of the outbox: atomic claims of due deliveries, their state as they are
sent, leases recovered after a crash, expiry. Mixed into OutboxRepo (storage/outbox.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import (
    Account,
    Delivery,
    DeliveryStatus,
    Person,
    Push,
    PushPrefs,
)
from storage.sql import dialect_of


def _padded(ids: Sequence[int]) -> list[int]:
    """The ids, the last one repeated up to a power of two: IN (…) takes a handful of shapes, so
    the driver's prepared statements are reused instead of planned again for every length."""
    out = list(ids)
    size = 1
    while size < len(out):
        size *= 2
    return out + out[-1:] * (size - len(out))


class DeliveryQueue:
    """Needs `s` (a session or a connection) and `_dialect`, as OutboxRepo has them."""

    s: AsyncSession | AsyncConnection

    @property
    def _dialect(self) -> str:
        return dialect_of(self.s)

    # --- the dispatcher --------------------------------------------------------------------
    def claim_statement(
        self, worker: str, now: dt.datetime, lease_until: dt.datetime, limit: int, *, urgent_only: bool
    ) -> Any:
        """The claim: the first `limit` due rows in the order of the index on (status,
        next_attempt_at, id), so that it reads a few index entries however many rows wait. On
        PostgreSQL they are picked in a CTE (FOR UPDATE SKIP LOCKED, planned once, alone) and
        updated by a join on their ids; SQLite has one writer and takes them by IN (…)."""
        due = (
            select(Delivery.id)
            .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
            .order_by(Delivery.status, Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if urgent_only:
            due = due.where(Delivery.urgent.is_(True))
        stmt = update(Delivery).values(status=DeliveryStatus.CLAIMED, claimed_by=worker, lease_until=lease_until)
        if self._dialect == "postgresql":
            picked = due.with_for_update(skip_locked=True).cte("due")
            stmt = stmt.where(Delivery.id == picked.c.id)
        else:
            stmt = stmt.where(Delivery.id.in_(due.scalar_subquery()), Delivery.status == DeliveryStatus.PENDING)
        return stmt.returning(Delivery.id).execution_options(synchronize_session=False)

    async def claim(
        self, worker: str, now: dt.datetime, lease_until: dt.datetime, limit: int, *, urgent_only: bool
    ) -> list[int]:
        """Take up to `limit` due rows for this worker, atomically: UPDATE … RETURNING on
        SQLite (one writer at a time), FOR UPDATE SKIP LOCKED on PostgreSQL."""
        stmt = self.claim_statement(worker, now, lease_until, limit, urgent_only=urgent_only)
        return sorted((await self.s.execute(stmt)).scalars().all())

    async def claimed(self, ids: Sequence[int]) -> Sequence[tuple[Delivery, Push]]:
        q = (
            select(Delivery, Push)
            .join(Push, Delivery.push_id == Push.id)
            .where(Delivery.id.in_(list(ids)))
            .order_by(Delivery.next_attempt_at, Delivery.id)
        )
        return (await self.s.execute(q)).tuples().all()

    async def muted_among(self, person_ids: Sequence[int]) -> set[int]:
        q = select(PushPrefs.person_id).where(
            PushPrefs.person_id.in_(list(person_ids)), PushPrefs.mute_reminders.is_(True)
        )
        return set(await self.s.scalars(q))

    async def active_among(self, person_ids: Sequence[int]) -> set[int]:
        q = select(Person.id).where(Person.id.in_(list(person_ids)), Person.active.is_(True))
        return set(await self.s.scalars(q))

    async def accounts_for(self, person_ids: Sequence[int]) -> dict[int, Account]:
        """AccountsRepo.for_delivery for many people in one query: each one's reachable account
        on the app they chose, else the one they used last."""
        q = (
            select(Account, Person.preferred_channel)
            .join(Person, Person.id == Account.person_id)
            .where(Account.person_id.in_(list(person_ids)), Account.unreachable.is_(False))
        )
        best: dict[int, tuple[tuple, Account]] = {}
        for account, preferred in (await self.s.execute(q)).tuples():
            rank = (account.channel != preferred, -account.last_seen_at.timestamp())
            pid = cast(int, account.person_id)
            if pid not in best or rank < best[pid][0]:
                best[pid] = (rank, account)
        return {pid: account for pid, (_, account) in best.items()}

    async def start_sending_many(self, rows: Sequence[tuple[int, str, str]], worker: str) -> set[int]:
        """start_sending for many (id, channel, external_id) in two statements; the ids now sending."""
        if not rows:
            return set()
        table = cast(Table, Delivery.__table__)
        t = table.c
        stmt = (
            update(table)
            .where(t.id == bindparam("d_id"), t.status == DeliveryStatus.CLAIMED, t.claimed_by == worker)
            .values(status=DeliveryStatus.SENDING, channel=bindparam("d_channel"), external_id=bindparam("d_ext"))
        )
        await self.s.execute(stmt, [{"d_id": i, "d_channel": c, "d_ext": e} for i, c, e in rows])
        q = select(Delivery.id).where(
            Delivery.id.in_(_padded([r[0] for r in rows])),
            Delivery.status == DeliveryStatus.SENDING,
            Delivery.claimed_by == worker,
        )
        return set(await self.s.scalars(q))

    async def finish_many(self, delivery_ids: Sequence[int], status: DeliveryStatus, now: dt.datetime) -> None:
        """finish() for many rows at once, without an error text (the dispatcher's "sent")."""
        values: dict[str, Any] = {"status": status, "lease_until": None, "error": None}
        if status is DeliveryStatus.SENT:
            values["sent_at"] = now
        q = (
            update(Delivery)
            .where(
                Delivery.id.in_(_padded(delivery_ids)),
                Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await self.s.execute(q)

    async def start_sending(self, delivery_id: int, worker: str, channel: str, external_id: str) -> bool:
        """Claimed → sending, recorded before the platform is called. False if the row was
        cancelled or recovered meanwhile: then it must not be sent."""
        q = (
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.CLAIMED, Delivery.claimed_by == worker)
            .values(status=DeliveryStatus.SENDING, channel=channel, external_id=external_id)
            .execution_options(synchronize_session=False)
        )
        return (await self.s.execute(q)).rowcount == 1  # type: ignore[attr-defined]

    async def finish(
        self, delivery_id: int, status: DeliveryStatus, now: dt.datetime, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "lease_until": None, "error": error}
        if status is DeliveryStatus.SENT:
            values["sent_at"] = now
        q = (
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await self.s.execute(q)

    async def retry(self, delivery_id: int, at: dt.datetime, attempts: int, error: str) -> None:
        q = (
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]))
            .values(
                status=DeliveryStatus.PENDING,
                next_attempt_at=at,
                attempts=attempts,
                error=error[:200],
                claimed_by=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        await self.s.execute(q)

    async def recover(self, now: dt.datetime, *, stale_only: bool) -> tuple[int, int]:
        """Rows of a dispatcher that died: claimed ones were never handed over and go back
        to pending; sending ones may have been, and become uncertain (never resent)."""
        cond = [Delivery.lease_until < now] if stale_only else []
        back = await self.s.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.CLAIMED, *cond)
            .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        lost = await self.s.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.SENDING, *cond)
            .values(status=DeliveryStatus.UNCERTAIN, lease_until=None, error="process stopped while sending")
            .execution_options(synchronize_session=False)
        )
        return back.rowcount, lost.rowcount  # type: ignore[attr-defined]

    async def release(self, worker: str) -> int:
        """A clean shutdown hands back what it claimed but did not start."""
        q = (
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.CLAIMED, Delivery.claimed_by == worker)
            .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return (await self.s.execute(q)).rowcount  # type: ignore[attr-defined]

    async def expire(self, now: dt.datetime) -> int:
        q = (
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.PENDING, Delivery.expires_at <= now)
            .values(status=DeliveryStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        return (await self.s.execute(q)).rowcount  # type: ignore[attr-defined]

    async def next_due(self) -> dt.datetime | None:
        q = select(func.min(Delivery.next_attempt_at)).where(Delivery.status == DeliveryStatus.PENDING)
        return await self.s.scalar(q)

    async def block_account(self, channel: str, external_id: str) -> None:
        await self.s.execute(
            update(Account)
            .where(Account.channel == channel, Account.external_id == external_id)
            .values(unreachable=True)
            .execution_options(synchronize_session=False)
        )
