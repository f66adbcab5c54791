"""The clock: a tick that wakes the outbox dispatcher every 2 seconds, on asyncio's
monotonic clock (a wall-clock jump neither stops nor rushes it), and APScheduler for the
recurring jobs (report-deadline reminders, the weekly digest of stale cases, retention,
forgetting old update ids).

Nothing is kept in the scheduler: every job reads the store and writes deliveries with
unique keys, so a restart, a missed tick or a second run adds nothing and loses nothing.
With PostgreSQL several workers may run; only the holder of an advisory lock runs the clock
and the dispatcher (SQLite stores are single-process: the lock is always ours).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dispatcher import Dispatcher
from bot.heartbeat import Heartbeat
from handlers.common.outbox import PushEnv
from handlers.kit.registry import JobFn
from handlers.privacy.views import privacy_job
from storage.db import Database
from storage.erasure import forget_freed_pages

log = logging.getLogger(__name__)
# the PostgreSQL advisory lock of the clock's leader ("hg" and a serial number); the value never changes:
# during an upgrade, workers of the old and the new version contend for the same lock
LOCK_KEY = 0x6867_0004
RETRY_LEADERSHIP = 30.0
CHECK_LOCK = 10.0  # how often the leader makes sure its lock's session is alive
# update ids are kept this long against redeliveries (Telegram and Zalo retry for hours, not days)
SEEN_KEPT = dt.timedelta(days=3)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Leadership:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self.db.engine.dialect.name != "postgresql":
            return True
        conn = await self.db.engine.connect()
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
        await conn.commit()  # the lock outlives it; an open transaction would pin VACUUM
        if got:
            self._conn = conn  # held open: the lock lives as long as this session
            return True
        await conn.close()
        return False

    async def held(self) -> bool:
        """Whether the lock is still ours: it lives exactly as long as its session, which a
        PostgreSQL restart, a cut connection or a server-side timeout can end."""
        if self.db.engine.dialect.name != "postgresql":
            return True
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(text("SELECT 1"))
            await self._conn.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and the lock, are gone
            return False

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                await conn.commit()
            except Exception:  # noqa: BLE001 - a dead session has released it already
                pass
            await conn.close()


class PushClock:
    def __init__(
        self,
        db: Database,
        env: PushEnv,
        dispatcher: Dispatcher,
        *,
        clock: Callable[[], dt.datetime],
        heartbeat: Heartbeat | None = None,
        tick_seconds: float = 2.0,
        jobs_minutes: float = 10.0,
        retention_years: int = 5,
        jobs: Sequence[JobFn] = (),
    ) -> None:
        self.db = db
        self.jobs = tuple(jobs)  # the slices' recurring jobs (Slice.jobs), as the engine collected them
        self.retention_years = retention_years
        self.env = env
        self.dispatcher = dispatcher
        self.clock = clock
        self.heartbeat = heartbeat
        self.tick_seconds = tick_seconds
        self.jobs_minutes = jobs_minutes
        self.scheduler: AsyncIOScheduler | None = None
        self._ticking: asyncio.Task | None = None

    def start(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=self.env.tz)
        now = dt.datetime.now(self.env.tz)
        self.scheduler.add_job(
            self.recurring_job,
            "interval",
            minutes=self.jobs_minutes,
            id="recurring",
            max_instances=1,
            coalesce=True,
            next_run_time=now,
        )
        self.scheduler.add_job(
            self.privacy_job, "interval", hours=24, id="privacy", max_instances=1, coalesce=True, next_run_time=now
        )
        self.scheduler.start()
        self._ticking = asyncio.create_task(self._tick_loop())
        if self.heartbeat is not None:
            self.heartbeat.leader = True

    def shutdown(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.leader = False
        if self._ticking is not None:
            self._ticking.cancel()
            self._ticking = None
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _tick_loop(self) -> None:
        """asyncio.sleep waits on the loop's monotonic clock, whatever the wall clock does."""
        while True:
            await self.tick_job()
            await asyncio.sleep(self.tick_seconds)

    async def tick_job(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.beat(self.clock())
        self.dispatcher.wake()

    async def recurring_job(self) -> None:
        """The slices' recurring jobs (deadline reminders, digests, escalation): idempotent, so run often."""
        now = self.clock()
        try:
            async with self.db.uow() as uow:
                made = 0
                for job in self.jobs:
                    made += await job(uow, self.env, now)
                await uow.commit()
        except Exception as exc:  # noqa: BLE001 - the next run tries again
            log.error("clock: recurring jobs failed: %s", type(exc).__name__, exc_info=exc)
            return
        await self.forget_old_updates(now)
        if made:
            log.info("clock: %d reminders planned", made)
            self.dispatcher.wake()

    async def privacy_job(self) -> None:
        """Daily: parties of long-closed cases erased, expired drafts emptied (handlers.privacy.views),
        then SQLite's log of replaced pages emptied so that erased text leaves the files."""
        now = self.clock()
        try:
            async with self.db.uow() as uow:
                erased, drafts = await privacy_job(uow, now, self.retention_years)
                await uow.commit()
            await forget_freed_pages(self.db)
        except Exception as exc:  # noqa: BLE001 - the next run tries again
            log.error("clock: privacy job failed: %s", type(exc).__name__, exc_info=exc)
            return
        log.info(
            "clock: parties of %d cases closed over %d years ago erased; %d drafts emptied",
            erased,
            self.retention_years,
            drafts,
        )

    async def forget_old_updates(self, now: dt.datetime) -> None:
        """seen_updates guards against redeliveries, which come within hours: older ids go."""
        try:
            async with self.db.uow() as uow:
                await uow.seen.prune(now - SEEN_KEPT)
                await uow.commit()
        except Exception as exc:  # noqa: BLE001 - the next run tries again
            log.error("clock: old update ids not pruned: %s", type(exc).__name__)


async def run_as_leader(
    leader: Leadership, clock: PushClock, stop: asyncio.Event, *, retry: float = RETRY_LEADERSHIP
) -> None:
    """Wait to be the leader (trying every `retry` seconds), then run the clock and the dispatcher
    until told to stop; if the lock is lost, stop both (another worker takes over) and wait to lead again."""
    while not stop.is_set():
        if not await leader.acquire():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry)
            continue
        log.info("outbox: this process runs the clock and the dispatcher")
        until = asyncio.Event()  # stop, or the lock lost
        watch = asyncio.create_task(_watch_lock(leader, stop, until))
        clock.start()
        try:
            await clock.dispatcher.run(until)
        finally:
            watch.cancel()
            clock.shutdown()
            await leader.release()
        if not stop.is_set():
            log.warning("outbox: the clock's lock was lost; dispatching stopped until it is ours again")


async def _watch_lock(leader: Leadership, stop: asyncio.Event, until: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), CHECK_LOCK)
        if stop.is_set() or not await leader.held():
            break
    until.set()
