"""The report chain on Telegram's fake, end to end: the province sets the communes' day; Phường
B taps «Đã gửi» and receives its workbook as a document; the province sees who has sent, gets
the same document, and nudges Xã E, late; the nudge reaches Xã E's official through the outbox
as a message with «Đã gửi», which they tap a few days later; the province then sees it late.
Every call the bot makes is checked against the Bot API spec."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.channels.telegram import TelegramChannel, TelegramSender
from bot.dispatcher import Dispatcher
from storage.db import Database
from storage.models import Account, Role, UnitKind
from tests.channel.telegram_chats import Driver as ChatsDriver
from tests.fakes.fake_request import FakeRequest
from tests.pushes import env
from tests.support import START, Clock, build_world, make_engine
from tests.unit.officials_fixtures import add_person, seed_ward

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHATS = {"prov": 620001, "official": 620002, "official_e": 620003}


def local_dt(day: str, time: str = "08:00") -> dt.datetime:
    return dt.datetime.strptime(f"{day} {time}", "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


class Driver(ChatsDriver):
    """Three officials on Telegram, and the documents the bot sent them."""

    def __init__(self, app, request: FakeRequest) -> None:
        super().__init__(app, request, CHATS)

    def last_document(self, who: str) -> tuple[str, bytes]:
        calls = [p for m, p in self.request.calls if m == "sendDocument"]
        files = [f for m, f in self.request.files if m == "sendDocument"]
        chat, file = next((c, f) for c, f in zip(reversed(calls), reversed(files), strict=True))
        assert int(chat["chat_id"]) == CHATS[who]
        return file.filename, file.content


async def store(clock: Clock) -> Database:
    db = Database("sqlite+aiosqlite://")
    await db.create_all()
    world = await build_world(db, clock.now)
    async with db.uow() as uow:
        xa_e = await uow.units.add(UnitKind.XA, "Xã E", world.province, START)
        await uow.commit()
    people = {
        "official": world.people["official"],
        "official_e": await add_person(db, "official_e", "Cán Bộ Xã E", Role.CAN_BO, xa_e.id),
        "prov": await add_person(db, "prov", "Cán Bộ Sở", Role.CAN_BO, world.province.id),
    }
    await seed_ward(db, world)
    async with db.uow() as uow:  # they use Telegram (the account used last)
        for key, chat in CHATS.items():
            uow.session.add(
                Account(
                    channel="telegram",
                    external_id=str(chat),
                    person_id=people[key].id,
                    display_name=key,
                    last_seen_at=clock.now + dt.timedelta(minutes=1),
                )
            )
        await uow.commit()
    return db


async def test_the_report_chain_on_telegram():
    clock = Clock()
    db = await store(clock)
    engine = make_engine(db, clock)
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    async with app:
        tg = Driver(app, request)
        assert "Các xã, phường báo cáo lên Tỉnh A:" in await tg.type("prov", "/hanbaocao")
        assert "trước ngày nào?" in await tg.choose("prov", "Đặt hạn các xã nộp báo cáo năm")
        assert "nộp báo cáo năm trước hết ngày 10/01." in await tg.type("prov", "10/01")

        clock.now = local_dt("05/01/2027")
        await tg.type("official", "/hanbaocao")
        seen = await tg.choose("official", "Đã gửi báo cáo năm 2026")
        assert "Đã ghi nhận: Phường B đã gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A ngày 05/01/2027." in seen
        name, sent = tg.last_document("official")
        assert name == "bao-cao-phuong-b-2026.xlsx"

        clock.now = local_dt("11/01/2027")
        await tg.type("prov", "/hanbaocao")
        seen = await tg.choose("prov", "Xã nào đã gửi báo cáo năm 2026")
        assert "đã gửi 1/2 xã, phường." in seen and "✅ Phường B — gửi 05/01/2027 (7 vụ việc)" in seen
        assert "⚠️ Xã E — chưa gửi, quá hạn 1 ngày" in seen
        await tg.choose("prov", "Tải báo cáo Phường B")
        name, downloaded = tg.last_document("prov")
        assert (name, downloaded) == ("bao-cao-phuong-b-2026.xlsx", sent)
        ws = load_workbook(io.BytesIO(downloaded))["1. Sổ theo dõi"]
        assert sum(1 for r in ws.iter_rows(min_row=5, values_only=True) if r[0]) == 7
        await tg.type("prov", "/hanbaocao")
        await tg.choose("prov", "Xã nào đã gửi báo cáo năm 2026")
        assert "Đã xếp gửi lời nhắc đến 1 cán bộ." in await tg.choose("prov", "Nhắc Xã E")

        sender = TelegramSender(channel, app.bot)
        await Dispatcher(db, {"telegram": sender}, env=env(), clock=clock, concurrency=2).drain()
        pushed = tg.texts("official_e")
        assert pushed.startswith("🔔 Cán Bộ Sở (Tỉnh A) nhắc: Xã E chưa gửi báo cáo năm 2026")
        assert tg.texts("official") == ""

        clock.now = local_dt("15/01/2027")
        seen = await tg.choose("official_e", "Đã gửi")
        assert "Đã ghi nhận: Xã E đã gửi" in seen and "⚠️ Báo cáo gửi sau hạn 10/01/2027." in seen
        assert tg.last_document("official_e")[0] == "bao-cao-xa-e-2026.xlsx"
        await tg.type("prov", "/hanbaocao")
        seen = await tg.choose("prov", "Xã nào đã gửi báo cáo năm 2026")
        assert "đã gửi 2/2 xã, phường." in seen and "⚠️ Xã E — gửi muộn 15/01/2027 (0 vụ việc)" in seen
    assert request.rejected == []
    await db.dispose()
