from __future__ import annotations

import pytest

from storage.db import Database
from tests.support import Clock, build_world, make_engine


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def db():
    database = Database("sqlite+aiosqlite://")
    await database.create_all()
    yield database
    await database.dispose()


@pytest.fixture
async def world(db):
    return await build_world(db)


@pytest.fixture
def engine(db, clock):
    return make_engine(db, clock)
