"""Requests for guidance: a mediator's question on a difficult case, for the officials of their commune."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import SealedText
from storage.models.base import Base


class HelpStatus:
    OPEN = "mo"
    TAKEN = "da_nhan"
    ANSWERED = "da_tra_loi"


class HelpRequest(Base):
    """A mediator's question on a difficult case, for the officials of their commune."""

    __tablename__ = "help_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose officials answer
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    question: Mapped[str] = mapped_column(SealedText)
    status: Mapped[str] = mapped_column(String(20), default=HelpStatus.OPEN)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    taken_at: Mapped[dt.datetime | None]
    answer: Mapped[str | None] = mapped_column(SealedText)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    # still unanswered after HELP_ESCALATE_DAYS: moved to the province's officials (unit_id) then
    escalated_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_help_requests_status_created", "status", "created_at"),)
