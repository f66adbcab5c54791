"""Keeping within a platform's flood limits (Telegram: ≈ 30 messages a second overall, one a
second in a chat).

`SendLimiter` admits a send only when fewer than `rate` sends started or finished within the
last `window` seconds, counting each send until its answer arrives. Counting to the answer,
not to the start, is what makes it exact: whatever the network does to the timing, the
platform cannot see more than `rate` of our messages in any window. Starts are also spread
out (1/rate apart) instead of bursting. A chat gets its next message `chat_interval` after
the previous one was answered.

`PtbLimiter` plugs the same limiter into python-telegram-bot (every API call of the process
goes through it, so conversation replies and pushes share one budget; replies go first).
The outbox dispatcher takes its slot itself, records "sending", then calls the platform
inside the slot; `ADMITTED` tells PtbLimiter not to count that call twice and not to retry a
429 on its own: the dispatcher reschedules the delivery after retry_after instead.

A send that timed out after it was written may have been carried out: it is never retried. In
a turn that reply is skipped and the next ones go (TelegramChannel.send; the same on Zalo);
for the outbox PtbLimiter raises `Unconfirmed`,
which the dispatcher records as uncertain instead of rescheduling it. A 5xx answer or a
connection closed without an answer is retried in a turn (the outbox reschedules it itself).

Paid broadcasts (PAID_BROADCAST=1): Telegram lets a bot send up to 1,000 messages a second,
beyond its broadcasting limit, for a fee per message (the Bot API's `allow_paid_broadcast`).
The dispatcher sends announcements through a limiter of their own at PAID_BROADCAST_RATE and
sets `PAID` around the call, so that the Telegram sender passes `allow_paid_broadcast=True`;
replies and every other push keep the free budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.channels.base import Unconfirmed

ADMITTED: ContextVar[bool] = ContextVar("send_admitted", default=False)
PAID: ContextVar[bool] = ContextVar("paid_broadcast", default=False)
PAID_SUFFIX = ":paid"  # limiters["telegram:paid"]: the budget of paid broadcasts on that channel
CATCH_UP = 0.05  # seconds the even spacing may fall behind and catch up (sleeps overshoot)
NOT_SENT = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)  # before the request was all out


def maybe_carried_out(err: TimedOut) -> bool:
    return not isinstance(err.__cause__, NOT_SENT)


class SendLimiter:
    def __init__(
        self,
        rate: float,
        *,
        window: float = 1.0,
        chat_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.capacity = max(1, int(rate * window))
        self.window = window
        self.interval = window / self.capacity
        self.chat_interval = chat_interval
        self._now = monotonic
        self._sleep = sleep
        self._in_flight = 0
        self._done: deque[float] = deque()  # answer times within the window
        self._next = 0.0  # earliest start of the next send on the even timeline
        self._released = asyncio.Event()
        self._gates = {True: asyncio.Lock(), False: asyncio.Lock()}  # FIFO per priority
        self._urgent_waiting = 0
        self._chats: dict[str, asyncio.Lock] = {}
        self._chat_users: dict[str, int] = {}
        self._chat_done: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(
        self, chat: str | None = None, *, priority: bool = False, per_chat: bool = True
    ) -> AsyncIterator[None]:
        """Hold one send's worth of budget; it is counted until the block ends."""
        try:
            async with self._chat_turn(chat if per_chat else None):
                await self._admit(priority)
                try:
                    yield
                finally:
                    self._in_flight -= 1
                    self._done.append(self._now())
                    if chat is not None:
                        self._chat_done[chat] = self._now()
                    self._wake()
        finally:
            self._forget_old_chats()

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat: str | None) -> AsyncIterator[None]:
        """One send at a time to a chat, chat_interval after its last one; nothing to wait for
        without a chat."""
        if chat is None:
            yield
            return
        lock = self._chat_lock(chat)
        try:
            async with lock:
                wait = self._chat_done.get(chat, -1e9) + self.chat_interval - self._now()
                if wait > 0:
                    await self._sleep(wait)
                yield
        finally:
            self._chat_users[chat] -= 1
            if not self._chat_users[chat]:
                del self._chat_users[chat], self._chats[chat]

    def _chat_lock(self, chat: str) -> asyncio.Lock:
        self._chat_users[chat] = self._chat_users.get(chat, 0) + 1
        lock = self._chats.get(chat)
        if lock is None:
            lock = self._chats[chat] = asyncio.Lock()
        return lock

    def _forget_old_chats(self) -> None:
        if len(self._chat_done) > 50_000:
            horizon = self._now() - self.chat_interval
            self._chat_done = {c: t for c, t in self._chat_done.items() if t > horizon}

    def _wait(self, now: float) -> float:
        while self._done and self._done[0] <= now - self.window:
            self._done.popleft()
        wait = self._next - now
        if self._in_flight + len(self._done) >= self.capacity:
            wait = max(wait, self._done[0] + self.window - now if self._done else float("inf"))
        return wait

    async def _admit(self, priority: bool) -> None:
        if priority:
            self._urgent_waiting += 1
        try:
            async with self._gates[priority]:
                while True:
                    now = self._now()
                    wait = self._wait(now)
                    if not priority and self._urgent_waiting:
                        wait = max(wait, self.interval)
                    if wait <= 0:
                        break
                    await self._until_release(wait)
                self._in_flight += 1
                self._next = max(self._next, now - CATCH_UP) + self.interval
        finally:
            if priority:
                self._urgent_waiting -= 1

    async def _until_release(self, seconds: float) -> None:
        event = self._released
        if seconds == float("inf"):
            await event.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    def _wake(self) -> None:
        self._released.set()
        self._released = asyncio.Event()


def counts_toward_limit(endpoint: str) -> bool:
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and endpoint != "sendChatAction"


class PtbLimiter(BaseRateLimiter[dict]):
    """python-telegram-bot's rate-limiter hook, backed by a SendLimiter."""

    def __init__(self, limiter: SendLimiter, *, max_retries: int = 3, backoff: float = 0.5) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.backoff = backoff  # seconds before the first retry after a 5xx or a dropped connection

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if ADMITTED.get():  # the outbox's send: its slot is taken, it reschedules by itself
            try:
                return await callback(*args, **kwargs)
            except TimedOut as err:
                if maybe_carried_out(err):
                    raise Unconfirmed(f"{endpoint}: no answer") from None
                raise
        if not counts_toward_limit(endpoint):
            return await callback(*args, **kwargs)
        chat = data.get("chat_id")
        for attempt in range(self.max_retries + 1):
            async with self.limiter.slot(None if chat is None else str(chat), priority=True, per_chat=False):
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as err:
                    if attempt >= self.max_retries:
                        raise
                    retry = err.retry_after
                    delay = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
                except (TimedOut, BadRequest):
                    raise  # it may have arrived: never sent twice; a 400 will not change
                except NetworkError:  # a 5xx, or the connection closed without an answer
                    if attempt >= self.max_retries:
                        raise
                    delay = self.backoff * 2**attempt
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
