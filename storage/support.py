"""Requests for guidance on difficult cases (seen by whoever may see its case), the ones due to
move up to the province, and communes' questions to the province that are not about a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import case_visible
from storage.models import Case, HelpRequest, HelpStatus, Person, Role, Unit, UnitKind
from storage.models.questions import ProvinceQuestion


def question_visible(viewer: Person) -> ColumnElement[bool]:
    """SQL condition: the questions to the province this person may read — officials of the
    asking unit and of the province that answers; an administrator all of them."""
    if not viewer.active or not viewer.role.is_official:
        return false()
    if viewer.role is Role.ADMIN:
        return true()
    return or_(ProvinceQuestion.unit_id == viewer.unit_id, ProvinceQuestion.province_id == viewer.unit_id)


class HelpRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, request: HelpRequest) -> HelpRequest:
        self.s.add(request)
        await self.s.flush()
        return request

    async def visible(self, viewer: Person, request_id: int) -> tuple[HelpRequest, Case] | None:
        q = (
            select(HelpRequest, Case)
            .join(Case, Case.id == HelpRequest.case_id)
            .where(HelpRequest.id == request_id, case_visible(viewer))
        )
        row = (await self.s.execute(q)).first()
        return (row[0], row[1]) if row else None

    async def open_for(self, viewer: Person, limit: int = 20) -> tuple[Sequence[tuple[HelpRequest, Case]], int]:
        """Requests not yet answered on cases this person may see, oldest first; and how many."""
        cond = (HelpRequest.status != HelpStatus.ANSWERED) & case_visible(viewer)
        base = select(HelpRequest, Case).join(Case, Case.id == HelpRequest.case_id).where(cond)
        rows = (await self.s.execute(base.order_by(HelpRequest.created_at, HelpRequest.id).limit(limit))).all()
        total = (
            await self.s.scalar(
                select(func.count(HelpRequest.id)).join(Case, Case.id == HelpRequest.case_id).where(cond)
            )
            or 0
        )
        return [(r[0], r[1]) for r in rows], total

    async def asked_by(self, viewer: Person, limit: int = 10) -> Sequence[tuple[HelpRequest, Case]]:
        q = (
            select(HelpRequest, Case)
            .join(Case, Case.id == HelpRequest.case_id)
            .where(HelpRequest.asked_by_id == viewer.id, case_visible(viewer))
            .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
            .limit(limit)
        )
        return [(r[0], r[1]) for r in (await self.s.execute(q)).all()]

    async def open_on_case(self, case_id: int) -> HelpRequest | None:
        q = (
            select(HelpRequest)
            .where(HelpRequest.case_id == case_id, HelpRequest.status != HelpStatus.ANSWERED)
            .order_by(HelpRequest.id)
            .limit(1)
        )
        return await self.s.scalar(q)

    async def due_to_escalate(self, asked_before: dt.datetime, limit: int = 200) -> Sequence[tuple[HelpRequest, Case]]:
        """Requests still unanswered, asked on or before the moment, never moved up, and waiting
        on officials below a province (or on no official at all: the team), oldest first."""
        q = (
            select(HelpRequest, Case)
            .join(Case, Case.id == HelpRequest.case_id)
            .join(Unit, Unit.id == HelpRequest.unit_id)
            .where(
                HelpRequest.status != HelpStatus.ANSWERED,
                HelpRequest.escalated_at.is_(None),
                HelpRequest.created_at <= asked_before,
                Unit.kind != UnitKind.TINH,
            )
            .order_by(HelpRequest.created_at, HelpRequest.id)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in (await self.s.execute(q)).all()]

    # --- a commune's questions to the province -------------------------------------------
    async def add_question(self, question: ProvinceQuestion) -> ProvinceQuestion:
        self.s.add(question)
        await self.s.flush()
        return question

    async def question(self, viewer: Person, question_id: int) -> ProvinceQuestion | None:
        q = select(ProvinceQuestion).where(ProvinceQuestion.id == question_id, question_visible(viewer))
        return await self.s.scalar(q)

    async def questions(
        self, viewer: Person, *, asked_by_unit: bool, open_only: bool = False, limit: int = 10
    ) -> Sequence[ProvinceQuestion]:
        """The viewer's unit's own questions (asked_by_unit), or those their province answers;
        unanswered first (oldest first), then the latest answered."""
        mine = (ProvinceQuestion.unit_id if asked_by_unit else ProvinceQuestion.province_id) == viewer.unit_id
        if viewer.role is Role.ADMIN and not asked_by_unit:
            mine = true()
        q = select(ProvinceQuestion).where(question_visible(viewer), mine)
        if open_only:
            q = q.where(ProvinceQuestion.answered_at.is_(None))
        waiting = ProvinceQuestion.answered_at.is_(None)
        q = q.order_by(
            waiting.desc(), ProvinceQuestion.answered_at.desc(), ProvinceQuestion.created_at, ProvinceQuestion.id
        )
        return (await self.s.scalars(q.limit(limit))).all()
