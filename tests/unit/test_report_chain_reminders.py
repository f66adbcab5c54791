"""Reminders up the report chain, as teams get before their day: the officials of a commune whose
report is not yet marked sent are reminded 7, 2 and 0 days before the day its province set
(nothing where no day is set), each reminder once however often the clock runs, «📤 Đã gửi»
under it once the period takes reports, nothing after the commune has sent, nothing for who
muted automatic reminders (/nhacnho).

Tỉnh A → Phường B (official) and Xã E (official_e); Tỉnh C → Xã D (official_other)."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.common.outbox import Kind
from handlers.deadlines.chain_reminders import chain_reminder_job
from storage.models import Push
from tests.pushes import FakeSender, deliveries, dispatcher, env
from tests.support import Chat
from tests.unit.test_report_chain import chain, local_dt

__all__ = ["chain"]  # the fixture, shared with the report chain's scenario


async def run_jobs(db, clock) -> int:
    async with db.uow() as uow:
        made = await chain_reminder_job(uow, env(), clock())
        await uow.commit()
        return made


async def days_pass(db, clock, sender: FakeSender, days: list[str], between=None) -> None:
    """Each day: the clock runs the job twice at 06:00 and the pushes go out at 07:30."""
    for day in days:
        clock.now = local_dt(day, "06:00")
        await run_jobs(db, clock)
        await run_jobs(db, clock)
        clock.now = local_dt(day, "07:30")
        await dispatcher(db, clock, sender).drain()
        if between is not None:
            await between(day)


def january(*days: int) -> list[str]:
    return [f"{d:02d}/01/2027" for d in days]


async def set_day(engine, kind_label: str, day: str) -> None:
    prov = Chat(engine, "prov")
    await prov.send("/hanbaocao")
    await prov.press(f"Đặt hạn các xã nộp {kind_label}")
    await prov.send(day)
    assert "Đã lưu" in prov.text, prov.text


async def test_reminders_at_seven_two_and_zero_days_until_sent(db, world, engine, clock, chain):
    await set_day(engine, "báo cáo năm", "10/01")
    sender = FakeSender()
    ward = Chat(engine, "official")

    async def ward_sends_on_the_5th(day: str) -> None:
        if day == "05/01/2027":
            await ward.payload(sender.sent["official"][0].buttons[0][0].payload)
            assert "Đã ghi nhận: Phường B đã gửi báo cáo năm 2026" in ward.text

    await days_pass(db, clock, sender, january(*range(1, 13)), ward_sends_on_the_5th)
    assert sender.texts("official_e") == [
        "📅 Nhắc hạn: Xã E gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A trước hết ngày 10/01/2027 "
        "(còn 7 ngày). Gửi xong, bạn chọn «Đã gửi» để tôi ghi nhận và đính kèm tệp báo cáo.",
        "📅 Nhắc hạn: Xã E gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A trước hết ngày 10/01/2027 "
        "(còn 2 ngày). Gửi xong, bạn chọn «Đã gửi» để tôi ghi nhận và đính kèm tệp báo cáo.",
        "📅 Hôm nay (10/01/2027) là hạn cuối Xã E gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A. "
        "Gửi xong, bạn chọn «Đã gửi» để tôi ghi nhận và đính kèm tệp báo cáo.",
    ]
    assert len(sender.texts("official")) == 1  # the 7-day one; sent on the 5th, nothing after
    assert sender.sent["prov"] == [] and sender.sent["official_other"] == []  # Tỉnh C set no day
    assert sender.sent["hgv_a"] == []

    # the last reminder's button records the report, with the workbook attached
    last = sender.sent["official_e"][-1]
    assert [b.label for row in last.buttons for b in row] == ["📤 Đã gửi"]
    xa_e = Chat(engine, "official_e")
    await xa_e.payload(last.buttons[0][0].payload)
    assert "Đã ghi nhận: Xã E đã gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A ngày 12/01/2027." in xa_e.text
    assert "⚠️ Báo cáo gửi sau hạn 10/01/2027." in xa_e.text
    assert xa_e.replies[-1].file is not None
    await days_pass(db, clock, sender, january(13, 14))
    assert len(sender.texts("official_e")) == 3


async def test_no_day_no_reminder_and_early_ones_have_no_button(db, world, engine, clock, chain):
    sender = FakeSender()
    await days_pass(db, clock, sender, ["29/12/2026", *january(*range(1, 12))])
    officials = ("official", "official_e", "official_other", "prov", "prov_other")
    assert all(sender.sent[o] == [] for o in officials)  # no day set anywhere: no reminder

    await set_day(engine, "báo cáo năm", "05/01")  # 7 days before is 29/12: the year has not ended
    await set_day(engine, "báo cáo 6 tháng", "10/07")
    clock.now = local_dt("29/12/2026", "06:00")
    assert await run_jobs(db, clock) == 2  # one reminder to each commune's official
    pushes = len(await deliveries(db, Kind.DEADLINE))
    clock.now = local_dt("29/12/2026", "06:10")
    assert await run_jobs(db, clock) == 0
    async with db.uow() as uow:  # running again makes no push either (the clock runs it every few minutes)
        assert await uow.session.scalar(select(func.count(Push.id)).where(Push.kind == Kind.DEADLINE)) == pushes
    clock.now = local_dt("29/12/2026", "07:30")
    await dispatcher(db, clock, sender).drain()
    [early] = sender.sent["official_e"]
    assert early.buttons == ()
    assert early.text == (
        "📅 Nhắc hạn: Xã E gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A trước hết ngày 05/01/2027 "
        "(còn 7 ngày). Từ ngày 01/01/2027, gửi xong bạn gõ /hanbaocao và chọn «Đã gửi»."
    )
    clock.now = local_dt("03/07/2027", "06:00")  # the half year: 7 days before 10/07
    assert await run_jobs(db, clock) == 2


async def test_muted_officials_get_none(db, world, engine, clock, chain):
    await set_day(engine, "báo cáo năm", "10/01")
    xa_e = Chat(engine, "official_e")
    await xa_e.send("/nhacnho")
    await xa_e.press("Tắt nhắc tự động")
    assert "Đã tắt" in xa_e.text
    sender = FakeSender()
    await days_pass(db, clock, sender, january(3, 8, 10))
    assert sender.sent["official_e"] == []
    assert len(sender.sent["official"]) == 3


async def test_a_district_day_wins_for_its_communes(db, world, engine, clock, chain):
    from storage.models import Role, UnitKind
    from tests.unit.officials_fixtures import add_person

    async with db.uow() as uow:
        province = await uow.units.get(world.province.id)
        district = await uow.units.add(UnitKind.HUYEN, "Huyện H", province, clock())
        xa_h = await uow.units.add(UnitKind.XA, "Xã H", district, clock())
        await uow.commit()
    await add_person(db, "official_h", "Cán Bộ Xã H", Role.CAN_BO, xa_h.id)
    await add_person(db, "district", "Cán Bộ Huyện", Role.CAN_BO, district.id)
    await set_day(engine, "báo cáo năm", "10/01")
    huyen = Chat(engine, "district")
    await huyen.send("/hanbaocao")
    await huyen.press("Đặt hạn các xã nộp báo cáo năm")
    await huyen.send("20/01")
    sender = FakeSender()
    await days_pass(db, clock, sender, january(3, 13))
    assert [t.split("ngày 20/01/2027")[0] for t in sender.texts("official_h")] == [
        "📅 Nhắc hạn: Xã H gửi báo cáo năm 2026 (01/01–31/12) lên Huyện H trước hết "
    ]
    assert len(sender.texts("official_e")) == 1 and "10/01/2027" in sender.texts("official_e")[0]
    # the district itself reports to the province, by the province's day
    assert "Huyện H gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A" in sender.texts("district")[0]
