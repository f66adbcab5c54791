"""People (mediators, team leaders, officials), their roles, and the codes they join with."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.codes import DIGEST_LENGTH, code_digest
from storage.models.base import Base, enum_column
from storage.models.units import Unit


class Role(enum.StrEnum):
    HOA_GIAI_VIEN = "hoa_giai_vien"
    TO_TRUONG = "to_truong"
    CAN_BO = "can_bo"  # công chức tư pháp / official of a unit
    ADMIN = "admin"
    LANH_DAO = "lanh_dao"  # lãnh đạo UBND: reads the unit's counts and reviews, changes nothing
    MAT_TRAN = "mat_tran"  # Ủy ban MTTQ (Luật HGCS Điều 30, NQLT 01/2014 Điều 11): the same

    @property
    def is_official(self) -> bool:
        """Công chức tư pháp of a unit, or an administrator: the people who supervise teams."""
        return self in (Role.CAN_BO, Role.ADMIN)

    @property
    def in_team(self) -> bool:
        """A mediator or a team leader: a member of a tổ hòa giải."""
        return self in (Role.HOA_GIAI_VIEN, Role.TO_TRUONG)

    @property
    def reads_only(self) -> bool:
        """UBND leadership or the Front's committee: counts, coverage and team reviews of their
        unit's subtree; never a party, never a change."""
        return self in (Role.LANH_DAO, Role.MAT_TRAN)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str | None] = mapped_column(String(10))  # "nam" | "nu"
    ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    # where reminders go ("telegram" | "zalo"); None = the account they used last
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    # thôi làm hòa giải viên (Điều 11 khoản 1 a/b/c): when, and which point
    left_at: Mapped[dt.datetime | None]
    left_reason: Mapped[str | None] = mapped_column(String(20))

    unit: Mapped[Unit] = relationship(lazy="joined")


class InviteCode(Base):
    """A code to join: kept as its digest (storage.codes); the code itself is known only to
    the object that made it, to be shown once."""

    __tablename__ = "invite_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    expires_at: Mapped[dt.datetime]
    uses_left: Mapped[int] = mapped_column(Integer, default=1)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # pre-created person
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]

    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def code(self) -> str | None:
        """The code as made (None once read back from the store)."""
        return self.__dict__.get("_code")

    @code.setter
    def code(self, value: str) -> None:
        self.__dict__["_code"] = value
        self.code_hash = code_digest(value)

    def made_code(self) -> str:
        """The code of an invite this process has just made, to be shown once."""
        if self.code is None:
            raise LookupError("an invite read back from the store keeps only the digest of its code")
        return self.code

    def live(self, now: dt.datetime) -> bool:
        return self.uses_left > 0 and self.expires_at > now
