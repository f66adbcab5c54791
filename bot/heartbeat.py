"""What /healthz reports, gathered without a scheduler import: the clock's last tick and
whether this worker leads, how the last turns ended, and whether the store takes a write.

With several workers only the leader ticks: `leader` false and `last_tick` null is a healthy
follower. /healthz fails (503) when the store does not answer, does not take a write within
`probe_timeout` (disk full, a lock held), or the last `failing_after` turns all failed (the
most recent within `forget_after` seconds, so a worker taken out of a load balancer is not
kept out for ever once its store is back).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable

from storage.db import Database
from storage.inbox import InboxRepo


class Heartbeat:
    """The clock calls `beat(now)` on every tick; the engine tells `turn(ok)` after each turn."""

    def __init__(
        self, *, failing_after: int = 5, forget_after: float = 300.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.last_tick: dt.datetime | None = None
        self.leader = False  # set while this process holds the clock's lock
        self.failing_after = failing_after
        self.forget_after = forget_after
        self._monotonic = monotonic
        self.failed_in_a_row = 0
        self._last_failure = 0.0

    def beat(self, now: dt.datetime) -> None:
        self.last_tick = now

    def report(self) -> str | None:
        return self.last_tick.isoformat() if self.last_tick else None

    def turn(self, ok: bool) -> None:
        if ok:
            self.failed_in_a_row = 0
            return
        self.failed_in_a_row += 1
        self._last_failure = self._monotonic()

    def turns_failing(self) -> bool:
        return self.failed_in_a_row >= self.failing_after and self._monotonic() - self._last_failure < self.forget_after


class WriteProbe:
    """Writes and takes back a row in one transaction, waiting at most `timeout` seconds.
    A probe still waiting (a lock held) is not stacked with another: it counts as a failure."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime], timeout: float) -> None:
        self.db = db
        self.clock = clock
        self.timeout = timeout
        self._pending: asyncio.Task | None = None

    async def __call__(self) -> bool:
        if self._pending is None or self._pending.done():
            self._pending = asyncio.create_task(self._write())
            self._pending.add_done_callback(_retrieved)
        task = self._pending  # a check made meanwhile waits on the same write and may hand it back first
        done, _ = await asyncio.wait({task}, timeout=self.timeout)
        if not done:
            return False
        if self._pending is task:
            self._pending = None
        return not task.cancelled() and task.exception() is None

    async def _write(self) -> None:
        async with self.db.uow() as uow:
            await InboxRepo(uow.session).probe(uuid.uuid4().hex, self.clock())
            await uow.commit()


def _retrieved(task: asyncio.Task) -> None:
    """A probe that ended after its answer was given: its outcome is read, not left behind."""
    if not task.cancelled():
        task.exception()


def store_health(
    db: Database, heartbeat: Heartbeat, *, probe_timeout: float = 3.0, clock: Callable[[], dt.datetime] | None = None
) -> Callable[[], Awaitable[dict]]:
    """/healthz's report: `store`, `last_tick`, `leader`; and `problems` when it must fail."""
    probe = WriteProbe(db, clock or (lambda: dt.datetime.now(dt.UTC)), probe_timeout)

    async def health() -> dict:
        problems = []
        reachable = await db.ping()
        if not reachable:
            problems.append("store_unreachable")
        elif not await probe():
            problems.append("store_not_writable")
        if heartbeat.turns_failing():
            problems.append("turns_failing")
        report: dict[str, object] = {
            "store": reachable and "store_not_writable" not in problems,
            "last_tick": heartbeat.report(),
            "leader": heartbeat.leader,
        }
        if problems:
            report["problems"] = problems
        return report

    return health
