"""What erasing a case's parties reaches in the store, and the purge of abandoned drafts.

Erasure (handlers/privacy/views.py) rewrites every free-text value of: the case, its history
(notes, outcomes, corrections), its help requests and answers, and the pushes about those
requests, sent or waiting (found by their topics `help:<id>`, `help:<id>:reply`). A slice
that puts a case's text into a push must give it one of `case_topics`, or erasure misses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Text, TypeDecorator, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseEvent, CaseStatus, Conversation, Delivery, HelpRequest, Push

if TYPE_CHECKING:
    from storage.db import Database


@dataclass
class CaseRows:
    events: Sequence[CaseEvent]
    requests: Sequence[HelpRequest]
    pushes: Sequence[Push]
    deliveries: Sequence[Delivery]


def case_topics(request_ids: Sequence[int]) -> list[str]:
    return [t for i in request_ids for t in (f"help:{i}", f"help:{i}:reply")]


def _textual(kind: Any) -> bool:
    kind = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
    return isinstance(kind, Text | JSON)


def free_text(row: Any) -> list[str]:
    """The attributes of a row that hold free text: every Text or JSON column, sealed or not."""
    return [c.key for c in row.__table__.columns if _textual(c.type) and not c.primary_key]


# an emptied draft's expiry: long past (the engine ends its flow and says it expired), and
# distinct from any real expiry, so that the purge passes it over
EMPTIED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def expire_draft(conv: Conversation) -> None:
    """Empty a draft and mark its flow expired: the user's next turn is told so."""
    conv.data, conv.choices, conv.expires_at = {}, {}, EMPTIED


async def forget_freed_pages(db: Database) -> None:
    """SQLite keeps the pages a change replaced in its write-ahead log until a checkpoint:
    copy them into the database (whose freed space secure_delete zeroes) and empty the log."""
    if db.engine.dialect.name != "sqlite":
        return
    async with db.engine.connect() as conn:
        await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


class ErasureRepo:
    """The rows erasing reaches, the cases old enough to erase, and the drafts to empty."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def case_rows(self, case: Case) -> CaseRows:
        s = self.s
        events = (await s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))).all()
        requests = (await s.scalars(select(HelpRequest).where(HelpRequest.case_id == case.id))).all()
        topics = case_topics([r.id for r in requests])
        deliveries = (await s.scalars(select(Delivery).where(Delivery.topic.in_(topics)))).all()
        push_ids = sorted({d.push_id for d in deliveries})
        pushes = (await s.scalars(select(Push).where(Push.id.in_(push_ids)))).all()
        return CaseRows(events, requests, pushes, deliveries)

    async def closed_before(self, cutoff: dt.datetime, after_id: int, size: int) -> Sequence[Case]:
        """The next `size` cases (by id, after `after_id`) closed before `cutoff` and not marked
        erased (`parties_erased_at`; a case erased before the marker existed is read once more)."""
        q = (
            select(Case)
            .where(
                Case.parties_erased_at.is_(None),
                Case.status != CaseStatus.DANG_HOA_GIAI,
                Case.closed_at.is_not(None),
                Case.closed_at < cutoff,
                Case.id > after_id,
            )
            .order_by(Case.id)
            .limit(size)
        )
        return (await self.s.scalars(q)).all()

    async def mark_erased(self, case_ids: Sequence[int], now: dt.datetime) -> None:
        """Cases found erased without the marker (erased before it was kept) get it, in one
        statement: they are not read again."""
        if case_ids:
            await self.s.execute(
                update(Case)
                .where(Case.id.in_(list(case_ids)), Case.parties_erased_at.is_(None))
                .values(parties_erased_at=now)
                .execution_options(synchronize_session=False)
            )

    async def open_drafts(self) -> Sequence[Conversation]:
        """Conversations in the middle of a flow: their drafts may name anyone."""
        return (
            await self.s.scalars(
                select(Conversation).where(
                    Conversation.flow.is_not(None),
                    or_(Conversation.expires_at.is_(None), Conversation.expires_at != EMPTIED),
                )
            )
        ).all()

    async def purge_expired_drafts(self, now: dt.datetime) -> int:
        """Drafts whose flow expired are emptied (the engine ends the flow at the user's next turn
        and says it expired); returns how many."""
        done = await self.s.execute(
            update(Conversation)
            .where(Conversation.flow.is_not(None), Conversation.expires_at < now, Conversation.expires_at != EMPTIED)
            .values(data={}, choices={}, expires_at=EMPTIED)
            .execution_options(synchronize_session=False)
        )
        return done.rowcount or 0  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
