from __future__ import annotations

import pytest

from storage.db import Database
from tests.pg import SKIP_REASON, PgServer
from tests.support import Clock, build_world, make_engine


def pytest_report_header(config):
    return "postgresql: " + ("available" if PgServer.available() else SKIP_REASON)


@pytest.fixture(scope="session")
def pg_server():
    if not PgServer.available():
        pytest.skip(SKIP_REASON)
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request):
    """Every storage-touching test runs on SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        return "sqlite+aiosqlite://"
    return request.getfixturevalue("pg_server")


@pytest.fixture
async def db(store_url):
    url = store_url if isinstance(store_url, str) else await store_url.new_database()
    database = Database(url)
    await database.create_all()
    yield database
    await database.dispose()
    if not isinstance(store_url, str):
        await store_url.drop_database(url)


@pytest.fixture
async def world(db):
    return await build_world(db)


@pytest.fixture
def engine(db, clock):
    return make_engine(db, clock)
