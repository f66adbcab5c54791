"""Wrong check-in codes (issue 13: guessing has a cost). One row per wrong try of a person for
a class open to them; after MAX_MISSES a class no longer takes that person's code (the
organiser can still mark them present by hand)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

MAX_MISSES = 5


class CheckinMiss(Base):
    __tablename__ = "checkin_misses"
    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_checkin_misses_training_person", "training_id", "person_id"),)
