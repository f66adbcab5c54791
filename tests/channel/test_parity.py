"""Parity: one scripted scenario through the Telegram adapter, the Zalo adapter and the
console ends with the same store contents.

Each channel gets its own fresh store with the same world and the same clock. The script is
channel-neutral: `command` is typed with a slash on Telegram and the console and without one
on Zalo; `choose` presses the inline button on Telegram and types the option's number on
Zalo and in the console; `push` sends a message outside a turn through the channel's Sender,
and `dispatch` runs the outbox dispatcher once with it, as the clock does. To cover a new
feature, add its steps to SCENARIO.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram import Update

from bot.channels.console import ConsoleChannel
from bot.channels.render import numbered
from bot.channels.telegram import TelegramChannel, TelegramSender
from bot.channels.zalo import ZaloChannel, ZaloSender
from bot.channels.zalo_client import ZaloBotClient
from bot.dispatcher import Dispatcher
from content.catalog import load_catalog
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.kit.core import Button, Reply, rows
from storage.db import Database
from storage.models import Account, Role
from storage.schema import Base
from tests.channel.zalo_support import ZALO_TOKEN, ZaloUser, choices
from tests.fakes.fake_request import FakeRequest
from tests.fakes.fake_zalo import FakeZaloServer
from tests.support import Clock, build_world, invite_code, make_engine


@dataclass(frozen=True)
class Step:
    who: str  # "lan" (joins in the scenario) or "official" (the ward's official, already in)
    action: str  # "command" | "type" | "choose" | "push" | "dispatch"
    text: str
    expect: str  # a fragment of what the user then sees
    reply: Reply | None = None  # what "push" sends


SCENARIO = [
    # join with a code
    Step("lan", "command", "start {code}", "Họ và tên"),
    Step("lan", "type", "Lê Thị Lan", "Giới tính"),
    Step("lan", "choose", "Nữ", "dân tộc thiểu số"),
    Step("lan", "choose", "Không", "Chào mừng Lê Thị Lan"),
    # log a case
    Step("lan", "command", "vuviec", "Ngày tiếp nhận"),
    Step("lan", "choose", "Hôm nay", "thuộc loại nào"),
    Step("lan", "choose", "Tranh chấp dân sự", "Vì sao"),
    Step("lan", "choose", "Các bên yêu cầu", "Tên các bên"),
    Step("lan", "type", "Nguyễn Văn An; Trần Thị Bình", "Địa chỉ"),
    Step("lan", "choose", "Bỏ qua", "Tóm tắt"),
    Step("lan", "type", "Tranh chấp lối đi chung giữa hai nhà", "Hòa giải viên nào"),
    Step("lan", "choose", "Xong", "Kiểm tra lại"),
    Step("lan", "choose", "Xác nhận", "Đã lưu vụ việc số T1-1/2026"),
    # update its outcome: every field, then the confirm screen
    Step("lan", "command", "cuatoi", "Vụ việc 1–1"),
    Step("lan", "choose", "T1-1/2026", "Vụ việc T1-1/2026"),
    Step("lan", "choose", "Hòa giải thành", "thỏa thuận"),
    Step("lan", "type", "Hai bên thống nhất mở lối đi chung rộng 1,5 m", "Ngày có kết quả"),
    Step("lan", "choose", "Hôm nay", "Ngày các buổi hòa giải"),
    Step("lan", "choose", "Một buổi", "Hòa giải ở đâu"),
    Step("lan", "type", "Nhà văn hóa thôn 1", "mời ai"),
    Step("lan", "choose", "Không mời ai", "Kiểm tra kết quả"),
    Step("lan", "choose", "Xác nhận", "Thỏa thuận đạt được"),
    # a pushed message with a choice, answered by button or number (as a training invitation)
    Step(
        "lan",
        "push",
        "",
        "xem lại vụ việc",
        Reply("Mời bạn xem lại vụ việc vừa ghi.", rows(Button("Xem vụ việc T1-1/2026", "case:view:1"))),
    ),
    Step("lan", "choose", "Xem vụ việc T1-1/2026", "Vụ việc T1-1/2026 — Hòa giải thành"),
    # ask a legal question
    Step("lan", "command", "hoidap tổ hòa giải có mấy người", "📖"),
    # an official plans a training; the invitation goes out through the outbox and is answered
    Step("official", "command", "taphuan", "Chưa có lớp tập huấn"),
    Step("official", "choose", "Tạo lớp tập huấn", "Tên lớp tập huấn"),
    Step("official", "type", "Kỹ năng hòa giải tranh chấp đất đai", "Ngày giờ bắt đầu"),
    Step("official", "type", "30/11/2026 08:00", "Địa điểm"),
    Step("official", "type", "Hội trường UBND Phường B", "Mời những ai"),
    Step("official", "choose", "Toàn bộ", "Kiểm tra lại lớp tập huấn"),
    Step("official", "choose", "Tạo và gửi lời mời", "Đã tạo lớp tập huấn"),
    Step("lan", "dispatch", "", "Mời tham dự tập huấn: Kỹ năng hòa giải"),
    Step("lan", "choose", "Tôi sẽ tham dự", "Đã ghi nhận bạn sẽ tham dự"),
    # an official's counts
    Step("official", "command", "thongke", "• Hòa giải thành: 1"),
]

# Columns that differ by channel on purpose (platform ids, names the platform reports,
# one-time random codes and button tokens); everything else must match.
CHANNEL_SPECIFIC = {
    "accounts": {"channel", "external_id", "display_name"},
    "invite_codes": {"code_hash"},
    "conversations": {"data", "choices"},
    "seen_updates": None,  # the platforms' update ids (the console has none)
    "deliveries": {"channel", "external_id", "claimed_by"},  # claimed_by: the dispatcher's random id
    "trainings": {"checkin_code"},
}


async def snapshot(db: Database) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            skip = CHANNEL_SPECIFIC.get(table.name, set())
            if skip is None:
                continue
            rows = (await conn.execute(select(table).order_by(*table.primary_key.columns))).mappings().all()
            out[table.name] = [{k: v for k, v in row.items() if k not in skip} for row in rows]
    return out


async def new_store(clock: Clock) -> tuple[Database, str]:
    db = Database("sqlite+aiosqlite://")
    await db.create_all()
    world = await build_world(db, clock.now)
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a, clock.now)
    return db, code


async def give_account(db: Database, channel: str, external_id: str, person_key: str, clock: Clock) -> None:
    """The official reached the bot on this channel earlier (joined, or linked with /lienket)."""
    async with db.uow() as uow:
        official = await uow.session.scalar(select(Account).where(Account.external_id == person_key))
        uow.session.add(
            Account(
                channel=channel,
                external_id=external_id,
                person_id=official.person_id,
                display_name="Cán Bộ",
                last_seen_at=clock.now,
            )
        )
        await uow.commit()


# --- drivers: one per channel -------------------------------------------------------------
class TelegramDriver:
    IDS = {"lan": 610001, "official": 610002}

    def __init__(self, app, request: FakeRequest, sender: TelegramSender) -> None:
        self.app, self.request, self.sender = app, request, sender
        self.ids = itertools.count(1)
        self.seen = 0

    def _user(self, who: str) -> tuple[dict, dict]:
        uid = self.IDS[who]
        return (
            {"id": uid, "is_bot": False, "first_name": "Lan", "last_name": "Lê"},
            {"id": uid, "type": "private", "first_name": "Lan"},
        )

    async def command(self, who: str, text: str) -> str:
        return await self.type(who, "/" + text)

    async def type(self, who: str, text: str) -> str:
        user, chat = self._user(who)
        msg = {"message_id": next(self.ids), "date": 1_790_000_000, "chat": chat, "from": user, "text": text}
        await self.app.process_update(Update.de_json({"update_id": next(self.ids), "message": msg}, self.app.bot))
        return self.pushed(who)

    async def push(self, who: str, reply: Reply) -> str:
        await self.sender.send(str(self.IDS[who]), reply)
        return self.pushed(who)

    async def choose(self, who: str, label: str) -> str:
        mine = [p for p in self.request.sent() if p["chat_id"] == self.IDS[who] and "reply_markup" in p]
        keyboard = mine[-1]["reply_markup"]["inline_keyboard"]
        button = next(b for row in keyboard for b in row if label in b["text"])
        user, chat = self._user(who)
        message = {"message_id": 1, "date": 1_790_000_000, "chat": chat, "from": user, "text": "…"}
        query = {
            "id": str(next(self.ids)),
            "from": user,
            "chat_instance": "1",
            "data": button["callback_data"],
            "message": message,
        }
        await self.app.process_update(
            Update.de_json({"update_id": next(self.ids), "callback_query": query}, self.app.bot)
        )
        return self.pushed(who)

    def pushed(self, who: str) -> str:
        """What this person was sent since the last look."""
        sent = self.request.sent()
        texts = [p["text"] for p in sent[self.seen :] if p["chat_id"] == self.IDS[who]]
        self.seen = len(sent)
        return "\n".join(texts)


class ZaloDriver:
    IDS = {"lan": "a0a0a0a0a0a0a0a0a0a1", "official": "a0a0a0a0a0a0a0a0a0a2"}

    def __init__(self, fake: FakeZaloServer, client: ZaloBotClient, channel: ZaloChannel) -> None:
        self.users = {who: ZaloUser(fake, client, channel, uid, name="Lan Lê") for who, uid in self.IDS.items()}

        async def remember(external_id: str, reply: Reply) -> None:
            await channel.engine.remember_pushed("zalo", external_id, reply)

        self.sender = ZaloSender(channel, remember=remember)

    async def command(self, who: str, text: str) -> str:
        return await self.users[who].type(text)  # no slash on Zalo

    async def type(self, who: str, text: str) -> str:
        return await self.users[who].type(text)

    async def push(self, who: str, reply: Reply) -> str:
        await self.sender.send(self.IDS[who], reply)
        return self.pushed(who)

    async def choose(self, who: str, label: str) -> str:
        return await self.users[who].choose(label)

    def pushed(self, who: str) -> str:
        return "\n".join(self.users[who].new_texts())


class ConsoleSender:
    """The console has no pushes of its own: print them as it prints replies (numbered) and
    remember their choices, as the Zalo sender does. Test-only."""

    channel = "console"

    def __init__(self, console: ConsoleChannel) -> None:
        self.console = console
        self.printed: dict[str, str] = {}

    async def send(self, external_id: str, reply: Reply) -> None:
        text = numbered(reply, self.console.catalog)
        self.console.write(text)
        self.printed[external_id] = self.printed.get(external_id, "") + text + "\n"
        await self.console.engine.remember_pushed("console", external_id, reply)


class ConsoleDriver:
    PERSONAS = {"lan": "khach", "official": "canbo"}

    def __init__(self, console: ConsoleChannel, out: io.StringIO) -> None:
        self.console, self.out = console, out
        self.sender = ConsoleSender(console)
        self.last = ""

    async def command(self, who: str, text: str) -> str:
        return await self.type(who, "/" + text)

    async def type(self, who: str, text: str) -> str:
        self.console.persona = self.PERSONAS[who]
        start = len(self.out.getvalue())
        await self.console.say(text)
        self.last = self.out.getvalue()[start:]
        return self.last

    async def push(self, who: str, reply: Reply) -> str:
        await self.sender.send(self.PERSONAS[who], reply)
        return self.pushed(who)

    async def choose(self, who: str, label: str) -> str:
        options = choices(self.last)  # the later list wins: it is the one the engine remembers
        return await self.type(who, str(next(n for lab, n in options.items() if label in lab)))

    def pushed(self, who: str) -> str:
        self.last = self.sender.printed.pop(self.PERSONAS[who], "")
        return self.last


async def play(driver, code: str, db: Database, clock: Clock) -> None:
    env = PushEnv(load_catalog(), ZoneInfo("Asia/Ho_Chi_Minh"), PushPolicy())
    for step in SCENARIO:
        if step.action == "push":
            text = await driver.push(step.who, step.reply)
        elif step.action == "dispatch":  # one pass of the outbox, as the clock runs it
            sender = driver.sender
            assert await Dispatcher(db, {sender.channel: sender}, env=env, clock=clock).drain() > 0
            text = driver.pushed(step.who)
        else:
            text = await getattr(driver, step.action)(step.who, step.text.format(code=code))
        assert step.expect in text, f"{type(driver).__name__} at {step}: {text!r}"


# --- the three runs ---------------------------------------------------------------------------
async def run_telegram() -> dict:
    clock = Clock()
    db, code = await new_store(clock)
    await give_account(db, "telegram", str(TelegramDriver.IDS["official"]), "official", clock)
    engine = make_engine(db, clock)
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    async with app:
        await play(TelegramDriver(app, request, TelegramSender(channel, app.bot)), code, db, clock)
    assert request.rejected == []
    try:
        return await snapshot(db)
    finally:
        await db.dispose()


async def run_zalo() -> dict:
    clock = Clock()
    db, code = await new_store(clock)
    await give_account(db, "zalo", ZaloDriver.IDS["official"], "official", clock)
    engine = make_engine(db, clock)
    with FakeZaloServer(ZALO_TOKEN) as fake:
        async with ZaloBotClient(ZALO_TOKEN, fake.base_url, timeout=3.0) as client:
            channel = ZaloChannel(engine, engine.deps.catalog, client)
            await play(ZaloDriver(fake, client, channel), code, db, clock)
        assert all(len(m["text"]) <= 2000 for m in fake.sent())
    try:
        return await snapshot(db)
    finally:
        await db.dispose()


async def run_console() -> dict:
    clock = Clock()
    db, code = await new_store(clock)
    await give_account(db, "console", "canbo", "official", clock)
    engine = make_engine(db, clock)
    out = io.StringIO()
    console = ConsoleChannel(
        engine, engine.deps.catalog, ward="Phường B", db_path=":memory:", stdin=io.StringIO(), stdout=out
    )
    await play(ConsoleDriver(console, out), code, db, clock)
    try:
        return await snapshot(db)
    finally:
        await db.dispose()


async def test_the_same_scenario_leaves_the_same_store_on_every_channel():
    telegram, zalo, console = await run_telegram(), await run_zalo(), await run_console()
    assert telegram["cases"] and telegram["cases"][0]["status"] == "thanh"
    assert len(telegram["people"]) == 7
    assert [i["answer"] for i in telegram["training_invites"] if i["person_id"] == 7] == ["yes"]
    assert any(d["status"] == "sent" and d["person_id"] == 7 for d in telegram["deliveries"])
    for name in telegram:
        assert zalo[name] == telegram[name], f"zalo differs from telegram in {name}"
        assert console[name] == telegram[name], f"console differs from telegram in {name}"
