"""Targets (chỉ tiêu): /thongke's «Chỉ tiêu» block, /chitieu, inheritance down the tree, the
report's sheet, `stats --json` and the officials' monthly message.

The world of tests/unit/test_coverage.py (Tỉnh P → Xã Một: Tổ 1, Tổ 2; Xã Hai: Tổ 3; today
22/11/2026), plus, in 2026:

    cases        Tổ 1: 3 thành, 1 không thành   Tổ 3: 1 thành, 2 không thành, 1 in progress
                 province 4/7 (57,1%), Xã Một 3/4 (75%), Xã Hai 1/3 (33,3%)
    Điều 12      Tổ 1 has a woman (m1b), a leader, 3 people: meets it. Tổ 2, Tổ 3: 2 people.
                 province 1/3, Xã Một 1/2 (50%), Xã Hai 0/1 (0%)
    trained      3/7 (42,9%), Xã Một 2/5 (40%), Xã Hai 1/2 (50%)
    reports due  2025 (05/01/2026) and 2026H1 (05/07/2026), per team (every unit formed 01/06/2024):
                 Tổ 1 both on time; Tổ 2 2025 on time, 2026H1 late (10/07); Tổ 3 none
                 province 3/6 (50%), Xã Một 3/4 (75%), Xã Hai 0/2 (0%)
    help         Tổ 1: asked 01/05 answered 03/05 (2 days); asked 01/09, open (overdue)
                 Tổ 3: asked 01/06 answered 20/06 (19 days); asked 20/11, open (still in time)
                 with 7 days: province 1/3, Xã Một 1/2 (50%), Xã Hai 0/1 (0%)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from content.catalog import load_catalog
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.common.periods import year
from handlers.stats.targets import Score, targets_view
from handlers.stats.targets_block import officials_targets_job
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import (
    Account,
    AuditEntry,
    Delivery,
    HelpRequest,
    HelpStatus,
    Measure,
    Person,
    ReportSubmission,
    Role,
    Target,
)
from tests.cli import run_bot
from tests.support import START, Chat, Clock, make_engine
from tests.unit.officials_fixtures import DANG, KT, T, add_cases, add_person
from tests.unit.test_coverage import Plan, build_plan

CASES = [
    ("m1a", "2026-02-01", "dan_su", T),
    ("m1a", "2026-03-01", "dan_su", T),
    ("m1a", "2026-04-01", "dan_su", T),
    ("m1a", "2026-05-01", "dan_su", KT),
    ("m3a", "2026-02-02", "dan_su", T),
    ("m3a", "2026-03-02", "dan_su", KT),
    ("m3a", "2026-04-02", "dan_su", KT),
    ("m3a", "2026-06-02", "dan_su", DANG),
]


def _local(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone(dt.timedelta(hours=7)))


async def people(db: Database) -> dict[str, Person]:
    async with db.uow() as uow:
        found = await uow.session.execute(select(Account.external_id, Person).join(Person))
        return {key: p for key, p in found.tuples()}


async def build_world(db: Database) -> Plan:
    plan = await build_plan(db)
    who = await people(db)
    case_ids = await add_cases(db, who, CASES)
    async with db.uow() as uow:
        (await uow.people.get(who["m1b"].id)).sex = "nu"
        for unit in await uow.units.all():
            unit.created_at = _local("2024-06-01")
        for team, kind, period, day in (
            (1, "year", "2025", "2026-01-04"),
            (1, "half", "2026H1", "2026-07-01"),
            (2, "year", "2025", "2026-01-05"),
            (2, "half", "2026H1", "2026-07-10"),
        ):
            uow.session.add(
                ReportSubmission(team_id=plan.teams[team].id, kind=kind, period=period, submitted_at=_local(day))
            )
        for case_id, asker, asked, answered in (
            (case_ids[0], "m1a", "2026-05-01", "2026-05-03"),
            (case_ids[1], "m1a", "2026-09-01", None),
            (case_ids[4], "m3a", "2026-06-01", "2026-06-20"),
            (case_ids[5], "m3a", "2026-11-20", None),
        ):
            uow.session.add(
                HelpRequest(
                    case_id=case_id,
                    unit_id=plan.communes[0 if asker == "m1a" else 1].id,
                    asked_by_id=who[asker].id,
                    question="Cách tính thời hạn?",
                    status=HelpStatus.ANSWERED if answered else HelpStatus.OPEN,
                    answer="Theo Điều 24." if answered else None,
                    answered_at=_local(answered) if answered else None,
                    created_at=_local(asked),
                )
            )
        await uow.commit()
    return plan


def after(text: str, measure: str) -> str:
    """The line under a measure's line of the «Chỉ tiêu» block."""
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x[:2] in ("✅ ", "⚠️", "▫️") and measure in x)
    return lines[at + 1]


