"""Report deadlines: by which day a unit's team leaders report, and which reports were handed in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ReportRule(Base):
    """By which day a unit's team leaders report for a period kind ("half" | "year")."""

    __tablename__ = "report_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))
    due_month: Mapped[int] = mapped_column(Integer)
    due_day: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[dt.datetime]

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
