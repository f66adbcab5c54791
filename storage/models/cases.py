"""Cases (vụ việc) a team mediated, who mediated them, and their history.

A case carries its team's path (`unit_path`) so that "every case under this unit" is one
indexed prefix query, like units.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import SealedJSON, SealedText
from storage.models.base import Base, enum_column


class CaseStatus(enum.StrEnum):
    DANG_HOA_GIAI = "dang_hoa_giai"
    THANH = "thanh"
    KHONG_THANH = "khong_thanh"
    KET_THUC = "ket_thuc"  # ended for a reason of Điều 23 other than agreement


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(400))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(30))
    # The team's code when the case was received (Unit.code): "T1-3/2026" is said aloud.
    code: Mapped[str] = mapped_column(String(12), default="", server_default="")
    # Personal data, encrypted at rest (storage/crypto.py): {"names": [...], "addresses": [...]
    # (one per party), "contact": "...", "place": "...", "invited": [...] (Điều 19),
    # "requests": [...] (what each party asked for when không thành)}
    parties: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    # free text, the parties as references (handlers/common/parties.py), encrypted at rest
    summary: Mapped[str] = mapped_column(SealedText)
    agreement: Mapped[str | None] = mapped_column(SealedText)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "case_status"))
    end_reason: Mapped[str | None] = mapped_column(String(30))
    # the logbook's dates: each mediation session, and the day the outcome was reached
    sessions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # ISO days, ascending
    outcome_on: Mapped[dt.date | None] = mapped_column(Date)
    # where the parties were referred when the mediation failed (Điều 21 khoản 3, Điều 27)
    referral: Mapped[str | None] = mapped_column(String(30))
    corrected_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    # when the parties were erased (the sealed value says so too, but the store cannot read it):
    # retention reads only the cases not erased yet
    parties_erased_at: Mapped[dt.datetime | None]

    mediators: Mapped[list[CaseMediator]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        # a team's numbers: a merged team keeps its cases' codes, new ones follow the highest seq
        UniqueConstraint("team_id", "code", "year", "seq", name="uq_cases_team_code_year_seq"),
        # Subtree reads compare paths byte-wise (storage.access.under): on PostgreSQL that is
        # COLLATE "C", which only an index in that collation serves.
        Index("ix_cases_unit_path_received", "unit_path", "received_on").ddl_if(dialect="sqlite"),
        Index("ix_cases_unit_path_c_received", text('unit_path COLLATE "C"'), "received_on").ddl_if(
            dialect="postgresql"
        ),
        Index("ix_cases_team_received", "team_id", "received_on"),
        Index("ix_cases_erased_closed", "parties_erased_at", "closed_at"),
    )

    @property
    def number(self) -> str:
        return case_number(self.code, self.seq, self.year)


def case_number(code: str | None, seq: int, year: int) -> str:
    """The number people say aloud: the team's code, then the team's count in the year."""
    return f"{code}-{seq}/{year}" if code else f"{seq}/{year}"


class CaseMediator(Base):
    __tablename__ = "case_mediators"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)


class CaseEvent(Base):
    """The status history of a case: created, note, outcome changes."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus, "case_status"))
    text: Mapped[str | None] = mapped_column(SealedText)  # a note, a question, a reason: sealed
    # a correction: {"field": [old, new], …}; may name the parties, so sealed
    change: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON)