async def set_targets(db: Database, plan: Plan, values: list[tuple[int, Measure, int]]) -> None:
    async with db.uow() as uow:
        for unit_id, measure, value in values:
            uow.session.add(Target(unit_id=unit_id, measure=measure, value=value, set_at=START))
        await uow.commit()


async def test_thongke_shows_targets_with_defaults_and_the_units_furthest_behind(db, engine):
    await build_world(db)
    province = Chat(engine, "prov")
    await province.send("/thongke 2026")
    text = province.text
    assert "🎯 Chỉ tiêu:" in text
    assert "⚠️ Tỷ lệ hòa giải thành: 57,1% (4/7) — chỉ tiêu 85%" in text
    assert "↳ Chậm nhất: Xã Hai 33,3%, Xã Một 75%" in text
    assert "⚠️ Tổ đạt Điều 12 (số lượng, thành phần): 33,3% (1/3) — chỉ tiêu 100%" in text
    assert "↳ Chậm nhất: Xã Hai 0%, Xã Một 50%" in text
    assert "▫️ Hòa giải viên đã tập huấn: 42,9% (3/7) — chưa đặt chỉ tiêu" in text
    assert "▫️ Báo cáo của tổ nộp đúng hạn: 50% (3/6) — chưa đặt chỉ tiêu" in text
    assert "▫️ Yêu cầu hỗ trợ trả lời trong N ngày: chưa có số liệu — chưa đặt chỉ tiêu" in text
    assert text.index("🎯 Chỉ tiêu:") < text.index("Kỳ khác: gõ /thongke")  # the hint stays last
    leader = Chat(engine, "l1")
    await leader.send("/thongke 2026")
    assert "Chỉ tiêu" not in leader.text  # officials only


async def test_chitieu_sets_a_target_that_the_units_below_inherit(db, engine):
    plan = await build_world(db)
    province = Chat(engine, "prov")
    await province.send("/chitieu")
    assert "• Tỷ lệ hòa giải thành: chỉ tiêu 85% — mặc định theo Đề án 315 (mục tiêu 8" in province.text
    assert "chưa đối chiếu với văn bản quyết định" in province.text
    assert "• Hòa giải viên đã tập huấn: chưa đặt chỉ tiêu — Đề án không có số liệu" in province.text
    await province.press("Đổi một chỉ tiêu")
    await province.press("Hòa giải viên đã tập huấn")
    assert "Gõ tỷ lệ phần trăm mới" in province.text
    await province.send("chín mươi")
    assert "không phải tỷ lệ phần trăm hợp lệ" in province.text and "Gõ tỷ lệ phần trăm mới" in province.text
    await province.send("150")
    assert "không phải tỷ lệ phần trăm hợp lệ" in province.text
    await province.send("50%")
    assert "Đặt chỉ tiêu «Hòa giải viên đã tập huấn» của Tỉnh P: chỉ tiêu 50%." in province.text
    await province.press("Lưu")
    assert "Đã lưu chỉ tiêu «Hòa giải viên đã tập huấn» của Tỉnh P: chỉ tiêu 50%." in province.text

    commune = Chat(engine, "xa1")  # Xã Một inherits 50% from the province …
    await commune.send("/chitieu")
    assert "• Hòa giải viên đã tập huấn: chỉ tiêu 50% — do Tỉnh P đặt" in commune.text
    await commune.send("/thongke 2026")
    assert "⚠️ Hòa giải viên đã tập huấn: 40% (2/5) — chỉ tiêu 50%" in commune.text
    await commune.send("/chitieu")  # … and sets its own 40%
    await commune.press("Đổi một chỉ tiêu")
    await commune.press("Hòa giải viên đã tập huấn")
    await commune.send("40")
    await commune.press("Lưu")
    await commune.send("/thongke 2026")
    assert "✅ Hòa giải viên đã tập huấn: 40% (2/5) — chỉ tiêu 40%" in commune.text

    await province.send("/thongke 2026")  # 42,9% < 50%; Xã Một meets its own 40%, Xã Hai 50% meets 50%
    assert "⚠️ Hòa giải viên đã tập huấn: 42,9% (3/7) — chỉ tiêu 50%" in province.text
    assert "Chậm nhất" not in after(province.text, "Hòa giải viên đã tập huấn")

    await commune.send("/chitieu")  # back to the province's
    await commune.press("Đổi một chỉ tiêu")
    await commune.press("Hòa giải viên đã tập huấn")
    await commune.press("Bỏ chỉ tiêu riêng")
    assert "sẽ theo chỉ tiêu 50% (do Tỉnh P đặt)" in commune.text
    await commune.press("Lưu")
    assert "nay theo chỉ tiêu 50% (do Tỉnh P đặt)" in commune.text
    async with db.uow() as uow:
        rows = (await uow.session.scalars(select(Target))).all()
        assert [(r.unit_id, r.measure, r.value) for r in rows] == [(plan.province.id, Measure.TRAINED, 50)]
        audits = (await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "set_target"))).all()
        assert [a.detail["value"] for a in audits] == [50, 40, None]

    leader = Chat(engine, "l1")
    await leader.send("/chitieu")
    assert "Đã lưu" not in leader.text and "Chỉ tiêu của" not in leader.text


