"""The webhook server: Telegram's and Zalo's webhooks and /healthz, through the ASGI app."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.telegram import TelegramChannel, inbox_handler
from bot.channels.zalo import ZaloChannel
from bot.heartbeat import Heartbeat
from bot.inbox import Inbox
from bot.runtime import health_check
from bot.web import build_web_app
from storage.models import Account, SeenUpdate
from tests.fakes.fake_request import FakeRequest

TG_SECRET = "tg-secret-0123456789"
ZALO_SECRET = "zalo-secret-0123456789"
SECRET_WORDS = "Nguyễn Văn Bí Mật 0912345678"  # personal data a refused request carried


class SentBox:
    """Stands in for ZaloBotClient: records what the bot sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_message(self, chat_id: str, text: str) -> list[dict]:
        self.sent.append((chat_id, text))
        return [{"message_id": "m", "date": 0}]


def zalo_update(text: str, message_id: str = "2d758cb5e222177a4e35", user: str = "6ede9afa66b88fe6d6a9") -> dict:
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": user, "display_name": "Ted", "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id,
            "date": 1750316131602,
        },
    }


@pytest.fixture
async def telegram(engine):
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    async with app:
        await app.start()
        yield app, request
        await app.stop()


@pytest.fixture
def box():
    return SentBox()


@pytest.fixture
def heartbeat():
    return Heartbeat()


class Handled(httpx.ASGITransport):
    """Gives the test the answer once the inbox has handled what the request kept."""

    def __init__(self, app, inbox: Inbox) -> None:
        super().__init__(app=app)
        self.inbox = inbox

    async def handle_async_request(self, request):
        response = await super().handle_async_request(request)
        await self.inbox.drained()
        return response


@pytest.fixture
async def web(db, engine, telegram, box, heartbeat):
    zalo = ZaloChannel(engine, engine.deps.catalog, box)
    inbox = Inbox(db, {"telegram": inbox_handler(telegram[0]), "zalo": zalo.handle_payload}, clock=engine.deps.clock)
    app = build_web_app(
        inbox=inbox,
        telegram=telegram[0],
        telegram_secret=TG_SECRET,
        health=health_check(db, heartbeat),
        zalo=zalo,
        zalo_secret=ZALO_SECRET,
    )
    stop = asyncio.Event()
    handling = asyncio.create_task(inbox.run(stop))
    async with httpx.AsyncClient(transport=Handled(app, inbox), base_url="http://bot") as client:
        yield client
    stop.set()
    await handling


def zalo_headers(secret: str = ZALO_SECRET) -> dict:
    return {"X-Bot-Api-Secret-Token": secret}


async def test_zalo_flat_and_wrapped_payloads_are_answered(web, box):
    answer = await web.post("/zalo", json=zalo_update("menu", "a1"), headers=zalo_headers())
    assert answer.status_code == 200
    assert box.sent[-1][0] == "6ede9afa66b88fe6d6a9" and "1. " in box.sent[-1][1]
    wrapped = {"ok": True, "result": zalo_update("trogiup", "a2")}
    assert (await web.post("/zalo", json=wrapped, headers=zalo_headers())).status_code == 200
    assert "Các lệnh bạn dùng được" in box.sent[-1][1]


async def test_a_redelivered_zalo_message_is_handled_once(web, box, db):
    for _ in range(3):
        answer = await web.post("/zalo", json=zalo_update("menu", "same-id"), headers=zalo_headers())
        assert answer.status_code == 200
    assert len(box.sent) == 1
    async with db.uow() as uow:
        keys = (await uow.session.scalars(select(SeenUpdate.key))).all()
    assert keys == ["zalo:message.text.received:same-id"]


async def test_concurrent_zalo_deliveries_of_one_chat_are_all_answered(web, box):
    posts = [
        web.post("/zalo", json=zalo_update(t, f"c{i}"), headers=zalo_headers())
        for i, t in enumerate(["menu", "trogiup", "menu"])
    ]
    assert [r.status_code for r in await asyncio.gather(*posts)] == [200, 200, 200]
    assert len(box.sent) == 3


