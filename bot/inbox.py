"""The inbox worker: webhook updates are kept in the store before the platform gets its 200
(`put`), then handled from there by `run`, so a crash after the answer loses nothing.

The webhook wakes the worker; it claims its own new rows, and rows whose lease ran out
(left by a worker that died; on SQLite, one process per store, every row at start), and
hands each to its channel's handler, side by side, oldest first (each channel keeps one
chat's turns in order). A handled row is deleted in a batch: if the process dies first,
the update is handled again and the engine's seen_updates answers it once. A row claimed
MAX_ATTEMPTS times without being done (it killed the process each time) is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from storage.db import Database
from storage.inbox import Claimed, InboxRepo

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], Awaitable[None]]
MAX_ATTEMPTS = 3
RETRY_SECONDS = 2.0  # after the store failed


class Inbox:
    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler],
        *,
        clock: Callable[[], dt.datetime],
        concurrency: int = 64,
        lease: dt.timedelta = dt.timedelta(minutes=2),
        sweep_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.handlers = dict(handlers)
        self.clock = clock
        self.concurrency = concurrency
        self.lease = lease
        self.sweep_seconds = sweep_seconds
        self.owner = uuid.uuid4().hex[:16]
        self._wake = asyncio.Event()
        self._running: dict[int, asyncio.Task] = {}
        self._done: list[int] = []
        self._idle = asyncio.Event()  # set when the worker has run and nothing is left to do
        self._kept = 0  # updates put so far: a step that began before the last one is not idle

    # --- the webhook's side ----------------------------------------------------------------
    async def put(self, channel: str, key: str, payload: dict[str, Any]) -> None:
        """Keep an update (committed before this returns); a redelivery of one still waiting
        adds nothing. Raises when the store cannot take it: the webhook then answers 503."""
        async with self.db.uow() as uow:
            await InboxRepo(uow.session).put(channel, key[:120], payload, self.owner, self.clock())
            await uow.commit()
        self._kept += 1
        self._idle.clear()
        self._wake.set()

    def wake(self) -> None:
        """Sweep now (rows of a dead worker whose lease has run out)."""
        self._idle.clear()
        self._wake.set()

    async def drained(self) -> None:
        """Wait until every row this worker knows of is handled and deleted (tests)."""
        while not self._idle.is_set():
            await self._idle.wait()

    # --- the worker --------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, *, grace: float = 10.0) -> None:
        """Handle rows until `stop`; then finish the turns under way (for up to `grace`
        seconds: what is left is handled at the next start)."""
        everything = self.db.engine.dialect.name != "postgresql"  # one process per SQLite store
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                pause = self.sweep_seconds
                try:
                    await self._step(everything)
                    everything = False
                except Exception as exc:  # noqa: BLE001 - the store may answer again soon
                    log.error("inbox: the store failed (%s); trying again", type(exc).__name__)
                    pause = min(pause, RETRY_SECONDS)
                waker = asyncio.create_task(self._wake.wait())
                await asyncio.wait({waker, stopping}, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
        finally:
            stopping.cancel()
            if self._running:
                await asyncio.wait(list(self._running.values()), timeout=grace)
            with contextlib.suppress(Exception):
                await self._forget_done()

    async def _step(self, everything: bool) -> None:
        await self._forget_done()
        room = self.concurrency - len(self._running)
        if room <= 0:
            return
        now, kept = self.clock(), self._kept
        async with self.db.uow() as uow:
            rows = await InboxRepo(uow.session).claim(
                self.owner, now, now - self.lease, room, skip=list(self._running), everything=everything
            )
            await uow.commit()
        for row in rows:
            self._start(row)
        if not self._running and not self._done and kept == self._kept:
            self._idle.set()

    def _start(self, row: Claimed) -> None:
        handler = self.handlers.get(row.channel)
        if handler is None or row.attempts > MAX_ATTEMPTS:
            why = "no handler for its channel" if handler is None else "claimed too often"
            log.warning("inbox: update %d dropped (%s)", row.id, why)
            self._finish(row.id)
            return
        self._idle.clear()
        self._running[row.id] = asyncio.create_task(self._handle(row, handler))

    async def _handle(self, row: Claimed, handler: Handler) -> None:
        try:
            await handler(row.payload)
        except Exception as exc:  # noqa: BLE001 - one update must not stop the others
            log.error("inbox: %s update not handled: %s", row.channel, type(exc).__name__)
        finally:
            self._running.pop(row.id, None)
            self._finish(row.id)

    def _finish(self, row_id: int) -> None:
        self._done.append(row_id)
        self._wake.set()

    async def _forget_done(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, []
        try:
            async with self.db.uow() as uow:
                await InboxRepo(uow.session).done(done)
                await uow.commit()
        except BaseException:
            self._done.extend(done)
            raise
