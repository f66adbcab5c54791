"""The Zalo adapter against the fake Zalo Bot Platform server: numbered choices, typed words,
commands with or without "/", non-text events, long replies, the polling loop and pushes."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from sqlalchemy import select

from bot.channels.base import Rejected, RetryLater, Unconfirmed, Unreachable
from bot.channels.zalo import ZaloChannel, ZaloSender, render
from bot.channels.zalo_client import MAX_TEXT, ZaloBotClient
from handlers.kit.core import Button, Reply, rows
from storage.models import Account, Case, Conversation, Role
from tests.channel.zalo_support import ZALO_TOKEN, ZaloUser, choices
from tests.fakes import fake_zalo
from tests.fakes.fake_zalo import FakeZaloServer
from tests.support import invite_code


def polls_made(fake: FakeZaloServer) -> int:
    return [method for method, _ in fake.calls].count("getUpdates")


async def until(condition, seconds: float = 10.0) -> None:
    """Wait for `condition` to hold (the fake server answers from its own threads)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.fixture
def fake():
    with FakeZaloServer(ZALO_TOKEN, hang_seconds=1.0) as server:
        yield server


@pytest.fixture
async def client(fake):
    async with ZaloBotClient(ZALO_TOKEN, fake.base_url, timeout=3.0) as c:
        yield c


@pytest.fixture
def zalo(engine, client):
    return ZaloChannel(engine, engine.deps.catalog, client, poll_timeout=1, max_backoff=0.05)


@pytest.fixture
def user(fake, client, zalo):
    return ZaloUser(fake, client, zalo)


async def test_join_and_log_a_case_by_numbers_and_words_without_diacritics(db, world, user):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    text = await user.type(f"start {code}")  # no slash
    assert "Họ và tên" in text and "1. Dùng tên: Lan Lê" in text
    assert "Gõ 1 (hoặc đúng lựa chọn trên)" in text and "(1–1)" not in text
    assert "Giới tính" in await user.type("1")
    assert "dân tộc thiểu số" in await user.type("nu")  # «Nữ» typed without its diacritic
    text = await user.type("KHONG")
    assert "Chào mừng Lan Lê" in text and "Ghi vụ việc mới" in choices(user.last[-1])

    assert "Ngày tiếp nhận" in await user.type("vuviec")
    assert "thuộc loại nào" in await user.type("hom nay")
    assert "Vì sao" in await user.choose("Tranh chấp dân sự")
    assert "Tên các bên" in await user.choose("Các bên yêu cầu")
    await user.type("Nguyễn Văn An; Trần Thị Bình")
    await user.type("bo qua")
    assert "Hòa giải viên nào" in await user.type("Tranh chấp lối đi chung giữa hai nhà")
    assert "Kiểm tra lại" in await user.choose("Xong")
    assert "Đã lưu vụ việc số T1-1/2026" in await user.choose("Xác nhận")
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
        assert (case.category, case.source) == ("dan_su", "yeu_cau")


async def test_menu_is_one_word_away_and_commands_work_with_or_without_slash(db, world, user):
    guest_menu = await user.type("menu")
    assert "Chào bạn!" in guest_menu and "1. " in guest_menu
    assert choices(guest_menu) == choices(await user.type("/menu"))
    help_text = await user.type("trogiup")
    assert "/start" in help_text and help_text == await user.type("/help")

    async with db.uow() as uow:  # make this Zalo account the mediator Hòa Giải A
        account = await uow.accounts.get("zalo", user.user_id)
        account.person_id = world.people["hgv_a"].id
        await uow.commit()
    assert "Ngày tiếp nhận" in await user.type("/vuviec")
    text = await user.type("Menu")
    assert "vẫn được giữ" in text and "Ghi vụ việc mới" in choices(text)
    assert "Đã hủy" in await user.type("huy")
    assert "Ngày tiếp nhận" in await user.type("VUVIEC")
    text = await user.type("9")  # not a choice (only 1–2): the question again
    assert "Chưa đọc được ngày" in text and "2. Hôm qua" in text
    assert "thuộc loại nào" in await user.type("1")
    assert "chọn một trong các lựa chọn" in await user.type("9")


