"""Requests for guidance on difficult cases. A request is seen by whoever may see its case."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_visible
from storage.models import Case, HelpRequest, HelpStatus, Person


class HelpRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, request: HelpRequest) -> HelpRequest:
        self.s.add(request)
        await self.s.flush()
        return request

    async def visible(self, viewer: Person, request_id: int) -> tuple[HelpRequest, Case] | None:
        q = (select(HelpRequest, Case).join(Case, Case.id == HelpRequest.case_id)
             .where(HelpRequest.id == request_id, case_visible(viewer)))
        row = (await self.s.execute(q)).first()
        return (row[0], row[1]) if row else None

    async def open_for(self, viewer: Person, limit: int = 20) -> tuple[Sequence[tuple[HelpRequest, Case]], int]:
        """Requests not yet answered on cases this person may see, oldest first; and how many."""
        cond = (HelpRequest.status != HelpStatus.ANSWERED) & case_visible(viewer)
        base = select(HelpRequest, Case).join(Case, Case.id == HelpRequest.case_id).where(cond)
        rows = (await self.s.execute(base.order_by(HelpRequest.created_at, HelpRequest.id).limit(limit))).all()
        total = await self.s.scalar(select(func.count(HelpRequest.id))
                                    .join(Case, Case.id == HelpRequest.case_id).where(cond)) or 0
        return [(r[0], r[1]) for r in rows], total

    async def asked_by(self, viewer: Person, limit: int = 10) -> Sequence[tuple[HelpRequest, Case]]:
        q = (select(HelpRequest, Case).join(Case, Case.id == HelpRequest.case_id)
             .where(HelpRequest.asked_by_id == viewer.id, case_visible(viewer))
             .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc()).limit(limit))
        return [(r[0], r[1]) for r in (await self.s.execute(q)).all()]

    async def open_on_case(self, case_id: int) -> HelpRequest | None:
        q = (select(HelpRequest)
             .where(HelpRequest.case_id == case_id, HelpRequest.status != HelpStatus.ANSWERED)
             .order_by(HelpRequest.id).limit(1))
        return await self.s.scalar(q)
