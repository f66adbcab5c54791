"""Many of the dispatcher's small writes as one: at hundreds of messages a second, recording
"sending" and "sent" one row at a time keeps the state writer's one session busy with round
trips (about 90 messages a second on this 2-core machine, whatever the limit). A `Coalesced`
call waits with the others made while the previous group was being written, and all of them
go to the state writer as one change (one statement for many rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from bot.state_writer import StateWriter
from storage.db import UnitOfWork

I = TypeVar("I")  # noqa: E741 - one item of a group
R = TypeVar("R")


class Coalesced(Generic[I, R]):
    """`await c(item)` → the result of `many(uow, items)` for the group the item went in with."""

    def __init__(
        self, writer: StateWriter, many: Callable[[UnitOfWork, list[I]], Awaitable[R]], *, urgent: bool = False
    ) -> None:
        self.writer = writer
        self.many = many
        self.urgent = urgent
        self._waiting: list[tuple[I, asyncio.Future[R]]] = []
        self._task: asyncio.Task | None = None

    async def __call__(self, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            items = [item for item, _ in group]

            def change(uow: UnitOfWork, items: list[I] = items) -> Awaitable[R]:
                return self.many(uow, items)

            try:
                result = await self.writer.do(change, urgent=self.urgent)
            except Exception as exc:  # noqa: BLE001 - every caller of the group hears it
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in group:
                if not future.done():
                    future.set_result(result)
