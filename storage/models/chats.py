"""Chat accounts on each channel, their dialog state, and platform updates already handled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import SealedJSON
from storage.models.base import Base


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
