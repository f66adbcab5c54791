"""The outbox dispatcher against the local fake Bot API server: 429 waits for retry_after,
403 marks the person unreachable and tells their official, 500 is retried with backoff, a
send the server carries out without answering in time is uncertain and never sent again."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select, update
from telegram import Update
from telegram.request import HTTPXRequest

from bot.channels.telegram import TelegramChannel, to_turn
from bot.channels.telegram_push import TelegramPushSender
from bot.dispatcher import Dispatcher
from bot.ratelimit import PtbLimiter, SendLimiter
from handlers.broadcasts.views import create_broadcast
from handlers.kit.core import FileRef, Turn
from storage.models import Account, Delivery, DeliveryStatus
from tests.fakes.fake_telegram import FakeTelegramServer
from tests.pushes import FakeSender, env
from tests.support import Chat

TOKEN = "123456:TEST-dispatcher"
CHATS = {"hgv_a": 7001, "hgv_a2": 7002, "leader_a": 7003, "official": 7009}
READ_TIMEOUT = 2.0  # seconds the bot waits for an answer (python-telegram-bot's default: 5)


class Faults:
    """Answer the first `n` sendMessage calls to a chat with a given fault."""

    def __init__(self) -> None:
        self.plan: Counter[tuple[int, str]] = Counter()

    def __call__(self, method: str, params: dict) -> str | None:
        if method != "sendMessage":
            return None
        for (chat, fault), left in self.plan.items():
            if left and int(params.get("chat_id", 0)) == chat:
                self.plan[(chat, fault)] -= 1
                return fault
        return None


@pytest.fixture
async def tg(db, world, engine, clock):
    faults = Faults()
    async with db.uow() as uow:
        for key, chat in CHATS.items():  # their Telegram account is the one they used last
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
    with FakeTelegramServer(token=TOKEN, faults=faults) as server:
        limiter = SendLimiter(500, chat_interval=0)
        app = TelegramChannel(engine, engine.deps.catalog, token=TOKEN, base_url=server.base_url).build(
            request=HTTPXRequest(connection_pool_size=16, read_timeout=READ_TIMEOUT), rate_limiter=PtbLimiter(limiter)
        )
        async with app:
            other = FakeSender()
            dispatcher = Dispatcher(
                db,
                {"telegram": TelegramPushSender(app.bot), "test": other},
                env=env(),
                clock=clock,
                limiters={"telegram": limiter},
                concurrency=4,
            )
            yield server, dispatcher, faults
    assert server.rejected == []


async def announce(db, world, clock) -> None:
    async with db.uow() as uow:
        team = await uow.units.get(world.team_a.id)
        await create_broadcast(uow, env(), sender=None, unit=team, text="Họp tổ sáng thứ Hai.", now=clock())
        await uow.commit()


async def row_of(db, world, key: str) -> Delivery:
    async with db.uow() as uow:
        return await uow.session.scalar(select(Delivery).where(Delivery.person_id == world.people[key].id))


async def test_429_waits_for_retry_after(db, world, clock, tg):
    server, dispatcher, faults = tg
    faults.plan[(CHATS["hgv_a"], "429")] = 1
    await announce(db, world, clock)
    await dispatcher.drain()
    row = await row_of(db, world, "hgv_a")
    assert (row.status, row.attempts, row.next_attempt_at) == (
        DeliveryStatus.PENDING,
        1,
        clock() + dt.timedelta(seconds=1),
    )
    assert server.delivered_count(CHATS["hgv_a"]) == 0 and server.delivered_count(CHATS["hgv_a2"]) == 1
    await dispatcher.drain()  # retry_after has not passed: nothing is sent
    assert server.delivered_count(CHATS["hgv_a"]) == 0
    clock.advance(seconds=1)
    await dispatcher.drain()
    assert server.delivered_count(CHATS["hgv_a"]) == 1
    assert (await row_of(db, world, "hgv_a")).status is DeliveryStatus.SENT
    assert [r.code for r in server.refused] == [429]


async def test_500_is_retried_with_backoff(db, world, clock, tg):
    server, dispatcher, faults = tg
    faults.plan[(CHATS["hgv_a"], "500")] = 2
    await announce(db, world, clock)
    await dispatcher.drain()
    assert (await row_of(db, world, "hgv_a")).next_attempt_at == clock() + dt.timedelta(seconds=5)
    clock.advance(seconds=5)
    await dispatcher.drain()
    row = await row_of(db, world, "hgv_a")
    assert (row.status, row.attempts, row.next_attempt_at) == (
        DeliveryStatus.PENDING,
        2,
        clock() + dt.timedelta(seconds=5),
    )
    clock.advance(seconds=5)
    await dispatcher.drain()
    assert server.delivered_count(CHATS["hgv_a"]) == 1
    assert (await row_of(db, world, "hgv_a")).status is DeliveryStatus.SENT


async def test_a_send_answered_too_late_is_uncertain_and_never_sent_again(db, world, clock, tg):
    server, dispatcher, faults = tg
    server.slow_seconds = READ_TIMEOUT + 0.5  # carried out, but answered after the bot gave up
    faults.plan[(CHATS["hgv_a"], "timeout")] = 1
    await announce(db, world, clock)
    await dispatcher.drain()
    row = await row_of(db, world, "hgv_a")
    assert (row.status, row.attempts, row.error) == (DeliveryStatus.UNCERTAIN, 0, "no answer from the platform")
    server.wait_for(lambda s: s.delivered_count(CHATS["hgv_a"]) == 1, timeout=5)  # it did arrive
    clock.advance(minutes=5)
    await dispatcher.drain()
    assert [server.delivered_count(CHATS[k]) for k in ("hgv_a", "hgv_a2", "leader_a")] == [1, 1, 1]
    assert (await row_of(db, world, "hgv_a2")).status is DeliveryStatus.SENT


async def test_403_marks_unreachable_and_tells_the_official(db, world, clock, tg):
    server, dispatcher, _ = tg
    server.blocked_chats.add(CHATS["hgv_a"])
    async with db.uow() as uow:  # no other account to fall back on
        await uow.session.execute(
            update(Account).where(Account.channel == "test", Account.external_id == "hgv_a").values(unreachable=True)
        )
        await uow.commit()
    await announce(db, world, clock)
    await dispatcher.drain()
    assert (await row_of(db, world, "hgv_a")).status is DeliveryStatus.UNREACHABLE
    async with db.uow() as uow:
        account = await uow.accounts.get("telegram", str(CHATS["hgv_a"]))
    assert account.unreachable
    [notice] = server.sent(CHATS["official"])
    assert "Không gửi được tin nhắn cho Hòa Giải A (Tổ hòa giải 1)" in notice["text"]
    await announce(db, world, clock)  # a second announcement: no second call, no second notice
    await dispatcher.drain()
    assert len(server.sent(CHATS["official"])) == 1
    assert sum(1 for r in server.refused if r.code == 403) == 1


async def test_403_falls_back_to_another_account(db, world, clock, tg):
    server, dispatcher, _ = tg
    server.blocked_chats.add(CHATS["hgv_a"])
    await announce(db, world, clock)
    await dispatcher.drain()
    assert (await row_of(db, world, "hgv_a")).channel == "test"
    assert "Họp tổ sáng thứ Hai." in dispatcher.senders["test"].texts("hgv_a")[0]
    assert server.sent(CHATS["official"]) == []


async def test_a_document_goes_as_one_message_and_is_uploaded_once(db, world, clock, tg):
    server, dispatcher, _ = tg
    async with db.uow() as uow:
        team = await uow.units.get(world.team_a.id)
        file = await uow.outbox.add_file("tai-lieu.pdf", "document", b"%PDF-1.4 tai lieu", clock())
        await create_broadcast(uow, env(), sender=None, unit=team, text="Tài liệu tập huấn.", now=clock(), file=file)
        await uow.commit()
    await dispatcher.drain()
    docs = [m for m in server.sent() if m["method"] == "sendDocument"]
    assert {m["text"] for m in docs} == {"📢 Thông báo của Tổ hòa giải 1:\nTài liệu tập huấn."}
    assert [server.delivered_count(CHATS[k]) for k in ("hgv_a", "hgv_a2", "leader_a")] == [1, 1, 1]
    assert sum(1 for m in docs if not isinstance(m["file"], str)) == 1  # then Telegram's file_id


async def send_file(chat: Chat, file: FileRef, caption: str | None = None) -> None:
    """The user sends a document or photo (with an optional caption)."""
    chat.replies = await chat.engine.handle(Turn(chat.channel, chat.account, chat.name, text=caption, file=file))


async def test_an_official_sends_a_file_in_chat_and_it_goes_on_by_file_id(db, world, engine, clock, tg):
    server, dispatcher, _ = tg
    official = Chat(engine, "official")
    await official.send("/thongbao")
    await official.press("Gửi thông báo mới")
    await official.press("Thôn 1")
    pdf = FileRef("telegram", "BQACAgUAAxkBAAIBQ2", "cong-van-12.pdf", "document", 48_213)
    await send_file(official, pdf, "Công văn số 12 về tập huấn")
    assert "📎 Kèm tệp: cong-van-12.pdf" in official.text
    await official.press("Gửi")
    await dispatcher.drain()
    docs = [m for m in server.sent() if m["method"] == "sendDocument"]
    assert {m["chat_id"] for m in docs} == {CHATS["hgv_a"], CHATS["hgv_a2"], CHATS["leader_a"]}
    assert {m["file"] for m in docs} == {"BQACAgUAAxkBAAIBQ2"}
    assert all("Công văn số 12 về tập huấn" in m["text"] for m in docs)


async def test_a_training_with_a_document_sent_in_chat(db, world, engine, clock, tg):
    server, dispatcher, _ = tg
    official = Chat(engine, "official")
    await official.send("/taphuan")
    await official.press("Tạo lớp tập huấn")
    await official.send("Kỹ năng hòa giải")
    await official.send("26/11/2026 08:00")
    await official.send("Hội trường")
    await official.press("Tổ hòa giải 1")
    await official.press("Xong")
    await official.press("Kèm tài liệu")
    await send_file(official, FileRef("telegram", "EXE1", "setup.exe", "document", 10))
    assert "chỉ gửi kèm được tệp PDF" in official.text
    await send_file(official, FileRef("telegram", "PHOTO1", "photo.jpg", "image", 9000))
    assert "📎 Kèm tệp: photo.jpg" in official.text
    await official.press("Tạo và gửi lời mời")
    await dispatcher.drain()
    [invitation] = server.sent(CHATS["hgv_a"])
    assert invitation["method"] == "sendPhoto" and invitation["file"] == "PHOTO1"
    assert "Mời tham dự tập huấn: Kỹ năng hòa giải" in invitation["text"]
    labels = [b["text"] for row in invitation["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["✅ Tôi sẽ tham dự", "❌ Không tham dự được"]


def test_a_document_or_photo_becomes_a_file_reference():
    message = {
        "message_id": 5,
        "date": 1_790_000_000,
        "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "Thu"},
        "caption": "Công văn",
        "document": {"file_id": "DOC1", "file_unique_id": "u1", "file_name": "cv.pdf", "file_size": 100},
    }
    turn = to_turn(Update.de_json({"update_id": 9, "message": message}, None))
    assert (turn.text, turn.file) == ("Công văn", FileRef("telegram", "DOC1", "cv.pdf", "document", 100))
    del message["document"]
    message["photo"] = [
        {"file_id": f"P{i}", "file_unique_id": f"p{i}", "width": w, "height": w} for i, w in enumerate((90, 320, 1280))
    ]
    turn = to_turn(Update.de_json({"update_id": 10, "message": message}, None))
    assert turn.file == FileRef("telegram", "P2", "photo.jpg", "image", 0)
