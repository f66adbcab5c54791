"""The outbox dispatcher's one session: its reads and writes run one after another and
commit in groups, so recording "sending" costs well under a millisecond at 100 messages a
second. Urgent changes (recording "sending", which a held rate-limit slot waits for) go
first: a run of other changes is committed early to let them through."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from storage.db import Database, UnitOfWork

T = TypeVar("T")


class StateWriter:
    """Runs changes one after another on one long-lived session and commits them in groups."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._urgent: list[tuple[Callable[[UnitOfWork], Awaitable[Any]], asyncio.Future]] = []
        self._normal: list[tuple[Callable[[UnitOfWork], Awaitable[Any]], asyncio.Future]] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def do(self, change: Callable[[UnitOfWork], Awaitable[T]], *, urgent: bool = False) -> T:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        future = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._normal).append((change, future))
        self._ready.set()
        return await future

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _next_group(self) -> tuple[list, bool]:
        if self._urgent:
            group, self._urgent = self._urgent, []
            return group, False
        group, self._normal = self._normal, []
        return group, True

    async def _run(self) -> None:
        session = self.db.sessions()
        uow = await UnitOfWork(lambda: session).__aenter__()
        group: list[tuple[Callable[[UnitOfWork], Awaitable[Any]], asyncio.Future]] = []
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while self._urgent or self._normal:
                    group, yielding = self._next_group()
                    done: list[tuple[asyncio.Future, Any]] = []
                    # a group writes: on SQLite it takes its turn with the turns' units of work
                    # (OneWriter), instead of meeting them at SQLite's lock and sleeping there
                    held = await self.db.writer.enter() if self.db.writer is not None else False
                    try:
                        for i, (change, future) in enumerate(group):
                            done.append((future, await change(uow)))
                            if yielding and self._urgent and i + 1 < len(group):
                                self._normal[:0] = group[i + 1 :]  # the rest after the urgent ones
                                group = group[: i + 1]
                                break
                        await session.commit()
                    except Exception:  # noqa: BLE001 - again one at a time: only the bad one fails
                        await session.rollback()
                        done = [(future, await self._alone(uow, change, future)) for change, future in group]
                    finally:
                        if held and self.db.writer is not None:
                            self.db.writer.leave()
                    session.expunge_all()  # nothing cached between groups: every read is fresh
                    for future, result in done:
                        if not future.done():
                            future.set_result(result)
                    group = []
        finally:
            for _, future in [*group, *self._urgent, *self._normal]:
                if not future.done():
                    future.cancel()
            await session.close()

    @staticmethod
    async def _alone(uow: UnitOfWork, change, future: asyncio.Future) -> Any:
        try:
            result = await change(uow)
            await uow.session.commit()
            return result
        except Exception as exc:  # noqa: BLE001
            await uow.session.rollback()
            future.set_exception(exc)
            return None
