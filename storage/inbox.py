"""The inbox: webhook updates written to the store before the platform gets its 200, then
handled from here (bot/inbox.py), so a crash after the answer loses nothing.

A row is owned by the worker that claimed it, until its lease runs out; a row left by a
dead worker is claimed again by any worker after the lease (on SQLite, one process per
store, at once at start). A row is deleted when its turn is done; a turn handled twice
(a crash between the turn's commit and the delete) is answered once by the engine's
seen_updates. The payload holds what users typed: it is encrypted like the parties' data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import SealedJSON
from storage.models import Base
from storage.sql import dialect_of, insert

PROBE = "probe"  # the channel of /healthz's write probe: inserted and deleted in one transaction


class InboxUpdate(Base):
    """One platform update answered 200 and not yet handled."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(120))  # the platform's update id (a redelivery: no row)
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    received_at: Mapped[dt.datetime]
    owner: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims; a row that keeps killing
    # the process is dropped after MAX_ATTEMPTS (bot/inbox.py)

    __table_args__ = (UniqueConstraint("channel", "key"),)


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    payload: dict[str, Any]
    attempts: int


class InboxRepo:
    def __init__(self, session) -> None:
        self.s = session

    @property
    def _dialect(self) -> str:
        return dialect_of(self.s)

    async def put(self, channel: str, key: str, payload: dict[str, Any], owner: str, now: dt.datetime) -> bool:
        """Keep an update for `owner` to handle; False when it waits already (a redelivery)."""
        stmt = insert(self.s, InboxUpdate).values(
            channel=channel, key=key, payload=payload, received_at=now, owner=owner, claimed_at=now, attempts=0
        )
        stmt = stmt.on_conflict_do_nothing()
        return (await self.s.execute(stmt)).rowcount == 1

    async def claim(
        self,
        owner: str,
        now: dt.datetime,
        stale_before: dt.datetime,
        limit: int,
        *,
        skip: Iterable[int] = (),
        everything: bool = False,
    ) -> list[Claimed]:
        """Take up to `limit` rows, oldest first: this owner's new ones, and any whose lease
        ran out (`everything`: all rows, for a single-process store at start)."""
        due = select(InboxUpdate.id).order_by(InboxUpdate.id).limit(limit)
        if not everything:
            due = due.where(
                or_((InboxUpdate.owner == owner) & (InboxUpdate.attempts == 0), InboxUpdate.claimed_at < stale_before)
            )
        skip = list(skip)
        if skip:
            due = due.where(InboxUpdate.id.not_in(skip))
        if self._dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(InboxUpdate)
            .where(InboxUpdate.id.in_(due.scalar_subquery()))
            .values(owner=owner, claimed_at=now, attempts=InboxUpdate.attempts + 1)
            .returning(InboxUpdate.id, InboxUpdate.channel, InboxUpdate.payload, InboxUpdate.attempts)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.s.execute(stmt)).all()
        return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)

    async def done(self, ids: Sequence[int]) -> None:
        if ids:
            await self.s.execute(delete(InboxUpdate).where(InboxUpdate.id.in_(list(ids))))

    async def waiting(self) -> int:
        return await self.s.scalar(select(func.count(InboxUpdate.id)))

    async def probe(self, token: str, now: dt.datetime) -> None:
        """Write a row and take it back in one transaction: the store accepts writes."""
        await self.put(PROBE, token, {}, token[:32], now)
        await self.s.execute(delete(InboxUpdate).where(InboxUpdate.channel == PROBE, InboxUpdate.key == token))