async def test_help_requests_judged_with_each_units_own_days(db, engine):
    plan = await build_world(db)
    await set_targets(
        db, plan, [(plan.province.id, Measure.HELP_DAYS, 7), (plan.communes[1].id, Measure.HELP_DAYS, 20)]
    )
    province = Chat(engine, "prov")
    await province.send("/thongke 2026")
    # province, 7 days: 01/05 in time, 01/09 overdue, 01/06 after 19 days; 20/11 still has time
    assert "⚠️ Yêu cầu hỗ trợ trả lời trong 7 ngày: 33,3% (1/3) — chỉ tiêu: tất cả trong 7 ngày" in province.text
    # Xã Hai with its own 20 days met it; Xã Một (7 days) 1/2
    assert after(province.text, "Yêu cầu hỗ trợ") == "   ↳ Chậm nhất: Xã Một 50%"


def _sheet(data: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data))
    assert "5. Chỉ tiêu" in wb.sheetnames
    return [tuple(row) for row in wb["5. Chỉ tiêu"].iter_rows(values_only=True)]


async def test_chat_report_sheet_and_cli_json_agree(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    plan = await build_world(db)
    await set_targets(db, plan, [(plan.province.id, Measure.REPORTS, 80), (plan.communes[0].id, Measure.REPORTS, 70)])
    province = Chat(make_engine(db, Clock()), "prov")
    await province.send("/thongke 2026")
    chat = province.text
    await province.send("/baocao 2026")
    await province.press("Xuất báo cáo")
    rows = _sheet(province.replies[0].file.data)
    await db.dispose()
    with mock.patch("bot.cli.common.now", lambda: START):
        env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}
        out = await asyncio.to_thread(run_bot, tmp_path, env, "stats", "--unit", "Tỉnh P", "--period", "2026", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)["targets"]

    assert "⚠️ Báo cáo của tổ nộp đúng hạn: 50% (3/6) — chỉ tiêu 80%" in chat
    assert after(chat, "Báo cáo") == "   ↳ Chậm nhất: Xã Hai 0%"  # Xã Một 75% meets its own 70%
    reports = got["reports"]
    assert (reports["done"], reports["of"], reports["value"], reports["target"], reports["met"]) == (
        3,
        6,
        50.0,
        80,
        False,
    )
    assert reports["target_from"] == "unit" and reports["target_unit"] == "Tỉnh P"
    assert [(c["name"], c["done"], c["of"], c["target"], c["met"]) for c in reports["children"]] == [
        ("Xã Hai", 0, 2, 80, False),
        ("Xã Một", 3, 4, 70, True),
    ]
    assert [c["name"] for c in reports["behind"]] == ["Xã Hai"]
    success = got["success"]
    assert (success["done"], success["of"], success["value"], success["target"]) == (4, 7, 57.1, 85)
    assert success["target_from"] == "default"
    assert got["trained"]["target"] is None and got["trained"]["met"] is None
    assert got["help_days"]["value"] is None

    by_key = {(r[0], r[1]): r[2:8] for r in rows if r and r[0] and r[1]}
    assert by_key[("Báo cáo đúng hạn", "Tỉnh P")] == (3, 6, 0.5, "80%", "do Tỉnh P đặt", "Chưa đạt")
    assert by_key[("Báo cáo đúng hạn", "Xã Một")] == (3, 4, 0.75, "70%", "do Xã Một đặt", "Đạt")
    assert by_key[("Báo cáo đúng hạn", "Xã Hai")] == (0, 2, 0.0, "80%", "do Tỉnh P đặt", "Chưa đạt")
    assert by_key[("Tỷ lệ hòa giải thành", "Tỉnh P")][:4] == (4, 7, 0.5714, "85%")
    assert by_key[("Tổ đạt Điều 12", "Xã Hai")][:3] == (0, 1, 0.0)
    assert any(r[0] and "chưa đối chiếu" in str(r[0]) for r in rows)


