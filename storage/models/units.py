"""The tree of units: tỉnh/thành phố → (huyện) → xã/phường → thôn/tổ dân phố → tổ hòa giải.

`path` is a materialised path ("/1/4/9/") so that "everything under this unit" is one
indexed prefix query.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, enum_column


class UnitKind(enum.StrEnum):
    TINH = "tinh"
    HUYEN = "huyen"
    XA = "xa"
    THON = "thon"
    TO_HOA_GIAI = "to_hoa_giai"


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    ethnic_area: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    # a team's short code, unique in its commune (storage.casecode): case numbers say it
    code: Mapped[str | None] = mapped_column(String(12))

    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)
