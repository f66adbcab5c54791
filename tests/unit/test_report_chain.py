"""The report chain above the teams, on the console engine: a province sets by which day its
communes report; a commune official marks the report sent and the bot attaches the workbook
it made, which the province downloads (cells as the commune's report at that moment, kept as
sent); the province sees who has and has not sent, nudges with one tap (each official of the
commune once a day), and sees reports sent late or still missing after the day. An official
of another province sees none of it; forged and odd inputs get a sentence, never a traceback.

Tỉnh A → Phường B (official, two teams, the ward's cases) and Xã E (official_e, one team);
Tỉnh C → Xã D (official_other); prov and prov_other are officials of the two provinces."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from content.catalog import load_catalog
from handlers.common import periods
from handlers.reports.data import export
from handlers.reports.money import Rates
from storage.models import Person, Role, Unit, UnitKind
from storage.models.deadlines import ChainRule, UnitReport
from tests.pushes import TZ, FakeSender, dispatcher
from tests.support import START, Chat
from tests.unit.officials_fixtures import WARD_CASES, add_cases, add_person, seed_ward


def local_dt(day: str, time: str = "08:00") -> dt.datetime:
    return dt.datetime.strptime(f"{day} {time}", "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


def cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.fixture
async def chain(db, world):
    """The second commune with its official and a team; both provinces' officials."""
    async with db.uow() as uow:
        xa_e = await uow.units.add(UnitKind.XA, "Xã E", world.province, START)
        village = await uow.units.add(UnitKind.THON, "Thôn 5", xa_e, START)
        await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 5", village, START)
        await uow.commit()
    await add_person(db, "official_e", "Cán Bộ Xã E", Role.CAN_BO, xa_e.id)
    await add_person(db, "prov", "Cán Bộ Sở", Role.CAN_BO, world.province.id)
    await add_person(db, "prov_other", "Cán Bộ Sở Khác", Role.CAN_BO, world.other_province.id)
    await seed_ward(db, world)
    return xa_e


async def snapshot_of(db, key: str, now: dt.datetime) -> bytes:
    """The commune's report as /baocao would make it at `now`, without the parties."""
    async with db.uow() as uow:
        person = await uow.session.scalar(select(Person).where(Person.full_name == key))
        out = await export(
            uow,
            person,
            person.unit,
            periods.year(2026),
            now=now,
            rates=Rates(),
            with_parties=False,
            t=load_catalog().t,
            tz=TZ,
            via="test",
        )
    return out.xlsx


