"""The outbox and the nightly jobs at country size: an announcement's rows written in pages
without loading the people, the dispatcher's claim served by an index in order, deadline
reminders made once however often the clock runs, and retention passing over erased cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select, text

from handlers.broadcasts import views as broadcasts
from handlers.deadlines.usecases import deadline_job
from handlers.privacy.views import anonymise_case, anonymise_old_cases
from storage.erasure import ErasureRepo
from storage.models import Case, CaseMediator, CaseStatus, Delivery, DeliveryStatus, Push
from storage.outbox import OutboxRepo
from tests.pushes import TZ, env
from tests.support import START

pytestmark = pytest.mark.postgresql

PARTIES = {
    "names": ["Nguyễn Văn An", "Trần Thị Bình"],
    "addresses": ["", ""],
    "contact": "",
    "place": "",
    "invited": [],
    "requests": [],
}


async def test_an_announcement_is_written_in_pages_without_loading_the_people(db, world, clock, monkeypatch):
    monkeypatch.setattr(broadcasts, "PAGE_ROWS", 2)
    statements: list[tuple[str, int]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, cursor.rowcount))

    event.listen(db.engine.sync_engine, "after_cursor_execute", seen)
    try:
        async with db.uow() as uow:
            ward = await uow.units.get(world.ward.id)
            push, count = await broadcasts.create_broadcast(
                uow, env(), sender=None, unit=ward, text="Họp tổ.", now=clock()
            )
            await uow.commit()
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", seen)
    inserts = [n for s, n in statements if s.lstrip().upper().startswith("INSERT INTO DELIVERIES")]
    assert count == 5 and len(inserts) == 3 and max(inserts) <= 2  # 5 people under the ward, 2 a page
    assert not [s for s, _ in statements if "people.full_name" in s]  # no person loaded whole
    async with db.uow() as uow:
        rows = (await uow.session.scalars(select(Delivery).where(Delivery.push_id == push.id))).all()
        people = {world.people[k].id for k in ("leader_a", "hgv_a", "hgv_a2", "hgv_b", "official")}
        assert {d.person_id for d in rows} == people
        assert {d.key for d in rows} == {f"tb:{push.id}:{i}" for i in people}
        assert {d.status for d in rows} == {DeliveryStatus.PENDING}
        # a second pass over the same push (a re-run) adds nothing: the keys are unique
        pushed = await uow.outbox.push(push.id)
        again = await uow.outbox.add_under(
            pushed,
            [world.ward.path],
            None,
            f"tb:{push.id}",
            clock(),
            clock() + broadcasts.KEEP,
            urgent=False,
            mutable=False,
            page=2,
        )
        assert again == 0


async def test_the_claim_reads_the_pending_rows_in_index_order_even_as_a_generic_plan(db, world, clock):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    async with db.uow() as uow:
        ward = await uow.units.get(world.ward.id)
        await broadcasts.create_broadcast(uow, env(), sender=None, unit=ward, text="Họp tổ.", now=clock())
        await uow.commit()
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        stmt = OutboxRepo(conn).claim_statement("w1", clock(), clock(), 1000, urgent_only=False)
        compiled = stmt.compile(dialect=conn.dialect)
        args = [compiled.params[name] for name in compiled.positiontup]
        args = [a.value if isinstance(a, DeliveryStatus) else a for a in args]
        await raw.execute("SET enable_seqscan = off")
        await raw.execute("SET plan_cache_mode = force_generic_plan")
        plan = "\n".join(r[0] for r in await raw.fetch("EXPLAIN " + str(compiled), *args))
        await conn.rollback()
    assert "ix_deliveries_status_next_id" in plan, plan
    assert "Sort" not in plan, plan


async def test_deadline_reminders_running_twice_make_no_new_push(db, world, clock):
    clock.now = dt.datetime(2026, 12, 29, 6, 0, tzinfo=TZ).astimezone(dt.UTC)
    made, pushes = [], []
    for _ in range(2):
        async with db.uow() as uow:
            made.append(await deadline_job(uow, env(), clock()))
            await uow.commit()
            pushes.append(await uow.session.scalar(select(func.count(Push.id))))
    assert made[0] > 0 and pushes[0] > 0
    assert made[1] == 0 and pushes[1] == pushes[0]  # the clock runs it again: no new push row


async def _old_cases(db, world, now: dt.datetime, n: int) -> list[int]:
    author = world.people["hgv_a"]
    async with db.uow() as uow:
        cases = [
            Case(
                team_id=world.team_a.id,
                unit_path=world.team_a.path,
                year=2020,
                seq=i + 1,
                received_on=dt.date(2020, 3, 1),
                category="dan_su",
                source="yeu_cau",
                parties=PARTIES,
                summary="Tranh chấp lối đi",
                status=CaseStatus.THANH,
                created_by_id=author.id,
                created_at=now,
                updated_at=now,
                closed_at=now,
                mediators=[CaseMediator(person_id=author.id)],
            )
            for i in range(n)
        ]
        uow.session.add_all(cases)
        await uow.commit()
        return [c.id for c in cases]


async def test_retention_reads_no_erased_case_again(db, world, clock, monkeypatch):
    ids = await _old_cases(db, world, START, 4)
    async with db.uow() as uow:  # one erased by hand first
        case = await uow.session.get(Case, ids[0])
        await anonymise_case(uow, case, None, START, "official")
        await uow.commit()
    read: list[int] = []
    closed_before = ErasureRepo.closed_before

    async def counting(self, *args, **kwargs):
        found = await closed_before(self, *args, **kwargs)
        read.extend(c.id for c in found)
        return found

    monkeypatch.setattr(ErasureRepo, "closed_before", counting)
    clock.advance(days=365 * 5 + 2)
    async with db.uow() as uow:
        assert await anonymise_old_cases(uow, clock(), years=5) == 3
        await uow.commit()
    assert sorted(read) == ids[1:]  # the one erased by hand is not read
    read.clear()
    async with db.uow() as uow:
        assert await anonymise_old_cases(uow, clock(), years=5) == 0
        await uow.commit()
        erased_at = (await uow.session.scalars(select(Case.parties_erased_at).order_by(Case.id))).all()
    assert read == []
    assert all(erased_at)


async def test_cases_erased_before_the_marker_are_marked_once(db, world, clock, monkeypatch):
    ids = await _old_cases(db, world, START, 2)
    async with db.uow() as uow:  # erased when no marker was kept: the marker is empty
        case = await uow.session.get(Case, ids[0])
        await anonymise_case(uow, case, None, START, "official")
        await uow.session.execute(text("UPDATE cases SET parties_erased_at = NULL"))
        await uow.commit()
    clock.advance(days=365 * 5 + 2)
    async with db.uow() as uow:
        assert await anonymise_old_cases(uow, clock(), years=5) == 1
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.erasure.closed_before(clock(), 0, 200) == []
