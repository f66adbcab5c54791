"""The clock's leader on PostgreSQL: one holder of the advisory lock; a leader whose lock's
session dies stops dispatching, and leads again once it holds the lock again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot import clock as clock_module
from bot.clock import LOCK_KEY, Leadership, run_as_leader
from storage.db import Database


@pytest.fixture
async def pg_db(pg_server):
    url = await pg_server.new_database()
    db = Database(url)
    yield db
    await db.dispose()
    await pg_server.drop_database(url)


async def kill_lock_holder(db: Database) -> int:
    """What a PostgreSQL restart or an idle-session timeout does to the holder's session."""
    async with db.engine.connect() as conn:
        killed = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND objid = :k AND granted"
            ),
            {"k": LOCK_KEY},
        )
        await conn.commit()
    return killed


async def test_one_holder_and_the_lock_passes_on_when_its_session_dies(pg_db):
    first, second = Leadership(pg_db), Leadership(pg_db)
    assert await first.acquire()
    assert not await second.acquire()
    assert await first.held()

    assert await kill_lock_holder(pg_db) == 1
    assert not await first.held()
    assert await second.acquire()
    await first.release()  # on a dead session: nothing to undo, no error
    await second.release()
    assert await first.acquire()  # released: free again
    await first.release()


class FakeDispatcher:
    def __init__(self) -> None:
        self.runs = 0
        self.started = asyncio.Event()

    async def run(self, until: asyncio.Event) -> None:
        self.runs += 1
        self.started.set()
        await until.wait()


class FakeClock:
    def __init__(self) -> None:
        self.dispatcher = FakeDispatcher()
        self.starts = self.shutdowns = 0

    def start(self) -> None:
        self.starts += 1

    def shutdown(self) -> None:
        self.shutdowns += 1


async def test_a_leader_that_loses_its_lock_stops_and_leads_again(pg_db, monkeypatch):
    monkeypatch.setattr(clock_module, "CHECK_LOCK", 0.05)
    monkeypatch.setattr(clock_module, "RETRY_LEADERSHIP", 0.05)
    fake, stop = FakeClock(), asyncio.Event()
    task = asyncio.create_task(run_as_leader(Leadership(pg_db), fake, stop))
    await asyncio.wait_for(fake.dispatcher.started.wait(), 10)
    fake.dispatcher.started.clear()

    assert await kill_lock_holder(pg_db) == 1
    await asyncio.wait_for(fake.dispatcher.started.wait(), 10)  # stopped, then leads again
    assert fake.dispatcher.runs == 2 and fake.starts == 2 and fake.shutdowns == 1

    stop.set()
    await asyncio.wait_for(task, 10)
    assert fake.shutdowns == 2
    after = Leadership(pg_db)
    assert await after.acquire()  # the stopped leader let go of the lock
    await after.release()
