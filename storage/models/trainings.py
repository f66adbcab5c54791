"""Trainings (tập huấn, bồi dưỡng) officials organise, who is invited and attended, and wrong
check-in codes.

Wrong check-in codes have a cost, against guessing: one row per wrong try of a person for a
class open to them; after MAX_MISSES a class no longer takes that person's code (the organiser
can still mark them present by hand).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column

MAX_MISSES = 5


class TrainingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Answer(enum.StrEnum):
    PENDING = "pending"
    YES = "yes"
    NO = "no"


CHECKIN_OPENS = dt.timedelta(minutes=30)  # check-in opens this long before a class starts
CLASS_MINUTES = 240  # a class lasts half a day (a «buổi») unless it says otherwise


class Training(Base):
    """A training (tập huấn, bồi dưỡng) organised by the officials of a unit. It lasts
    `minutes` from `starts_at`; people check in from 30 minutes before it starts until it ends."""

    __tablename__ = "trainings"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the organising unit
    unit_path: Mapped[str] = mapped_column(String(400), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(300))
    scope: Mapped[list[Any]] = mapped_column(JSON, default=list)  # invited unit ids
    status: Mapped[TrainingStatus] = mapped_column(
        enum_column(TrainingStatus, "training_status"), default=TrainingStatus.SCHEDULED
    )
    checkin_code: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int] = mapped_column(Integer, default=CLASS_MINUTES, server_default=str(CLASS_MINUTES))
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every change
    file_id: Mapped[int | None] = mapped_column(ForeignKey("push_files.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes or CLASS_MINUTES)

    @property
    def checkin_opens_at(self) -> dt.datetime:
        return self.starts_at - CHECKIN_OPENS

    def checkin_open(self, now: dt.datetime) -> bool:
        """Whether people may check themselves in by code now: only while the class is on.
        (The organiser marks attendance by hand from the same moment on, without an end.)"""
        return self.status is TrainingStatus.SCHEDULED and self.checkin_opens_at <= now <= self.ends_at


class TrainingInvite(Base):
    __tablename__ = "training_invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the person's unit when invited
    answer: Mapped[Answer] = mapped_column(enum_column(Answer, "invite_answer"), default=Answer.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None]
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    attended_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("training_id", "person_id", name="uq_training_invites_training_person"),)


class CheckinMiss(Base):
    __tablename__ = "checkin_misses"
    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_checkin_misses_training_person", "training_id", "person_id"),)
