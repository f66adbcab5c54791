"""Report deadlines: by which day a unit's team leaders report, and which reports were handed in;
the report chain above them: by which day communes report to their province, and what they sent."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import Sealed
from storage.models.base import Base


class DueDayRule:
    """A unit's day (month and day) by which a report of a period kind ("half" | "year") is due,
    and who set it last."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))
    due_month: Mapped[int] = mapped_column(Integer)
    due_day: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[dt.datetime]


class ReportRule(DueDayRule, Base):
    """By which day a unit's team leaders report for a period kind ("half" | "year")."""

    __tablename__ = "report_rules"

    __table_args__ = (UniqueConstraint("unit_id", "kind", name="uq_report_rules_unit_kind"),)


class ReportSubmission(Base):
    """A team leader tapped «Đã nộp» for their team's report of one period."""

    __tablename__ = "report_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(20))  # handlers/common/periods.py code: 2026H1, 2026
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("team_id", "kind", "period", name="uq_report_submissions_team_kind_period"),)


class SealedBytes(Sealed):
    """A file's bytes stored encrypted (as base64 text inside the sealed value)."""

    cache_ok = True

    def dump(self, value: Any) -> str:
        return base64.b64encode(bytes(value)).decode("ascii")

    def load(self, text: str) -> bytes:
        return base64.b64decode(text)


class ChainRule(DueDayRule, Base):
    """By which day the units that report to this unit (communes to their province) send their
    report for a period kind ("half" | "year"). Set by the receiving unit's official; a rule on a
    unit nearer the receiver wins. No default: the Ministry's dates are not held."""

    __tablename__ = "chain_rules"

    __table_args__ = (UniqueConstraint("unit_id", "kind", name="uq_chain_rules_unit_kind"),)


class UnitReport(Base):
    """A commune (or district) official marked their unit's report of one period sent to the
    level above; the workbook the bot made for it at that moment is kept, sealed, as sent."""

    __tablename__ = "unit_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(20))  # handlers/common/periods.py code: 2026H1, 2026
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    sent_at: Mapped[dt.datetime]
    cases: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(120))
    xlsx: Mapped[bytes] = mapped_column(SealedBytes, deferred=True)

    __table_args__ = (UniqueConstraint("unit_id", "kind", "period", name="uq_unit_reports_unit_kind_period"),)
