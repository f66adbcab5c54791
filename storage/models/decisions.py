"""The commune chairman's decisions about a team's people (Luật Hòa giải ở cơ sở 2013): a
mediator recognised (Điều 8 khoản 4), a team leader recognised (Điều 14), a mediator who stops
(Điều 11). The number and the day may be written later: a row without them is «thiếu»."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column

MAX_NUMBER = 40


class DecisionKind(enum.StrEnum):
    RECOGNISED = "recognised"  # công nhận hòa giải viên (Điều 8 khoản 4)
    LEADER = "leader"  # công nhận tổ trưởng (Điều 14)
    LEFT = "left"  # thôi làm hòa giải viên (Điều 11)


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the person's team then
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "decision_kind"))
    number: Mapped[str | None] = mapped_column(String(MAX_NUMBER))  # «Số quyết định», e.g. 12/QĐ-UBND
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    @property
    def complete(self) -> bool:
        return bool(self.number) and self.signed_on is not None
