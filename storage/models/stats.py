"""Monthly case counts per unit.

`stat_rollups` holds, for every unit on a case's lineage (team, village, commune,
province…), how many cases received in a month have a given category and current
status. It is kept in step with `cases` by storage/rollups.py on every ORM write, so a
count for a unit reads a few hundred rows whatever the size of the province.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class StatRollup(Base):
    __tablename__ = "stat_rollups"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)  # yyyymm of received_on
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
