"""Paid broadcasts (PAID_BROADCAST=1): an announcement goes to the Bot API with
allow_paid_broadcast=True on the paid budget; any other push, and every announcement when the
option is off, goes without it."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_push import TelegramPushSender
from bot.dispatcher import Dispatcher
from bot.ratelimit import PAID_SUFFIX, PtbLimiter, SendLimiter
from bot.settings import Settings
from handlers.common.outbox import Kind, Recipient, enqueue, new_push
from storage.models import Account
from tests.channel.test_dispatcher_telegram import announce
from tests.fakes.fake_telegram import FakeTelegramServer
from tests.pushes import env

TOKEN = "123456:TEST-paid"
CHATS = {"hgv_a": 7101, "hgv_a2": 7102, "leader_a": 7103}


@pytest.fixture
async def accounts(db, world, clock):
    async with db.uow() as uow:
        for key, chat in CHATS.items():
            uow.session.add(
                Account(
                    channel="telegram",
                    external_id=str(chat),
                    person_id=world.people[key].id,
                    display_name=key,
                    last_seen_at=clock() + dt.timedelta(minutes=1),
                )
            )
        await uow.commit()


async def send_all(db, engine, clock, *, paid: bool) -> FakeTelegramServer:
    with FakeTelegramServer(token=TOKEN) as server:
        free = SendLimiter(500, chat_interval=0)
        limiters = {"telegram": free}
        if paid:
            limiters["telegram" + PAID_SUFFIX] = SendLimiter(1000, chat_interval=0)
        app = TelegramChannel(engine, engine.deps.catalog, token=TOKEN, base_url=server.base_url).build(
            rate_limiter=PtbLimiter(free)
        )
        async with app:
            dispatcher = Dispatcher(
                db,
                {"telegram": TelegramPushSender(app.bot)},
                env=env(),
                clock=clock,
                limiters=limiters,
                concurrency=4,
                paid_kinds=frozenset({Kind.BROADCAST}) if paid else frozenset(),
            )
            await dispatcher.drain()
    assert server.rejected == []  # allow_paid_broadcast is a field of sendMessage in the Bot API's spec
    return server


async def a_deadline_reminder(db, world, clock) -> None:
    async with db.uow() as uow:
        push = await new_push(uow, Kind.DEADLINE, "Hạn nộp báo cáo năm: 05/01.", clock())
        await enqueue(uow, push, [Recipient(world.people["leader_a"].id, "dl:test", "dl:test", clock())])
        await uow.commit()


async def test_an_announcement_is_a_paid_broadcast_when_the_option_is_on(db, world, engine, clock, accounts):
    await announce(db, world, clock)
    await a_deadline_reminder(db, world, clock)
    server = await send_all(db, engine, clock, paid=True)
    paid = {
        int(p["chat_id"]): bool(p.get("allow_paid_broadcast"))
        for m, p in server.calls
        if m == "sendMessage"
        if "Họp tổ" in p["text"]
    }
    assert paid and all(paid.values())
    reminder = [p for m, p in server.calls if m == "sendMessage" and "Hạn nộp" in p["text"]]
    assert len(reminder) == 1 and "allow_paid_broadcast" not in reminder[0]


async def test_without_the_option_nothing_is_sent_as_paid(db, world, engine, clock, accounts):
    await announce(db, world, clock)
    server = await send_all(db, engine, clock, paid=False)
    sent = [p for m, p in server.calls if m == "sendMessage"]
    assert sent and not any("allow_paid_broadcast" in p for p in sent)


def test_the_setting_reads_paid_broadcast_from_the_environment(monkeypatch):
    monkeypatch.setenv("PAID_BROADCAST", "1")
    settings = Settings(_env_file=None)
    assert settings.paid_broadcast is True and settings.paid_broadcast_rate == 1000.0
    monkeypatch.setenv("PAID_BROADCAST", "0")
    assert Settings(_env_file=None).paid_broadcast is False
