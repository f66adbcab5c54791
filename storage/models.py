"""Typed SQLAlchemy 2 models: the whole store.

Units form a tree of any depth; `path` is a materialised path ("/1/4/9/") so that
"everything under this unit" is one indexed prefix query. Cases carry their team's path
too, for the same reason.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.codes import DIGEST_LENGTH, code_digest
from storage.crypto import SealedJSON, SealedText


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON}


class UnitKind(enum.StrEnum):
    TINH = "tinh"
    HUYEN = "huyen"
    XA = "xa"
    THON = "thon"
    TO_HOA_GIAI = "to_hoa_giai"


class Role(enum.StrEnum):
    HOA_GIAI_VIEN = "hoa_giai_vien"
    TO_TRUONG = "to_truong"
    CAN_BO = "can_bo"  # công chức tư pháp / official of a unit
    ADMIN = "admin"

    @property
    def is_official(self) -> bool:
        """Công chức tư pháp of a unit, or an administrator: the people who supervise teams."""
        return self in (Role.CAN_BO, Role.ADMIN)

    @property
    def in_team(self) -> bool:
        """A mediator or a team leader: a member of a tổ hòa giải."""
        return self in (Role.HOA_GIAI_VIEN, Role.TO_TRUONG)


class CaseStatus(enum.StrEnum):
    DANG_HOA_GIAI = "dang_hoa_giai"
    THANH = "thanh"
    KHONG_THANH = "khong_thanh"
    KET_THUC = "ket_thuc"  # ended for a reason of Điều 23 other than agreement


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"))
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    ethnic_area: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    # a team's short code, unique in its commune (storage.casecode): case numbers say it
    code: Mapped[str | None] = mapped_column(String(12))

    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str | None] = mapped_column(String(10))  # "nam" | "nu"
    ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    # where reminders go ("telegram" | "zalo"); None = the account they used last
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    # thôi làm hòa giải viên (Điều 11 khoản 1 a/b/c): when, and which point
    left_at: Mapped[dt.datetime | None]
    left_reason: Mapped[str | None] = mapped_column(String(20))

    unit: Mapped[Unit] = relationship(lazy="joined")


class Account(Base):
    """A chat account on one channel; linked to a person once they join."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_accounts_channel_ext"),)


class InviteCode(Base):
    """A code to join: kept as its digest (storage.codes); the code itself is known only to
    the object that made it, to be shown once."""

    __tablename__ = "invite_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
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

    def live(self, now: dt.datetime) -> bool:
        return self.uses_left > 0 and self.expires_at > now


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
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "case_status"))
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

    mediators: Mapped[list[CaseMediator]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("team_id", "year", "seq", name="uq_cases_team_year_seq"),
        # Subtree reads compare paths byte-wise (storage.access.under): on PostgreSQL that is
        # COLLATE "C", which only an index in that collation serves.
        Index("ix_cases_unit_path_received", "unit_path", "received_on").ddl_if(dialect="sqlite"),
        Index("ix_cases_unit_path_c_received", text('unit_path COLLATE "C"'), "received_on")
        .ddl_if(dialect="postgresql"),
        Index("ix_cases_team_received", "team_id", "received_on"),
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
    status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus, "case_status"))
    text: Mapped[str | None] = mapped_column(SealedText)  # a note, a question, a reason: sealed
    # a correction: {"field": [old, new], …}; may name the parties, so sealed
    change: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON)


class Conversation(Base):
    """Dialog state of one chat account: lives here, not in process memory."""

    __tablename__ = "conversations"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(SealedJSON, default=dict)  # a draft: sealed
    choices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"payloads": [...], "labels": [...]}
    expires_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class SeenUpdate(Base):
    """Platform update ids already handled: a redelivered update is ignored."""

    __tablename__ = "seen_updates"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
