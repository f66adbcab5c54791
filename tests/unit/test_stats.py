"""/thongke against counts worked out by hand (see officials_fixtures.py), the chart, the
rollups behind the counts, and `python -m bot stats`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import create_engine, select

from storage import rollups
from storage.migrate import upgrade, upgrade_async
from storage.models import CaseStatus, Role, StatRollup
from tests.cli import Done, run_bot
from tests.support import Chat, record_outcome
from tests.unit.officials_fixtures import add_cases, add_person, other_province_team, seed_ward

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"


async def test_ward_year_counts_rate_and_same_period_before(db, world, engine):
    await seed_ward(db, world)
    official = Chat(engine, "official")
    await official.send("/thongke 2026")
    text = official.text
    assert "Thống kê hòa giải — Phường B" in text and "năm 2026 (01/01/2026–31/12/2026)" in text
    assert "Tiếp nhận: 7 vụ việc" in text
    assert "Hòa giải thành: 3" in text and "Không thành: 2" in text
    assert "Đang hòa giải: 1" in text and "Kết thúc vì lý do khác: 1" in text
    assert "Tỷ lệ hòa giải thành: 50% (trên 6 vụ đã có kết quả)" in text
    # 2025: 4 cases, 1 thành of 4 with a result → 25%; 50 − 25 = +25 points
    assert "Cùng kỳ năm trước: 4 vụ, tỷ lệ thành 25% — tăng 25 điểm %" in text
    assert "Tranh chấp dân sự (đất, hợp đồng, thừa kế…): 3 (thành 2)" in text
    assert "Hôn nhân và gia đình: 1 (thành 1)" in text
    assert "• Thôn 1: 5 vụ, tỷ lệ thành 50%" in text and "• Thôn 2: 2 vụ, tỷ lệ thành 50%" in text
    assert text.index("Thôn 1: 5") < text.index("Thôn 2: 2")  # most cases first


async def test_half_year_and_typed_dates_with_partial_months(db, world, engine):
    await seed_ward(db, world)
    official = Chat(engine, "official")
    await official.send("/thongke 6 tháng đầu năm")
    # H1 2026: 10/01 T, 05/02 KT, 15/03 T, 31/03 T, 30/06 KT → 3 of 5; H1 2025: 1 of 3
    assert "6 tháng đầu năm 2026 (01/01/2026–30/06/2026)" in official.text
    assert "Tiếp nhận: 5 vụ việc" in official.text and "60%" in official.text
    assert "tỷ lệ thành 33,3% — tăng 26,7 điểm %" in official.text
    await official.send("/thongke 15/01/2026-31/03/2026")  # half of January, then whole months
    assert "Tiếp nhận: 3 vụ việc" in official.text and "Hòa giải thành: 2" in official.text
    await official.send("/thongke 05/02/2026 - 30/06/2026")  # partial February, whole March–June
    assert "Tiếp nhận: 4 vụ việc" in official.text
    await official.send("/thongke 3/2026")
    assert "tháng 3/2026" in official.text and "Tiếp nhận: 2 vụ việc" in official.text
    await official.send("/thongke hôm qua")  # a day alone is that day, not a unit's name
    assert "Kỳ: từ 21/11/2026 đến 21/11/2026" in official.text and "Chưa có vụ việc nào" in official.text


async def test_drill_down_switch_period_and_back_up(db, world, engine):
    await seed_ward(db, world)
    official = Chat(engine, "official")
    await official.send("/thongke 2026")
    await official.press("Thôn 2")
    assert "Thống kê hòa giải — Thôn 2" in official.text and "Tiếp nhận: 2 vụ việc" in official.text
    assert "Tổ hòa giải 2: 2 vụ" in official.text
    await official.press("Năm trước")
    assert "Thôn 2" in official.text and "năm 2025" in official.text and "Tiếp nhận: 2 vụ việc" in official.text
    await official.press("Phường B")  # ⬆️ back to the ward
    assert "Thống kê hòa giải — Phường B" in official.text and "Tiếp nhận: 4 vụ việc" in official.text
    await official.send("/thongke 2026 Thon 1")  # a child unit typed without diacritics
    assert "Thống kê hòa giải — Thôn 1" in official.text and "Tiếp nhận: 5 vụ việc" in official.text


async def test_team_leader_sees_the_team_and_a_mediator_their_own_cases(db, world, engine):
    await seed_ward(db, world)
    leader = Chat(engine, "leader_a")
    await leader.send("/thongke 2026")
    assert "Tổ hòa giải 1" in leader.text and "Tiếp nhận: 5 vụ việc" in leader.text
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/thongke 2026")
    assert "Các vụ việc bạn tham gia" in mediator.text and "Tiếp nhận: 4 vụ việc" in mediator.text
    assert "Thôn" not in mediator.text
    mate = Chat(engine, "hgv_a2")
    await mate.send("/thongke")
    assert "Tiếp nhận: 1 vụ việc" in mate.text and "Kết thúc vì lý do khác: 1" in mate.text


async def test_province_official_counts_every_ward_and_nothing_beside(db, world, engine):
    await seed_ward(db, world)
    await other_province_team(db, world)
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    province = Chat(engine, "prov")
    await province.send("/thongke 2026")
    assert "Tỉnh A" in province.text and "Tiếp nhận: 7 vụ việc" in province.text
    assert "• Phường B: 7 vụ" in province.text and "Xã D" not in province.text
    other = Chat(engine, "official_other")
    await other.send("/thongke 2026")
    assert "Xã D" in other.text and "Tiếp nhận: 1 vụ việc" in other.text


async def test_chart_is_a_png(db, world, engine):
    await seed_ward(db, world)
    official = Chat(engine, "official")
    await official.send("/thongke 2026")
    await official.press("Biểu đồ")
    reply = official.replies[-1]
    assert reply.file is not None and reply.file.kind == "image"
    assert reply.file.filename.endswith(".png") and reply.file.data.startswith(PNG)
    assert "Phường B" in reply.text
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/thongke")
    await mediator.press("Biểu đồ")
    assert mediator.replies[-1].file.data.startswith(PNG)


async def _rollup_rows(db) -> dict:
    async with db.uow() as uow:
        rows = (await uow.session.scalars(select(StatRollup))).all()
        return {(r.unit_id, r.month, r.category, r.status): r.n for r in rows if r.n}


async def test_rollups_follow_every_write_and_match_a_recount(db, world, engine):
    ids = await seed_ward(db, world)
    leader = Chat(engine, "leader_a")
    await leader.payload(f"case:view:{ids[3]}")  # the case in progress → không thành → reopened
    await record_outcome(leader, "khong_thanh")
    await leader.press("Tiếp tục hòa giải")
    await leader.press("Đúng, tiếp tục")
    kept = await _rollup_rows(db)
    async with db.uow() as uow:
        await uow.session.run_sync(lambda s: rollups.rebuild(s.connection()))
        await uow.commit()
    assert await _rollup_rows(db) == kept
    ward_2026 = {k: n for k, n in kept.items() if k[0] == world.ward.id and k[1] // 100 == 2026}
    assert sum(ward_2026.values()) == 7
    assert sum(n for k, n in ward_2026.items() if k[3] == CaseStatus.DANG_HOA_GIAI.value) == 1


def test_the_migration_counts_cases_already_stored(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/old.sqlite3"
    upgrade(url, "0002")
    sync = create_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    with sync.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO units (id, parent_id, kind, name, path, ethnic_area, created_at) VALUES "
            "(1, NULL, 'tinh', 'T', '/1/', 0, '2026-01-01 00:00:00'),"
            "(2, 1, 'to_hoa_giai', 'Tổ', '/1/2/', 0, '2026-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO people (id, full_name, role, unit_id, active, ethnic_minority, created_at) "
            "VALUES (1, 'A', 'hoa_giai_vien', 2, 1, 0, '2026-01-01 00:00:00')"
        )
        for i in (1, 2, 3):
            conn.exec_driver_sql(
                "INSERT INTO cases (id, team_id, unit_path, year, seq, received_on, category, source, parties, "
                "summary, status, created_by_id, created_at, updated_at) VALUES (?, 2, '/1/2/', 2026, ?, ?, "
                "'dan_su', 'yeu_cau', '{}', 'x', 'thanh', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                (i, i, f"2026-0{i}-01"),
            )
    upgrade(url)
    with sync.connect() as conn:
        rows = conn.exec_driver_sql("SELECT unit_id, month, n FROM stat_rollups ORDER BY unit_id, month").all()
    sync.dispose()
    assert rows == [(1, 202601, 1), (1, 202602, 1), (1, 202603, 1), (2, 202601, 1), (2, 202602, 1), (2, 202603, 1)]


async def _bot(tmp_path: Path, *args: str) -> Done:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3", "TELEGRAM_BOT_TOKEN": ""}
    return await asyncio.to_thread(run_bot, tmp_path, env, *args)


async def test_cli_stats_json_and_text(tmp_path):
    from storage.db import Database
    from tests.support import build_world

    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    world = await build_world(db)
    await seed_ward(db, world)
    await db.dispose()
    out = await _bot(tmp_path, "stats", "--unit", "Phường B", "--period", "2026", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["current"]["received"] == 7 and data["current"]["thanh"] == 3
    assert data["current"]["success_rate"] == 50.0 and data["same_period_before"]["received"] == 4
    assert data["current"]["by_category"]["dan_su"] == 3
    assert [(c["name"], c["received"]) for c in data["children"]] == [("Thôn 1", 5), ("Thôn 2", 2)]
    text = await _bot(tmp_path, "stats", "--unit", str(world.ward.id), "--period", "2026H1")
    assert "Tiếp nhận: 5 vụ việc" in text.stdout
    bad = await _bot(tmp_path, "stats", "--unit", "Không Có", "--period", "2026")
    assert bad.returncode == 2 and "Không tìm thấy đơn vị" in bad.stdout and "Traceback" not in bad.stderr


async def test_a_case_by_the_orm_is_counted_at_once(db, world, engine):
    await add_cases(db, world.people, [("hgv_b", "2026-11-01", "khac", CaseStatus.DANG_HOA_GIAI)])
    official = Chat(engine, "official")
    await official.send("/thongke tháng này")
    assert "tháng 11/2026" in official.text and "Tiếp nhận: 1 vụ việc" in official.text
