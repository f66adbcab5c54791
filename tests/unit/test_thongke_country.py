"""/thongke over a whole country: a unit with more teams than one query takes parameters
(PostgreSQL's driver refuses more than 32,767) must still be reviewed. National /thongke failed
with «trục trặc» because the team review put every team's id in one `IN (…)`."""

from __future__ import annotations

import datetime as dt

import pytest

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
