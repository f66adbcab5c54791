"""Training coverage: the same numbers in /thongke's «Tập huấn» block, the report's «Tập huấn»
sheet and `python -m bot stats --json`.

Tỉnh P → Xã Một (Tổ hòa giải 1, Tổ hòa giải 2) and Xã Hai (Tổ hòa giải 3). Today is 22/11/2026,
so «new» is joined after 22/11/2025. Classes: 10/04/2026 (held by the province) and 01/10/2025.

    team  person  joined       attended a 2026 class
    1     l1      01/01/2024   yes (leader)
    1     m1a     01/03/2026   yes                     new
    1     m1b     01/06/2023   no
    2     m2a     01/05/2026   invited, absent         new
    2     m2b     01/06/2023   only the 2025 class
    3     m3a     01/06/2023   yes
    3     m3b     01/02/2026   no                      new
    3     m3c     01/06/2023   yes, but left 15/01/2026 (not counted)

Province: 3 of 7 trained (42,9%), 1 of 3 new trained (33,3%), Tổ hòa giải 2 has nobody trained.
Xã Một: 2 of 5 (40%), new 1 of 2 (50%); Xã Hai: 1 of 2 (50%), new 0 of 1 (0%).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from openpyxl import load_workbook

from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import Person, Role, Training, TrainingInvite, TrainingStatus, Unit, UnitKind
from tests.cli import run_bot
from tests.support import START, Chat, Clock, make_engine
from tests.unit.officials_fixtures import add_person

ROSTER = [  # key, team, role, joined, attended 2026, attended 2025
    ("l1", 1, Role.TO_TRUONG, "2024-01-01", True, False),
    ("m1a", 1, Role.HOA_GIAI_VIEN, "2026-03-01", True, False),
    ("m1b", 1, Role.HOA_GIAI_VIEN, "2023-06-01", False, False),
    ("m2a", 2, Role.HOA_GIAI_VIEN, "2026-05-01", False, False),
    ("m2b", 2, Role.HOA_GIAI_VIEN, "2023-06-01", False, True),
    ("m3a", 3, Role.HOA_GIAI_VIEN, "2023-06-01", True, False),
    ("m3b", 3, Role.HOA_GIAI_VIEN, "2026-02-01", False, False),
    ("m3c", 3, Role.HOA_GIAI_VIEN, "2023-06-01", True, False),
]


@dataclass
class Plan:
    province: Unit
    communes: list[Unit]
    teams: dict[int, Unit]


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=2, tzinfo=dt.UTC)


async def build_plan(db: Database) -> Plan:
    async with db.uow() as uow:
        prov = await uow.units.add(UnitKind.TINH, "Tỉnh P", None, START)
        one = await uow.units.add(UnitKind.XA, "Xã Một", prov, START)
        two = await uow.units.add(UnitKind.XA, "Xã Hai", prov, START)
        teams = {
            1: await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 1", one, START),
            2: await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 2", one, START),
            3: await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 3", two, START),
        }
        await uow.commit()
    plan = Plan(prov, [one, two], teams)
    people: dict[str, Person] = {}
    for key, team, role, joined, _, _ in ROSTER:
        people[key] = await add_person(db, key, f"Người {key.upper()}", role, teams[team].id, now=_at(joined))
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, prov.id)
    official = await add_person(db, "xa1", "Cán Bộ Xã Một", Role.CAN_BO, one.id)
    async with db.uow() as uow:
        gone = await uow.people.get(people["m3c"].id)
        gone.active, gone.left_at, gone.left_reason = False, _at("2026-01-15"), "a"
        for day, column in (("2026-04-10", 4), ("2025-10-01", 5)):
            training = await uow.trainings.add(
                Training(
                    unit_id=prov.id,
                    unit_path=prov.path,
                    title=f"Tập huấn {day}",
                    starts_at=_at(day),
                    place="Hội trường",
                    scope=[prov.id],
                    status=TrainingStatus.SCHEDULED,
                    checkin_code="4711",
                    created_at=_at("2025-01-02"),
                    updated_at=_at("2025-01-02"),
                )
            )
            for row in ROSTER:
                uow.session.add(
                    TrainingInvite(
                        training_id=training.id,
                        person_id=people[row[0]].id,
                        team_id=teams[row[1]].id,
                        attended=row[column],
                    )
                )
            # an official at the class is not a mediator: counted nowhere
            uow.session.add(
                TrainingInvite(training_id=training.id, person_id=official.id, team_id=one.id, attended=True)
            )
        await uow.commit()
    return plan


async def test_thongke_shows_the_training_block_for_each_level(db, engine):
    plan = await build_plan(db)
    province = Chat(engine, "prov")
    await province.send("/thongke 2026")
    text = province.text
    assert "🎓 Tập huấn (lớp học trong kỳ):" in text
    assert "• Hòa giải viên đã tập huấn: 3/7 (42,9%)" in text
    assert "• Hòa giải viên mới (vào từ 22/11/2025) đã tập huấn: 1/3 (33,3%)" in text
    assert "• Tổ chưa có ai tập huấn (1/3 tổ): Tổ hòa giải 2" in text
    assert text.index("🎓 Tập huấn") < text.index("Kỳ khác: gõ /thongke")  # the hint stays last
    await province.press("Xã Hai")
    assert "Hòa giải viên đã tập huấn: 1/2 (50%)" in province.text
    assert "đã tập huấn: 0/1 (0%)" in province.text and "Tổ nào cũng có người đã tập huấn." in province.text
    commune = Chat(engine, "xa1")
    await commune.send("/thongke 2026")
    assert "Hòa giải viên đã tập huấn: 2/5 (40%)" in commune.text and "1/2 (50%)" in commune.text
    await commune.send("/thongke 2025")  # the 2025 class: m2b; l1, m1b, m2b in office then
    assert "Hòa giải viên đã tập huấn: 1/3 (33,3%)" in commune.text
    leader = Chat(engine, "l1")
    await leader.send("/thongke 2026")
    assert "Hòa giải viên đã tập huấn: 2/3 (66,7%)" in leader.text
    assert plan.teams[3].name not in leader.text


def _sheet_rows(data: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data))
    assert "4. Tập huấn" in wb.sheetnames
    return [tuple(v for v in row) for row in wb["4. Tập huấn"].iter_rows(values_only=True)]


async def test_chat_report_sheet_and_cli_json_agree(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    await build_plan(db)
    province = Chat(make_engine(db, Clock()), "prov")
    await province.send("/thongke 2026")
    chat = province.text
    await province.send("/baocao 2026")
    await province.press("Xuất báo cáo")
    rows = _sheet_rows(province.replies[0].file.data)
    await db.dispose()

    with mock.patch("bot.cli.common.now", lambda: START):
        env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}
        out = await asyncio.to_thread(run_bot, tmp_path, env, "stats", "--unit", "Tỉnh P", "--period", "2026", "--json")
    assert out.returncode == 0, out.stderr
    cov = json.loads(out.stdout)["coverage"]

    # the province: chat, sheet's total row, JSON
    assert "đã tập huấn: 3/7 (42,9%)" in chat and "đã tập huấn: 1/3 (33,3%)" in chat
    total = next(r for r in rows if r[0] == "Tổng cộng — Tỉnh P")
    assert total[:9] == ("Tổng cộng — Tỉnh P", 3, 7, 3, 0.4286, 3, 1, 0.3333, 1)
    assert (cov["teams"], cov["mediators"], cov["trained"], cov["trained_share"]) == (3, 7, 3, 42.9)
    assert (cov["new_mediators"], cov["new_trained"], cov["new_trained_share"]) == (3, 1, 33.3)
    assert cov["new_since"] == "2025-11-22" and cov["teams_nobody_trained"] == 1
    assert [t["name"] for t in cov["teams_untrained"]] == ["Tổ hòa giải 2"]
    assert "Tổ chưa có ai tập huấn (1/3 tổ): Tổ hòa giải 2" in chat
    # the communes: sheet rows and JSON children
    by_name = {r[0]: r[:9] for r in rows if r and r[0] in ("Xã Một", "Xã Hai")}
    assert by_name == {
        "Xã Một": ("Xã Một", 2, 5, 2, 0.4, 2, 1, 0.5, 1),
        "Xã Hai": ("Xã Hai", 1, 2, 1, 0.5, 1, 0, 0.0, 0),
    }
    children = {
        c["name"]: (
            c["teams"],
            c["mediators"],
            c["trained"],
            c["trained_share"],
            c["new_mediators"],
            c["new_trained"],
            c["new_trained_share"],
            c["teams_nobody_trained"],
        )
        for c in cov["children"]
    }
    assert children == {"Xã Một": (2, 5, 2, 40.0, 2, 1, 50.0, 1), "Xã Hai": (1, 2, 1, 50.0, 1, 0, 0.0, 0)}
    # the list of teams with nobody trained, under the table
    assert ("Tổ hòa giải 2", 2) in [r[:2] for r in rows]