@pytest.mark.parametrize("kind", ["image", "sticker", "voice"])
async def test_pictures_stickers_and_voice_get_a_polite_text_answer(db, world, user, kind):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    await user.type(f"/start {code}")
    text = await user.send_event(kind)
    assert "chỉ đọc được tin nhắn chữ" in text and "Họ và tên" in text  # the question again
    assert "Giới tính" in await user.type("1")  # and its numbers still work


async def test_content_withheld_by_zalo_is_not_an_error(db, world, user):
    text = await user.send_event("unsupported")
    assert "Zalo không chuyển nội dung tin nhắn này" in text and "menu" in text
    assert "trục trặc" not in text


async def test_a_redelivered_update_is_answered_once_and_groups_are_ignored(fake, client, zalo, user):
    fake.push_text(user.user_id, "menu")
    update = await client.get_updates(timeout=1)
    await zalo.handle_update(update)
    await zalo.handle_update(update)
    assert len(fake.sent(user.user_id)) == 1

    group = {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": "u9", "display_name": "X", "is_bot": False},
            "chat": {"id": "g9", "chat_type": "GROUP"},
            "text": "menu",
            "message_id": "ab12",
            "date": 1750316131602,
        },
    }
    fake.push_raw(group)
    await zalo.handle_update(await client.get_updates(timeout=1))
    assert fake.sent("g9") == []


async def test_long_replies_are_split_at_2000_and_only_the_last_choices_are_numbered(engine, fake, zalo, user):
    fake.push_text(user.user_id, "hi")  # the fake only lets the bot write to people who wrote first
    long = ("Một câu khá dài về hòa giải ở cơ sở. " * 30 + "\n") * 12
    replies = [Reply(long), Reply("Chọn một:", rows(Button("Có", "x:1"), Button("Không", "x:2")))]
    await zalo.deliver(user.user_id, replies)
    sent = [m["text"] for m in fake.sent(user.user_id)]
    assert len(sent) >= 5 and all(len(t) <= MAX_TEXT for t in sent)
    assert " ".join(sent[:-1]).split() == long.split()  # nothing lost at the cuts
    assert sent[-1].splitlines()[2:4] == ["1. Có", "2. Không"]
    texts = render(
        [Reply("A", rows(Button("x", "p"))), Reply("B", rows(Button("y", "q"))), Reply("C")], engine.deps.catalog
    )
    assert texts[0] == "A" and "1. y" in texts[1] and texts[2] == "C"


async def test_polling_survives_faults_and_stops_cleanly(db, world, fake, zalo, user):
    faults = iter(["500", "drop", "429"])
    fake.faults = lambda method, params: next(faults, None) if method == "getUpdates" else None
    stop = asyncio.Event()
    task = asyncio.create_task(zalo.run_polling(stop))
    fake.push_text(user.user_id, "menu")
    await asyncio.to_thread(fake.wait_sent, user.user_id, 1, 10)
    polls = polls_made(fake)
    await until(lambda: polls_made(fake) >= polls + 2)  # one poll came back idle (408: "nothing new"), the next began
    fake.push_text(user.user_id, "trogiup")
    await asyncio.to_thread(fake.wait_sent, user.user_id, 2, 10)
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 2
    methods = [m for m, _ in fake.calls]
    assert methods[0] == "deleteWebhook" and methods.count("getUpdates") >= 5
    assert "Các lệnh bạn dùng được" in fake.sent(user.user_id)[1]["text"]