async def test_province_sets_the_day_communes_send_and_late_ones_show(db, world, engine, clock, chain):
    prov, ward, xa_e = Chat(engine, "prov"), Chat(engine, "official"), Chat(engine, "official_e")

    await prov.send("/hanbaocao")
    assert "Các xã, phường báo cáo lên Tỉnh A:" in prov.text
    assert "• báo cáo năm 2026 (01/01–31/12): chưa đặt hạn" in prov.text
    await prov.press("Đặt hạn các xã nộp báo cáo năm")
    assert "Các xã, phường thuộc Tỉnh A nộp báo cáo năm trước ngày nào?" in prov.text
    await prov.send("31/02")
    assert "tháng 2 chỉ có 29 ngày" in prov.text
    await prov.send("9" * 5000)
    assert "Tin nhắn dài quá" in prov.text and "trước ngày nào?" in prov.text
    await prov.send("hạn là " + "9" * 300)
    assert "Chưa đọc được ngày" in prov.text and "9" * 100 not in prov.text
    await prov.send("10/01")
    assert "Đã lưu: các xã, phường thuộc Tỉnh A nộp báo cáo năm trước hết ngày 10/01." in prov.text
    async with db.uow() as uow:
        [rule] = (await uow.session.scalars(select(ChainRule))).all()
        assert (rule.unit_id, rule.kind, rule.due_month, rule.due_day) == (world.province.id, "year", 1, 10)

    await ward.send("/hanbaocao")  # the year has not ended: no «Đã gửi» yet
    assert "Báo cáo của Phường B gửi Tỉnh A:" in ward.text
    assert "• báo cáo năm 2026 (01/01–31/12): hạn 10/01/2027 — ⏳ chưa gửi (báo «Đã gửi» từ 01/01/2027)" in ward.text
    assert not any("Đã gửi báo cáo năm" in b.label for r in ward.replies for b in r.choices())
    await ward.payload("rc:send:year:2026")
    assert "Chưa hết kỳ báo cáo năm 2026 (01/01–31/12): bạn báo «Đã gửi» được từ ngày 01/01/2027." in ward.text

    # 05/01/2027: Phường B sends, in time; the bot attaches the workbook it made
    clock.now = local_dt("05/01/2027")
    await ward.send("/hanbaocao")
    await ward.press("Đã gửi báo cáo năm 2026")
    assert (
        "Đã ghi nhận: Phường B đã gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A ngày 05/01/2027. "
        "Kèm theo là tệp báo cáo Trợ lý lập (7 vụ việc); Tỉnh A tải được tệp này trong Trợ lý."
    ) in ward.text
    attached = ward.replies[-1].file
    assert attached is not None and attached.filename == "bao-cao-phuong-b-2026.xlsx"
    expected = cells(await snapshot_of(db, "Cán Bộ Phường", clock.now))
    assert cells(attached.data) == expected
    await ward.payload("rc:send:year:2026")  # again: recorded once, the same file
    assert "Phường B đã báo gửi báo cáo năm 2026 (01/01–31/12) ngày 05/01/2027 rồi." in ward.text
    assert ward.replies[-1].file.data == attached.data
    async with db.uow() as uow:
        [report] = (await uow.session.scalars(select(UnitReport))).all()
        assert (report.kind, report.period, report.cases) == ("year", "2026", 7)
        stored = (await uow.session.execute(text("SELECT xlsx FROM unit_reports"))).scalar_one()
        assert stored.startswith("v1:") and "UEsDB" not in stored  # sealed, not the zip's base64

    # a case logged later changes /baocao, not the report as sent
    await add_cases(db, world.people, [WARD_CASES[0]], now=local_dt("06/01/2027"))
    clock.now = local_dt("07/01/2027")
    await prov.send("/hanbaocao")
    await prov.press("Xã nào đã gửi báo cáo năm 2026")
    assert "báo cáo năm 2026 (01/01–31/12), hạn 10/01/2027: đã gửi 1/2 xã, phường." in prov.text
    assert "✅ Phường B — gửi 05/01/2027 (7 vụ việc)" in prov.text
    assert "⏳ Xã E — chưa gửi" in prov.text
    assert "Xã D" not in prov.text
    await prov.press("Tải báo cáo Phường B")
    downloaded = prov.replies[-1].file
    assert downloaded.data == attached.data and cells(downloaded.data) == expected
    assert cells(await snapshot_of(db, "Cán Bộ Phường", local_dt("05/01/2027"))) != expected  # 8 cases now

    # 11/01/2027: Xã E is late; one tap nudges its official, once a day
    clock.now = local_dt("11/01/2027")
    await prov.send("/hanbaocao")
    await prov.press("Xã nào đã gửi báo cáo năm 2026")
    assert "⚠️ Xã E — chưa gửi, quá hạn 1 ngày" in prov.text
    await prov.press("Nhắc Xã E")
    assert "Đã xếp gửi lời nhắc đến 1 cán bộ." in prov.text
    await prov.send("/hanbaocao")
    await prov.press("Xã nào đã gửi báo cáo năm 2026")
    await prov.press("Nhắc 1 đơn vị chưa gửi")
    assert "đã được nhắc hôm nay rồi" in prov.text
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    [push] = sender.sent["official_e"]
    assert push.text == (
        "🔔 Cán Bộ Sở (Tỉnh A) nhắc: Xã E chưa gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A "
        "(hạn 10/01/2027). Gửi xong, bạn chọn «Đã gửi» để tôi ghi nhận và đính kèm tệp báo cáo."
    )
    assert sender.sent["official"] == [] and sender.sent["leader_a"] == []

    # 15/01/2027: Xã E sends from the nudge, late
    clock.now = local_dt("15/01/2027")
    await xa_e.payload(push.buttons[0][0].payload)
    assert "Đã ghi nhận: Xã E đã gửi báo cáo năm 2026 (01/01–31/12) lên Tỉnh A ngày 15/01/2027." in xa_e.text
    assert "⚠️ Báo cáo gửi sau hạn 10/01/2027." in xa_e.text
    assert cells(xa_e.replies[-1].file.data)  # an empty year still gives a workbook
    await prov.send("/hanbaocao")
    await prov.press("Xã nào đã gửi báo cáo năm 2026")
    assert "đã gửi 2/2 xã, phường." in prov.text
    assert "⚠️ Xã E — gửi muộn 15/01/2027 (0 vụ việc)" in prov.text
    await xa_e.send("/hanbaocao")
    assert "hạn 10/01/2027 — ⚠️ gửi muộn 15/01/2027" in xa_e.text


