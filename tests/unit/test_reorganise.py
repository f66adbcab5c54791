"""The 2025-style merge: two communes of a province, each with a village, a team (both teams
called «Tổ hòa giải 1», code T1), cases, people, a report day and a training, become one.
Everything carries over, the old case numbers still open, the merged commune's /thongke is the
sum of the two, both communes' officials see the merged unit, and the change is audited — on
SQLite and PostgreSQL; the same through the shell (`python -m bot units merge`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import (
    Account,
    AuditEntry,
    Case,
    CaseStatus,
    Person,
    ReportRule,
    Role,
    StatRollup,
    Training,
    Unit,
    UnitKind,
)
from storage.rollups import rebuild
from tests.cli import run_bot
from tests.support import START, Chat, Clock, make_engine

pytestmark = pytest.mark.postgresql


@dataclass
class Two:
    province: int
    communes: dict[str, int]
    teams: dict[str, int]
    villages: dict[str, int]


async def build_two(db: Database) -> Two:
    """Xã Một: 3 cases, 2 mediators; Xã Hai: 2 cases, 1 mediator; each an official."""
    two = Two(0, {}, {}, {})
    async with db.uow() as uow:
        prov = await uow.units.add(UnitKind.TINH, "Tỉnh P", None, START)
        two.province = prov.id
        await _person(uow, "Cán Bộ Tỉnh", Role.CAN_BO, prov, "prov")
        for name, cases, mediators in (("Xã Một", 3, 2), ("Xã Hai", 2, 1)):
            xa = await uow.units.add(UnitKind.XA, name, prov, START)
            village = await uow.units.add(UnitKind.THON, "Thôn Đông", xa, START)
            team = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 1", village, START)
            two.communes[name], two.villages[name], two.teams[name] = xa.id, village.id, team.id
            await _person(uow, f"Cán Bộ {name}", Role.CAN_BO, xa, f"off_{xa.id}")
            author = None
            for i in range(mediators):
                author = await _person(uow, f"Hòa Giải {name} {i}", Role.HOA_GIAI_VIEN, team, f"hgv_{team.id}_{i}")
            for seq in range(1, cases + 1):
                await uow.cases.add(
                    _case(team, seq, author.id, CaseStatus.THANH if seq == 1 else CaseStatus.DANG_HOA_GIAI)
                )
            uow.session.add(ReportRule(unit_id=xa.id, kind="half", due_month=6, due_day=20, updated_at=START))
            uow.session.add(
                Training(
                    unit_id=xa.id,
                    unit_path=xa.path,
                    title=f"Tập huấn {name}",
                    starts_at=START + dt.timedelta(days=9),
                    place="Hội trường",
                    scope=[xa.id],
                    checkin_code="1234",
                    created_at=START,
                    updated_at=START,
                )
            )
        await uow.commit()
    return two


async def _person(uow, name: str, role: Role, unit: Unit, account: str) -> Person:
    person = await uow.people.add(Person(full_name=name, role=role, unit_id=unit.id, sex="nu", created_at=START))
    uow.session.add(
        Account(channel="test", external_id=account, person_id=person.id, display_name=name, last_seen_at=START)
    )
    return person


def _case(team: Unit, seq: int, author: int, status: CaseStatus) -> Case:
    return Case(
        team_id=team.id,
        unit_path=team.path,
        year=2026,
        seq=seq,
        code=team.code or "",
        received_on=dt.date(2026, 3, seq),
        category="dan_su",
        source="yeu_cau",
        parties={"names": []},
        summary="Tranh chấp lối đi",
        status=status,
        created_by_id=author,
        created_at=START,
        updated_at=START,
    )


async def _numbers(db: Database, team_id: int) -> list[str]:
    async with db.uow() as uow:
        cases = await uow.session.scalars(select(Case).where(Case.team_id == team_id).order_by(Case.code, Case.seq))
        return [c.number for c in cases]


async def _tally(chat: Chat, unit: str) -> str:
    await chat.send(f"/thongke 2026 {unit}")
    return chat.text


async def test_two_communes_merged_into_one_carry_everything(db):
    two = await build_two(db)
    engine = make_engine(db, Clock())
    province = Chat(engine, "prov")
    before_one, before_two = await _tally(province, "Xã Một"), await _tally(province, "Xã Hai")
    assert "5" not in before_one.split("\n")[0]

    async with db.uow() as uow:
        source = await uow.units.get(two.communes["Xã Hai"])
        target = await uow.units.get(two.communes["Xã Một"])
        carried = await uow.reorganise.merge(source, target)
        await uow.commit()
    assert (carried.cases, carried.people, carried.deadlines, carried.trainings, carried.units) == (2, 2, 1, 1, 2)
    # both villages were «Thôn Đông»; both teams T1: the incoming ones are told apart
    assert carried.renamed == [("Thôn Đông", "Thôn Đông (Xã Hai)")]
    assert carried.recoded == [("T1", "T1B")]

    async with db.uow() as uow:
        assert await uow.units.get(two.communes["Xã Hai"]) is None
        xa = await uow.units.get(two.communes["Xã Một"])
        moved_team = await uow.units.get(two.teams["Xã Hai"])
        assert moved_team.path.startswith(xa.path) and moved_team.code == "T1B"
        village = await uow.units.get(two.villages["Xã Hai"])
        assert village.parent_id == xa.id and village.name == "Thôn Đông (Xã Hai)"
        under = await uow.session.scalar(select(func.count(Case.id)).where(Case.unit_path.startswith(xa.path)))
        assert under == 5
        rules = await uow.session.scalar(select(func.count(ReportRule.id)).where(ReportRule.unit_id == xa.id))
        assert rules == 1  # the receiving commune's report day stays; the other's is dropped (same kind)
        trainings = await uow.session.scalar(select(func.count(Training.id)).where(Training.unit_id == xa.id))
        assert trainings == 2
        officials = (
            await uow.session.scalars(select(Person).where(Person.role == Role.CAN_BO, Person.unit_id == xa.id))
        ).all()
        assert len(officials) == 2
        audit = await uow.session.scalar(select(func.count(AuditEntry.id)))
        assert audit == 0  # the store changes; the caller audits (shell and chat do)
        # the monthly counts follow the cases: the same as a recount from scratch
        kept = sorted(
            tuple(r)
            for r in (
                await uow.session.execute(
                    select(
                        StatRollup.unit_id, StatRollup.month, StatRollup.category, StatRollup.status, StatRollup.n
                    ).where(StatRollup.n != 0)
                )
            )
        )
        await uow.session.run_sync(lambda s: rebuild(s.connection()))
        again = sorted(
            tuple(r)
            for r in (
                await uow.session.execute(
                    select(
                        StatRollup.unit_id, StatRollup.month, StatRollup.category, StatRollup.status, StatRollup.n
                    ).where(StatRollup.n != 0)
                )
            )
        )
        assert kept == again
    assert await _numbers(db, two.teams["Xã Hai"]) == ["T1B-1/2026", "T1B-2/2026"]
    assert await _numbers(db, two.teams["Xã Một"]) == ["T1-1/2026", "T1-2/2026", "T1-3/2026"]

    # both officials now see the merged commune; its tally is the sum
    after = await _tally(province, "Xã Một")
    for key in ("off_" + str(two.communes["Xã Một"]), "off_" + str(two.communes["Xã Hai"])):
        official = Chat(engine, key)
        await official.send("/thongke 2026")
        assert "Xã Một" in official.text
        assert official.text.split("\n")[0] == after.split("\n")[0]
    assert _total(after) == _total(before_one) + _total(before_two) == 5


def _total(text: str) -> int:
    import re

    found = re.search(r"(\d+) vụ việc", text)
    assert found, text
    return int(found.group(1))


async def test_two_teams_merged_keep_their_numbers_and_new_ones_follow(db):
    two = await build_two(db)
    async with db.uow() as uow:
        xa = await uow.units.get(two.communes["Xã Một"])
        village = await uow.units.get(two.villages["Xã Một"])
        second = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 2", village, START)
        author = await _person(uow, "Hòa Giải Hai", Role.TO_TRUONG, second, "lead2")
        for seq in (1, 2, 3, 4):
            await uow.cases.add(_case(second, seq, author.id, CaseStatus.DANG_HOA_GIAI))
        await uow.commit()
        second_id, xa_path = second.id, xa.path
    async with db.uow() as uow:
        carried = await uow.reorganise.merge(await uow.units.get(second_id), await uow.units.get(two.teams["Xã Một"]))
        await uow.commit()
    assert carried.recoded == [] and carried.cases == 4
    numbers = await _numbers(db, two.teams["Xã Một"])
    assert numbers == ["T1-1/2026", "T1-2/2026", "T1-3/2026", "T2-1/2026", "T2-2/2026", "T2-3/2026", "T2-4/2026"]
    async with db.uow() as uow:
        assert await uow.cases.next_seq(two.teams["Xã Một"], 2026) == 5  # after the highest of both
        assert xa_path


async def test_the_shell_merges_communes_and_audits(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    two = await build_two(db)
    await db.dispose()
    env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}
    with mock.patch("bot.cli.common.now", lambda: START):
        bad = await asyncio.to_thread(
            run_bot, tmp_path, env, "units", "merge", "--unit", "Xã Hai", "--into", "Thôn Đông"
        )
        kinds = await asyncio.to_thread(
            run_bot, tmp_path, env, "units", "merge", "--unit", "Xã Hai", "--into", "Tỉnh P"
        )
        done = await asyncio.to_thread(run_bot, tmp_path, env, "units", "merge", "--unit", "Xã Hai", "--into", "Xã Một")
        renamed = await asyncio.to_thread(
            run_bot, tmp_path, env, "units", "rename", "--unit", "Xã Một", "--name", "Phường Mới"
        )
    assert bad.returncode == 2 and "#" in bad.stdout  # two villages share the name: their ids are given
    assert (
        kinds.returncode == 2
        and kinds.stdout.strip() == "Chỉ gộp được hai đơn vị cùng cấp (xã với xã, thôn với thôn, tổ với tổ)."
    )
    assert done.returncode == 0, done.stdout
    assert (
        "Đã gộp «Xã Hai»" in done.stdout
        and "Mang theo: 2 vụ việc, 2 người, 1 hạn báo cáo, 1 lớp tập huấn" in done.stdout
    )
    assert "mã T1 nay là T1B" in done.stdout
    assert renamed.returncode == 0 and "«Xã Một» → «Phường Mới»" in renamed.stdout
    db = Database(url)
    async with db.uow() as uow:
        audit = (await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        assert [a.action for a in audit] == ["unit_merge", "unit_rename"]
        assert audit[0].target == f"unit:{two.communes['Xã Hai']}" and audit[0].detail["cases"] == 2
        assert audit[0].detail["recoded"] == [["T1", "T1B"]]
    await db.dispose()


async def test_the_province_official_merges_in_chat_after_a_confirm(db):
    two = await build_two(db)
    province = Chat(make_engine(db, Clock()), "prov")
    await province.send("/donvi")
    await province.press("Xã Hai")
    assert "Mang theo: 2 vụ việc, 2 người, 1 hạn báo cáo, 1 lớp tập huấn, 2 đơn vị bên dưới." in province.text
    await province.press("Gộp vào đơn vị khác")
    await province.press("Xã Một")
    assert "Gộp «Xã Hai» vào «Xã Một»? «Xã Hai» sẽ không còn." in province.text
    assert "Mang theo: 2 vụ việc" in province.text
    await province.press("Xác nhận")
    assert "Đã gộp «Xã Hai» vào «Xã Một»." in province.text and "mã T1 nay là T1B" in province.text
    async with db.uow() as uow:
        entry = await uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit_merge"))
        assert entry is not None and entry.person_id is not None and entry.detail["cases"] == 2
        assert await uow.units.get(two.communes["Xã Hai"]) is None
    # a commune official cannot reach the other commune
    commune = Chat(make_engine(db, Clock()), f"off_{two.communes['Xã Một']}")
    await commune.send("/donvi")
    labels = [b.label for r in commune.replies for b in r.choices()]
    assert "Thôn Đông (Thôn / tổ dân phố)" in labels[0] or "Thôn Đông" in labels[0]
    assert not any("Tỉnh P" in label for label in labels)
