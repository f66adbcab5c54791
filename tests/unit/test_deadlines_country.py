"""The deadline job over a whole country: 87,000 teams due at once must not put 87,000 ids in one
query (PostgreSQL's driver refuses more than 32,767 parameters: the job failed every night)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.postgresql


async def test_the_reports_of_more_teams_than_a_query_takes_are_looked_up(db):
    async with db.uow() as uow:
        assert await uow.deadlines.submitted("half", "2026H1", list(range(1, 40_001))) == {}
