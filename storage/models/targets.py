"""Targets (chỉ tiêu) an official sets for their unit's subtree: one value per unit and measure.

A unit without its own value takes the nearest one set above it, then the programme's default
(handlers/stats/targets.py says where each default comes from)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column


class Measure(enum.StrEnum):
    """What a target is about. All but HELP_DAYS are a share in percent (0–100)."""

    SUCCESS = "success"  # cases hòa giải thành among those with a result
    TEAMS_OK = "teams_ok"  # teams meeting Điều 12 (the team review, today)
    TRAINED = "trained"  # mediators who attended a class in the period
    REPORTS = "reports"  # team reports due in the period handed in by their due day
    HELP_DAYS = "help_days"  # help requests answered within this many days

    @property
    def in_days(self) -> bool:
        return self is Measure.HELP_DAYS


class Target(Base):
    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    measure: Mapped[Measure] = mapped_column(enum_column(Measure, "target_measure"))
    value: Mapped[int] = mapped_column(Integer)  # percent, or days for HELP_DAYS
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("unit_id", "measure", name="uq_targets_unit_measure"),)
