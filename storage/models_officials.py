"""Tables of the officials' desk: monthly case counts per unit, and requests for guidance.

`stat_rollups` holds, for every unit on a case's lineage (team, village, commune,
province…), how many cases received in a month have a given category and current
status. It is kept in step with `cases` by storage/rollups.py on every ORM write, so a
count for a unit reads a few hundred rows whatever the size of the province.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import SealedText
from storage.models import Base


class StatRollup(Base):
    __tablename__ = "stat_rollups"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)  # yyyymm of received_on
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


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

    __table_args__ = (Index("ix_help_requests_status_created", "status", "created_at"),)
