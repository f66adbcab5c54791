"""Report deadlines: reminders at 7, 2 and 0 days, «Đã nộp» stops them, the official sees
who has not reported and nudges with one tap, and edits the day (in chat and from the CLI)."""

from __future__ import annotations

import datetime as dt

from bot.cli import parser, pushes
from bot.settings import Settings
from handlers.deadlines.usecases import deadline_job
from tests.pushes import TZ, FakeSender, dispatcher, env
from tests.support import Chat


def local_dt(day: str, time: str = "06:00") -> dt.datetime:
    return dt.datetime.strptime(f"{day} {time}", "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


async def run_job(db, clock) -> int:
    async with db.uow() as uow:
        made = await deadline_job(uow, env(), clock())
        await uow.commit()
        return made


async def test_reminders_at_seven_two_and_zero_days_until_reported(db, world, engine, clock):
    sender = FakeSender()
    for day in ("28/12/2026", "29/12/2026", "30/12/2026", "03/01/2027", "05/01/2027"):
        clock.now = local_dt(day)
        await run_job(db, clock)
        await run_job(db, clock)  # the clock runs it often: each reminder once
        await dispatcher(db, clock, sender).drain()  # made at 06:00, due at 07:30
        clock.now = local_dt(day, "07:30")
        await dispatcher(db, clock, sender).drain()
    texts = sender.texts("leader_a")
    assert texts == [
        "📅 Nhắc hạn: tổ nộp báo cáo năm 2026 (01/01–31/12) cho UBND xã/phường trước hết ngày 05/01/2027 "
        "(còn 7 ngày). Từ ngày 01/01/2027, nộp xong bạn gõ /hanbaocao và chọn «Đã nộp» "
        "để tôi thôi nhắc.",
        "📅 Nhắc hạn: tổ nộp báo cáo năm 2026 (01/01–31/12) cho UBND xã/phường trước hết ngày 05/01/2027 "
        "(còn 2 ngày). Nộp xong, bạn chọn «Đã nộp» để tôi thôi nhắc.",
        "📅 Hôm nay (05/01/2027) là hạn cuối tổ nộp báo cáo năm 2026 (01/01–31/12) cho UBND xã/phường. "
        "Nộp xong, bạn chọn «Đã nộp» để tôi thôi nhắc.",
    ]
    assert sender.sent["hgv_a"] == []  # only team leaders report


async def test_done_stops_reminders_and_official_nudges_the_rest(db, world, engine, clock):
    sender = FakeSender()
    clock.now = local_dt("29/12/2026", "08:00")
    await run_job(db, clock)
    await dispatcher(db, clock, sender).drain()
    [first] = sender.sent["leader_a"]

    official = Chat(engine, "official")
    await official.send("/hanbaocao")
    assert "báo cáo năm 2026 (01/01–31/12): hạn 05/01/2027" in official.text
    assert "báo cáo 6 tháng đầu năm 2027 (01/01–30/06): hạn 05/07/2027" in official.text
    await official.press("Ai đã nộp báo cáo năm")
    assert "đã nộp 0/2 tổ" in official.text
    assert "⏳ Tổ hòa giải 1 (tổ trưởng: Tổ Trưởng A)" in official.text
    assert "⏳ Tổ hòa giải 2 (tổ trưởng: chưa có tổ trưởng tham gia Trợ lý)" in official.text
    await official.press("Nhắc 2 tổ chưa nộp")
    assert "Đã xếp gửi lời nhắc đến 1 tổ trưởng" in official.text
    await official.send("/hanbaocao")
    await official.press("Ai đã nộp báo cáo năm")
    await official.press("Nhắc 2 tổ chưa nộp")
    assert "đã được nhắc hôm nay rồi" in official.text
    await dispatcher(db, clock, sender).drain()
    nudge = sender.sent["leader_a"][-1]
    assert nudge.text.startswith("🔔 Cán Bộ Phường nhắc: tổ chưa nộp báo cáo năm 2026")

    assert first.buttons == nudge.buttons == ()  # the year has not ended: «Đã nộp» from 01/01
    leader = Chat(engine, "leader_a")
    clock.now = local_dt("02/01/2027", "08:00")
    await leader.send("/hanbaocao")
    await leader.press("Đã nộp báo cáo năm")
    assert "Đã ghi nhận: Tổ hòa giải 1 đã nộp báo cáo năm 2026" in leader.text
    await leader.payload("dl:done:year:2026")
    assert "đã báo nộp báo cáo năm 2026 (01/01–31/12) trước đó rồi" in leader.text
    for day in ("03/01/2027", "05/01/2027"):
        clock.now = local_dt(day, "08:00")
        await run_job(db, clock)
        await dispatcher(db, clock, sender).drain()
    assert len(sender.sent["leader_a"]) == 2  # the first reminder and the nudge: nothing after «Đã nộp»
    await official.send("/hanbaocao")
    await official.press("Ai đã nộp báo cáo năm")
    assert "đã nộp 1/2 tổ" in official.text and "Tổ hòa giải 1" not in official.text


async def test_who_may_report_and_forged_buttons(db, world, engine, clock):
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/hanbaocao")
    assert "không dành cho vai trò" in mediator.text
    await mediator.payload("dl:done:year:2026")
    assert "Chỉ tổ trưởng" in mediator.text
    leader = Chat(engine, "leader_a")
    await leader.send("/hanbaocao")
    assert "báo cáo năm 2026 (01/01–31/12): hạn 05/01/2027 — ⏳ chưa nộp" in leader.text
    await leader.payload("dl:done:half:2019H1")
    assert "không còn nhận báo nộp" in leader.text
    await leader.payload("dl:nudge:year:2026")
    assert "không dành cho vai trò" in leader.text
    clock.now = local_dt("02/01/2027", "08:00")  # the year has ended
    await leader.send("/hanbaocao")
    await leader.press("Đã nộp báo cáo năm")
    assert "Đã ghi nhận" in leader.text


async def test_official_sets_the_day_for_the_ward(db, world, engine, clock):
    official = Chat(engine, "official")
    await official.send("/hanbaocao")
    await official.press("Sửa hạn báo cáo năm")
    await official.send("31/02")  # the form is right; February has no 31st, and it is said so
    assert "«31/02»: tháng 2 chỉ có 29 ngày, không có ngày 31" in official.text
    await official.send("ngày 15")
    assert "Chưa đọc được ngày «ngày 15». Bạn gõ ngày/tháng" in official.text
    await official.send("15/12")
    assert "hạn báo cáo năm của các tổ thuộc Phường B là ngày 15/12" in official.text
    clock.now = local_dt("08/12/2026", "08:00")
    sender = FakeSender()
    await run_job(db, clock)
    await dispatcher(db, clock, sender).drain()
    assert "trước hết ngày 15/12/2026 (còn 7 ngày)" in sender.texts("leader_a")[0]
    other = Chat(engine, "official_other")
    await other.send("/hanbaocao")
    assert "báo cáo năm 2026 (01/01–31/12): hạn 05/01/2027" in other.text  # another commune: the default


async def test_deadlines_from_the_cli(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3", _env_file=None)
    from bot.cli import admin

    await admin.run(parser().parse_args(["admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh G"]), settings)
    args = parser().parse_args(["deadline", "set", "--unit", "Tỉnh G", "--kind", "half", "--due", "15/06"])
    assert await pushes.run(args, settings) == 0
    out = capsys.readouterr().out
    assert "báo cáo 6 tháng đầu năm" in out and "hạn ngày 15/06" in out
    bad = parser().parse_args(["deadline", "set", "--unit", "Tỉnh G", "--kind", "year", "--due", "30/02"])
    assert await pushes.run(bad, settings) == 2
    assert "«30/02»: tháng 2 chỉ có 29 ngày, không có ngày 30" in capsys.readouterr().out
