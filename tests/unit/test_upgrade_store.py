"""A store filled by the previous schema (revision 0006) migrates forward with nothing lost:
its teams get codes, its cases their numbers and outcome days, and they read as before."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import create_engine, select, text

from storage.crypto import PartyCipher
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Case, CaseEvent, Unit, UnitKind

NOW = "2026-06-30 20:00:00+00:00"  # 03:00 on 01/07 in Hà Nội: the local day is the outcome day
PARTIES = {"names": ["Nguyễn Văn An", "Trần Thị Bình"], "contact": "0912 345 678"}


def fill_old_store(path: str) -> None:
    """Rows as version 0006 wrote them (plain SQL: today's models have more columns)."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for uid, parent, kind, name, p in [
            (1, None, "tinh", "Tỉnh A", "/1/"),
            (2, 1, "xa", "Phường B", "/1/2/"),
            (3, 2, "thon", "Thôn Đông", "/1/2/3/"),
            (4, 3, "to_hoa_giai", "Tổ hòa giải thôn Đông", "/1/2/3/4/"),
            (5, 2, "to_hoa_giai", "Tổ HG Đông", "/1/2/5/"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO units (id, parent_id, kind, name, path, ethnic_area, created_at) "
                    "VALUES (:i, :p, :k, :n, :path, 0, :t)"
                ),
                {"i": uid, "p": parent, "k": kind, "n": name, "path": p, "t": NOW},
            )
        conn.execute(
            text(
                "INSERT INTO people (id, full_name, sex, ethnic_minority, role, unit_id, active, "
                "created_at) VALUES (1, 'Hòa Giải A', 'nam', 0, 'hoa_giai_vien', 4, 1, :t)"
            ),
            {"t": NOW},
        )
        for cid, team, status, closed in [(1, 4, "thanh", NOW), (2, 5, "dang_hoa_giai", None)]:
            conn.execute(
                text(
                    "INSERT INTO cases (id, team_id, unit_path, year, seq, received_on, category, source, parties, "
                    "summary, agreement, status, end_reason, created_by_id, created_at, updated_at, closed_at) "
                    "VALUES (:i, :team, :path, 2026, 1, '2026-06-20', 'dan_su', 'yeu_cau', :parties, "
                    "'Tranh chấp lối đi', :agreement, :status, NULL, 1, :t, :t, :closed)"
                ),
                {
                    "i": cid,
                    "team": team,
                    "path": f"/1/2/3/{team}/" if team == 4 else "/1/2/5/",
                    "parties": json.dumps(PARTIES, ensure_ascii=False),
                    "status": status,
                    "t": NOW,
                    "agreement": "An trả lại lối đi cho Bình" if status == "thanh" else None,
                    "closed": closed,
                },
            )
            conn.execute(text("INSERT INTO case_mediators (case_id, person_id) VALUES (:i, 1)"), {"i": cid})
            conn.execute(
                text(
                    "INSERT INTO case_events (case_id, at, actor_id, kind, status) "
                    "VALUES (:i, :t, 1, 'created', 'dang_hoa_giai')"
                ),
                {"i": cid, "t": NOW},
            )
    engine.dispose()


async def test_a_store_of_the_previous_schema_upgrades_with_nothing_lost(tmp_path):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url, "0006")
    await asyncio.to_thread(fill_old_store, str(path))
    await asyncio.to_thread(upgrade, url)

    db = Database(url, cipher=PartyCipher.ephemeral())
    async with db.uow() as uow:
        teams = {u.id: u.code for u in await uow.session.scalars(select(Unit).where(Unit.kind == UnitKind.TO_HOA_GIAI))}
        assert teams == {4: "DONG", 5: "DONG2"}  # one commune, two teams named alike: two codes
        first, second = (await uow.session.scalars(select(Case).order_by(Case.id))).all()
        assert (first.number, second.number) == ("DONG-1/2026", "DONG2-1/2026")
        assert first.parties == PARTIES and first.agreement == "An trả lại lối đi cho Bình"
        assert first.outcome_on == dt.date(2026, 7, 1) and first.sessions == [] and second.outcome_on is None
        assert [m.person_id for m in first.mediators] == [1]
        assert len((await uow.session.scalars(select(CaseEvent))).all()) == 2
        ward = await uow.units.get(2)
        newcomer = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải Đông", ward, first.created_at)
        assert newcomer.code == "DONG3"
    await db.dispose()
