"""The outbox: pushes (what to say), their deliveries (to whom, when), files, reminder choices.

A push (what to say: text, buttons, an optional file) expands into deliveries, one row per
recipient with a unique key, so re-running whatever created them never sends twice. The
dispatcher (bot/dispatcher.py) claims due rows atomically and walks each through
pending → claimed → sending → sent (or unreachable, failed, expired, cancelled, skipped).
A row found in `sending` after a crash, or whose send the platform did not answer in time,
may or may not have reached the platform: it becomes `uncertain` and is never sent again.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import SealedText
from storage.models.base import Base, enum_column


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # taken by a dispatcher, not yet handed to the platform
    SENDING = "sending"  # handed to the platform; the answer is not recorded yet
    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked the bot, or no account on a running channel
    FAILED = "failed"  # refused by the platform, or too many transient errors
    EXPIRED = "expired"  # too late to matter
    CANCELLED = "cancelled"  # the training was cancelled, the report submitted, …
    SKIPPED = "skipped"  # the person muted automatic reminders
    UNCERTAIN = "uncertain"  # died while sending, or no answer: maybe received, never resent


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)


class PushFile(Base):
    """A document or image sent with a push (stored once, however many recipients): the bytes
    (from the CLI), or the platform's reference to a file an official sent in chat."""

    __tablename__ = "push_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # "document" | "image"
    data: Mapped[bytes] = mapped_column(LargeBinary)  # empty when only `ref` is kept
    ref: Mapped[str | None] = mapped_column(String(300))  # "telegram:<file_id>": received in chat
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class Push(Base):
    """What one reminder or announcement says; its deliveries say to whom and when."""

    __tablename__ = "pushes"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # see handlers/common/outbox.py Kind
    text: Mapped[str] = mapped_column(SealedText)  # may quote a case (help requests): sealed
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[[label, payload], …], …]
    file_id: Mapped[int | None] = mapped_column(ForeignKey("push_files.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # whose people it went to
    unit_path: Mapped[str | None] = mapped_column(String(400))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[dt.datetime]


class Delivery(Base):
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    push_id: Mapped[int] = mapped_column(ForeignKey("pushes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    topic: Mapped[str] = mapped_column(String(120), index=True)  # what cancels it together
    text: Mapped[str | None] = mapped_column(Text)  # personal text instead of the push's
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # may go in quiet hours
    mutable: Mapped[bool] = mapped_column(Boolean, default=False)  # an automatic reminder
    due_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime | None]
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[dt.datetime | None]
    channel: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # the dispatcher's claim: pending rows in the order it takes them (next_attempt_at, id)
        Index("ix_deliveries_status_next_id", "status", "next_attempt_at", "id"),
        Index("ix_deliveries_person_status", "person_id", "status"),
        Index("ix_deliveries_push_status", "push_id", "status"),
    )


class PushPrefs(Base):
    """A person's choice about automatic reminders (/nhacnho)."""

    __tablename__ = "push_prefs"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    mute_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime]
