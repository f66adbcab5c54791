"""A commune official's question to the province (Sở Tư pháp) that is not about a case, and
its answer, kept for both sides to list later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import SealedText
from storage.models.base import Base


class ProvinceQuestion(Base):
    __tablename__ = "province_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the asking commune
    province_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose officials answer
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    question: Mapped[str] = mapped_column(SealedText)
    answer: Mapped[str | None] = mapped_column(SealedText)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_province_questions_province_answered", "province_id", "answered_at"),)