async def test_monthly_message_tells_each_official_where_their_area_is_behind(db):
    plan = await build_world(db)
    # Xã Hai's official: a unit meeting every target it has (none behind) gets nothing
    await set_targets(
        db,
        plan,
        [(plan.communes[1].id, Measure.SUCCESS, 30), (plan.communes[1].id, Measure.TEAMS_OK, 0)],
    )
    await add_person(db, "xa2", "Cán Bộ Xã Hai", Role.CAN_BO, plan.communes[1].id)
    env = PushEnv(load_catalog(), ZoneInfo("Asia/Ho_Chi_Minh"), PushPolicy())
    before = dt.datetime(2026, 12, 1, 0, 59, tzinfo=dt.UTC)  # 07:59 local on the 1st
    async with db.uow() as uow:
        assert await officials_targets_job(uow, env, before) == 0
    at = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    async with db.uow() as uow:
        made = await officials_targets_job(uow, env, at)
        await uow.commit()
    async with db.uow() as uow:
        again = await officials_targets_job(uow, env, at + dt.timedelta(days=3))
        sent = (await uow.session.scalars(select(Delivery).order_by(Delivery.person_id))).all()
    assert made == 2 and again == 0
    who = await people(db)
    texts = {d.person_id: d.text for d in sent}
    assert set(texts) == {who["prov"].id, who["xa1"].id}
    assert "🎯 Tỉnh P — năm 2026" in texts[who["prov"].id] and "2 chỉ tiêu chưa đạt" in texts[who["prov"].id]
    assert "⚠️ Tỷ lệ hòa giải thành: 57,1% (4/7) — chỉ tiêu 85%" in texts[who["prov"].id]
    assert "Hòa giải viên đã tập huấn" not in texts[who["prov"].id]  # no target: not behind
    assert "🎯 Xã Một" in texts[who["xa1"].id] and "⚠️ Tỷ lệ hòa giải thành: 75% (3/4)" in texts[who["xa1"].id]


async def test_no_report_counted_before_a_team_was_formed(db):
    plan = await build_world(db)
    async with db.uow() as uow:
        viewer = await uow.people.get((await people(db))["prov"].id)
        old = await targets_view(uow, viewer, plan.province, year(2023), now=START, tz=dt.UTC)
        formed = await targets_view(uow, viewer, plan.province, year(2024), now=START, tz=dt.UTC)
    lines = {ln.measure: ln for ln in old.lines}
    assert lines[Measure.SUCCESS].score.of == 0 and lines[Measure.SUCCESS].met is None
    # the teams were formed on 01/06/2024: no report was due from them in 2023; in 2024 the
    # half-year report (due 05/07/2024) was, the report on 2023 (due 05/01/2024) was not
    assert lines[Measure.REPORTS].score == Score(0, 0)
    assert {ln.measure: ln for ln in formed.lines}[Measure.REPORTS].score == Score(0, 3)


async def test_cli_sets_shows_and_clears_a_target(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    plan = await build_world(db)
    await db.dispose()
    env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}

    async def bot(*args: str):
        with mock.patch("bot.cli.common.now", lambda: START):
            return await asyncio.to_thread(run_bot, tmp_path, env, "targets", *args)

    bad = await bot("set", "--unit", "Tỉnh P", "--measure", "trained", "--value", "120")
    assert bad.returncode == 2 and "«120» không phải tỷ lệ phần trăm hợp lệ" in bad.stdout
    done = await bot("set", "--unit", "Tỉnh P", "--measure", "trained", "--value", "55")
    assert done.returncode == 0, done.stderr
    assert "• Hòa giải viên đã tập huấn: chỉ tiêu 55% — do Tỉnh P đặt" in done.stdout
    shown = await bot("show", "--unit", "Xã Hai")
    assert "• Hòa giải viên đã tập huấn: chỉ tiêu 55% — do Tỉnh P đặt" in shown.stdout
    assert "• Tỷ lệ hòa giải thành: chỉ tiêu 85% — mặc định theo Đề án 315" in shown.stdout
    nothing = await bot("clear", "--unit", "Xã Hai", "--measure", "trained")
    assert nothing.returncode == 2 and "Xã Hai chưa đặt riêng chỉ tiêu này" in nothing.stdout
    cleared = await bot("clear", "--unit", "Tỉnh P", "--measure", "trained")
    assert cleared.returncode == 0 and "• Hòa giải viên đã tập huấn: chưa đặt chỉ tiêu" in cleared.stdout
    db = Database(url)
    async with db.uow() as uow:
        audits = (await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "set_target"))).all()
        assert [(a.person_id, a.target, a.detail["value"], a.detail["via"]) for a in audits] == [
            (None, f"unit:{plan.province.id}", 55, "cli"),
            (None, f"unit:{plan.province.id}", None, "cli"),
        ]
    await db.dispose()
