"""Turns of one chat in order, turns of different chats side by side.

A turn waits on the platform for each reply it sends; handled one at a time, every user
would wait behind everyone else's network round trips and behind a province's report.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Hashable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

TELEGRAM_CONCURRENT_UPDATES = 64


class ChatLocks:
    """One lock per chat, kept only while some turn of that chat runs or waits."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class PerChatProcessor(BaseUpdateProcessor):
    """python-telegram-bot's update processor: up to `max_concurrent_updates` updates at once,
    one at a time per user (the conversation row is per user), in the order they arrived."""

    def __init__(self, max_concurrent_updates: int = TELEGRAM_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = ChatLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        key = None
        if isinstance(update, Update):
            user, chat = update.effective_user, update.effective_chat
            key = user.id if user is not None else (chat.id if chat is not None else None)
        if key is None:
            await coroutine
            return
        async with self.locks.hold(key):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
