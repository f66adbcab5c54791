"""Two people record the same report at the same moment: two officials of a commune tap «Đã gửi»,
or two leaders of a team «Đã nộp». The store keeps one record (a unique constraint); the second
person is told, in plain words, who recorded it and when, and gets the file that was sent —
never the engine's «hệ thống đang gặp trục trặc».

On SQLite one process's units of work take turns, so the race is the second tap having read
the state before the first committed (its read is made to return what it saw then). On
PostgreSQL two engines (two workers) run both turns at once, meeting at the INSERT so that both
have read «not yet recorded» before either writes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.util import await_only

from content.catalog import load_catalog
from storage.db import Database
from storage.models import Role
from storage.models.deadlines import ReportSubmission, UnitReport
from storage.report_chain import ReportChainRepo
from tests.support import Chat, make_engine
from tests.unit.officials_fixtures import add_person
from tests.unit.test_report_chain import chain, local_dt

__all__ = ["chain"]  # the fixture, shared with the report chain's scenario

INTERNAL = load_catalog().t("error.internal")
PG = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


@contextmanager
def meet_at_insert(db: Database, table: str) -> Iterator[None]:
    """The first two INSERTs into `table` wait for each other, so both turns have read the
    state before either writes."""
    barrier, held = asyncio.Barrier(2), []

    def hold(conn, cursor, statement, params, context, executemany) -> None:
        if len(held) < 2 and statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            held.append(statement)
            await_only(asyncio.wait_for(barrier.wait(), 20))

    event.listen(db.engine.sync_engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", hold)
    assert len(held) == 2, "both turns reached the INSERT"


@pytest.fixture
async def second_official(db, world):
    return await add_person(db, "official_2", "Cán Bộ Phường Hai", Role.CAN_BO, world.ward.id)


@pytest.fixture
async def second_leader(db, world):
    return await add_person(db, "leader_a2", "Tổ Trưởng A Hai", Role.TO_TRUONG, world.team_a.id)


@pytest.mark.postgresql
async def test_second_official_having_read_before_the_first_committed(
    db, world, engine, clock, chain, second_official, monkeypatch
):
    clock.now = local_dt("05/01/2027")
    first, second = Chat(engine, "official"), Chat(engine, "official_2")
    await first.payload("rc:send:year:2026")
    assert "Đã ghi nhận: Phường B đã gửi báo cáo năm 2026" in first.text
    sent = first.replies[-1].file.data

    real, reads = ReportChainRepo.sent, []

    async def as_before(self, kind, period, unit_ids):  # the second tap read before the first committed
        reads.append(period)
        return {} if len(reads) == 1 else await real(self, kind, period, unit_ids)

    monkeypatch.setattr(ReportChainRepo, "sent", as_before)
    clock.now = local_dt("05/01/2027", "08:01")
    await second.payload("rc:send:year:2026")
    assert INTERNAL not in second.text
    assert second.text == (
        "Cán Bộ Phường đã báo gửi báo cáo năm 2026 (01/01–31/12) của Phường B lên Tỉnh A lúc 08:00 "
        "ngày 05/01/2027, nên tôi không ghi thêm. Tệp đã gửi (7 vụ việc) kèm theo đây."
    )
    assert second.replies[-1].file.data == sent
    async with db.uow() as uow:
        [report] = (await uow.session.scalars(select(UnitReport))).all()
        assert report.sent_by_id == world.people["official"].id and report.sent_at == local_dt("05/01/2027")


@PG
async def test_two_officials_tap_sent_at_once(db, world, clock, chain, second_official):
    clock.now = local_dt("05/01/2027")
    one, two = Chat(make_engine(db, clock), "official"), Chat(make_engine(db, clock), "official_2")
    with meet_at_insert(db, "unit_reports"):
        await asyncio.wait_for(asyncio.gather(one.payload("rc:send:year:2026"), two.payload("rc:send:year:2026")), 60)
    assert INTERNAL not in one.text and INTERNAL not in two.text
    recorded, told = (one, two) if one.text.startswith("Đã ghi nhận") else (two, one)
    assert recorded.text.startswith("Đã ghi nhận: Phường B đã gửi báo cáo năm 2026")
    name = "Cán Bộ Phường" if recorded is one else "Cán Bộ Phường Hai"
    assert told.text.startswith(f"{name} đã báo gửi báo cáo năm 2026 (01/01–31/12) của Phường B lên Tỉnh A lúc 08:00")
    assert told.replies[-1].file.data == recorded.replies[-1].file.data
    async with db.uow() as uow:
        [report] = (await uow.session.scalars(select(UnitReport))).all()
        assert report.sent_by_id == (world.people["official"].id if recorded is one else second_official.id)


@PG
async def test_two_leaders_tap_done_at_once(db, world, clock, second_leader):
    clock.now = local_dt("03/01/2027")
    one, two = Chat(make_engine(db, clock), "leader_a"), Chat(make_engine(db, clock), "leader_a2")
    with meet_at_insert(db, "report_submissions"):
        await asyncio.wait_for(asyncio.gather(one.payload("dl:done:year:2026"), two.payload("dl:done:year:2026")), 60)
    assert INTERNAL not in one.text and INTERNAL not in two.text
    recorded, told = (one, two) if one.text.startswith("Đã ghi nhận") else (two, one)
    assert recorded.text.startswith("Đã ghi nhận: Tổ hòa giải 1 đã nộp báo cáo năm 2026")
    name = "Tổ Trưởng A" if recorded is one else "Tổ Trưởng A Hai"
    assert told.text == (
        f"{name} đã báo nộp báo cáo năm 2026 (01/01–31/12) của Tổ hòa giải 1 lúc 08:00 ngày 03/01/2027, "
        "nên tôi không ghi thêm."
    )
    async with db.uow() as uow:
        [row] = (await uow.session.scalars(select(ReportSubmission))).all()
        assert row.submitted_by_id == (world.people["leader_a"].id if recorded is one else second_leader.id)
