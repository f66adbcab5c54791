"""Helpers for the reminder and push tests: a recording Sender and a dispatcher on the test clock."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.channels.base import SendError
from bot.dispatcher import Dispatcher
from content.catalog import load_catalog
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.kit.core import Reply
from storage.db import Database
from storage.models import Delivery, Push

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class FakeSender:
    """Records what each account was sent; `fail[account]` lists errors to raise first."""

    def __init__(self, channel: str = "test") -> None:
        self.channel = channel
        self.sent: dict[str, list[Reply]] = defaultdict(list)
        self.fail: dict[str, list[SendError]] = defaultdict(list)

    async def send(self, external_id: str, reply: Reply) -> None:
        if self.fail[external_id]:
            raise self.fail[external_id].pop(0)
        self.sent[external_id].append(reply)

    def texts(self, account: str) -> list[str]:
        return [r.text for r in self.sent[account]]


def env(policy: PushPolicy | None = None) -> PushEnv:
    return PushEnv(load_catalog(), TZ, policy or PushPolicy())


def dispatcher(db: Database, clock, sender: FakeSender, policy: PushPolicy | None = None) -> Dispatcher:
    return Dispatcher(db, {sender.channel: sender}, env=env(policy), clock=clock, concurrency=4)


def local(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%d/%m %H:%M")


async def deliveries(db: Database, kind: str | None = None) -> list[tuple[Delivery, Push]]:
    async with db.uow() as uow:
        q = select(Delivery, Push).join(Push, Delivery.push_id == Push.id).order_by(Delivery.due_at, Delivery.id)
        if kind is not None:
            q = q.where(Push.kind == kind)
        return [tuple(row) for row in (await uow.session.execute(q)).all()]  # Result.tuples() goes in 2.1
