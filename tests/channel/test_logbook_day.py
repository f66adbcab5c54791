"""A logbook day, on Telegram's fake and on Zalo's: a mediator logs three cases (backdated),
records thành with sessions, place and people invited, không thành with each party's request
and the referral, and an ending (Điều 23); corrects one; the official exports the report.
Every cell of the logbook sheet is then compared with what was typed."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel, TelegramSender
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_client import ZaloBotClient
from content.catalog import load_catalog
from handlers.common import periods
from handlers.reports.data import export
from handlers.reports.money import Rates
from storage.db import Database
from storage.models import Person
from tests.channel.test_parity import TelegramDriver, ZaloDriver, give_account
from tests.channel.zalo_support import ZALO_TOKEN
from tests.fakes.fake_request import FakeRequest
from tests.fakes.fake_zalo import FakeZaloServer
from tests.support import Clock, build_world, make_engine

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CASES = [  # received, parties, addresses typed, summary
    (
        "15/11/2026",
        "Nguyễn Văn An; Trần Thị Bình",
        "thôn 1, 0912 345 678; thôn 2",
        "Tranh chấp lối đi chung giữa hai nhà",
    ),
    ("18/11/2026", "Lê Văn Cường; Phạm Thị Dung", None, "Mâu thuẫn vì nước thải chảy sang vườn"),
    ("20/11/2026", "Đỗ Văn Em; Hồ Thị Gấm", None, "Tranh chấp tiền công xây tường rào"),
]
AGREEMENT = "Ông An lùi tường rào 0,5 m, bà Bình góp 2 triệu đồng"
REQUESTS = ("Đòi bồi thường cây trồng bị hỏng", "Không nhận lỗi, đề nghị đo đạc lại")
CORRECTED = "Tranh chấp lối đi chung và tường rào giữa hai nhà"


def steps() -> list[tuple[str, str, str, str]]:
    """(who, action, text, a fragment of what the person then sees)."""
    out = []
    for i, (day, parties, addresses, summary) in enumerate(CASES, 1):
        out += [
            ("lan", "command", "vuviec", "Ngày tiếp nhận"),
            ("lan", "type", day, "thuộc loại nào"),
            ("lan", "choose", "Tranh chấp dân sự", "Vì sao"),
            ("lan", "choose", "Các bên yêu cầu", "Tên các bên"),
            ("lan", "type", parties, "Địa chỉ"),
        ]
        out.append(("lan", "type", addresses, "Tóm tắt") if addresses else ("lan", "choose", "Bỏ qua", "Tóm tắt"))
        out += [
            ("lan", "type", summary, "Hòa giải viên nào"),
            ("lan", "choose", "Xong", "Kiểm tra lại"),
            ("lan", "choose", "Xác nhận", f"Đã lưu vụ việc số T1-{i}/2026"),
        ]
    out += [  # 1: thành, two sessions, a place and two people invited (Điều 19)
        ("lan", "command", "cuatoi", "Vụ việc 1–3"),
        ("lan", "choose", "T1-1/2026", "Tổ hòa giải 1"),
        ("lan", "choose", "Hòa giải thành", "thỏa thuận"),
        ("lan", "type", "😀", "bằng lời"),
        ("lan", "type", AGREEMENT, "Ngày có kết quả"),
        ("lan", "type", "14/11/2026", "trước ngày tiếp nhận"),
        ("lan", "type", "21/11/2026", "Ngày các buổi"),
        ("lan", "type", "12/11/2026", "từ ngày tiếp nhận"),
        ("lan", "type", "17/11/2026, 21/11/2026", "ở đâu"),
        ("lan", "type", "Nhà văn hóa thôn 1", "mời ai"),
        ("lan", "type", "Ông Lý Văn Trưởng (trưởng thôn); Bà Cao Thị Uy (người có uy tín)", "Kiểm tra kết quả"),
        ("lan", "choose", "Xác nhận", "Thỏa thuận đạt được"),
        # 2: không thành, what each party asked, referred to the court
        ("lan", "command", "cuatoi", "Vụ việc 1–3"),
        ("lan", "choose", "T1-2/2026", "Tổ hòa giải 1"),
        ("lan", "choose", "Không thành", "Lê Văn Cường yêu cầu gì"),
        ("lan", "type", REQUESTS[0], "Phạm Thị Dung"),
        ("lan", "type", REQUESTS[1], "hướng dẫn các bên"),
        ("lan", "choose", "Tòa án", "Ngày có kết quả"),
        ("lan", "choose", "Hôm qua", "Ngày các buổi"),
        ("lan", "choose", "Một buổi", "ở đâu"),
        ("lan", "choose", "Bỏ qua", "mời ai"),
        ("lan", "choose", "Không mời ai", "Kiểm tra kết quả"),
        ("lan", "choose", "Xác nhận", "Điều 27"),
        # 3: ended (Điều 23 khoản 2)
        ("lan", "command", "cuatoi", "Vụ việc 1–3"),
        ("lan", "choose", "T1-3/2026", "Tổ hòa giải 1"),
        ("lan", "choose", "Kết thúc", "lý do nào"),
        ("lan", "choose", "Một bên hoặc các bên", "Ngày có kết quả"),
        ("lan", "choose", "Hôm nay", "Ngày các buổi"),
        ("lan", "type", "20/11/2026, 22/11/2026", "ở đâu"),
        ("lan", "type", "Nhà ông Em", "mời ai"),
        ("lan", "choose", "Không mời ai", "Kiểm tra kết quả"),
        ("lan", "choose", "Xác nhận", "Đã kết thúc"),
        # a correction of case 1, with its reason
        ("lan", "command", "cuatoi", "Vụ việc 1–3"),
        ("lan", "choose", "T1-1/2026", "Hòa giải thành"),
        ("lan", "choose", "Sửa hồ sơ", "chọn mục cần sửa"),
        ("lan", "choose", "Tóm tắt", "Tóm tắt nội dung"),
        ("lan", "type", CORRECTED, "→"),
        ("lan", "choose", "Lưu", "Vì sao sửa"),
        ("lan", "type", "Ghi thiếu việc tường rào", "Đã sửa vụ việc T1-1/2026"),
        # the official: the list names the team, the record shows it was corrected; the export
        (
            "official",
            "command",
            "cuatoi",
            "T1-1/2026 · 15/11/2026 · Tranh chấp dân sự (đất, hợp đồng, thừa kế…) · "
            "Hòa giải thành · Tổ hòa giải 1 · ✏️ đã sửa",
        ),
        ("official", "command", "baocao 2026", "Báo cáo hòa giải"),
        ("official", "choose", "Xuất báo cáo", "3 vụ việc"),
    ]
    return out


EXPECTED = [  # number, stt, received, sessions, place, invited, parties, summary, agreement/requests, result, outcome
    (
        "T1-1/2026",
        1,
        "2026-11-15",
        "17/11/2026, 21/11/2026",
        "Nhà văn hóa thôn 1",
        "Ông Lý Văn Trưởng (trưởng thôn); Bà Cao Thị Uy (người có uy tín)",
        "Nguyễn Văn An (thôn 1, 0912 345 678); Trần Thị Bình (thôn 2)",
        CORRECTED,
        AGREEMENT,
        "Thành",
        "2026-11-21",
    ),
    (
        "T1-2/2026",
        2,
        "2026-11-18",
        "21/11/2026",
        None,
        None,
        "Lê Văn Cường; Phạm Thị Dung",
        CASES[1][3],
        f"Lê Văn Cường: {REQUESTS[0]}\nPhạm Thị Dung: {REQUESTS[1]}",
        "Không thành",
        "2026-11-21",
    ),
    (
        "T1-3/2026",
        3,
        "2026-11-20",
        "20/11/2026, 22/11/2026",
        "Nhà ông Em",
        None,
        "Đỗ Văn Em; Hồ Thị Gấm",
        CASES[2][3],
        None,
        "Kết thúc",
        "2026-11-22",
    ),
]


async def play(driver) -> None:
    for who, action, text, expect in steps():
        seen = await getattr(driver, action)(who, text)
        assert expect in seen, f"{type(driver).__name__} at {(who, action, text)}: {seen!r}"


async def check_logbook(db: Database, clock: Clock) -> None:
    async with db.uow() as uow:
        official = await uow.session.scalar(select(Person).where(Person.full_name == "Cán Bộ Phường"))
        out = await export(
            uow,
            official,
            official.unit,
            periods.year(2026),
            now=clock(),
            rates=Rates(),
            with_parties=True,
            t=load_catalog().t,
            tz=TZ,
            via="test",
        )
    sheet = load_workbook(io.BytesIO(out.xlsx))["1. Sổ theo dõi"]
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert len(rows) == 3
    for row, want in zip(rows, EXPECTED, strict=True):
        number, stt, received, sessions, place, invited, parties, summary, agreement, result, outcome = want
        assert row[0] == "Tổ hòa giải 1" and (row[1], row[2]) == (number, stt)
        assert row[3].date() == dt.date.fromisoformat(received)
        assert (row[4], row[5]) == ("Tranh chấp dân sự (đất, hợp đồng, thừa kế…)", "Các bên yêu cầu")
        assert (row[6], row[7], row[8], row[9]) == (sessions, place, "Hòa Giải A", invited)
        assert (row[10], row[11], row[12], row[13]) == (parties, summary, agreement, result)
        assert row[14].date() == dt.date.fromisoformat(outcome)
    assert rows[1][15] == "Tòa án" and rows[0][15] is None
    assert "Hồ sơ đã sửa ngày 22/11/2026" in rows[0][16]
    assert rows[2][16] == "Một bên hoặc các bên yêu cầu chấm dứt"


async def new_store(clock: Clock) -> Database:
    db = Database("sqlite+aiosqlite://")
    await db.create_all()
    await build_world(db, clock.now)
    return db


async def test_a_logbook_day_on_telegram():
    clock = Clock()
    db = await new_store(clock)
    for who, key in (("lan", "hgv_a"), ("official", "official")):
        await give_account(db, "telegram", str(TelegramDriver.IDS[who]), key, clock)
    engine = make_engine(db, clock)
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    async with app:
        await play(TelegramDriver(app, request, TelegramSender(channel, app.bot)))
    assert request.rejected == []
    await check_logbook(db, clock)
    await db.dispose()


async def test_a_logbook_day_on_zalo():
    clock = Clock()
    db = await new_store(clock)
    for who, key in (("lan", "hgv_a"), ("official", "official")):
        await give_account(db, "zalo", ZaloDriver.IDS[who], key, clock)
    engine = make_engine(db, clock)
    with FakeZaloServer(ZALO_TOKEN) as fake:
        async with ZaloBotClient(ZALO_TOKEN, fake.base_url, timeout=3.0) as client:
            await play(ZaloDriver(fake, client, ZaloChannel(engine, engine.deps.catalog, client)))
    await check_logbook(db, clock)
    await db.dispose()
