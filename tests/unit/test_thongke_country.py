"""/thongke over a whole country: a unit with more teams than one query takes parameters
(PostgreSQL's driver refuses more than 32,767) must still be reviewed. National /thongke failed
with «trục trặc» because the team review put every team's id in one `IN (…)`."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from handlers.common.periods import year
from storage.coverage import desk_of
from storage.models import Person, Role, Unit, UnitKind

pytestmark = pytest.mark.postgresql
MANY = 40_000


def admin() -> Person:
    return Person(id=1, full_name="Quản trị", role=Role.ADMIN, unit_id=1, active=True)


async def test_the_members_of_more_teams_than_a_query_takes_are_read(db):
    async with db.uow() as uow:
        members = await uow.teams.members(admin(), list(range(1, MANY + 1)))
        assert len(members) == MANY and not any(members.values())


async def test_the_ethnic_areas_of_more_teams_than_a_query_takes_are_read(db):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    teams = [
        Unit(id=i, kind=UnitKind.TO_HOA_GIAI, name=f"T{i}", path=f"/{i}/", created_at=now) for i in range(1, MANY + 1)
    ]
    async with db.uow() as uow:
        assert await uow.teams.ethnic_areas(teams) == set()


async def test_more_units_than_a_query_takes_are_named(db):
    async with db.uow() as uow:
        assert await desk_of(uow).units(list(range(1, MANY + 1))) == {}


async def test_the_blocks_count_alike_on_both_stores(db):
    """The figures of tests/unit/test_targets.py's world, counted in SQL per child unit, on SQLite
    and PostgreSQL; then with an ethnic-minority area and a commune's own report day."""
    from handlers.stats.coverage import coverage_of
    from handlers.stats.targets import Score, targets_view
    from storage.models import Measure, ReportRule
    from tests.support import START
    from tests.unit.test_targets import build_world, people

    plan = await build_world(db)
    one, two = plan.communes

    async def scores() -> dict:
        async with db.uow() as uow:
            viewer = await uow.people.get((await people(db))["prov"].id)
            view = await targets_view(uow, viewer, plan.province, year(2026), now=START, tz=dt.UTC)
        return {ln.measure: (ln.score, {u.id: s for u, _, s in ln.children}) for ln in view.lines}

    got = await scores()
    assert got[Measure.SUCCESS] == (Score(4, 7), {one.id: Score(3, 4), two.id: Score(1, 3)})
    assert got[Measure.TEAMS_OK] == (Score(1, 3), {one.id: Score(1, 2), two.id: Score(0, 1)})
    assert got[Measure.TRAINED] == (Score(3, 7), {one.id: Score(2, 5), two.id: Score(1, 2)})
    assert got[Measure.REPORTS] == (Score(3, 6), {one.id: Score(3, 4), two.id: Score(0, 2)})
    async with db.uow() as uow:
        (await uow.units.get(two.id)).ethnic_area = True  # Tổ 3 fails already: nothing changes
        uow.session.add(ReportRule(unit_id=one.id, kind="half", due_month=7, due_day=15, updated_at=START))
        await uow.commit()
    got = await scores()
    assert got[Measure.TEAMS_OK][0] == Score(1, 3)
    assert got[Measure.REPORTS] == (Score(4, 6), {one.id: Score(4, 4), two.id: Score(0, 2)})  # 10/07 in time
    async with db.uow() as uow:
        (await uow.units.get(one.id)).ethnic_area = True  # Tổ 1 has no ethnic-minority mediator
        await uow.commit()
    assert (await scores())[Measure.TEAMS_OK] == (Score(0, 3), {one.id: Score(0, 2), two.id: Score(0, 1)})
    with mock.patch("storage.targets.MARKED_LISTED", 1):  # more marked areas than listed: joined
        assert (await scores())[Measure.TEAMS_OK] == (Score(0, 3), {one.id: Score(0, 2), two.id: Score(0, 1)})
    async with db.uow() as uow:
        (await uow.units.get(one.id)).ethnic_area = False
        (await uow.units.get(two.id)).ethnic_area = False
        (await uow.units.get(plan.province.id)).ethnic_area = True  # above the unit: every team
        await uow.commit()
    assert (await scores())[Measure.TEAMS_OK] == (Score(0, 3), {one.id: Score(0, 2), two.id: Score(0, 1)})
    async with db.uow() as uow:
        viewer = await uow.people.get((await people(db))["prov"].id)
        every = await coverage_of(uow, viewer, plan.province, year(2026), now=START, tz=dt.UTC)
        first = await coverage_of(uow, viewer, plan.province, year(2026), now=START, tz=dt.UTC, shown=1)
        stale = await desk_of(uow).stale_summary(viewer, plan.province, START.date() - dt.timedelta(days=30), 3, 5)
    assert len(every.untrained) == every.whole.teams_untrained and first.untrained == every.untrained[:1]
    assert first.whole == every.whole and [s for _, s in first.children] == [s for _, s in every.children]
    assert sum(s.mediators for _, s in every.children) == every.whole.mediators == 7
    total, teams, top = stale
    assert (total, teams, [r.team.id for r in top], [r.count for r in top]) == (1, 1, [plan.teams[3].id], [1])
    assert len(top[0].numbers) == 1
