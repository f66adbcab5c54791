"""Telegram updates of different users are handled side by side, one user's in order."""

from __future__ import annotations

import asyncio
import itertools

from telegram import Update

from bot.channels.order import PerChatProcessor
from bot.channels.telegram import TelegramChannel
from tests.fakes.fake_request import FakeRequest

ids = itertools.count(1)


def update(app, uid: int, text: str) -> Update:
    person = {"id": uid, "is_bot": False, "first_name": f"U{uid}"}
    msg = {
        "message_id": next(ids),
        "date": 1_790_000_000,
        "text": text,
        "from": person,
        "chat": {"id": uid, "type": "private", "first_name": f"U{uid}"},
    }
    return Update.de_json({"update_id": next(ids), "message": msg}, app.bot)


async def test_a_slow_turn_holds_up_only_its_own_user(db, world, engine):
    gate, started, finished = asyncio.Event(), [], []
    real = engine.handle

    async def handle(turn):
        started.append(turn.text)
        if turn.text == "chậm":
            await gate.wait()  # e.g. a province's report, or Telegram slow to answer
        replies = await real(turn)
        finished.append(turn.text)
        return replies

    engine.handle = handle
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    assert isinstance(app.update_processor, PerChatProcessor)
    replied_to = lambda: [int(p["chat_id"]) for p in request.sent("sendMessage")]  # noqa: E731
    async with app:
        await app.start()
        for uid, text in [(7001, "chậm"), (7001, "sau đó"), (7002, "xin chào")]:
            await app.update_queue.put(update(app, uid, text))
        await request.wait_until(lambda: 7002 in replied_to())
        assert "xin chào" in finished  # the other user was answered while the slow turn waits
        assert 7001 not in replied_to() and "sau đó" not in started  # the same user's next turn waits
        gate.set()
        await request.wait_until(lambda: replied_to().count(7001) >= 2)
        await app.stop()
    assert finished == ["xin chào", "chậm", "sau đó"]
    assert len(app.update_processor.locks) == 0  # nothing kept per user once the turns are done