async def test_another_province_sees_nothing_of_it(db, world, engine, clock, chain):
    prov, ward, other = Chat(engine, "prov"), Chat(engine, "official"), Chat(engine, "prov_other")
    await prov.send("/hanbaocao")
    await prov.press("Đặt hạn các xã nộp báo cáo năm")
    await prov.send("10/01")
    clock.now = local_dt("05/01/2027")
    await ward.payload("rc:send:year:2026")
    async with db.uow() as uow:
        report_id = (await uow.session.scalars(select(UnitReport.id))).one()

    await other.send("/hanbaocao")
    assert "Các xã, phường báo cáo lên Tỉnh C:" in other.text
    assert "• báo cáo năm 2026 (01/01–31/12): chưa đặt hạn" in other.text  # Tỉnh A's day is not theirs
    await other.press("Xã nào đã gửi báo cáo năm 2026")
    assert "đã gửi 0/1 xã, phường." in other.text and "Xã D" in other.text
    assert "Phường B" not in other.text and "Xã E" not in other.text
    await other.payload(f"rc:file:{report_id}")
    assert "Không tìm thấy báo cáo này" in other.text and other.replies[-1].file is None
    async with db.uow() as uow:
        xa_e = await uow.session.scalar(select(Unit).where(Unit.name == "Xã E"))
    await other.payload(f"rc:nudgeone:year:2026:{xa_e.id}")
    assert "đã được nhắc hôm nay rồi" in other.text
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert sender.sent["official_e"] == []
    # the commune official of the other province cannot fetch it either; the ward's own can
    stranger = Chat(engine, "official_other")
    await stranger.payload(f"rc:file:{report_id}")
    assert "Không tìm thấy báo cáo này" in stranger.text
    await ward.payload(f"rc:file:{report_id}")
    assert ward.replies[-1].file is not None


async def test_who_may_do_what_and_forged_buttons(db, world, engine, clock, chain):
    clock.now = local_dt("05/01/2027")
    mediator, leader = Chat(engine, "hgv_a"), Chat(engine, "leader_a")
    ward, prov = Chat(engine, "official"), Chat(engine, "prov")
    for chat in (mediator, leader):
        await chat.payload("rc:send:year:2026")
        assert "không dành cho vai trò" in chat.text
        await chat.payload("rc:file:1")
        assert "không dành cho vai trò" in chat.text
    await leader.send("/hanbaocao")
    assert "gửi Tỉnh A" not in leader.text and "báo cáo lên" not in leader.text
    await prov.payload("rc:send:year:2026")
    assert "Chỉ cán bộ xã, phường báo gửi báo cáo lên cấp trên." in prov.text
    await ward.payload("rc:status:year:2026")
    assert "Không có xã, phường nào báo cáo lên Phường B." in ward.text
    await ward.payload("rc:edit:year")
    assert "Không có xã, phường nào báo cáo lên Phường B." in ward.text
    for forged in (
        "rc:send:month:2026",
        "rc:send:half:2026",
        "rc:send:year:abc",
        "rc:status:year:2026H1",
        "rc:nudge:quarter:2026",
    ):
        await ward.payload(forged) if forged.startswith("rc:send") else await prov.payload(forged)
        assert "tin nhắn cũ" in (ward.text if forged.startswith("rc:send") else prov.text), forged
    await ward.payload("rc:send:half:2019H1")
    assert "không còn nhận báo gửi" in ward.text
    for forged in ("rc:file:999999", "rc:file:abc", "rc:file:-1", "rc:nudgeone:year:2026:abc"):
        await prov.payload(forged)
        assert prov.text and "Traceback" not in prov.text, forged
    await prov.payload("rc:file:999999")
    assert "Không tìm thấy báo cáo này" in prov.text
    await prov.payload(f"rc:nudgeone:year:2026:{world.ward.id}")  # no day set: a reminder still goes
    assert "Đã xếp gửi lời nhắc đến 1 cán bộ." in prov.text
    await prov.payload(f"rc:nudgeone:year:2026:{world.team_a.id}")  # a team is not a reporting commune
    assert "đã được nhắc hôm nay rồi" in prov.text
    async with db.uow() as uow:
        assert (await uow.session.scalars(select(UnitReport))).all() == []


async def test_early_nudge_has_no_button_and_sending_stops_a_waiting_one(db, world, engine, clock, chain):
    prov, ward = Chat(engine, "prov"), Chat(engine, "official")
    await prov.payload(f"rc:nudgeone:year:2026:{world.ward.id}")  # 22/11/2026: the year has not ended
    assert "Đã xếp gửi lời nhắc đến 1 cán bộ." in prov.text
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    [early] = sender.sent["official"]
    assert early.buttons == ()
    assert early.text.endswith("(chưa đặt hạn). Từ ngày 01/01/2027, gửi xong bạn gõ /hanbaocao và chọn «Đã gửi».")

    clock.now = local_dt("05/01/2027", "22:00")  # quiet hours: the nudge waits for the morning
    await prov.payload(f"rc:nudgeone:year:2026:{world.ward.id}")
    assert "Đã xếp gửi lời nhắc đến 1 cán bộ." in prov.text
    await ward.payload("rc:send:year:2026")
    assert "Đã ghi nhận: Phường B đã gửi" in ward.text
    clock.now = local_dt("06/01/2027", "09:00")
    await dispatcher(db, clock, sender).drain()
    assert len(sender.sent["official"]) == 1  # sent before the morning: the nudge was called off
    await prov.payload("rc:nudge:year:2026")  # «Nhắc tất cả»: only Xã E has not sent
    assert "Đã xếp gửi lời nhắc đến 1 cán bộ." in prov.text
    await dispatcher(db, clock, sender).drain()
    assert len(sender.sent["official"]) == 1 and len(sender.sent["official_e"]) == 1
