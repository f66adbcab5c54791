"""The dispatcher's tick runs on the monotonic clock: a wall-clock jump (NTP, a VM resumed,
an operator's `date -s`) does not stop it. APScheduler plans by the wall clock: set back an
hour, its 2-second interval job waited an hour."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import apscheduler.schedulers.base
import apscheduler.triggers.interval
import pytest
from sqlalchemy import select

from bot.clock import PushClock
from bot.heartbeat import Heartbeat
from storage.models import SeenUpdate
from tests.pushes import FakeSender, dispatcher, env

SQLITE = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # ticks touch no store


class WallClock(dt.datetime):
    """datetime whose now() is the machine's wall clock moved by `offset`."""

    offset = dt.timedelta(0)

    @classmethod
    def now(cls, tz=None):
        return dt.datetime.now(tz) + cls.offset


def jump_wall_clock(monkeypatch, by: dt.timedelta) -> None:
    WallClock.offset = by
    real = time.time
    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", WallClock)
    monkeypatch.setattr(apscheduler.triggers.interval, "datetime", WallClock)
    monkeypatch.setattr(time, "time", lambda: real() + by.total_seconds())


class Ticks:
    """Counts the clock's heartbeats; `reach(n)` waits until n more have come."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self.count = 0
        self._changed = asyncio.Event()
        beat = heartbeat.beat

        def counted(now: dt.datetime) -> None:
            beat(now)
            self.count += 1
            self._changed.set()

        heartbeat.beat = counted

    async def reach(self, more: int, within: float) -> None:
        target = self.count + more

        async def wait() -> None:
            while self.count < target:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(wait(), within)


@SQLITE
@pytest.mark.parametrize("jump", [dt.timedelta(hours=-1), dt.timedelta(days=-3)])
async def test_a_wall_clock_set_back_does_not_stop_the_tick(db, clock, monkeypatch, jump):
    heartbeat = Heartbeat()
    ticks = Ticks(heartbeat)
    push = PushClock(
        db,
        env(),
        dispatcher(db, clock, FakeSender()),
        clock=clock,
        heartbeat=heartbeat,
        tick_seconds=0.05,
        jobs_minutes=60,
    )
    push.start()
    try:
        await ticks.reach(3, within=5)
        jump_wall_clock(monkeypatch, jump)
        await ticks.reach(5, within=5)  # 0.25 s of ticks; APScheduler would wait `jump`
    finally:
        push.shutdown()


@SQLITE
async def test_a_wall_clock_set_forward_does_not_rush_or_stop_the_tick(db, clock, monkeypatch):
    heartbeat = Heartbeat()
    ticks = Ticks(heartbeat)
    push = PushClock(
        db,
        env(),
        dispatcher(db, clock, FakeSender()),
        clock=clock,
        heartbeat=heartbeat,
        tick_seconds=0.05,
        jobs_minutes=60,
    )
    push.start()
    try:
        await ticks.reach(2, within=5)
        jump_wall_clock(monkeypatch, dt.timedelta(hours=2))
        loop = asyncio.get_running_loop()
        started = loop.time()
        await ticks.reach(4, within=5)
        assert loop.time() - started >= 3 * 0.05  # paced by the monotonic clock, not a burst
    finally:
        push.shutdown()


@SQLITE
async def test_the_tick_stops_at_shutdown(db, clock):
    heartbeat = Heartbeat()
    ticks = Ticks(heartbeat)
    push = PushClock(
        db,
        env(),
        dispatcher(db, clock, FakeSender()),
        clock=clock,
        heartbeat=heartbeat,
        tick_seconds=0.02,
        jobs_minutes=60,
    )
    push.start()
    await ticks.reach(2, within=5)
    push.shutdown()
    stopped_at = ticks.count
    with pytest.raises(TimeoutError):
        await ticks.reach(1, within=0.2)
    assert ticks.count == stopped_at and heartbeat.leader is False


async def test_the_recurring_jobs_forget_update_ids_older_than_a_few_days(db, clock):
    """seen_updates guards against redeliveries (hours at most); it grew for ever."""
    async with db.uow() as uow:
        for key, age in [
            ("telegram:1", dt.timedelta(days=30)),
            ("zalo:m.1", dt.timedelta(days=4)),
            ("telegram:2", dt.timedelta(days=2)),
            ("zalo:m.2", dt.timedelta(hours=1)),
        ]:
            assert await uow.seen.first_time(key, clock() - age)
        await uow.commit()
    push = PushClock(db, env(), dispatcher(db, clock, FakeSender()), clock=clock)
    await push.recurring_job()
    async with db.uow() as uow:
        kept = set((await uow.session.scalars(select(SeenUpdate.key))).all())
        assert kept == {"telegram:2", "zalo:m.2"}
        assert not await uow.seen.first_time("telegram:2", clock())  # still answered once