async def test_sender_maps_errors_for_the_outbox_and_remembers_pushed_choices(db, world, engine, fake, zalo, user):
    await user.type("menu")
    async with db.uow() as uow:
        account = await uow.accounts.get("zalo", user.user_id)
        account.person_id = world.people["hgv_a"].id
        await uow.commit()

    async def remember(external_id: str, reply: Reply) -> None:
        await engine.remember_pushed("zalo", external_id, reply)

    sender = ZaloSender(zalo, transient_backoff=7.0, remember=remember)
    invitation = Reply(
        "Mời bạn dự tập huấn.", rows(Button("Xem vụ việc", "cmd:cuatoi"), Button("Trợ giúp", "cmd:help"))
    )
    await sender.send(user.user_id, invitation)
    assert "1. Xem vụ việc" in fake.sent(user.user_id)[-1]["text"]
    user.new_texts()
    assert "Các lệnh bạn dùng được" in await user.type("2")  # the pushed choice, by its number

    with pytest.raises(Unreachable):
        await sender.send("never-wrote-to-the-bot", Reply("x"))
    with pytest.raises(Rejected):
        await sender.send("", Reply("x"))
    for fault, after in (("429", 7.0), ("500", 7.0)):
        fake.faults = lambda method, params, f=fault: f if method == "sendMessage" else None
        with pytest.raises(RetryLater) as err:
            await sender.send(user.user_id, Reply("x"))
        assert err.value.after == after
    fake.faults = None

    async with db.uow() as uow:  # a flow waiting for its answer keeps its own choices
        conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == user.user_id))
        conv.flow, conv.step, conv.choices = (
            "case",
            "category",
            {"payloads": ["f:x:category:khac"], "labels": ["Việc khác"]},
        )
        await uow.commit()
    await sender.send(user.user_id, invitation)
    async with db.uow() as uow:
        conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == user.user_id))
        assert conv.choices["labels"] == ["Việc khác"]


async def test_replies_take_their_slot_in_the_send_budget_shared_with_the_outbox(engine, fake, client, user):
    class Budget:
        def __init__(self) -> None:
            self.slots: list[bool] = []

        @contextlib.asynccontextmanager
        async def slot(self, chat=None, *, priority=False, per_chat=True):
            self.slots.append(priority)
            yield

    budget = Budget()
    zalo = ZaloChannel(engine, engine.deps.catalog, client, limiter=budget)
    fake.push_text(user.user_id, "hi")
    await zalo.deliver(user.user_id, [Reply("một"), Reply("hai"), Reply("ba")])
    assert budget.slots == [True, True, True]  # replies go before pushes
    assert [m["text"] for m in fake.sent(user.user_id)] == ["một", "hai", "ba"]


async def test_a_send_answered_too_late_is_never_sent_again(engine, monkeypatch):
    """Zalo carried the message out but answered after the client gave up: in a turn the next
    replies still go and that one is not repeated; for the outbox it is unconfirmed."""
    slow_once, answered = [], []
    answer = fake_zalo._Handler._answer

    def answering(handler, status: int, body: dict) -> None:
        answer(handler, status, body)
        answered.append(status)

    monkeypatch.setattr(fake_zalo._Handler, "_answer", answering)

    def slow(method: str, params: dict) -> str | None:
        if method == "sendMessage" and params["text"] in ("một", "lời mời") and params["text"] not in slow_once:
            slow_once.append(params["text"])
            return "slow"
        return None

    with FakeZaloServer(ZALO_TOKEN, hang_seconds=1.0, faults=slow) as fake:
        async with ZaloBotClient(ZALO_TOKEN, fake.base_url, timeout=0.3) as client:
            fake.know("u-1")
            zalo = ZaloChannel(engine, engine.deps.catalog, client)
            await zalo.deliver("u-1", [Reply("một"), Reply("hai")])
            with pytest.raises(Unconfirmed):
                await ZaloSender(zalo).send("u-1", Reply("lời mời"))
            await until(lambda: len(answered) == len(fake.calls))  # the slow answers come in; nothing resent
            assert [m["text"] for m in fake.sent("u-1")] == ["một", "hai", "lời mời"]