@pytest.mark.parametrize("headers", [{}, zalo_headers("wrong-secret-0000000"), zalo_headers("")])
async def test_zalo_wrong_or_missing_secret_is_refused_and_the_body_not_logged(web, box, db, caplog, headers):
    caplog.set_level(logging.DEBUG)
    answer = await web.post("/zalo", json=zalo_update(SECRET_WORDS, "x1"), headers=headers)
    assert answer.status_code == 403
    assert box.sent == []
    assert "refused" in caplog.text and SECRET_WORDS not in caplog.text and ZALO_SECRET not in caplog.text
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count(Account.id))) == 0  # nobody was let in


async def test_zalo_garbage_and_non_message_events_do_not_fail(web, box):
    bad = await web.post("/zalo", content=b"{not json", headers=zalo_headers())
    assert bad.status_code == 400
    other = await web.post("/zalo", json={"event_name": "bot.added", "data": {}}, headers=zalo_headers())
    assert other.status_code == 200
    refused = {"ok": False, "error_code": 408, "description": "timeout"}
    assert (await web.post("/zalo", json=refused, headers=zalo_headers())).status_code == 200
    assert box.sent == []


async def _wait_for(predicate, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def tg_update(update_id: int, text: str) -> dict:
    user = {"id": 777001, "is_bot": False, "first_name": "Lan"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "text": text,
            "chat": {"id": 777001, "type": "private"},
            "from": user,
        },
    }


async def test_telegram_webhook_pushes_the_update_into_the_application(web, telegram):
    _, request = telegram
    answer = await web.post(
        "/telegram", json=tg_update(1, "/menu"), headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    assert answer.status_code == 200
    await _wait_for(lambda: request.sent())
    assert request.sent()[-1]["chat_id"] == 777001 and "reply_markup" in request.sent()[-1]


async def test_telegram_wrong_secret_is_refused_and_the_body_not_logged(web, telegram, caplog):
    caplog.set_level(logging.DEBUG)
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "nope"}):
        answer = await web.post("/telegram", json=tg_update(2, SECRET_WORDS), headers=headers)
        assert answer.status_code == 403
    answer = await web.post(
        "/telegram",
        json=tg_update(3, "/menu"),  # one let in, after them, from the same chat
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    assert answer.status_code == 200
    # the menu answered: a chat's updates are handled in order, so a refused one let in would be answered by now
    await _wait_for(lambda: any("reply_markup" in m for m in telegram[1].sent()))
    assert len(telegram[1].sent()) == 1  # only the menu was
    assert "refused" in caplog.text and SECRET_WORDS not in caplog.text and TG_SECRET not in caplog.text


async def test_healthz_reports_the_store_and_the_last_tick(web, heartbeat, db, monkeypatch):
    answer = await web.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"store": True, "last_tick": None, "leader": False}
    heartbeat.leader = True
    heartbeat.beat(dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC))
    assert (await web.get("/healthz")).json() == {
        "store": True,
        "last_tick": "2026-11-22T03:00:00+00:00",
        "leader": True,
    }

    async def down() -> bool:  # the store stopped answering
        return False

    monkeypatch.setattr(db, "ping", down)
    answer = await web.get("/healthz")
    assert answer.status_code == 503 and answer.json()["store"] is False


async def test_a_channel_that_is_not_served_answers_404(db, heartbeat):
    app = build_web_app(
        inbox=Inbox(db, {}, clock=lambda: None), telegram=None, telegram_secret="", health=health_check(db, heartbeat)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        assert (await client.post("/zalo", json=zalo_update("menu"), headers=zalo_headers())).status_code == 404
        assert (await client.post("/telegram", json=tg_update(1, "hi"))).status_code == 404
