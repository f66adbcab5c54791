"""Report deadlines that follow the calendar (issue 12 item 6): /hanbaocao lists periods in
date order, and «Đã nộp» is offered — and accepted, also from old buttons — only for a period
that has ended and still takes reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.common.periods import from_code
from handlers.deadlines.usecases import deadline_job
from storage.models import ReportSubmission
from tests.pushes import TZ, FakeSender, dispatcher, env
from tests.support import Chat


def local_dt(day: str, time: str = "08:00") -> dt.datetime:
    return dt.datetime.strptime(f"{day} {time}", "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


def done_buttons(chat: Chat) -> list:
    return [b for r in chat.replies for b in r.choices() if "Đã nộp" in b.label]


async def submitted(db) -> set[str]:
    async with db.uow() as uow:
        return {f"{s.kind}:{s.period}" for s in await uow.session.scalars(select(ReportSubmission))}


async def test_periods_are_listed_in_date_order(db, world, engine, clock):
    clock.now = local_dt("03/12/2026")
    for who in ("leader_a", "official"):
        chat = Chat(engine, who)
        await chat.send("/hanbaocao")
        text = chat.text
        assert text.index("báo cáo năm 2026") < text.index("báo cáo 6 tháng đầu năm 2027"), text
    labels = [b.label for b in chat.replies[-1].choices()]
    assert labels.index("Ai đã nộp báo cáo năm 2026 (01/01–31/12)?") < labels.index(
        "Ai đã nộp báo cáo 6 tháng đầu năm 2027 (01/01–30/06)?"
    )


async def test_done_is_neither_offered_nor_taken_before_the_period_ends(db, world, engine, clock):
    clock.now = local_dt("03/12/2026")
    leader = Chat(engine, "leader_a")
    await leader.send("/hanbaocao")
    assert done_buttons(leader) == []
    line = "báo cáo năm 2026 (01/01–31/12): hạn 05/01/2027 — ⏳ chưa nộp (báo «Đã nộp» từ 01/01/2027)"
    assert line in leader.text
    await leader.payload("dl:done:year:2026")  # a button kept from an older message
    assert "Đã ghi nhận" not in leader.text and "từ ngày 01/01/2027" in leader.text
    await leader.payload("dl:done:half:2027H1")
    assert "Đã ghi nhận" not in leader.text and "từ ngày 01/07/2027" in leader.text
    assert await submitted(db) == set()

    clock.now = local_dt("01/01/2027")
    await leader.send("/hanbaocao")
    [button] = done_buttons(leader)
    await leader.payload(button.payload)
    assert "Đã ghi nhận: Tổ hòa giải 1 đã nộp báo cáo năm 2026" in leader.text
    assert await submitted(db) == {"year:2026"}


async def test_every_done_offered_is_taken(db, world, engine, clock):
    """Every other week over two years: each «Đã nộp» offered is for a period that has ended,
    and tapping it records the report (never «không còn nhận báo nộp»)."""
    leader = Chat(engine, "leader_a")
    day, offered = dt.date(2026, 11, 23), set()
    while day <= dt.date(2028, 8, 1):
        clock.now = dt.datetime.combine(day, dt.time(9), tzinfo=TZ).astimezone(dt.UTC)
        await leader.send("/hanbaocao")
        for button in done_buttons(leader):
            code = button.payload.split(":")[-1]
            assert from_code(code).end < day, (day, code)
            offered.add(code)
            await leader.payload(button.payload)
            assert "Đã ghi nhận" in leader.text, (day, code, leader.text)
        day += dt.timedelta(days=14)
    assert offered == {"2026", "2027H1", "2027", "2028H1"}
    assert await submitted(db) == {"year:2026", "half:2027H1", "year:2027", "half:2028H1"}


async def test_a_late_report_is_still_offered_until_reports_close(db, world, engine, clock):
    clock.now = local_dt("01/02/2027")  # due 05/01/2027, four weeks late
    leader = Chat(engine, "leader_a")
    await leader.send("/hanbaocao")
    assert "báo cáo năm 2026 (01/01–31/12): hạn 05/01/2027 — ⏳ chưa nộp" in leader.text
    assert [b.label for b in done_buttons(leader)] == ["✅ Đã nộp báo cáo năm 2026 (01/01–31/12)"]
    clock.now = local_dt("06/05/2027")  # 121 days after the due day
    await leader.send("/hanbaocao")
    assert "báo cáo năm 2026" not in leader.text and done_buttons(leader) == []
    await leader.payload("dl:done:year:2026")
    assert "không còn nhận báo nộp" in leader.text and await submitted(db) == set()


async def test_a_reminder_before_the_period_ends_offers_no_done(db, world, engine, clock):
    sender = FakeSender()
    for day in ("29/12/2026", "03/01/2027"):
        clock.now = local_dt(day, "06:00")
        async with db.uow() as uow:
            await deadline_job(uow, env(), clock())
            await uow.commit()
        clock.now = local_dt(day, "07:30")
        await dispatcher(db, clock, sender).drain()
    early, late = sender.sent["leader_a"]
    assert early.buttons == () and "Từ ngày 01/01/2027" in early.text and "(còn 7 ngày)" in early.text
    leader = Chat(engine, "leader_a")
    await leader.payload(late.buttons[0][0].payload)
    assert "Đã ghi nhận: Tổ hòa giải 1 đã nộp báo cáo năm 2026" in leader.text


async def test_a_report_wanted_before_its_period_ends_is_taken_from_two_weeks_before(db, world, engine, clock):
    official = Chat(engine, "official")
    await official.send("/hanbaocao")
    await official.press("Sửa hạn báo cáo năm")
    await official.send("15/12")
    leader = Chat(engine, "leader_a")
    await leader.send("/hanbaocao")  # 22/11/2026
    assert done_buttons(leader) == [] and "từ 01/12/2026" in leader.text
    clock.now = local_dt("03/12/2026")
    await leader.send("/hanbaocao")
    await leader.press("Đã nộp báo cáo năm 2026")
    assert "Đã ghi nhận" in leader.text and await submitted(db) == {"year:2026"}
