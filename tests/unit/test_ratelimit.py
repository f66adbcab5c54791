"""The send limiter keeps Telegram's limits by construction: never more than `rate` sends
started or answered within any window, and one chat's next send only `chat_interval`
after its previous one was answered. (Throughput is measured in bench/broadcast.py.) Its
python-telegram-bot hook retries a reply after a 5xx or a dropped connection, never after a
timeout; for the outbox, a timeout after the request went out is `Unconfirmed`."""

from __future__ import annotations

import asyncio
import random
import time

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.ratelimit import ADMITTED, PtbLimiter, SendLimiter, Unconfirmed

RATE = 200
SENDS = 300


async def test_window_and_per_chat_spacing_hold_whatever_the_latency():
    limiter = SendLimiter(RATE, chat_interval=0.05)
    spans: list[tuple[float, float, str]] = []
    rng = random.Random(4)

    async def send(chat: str) -> None:
        async with limiter.slot(chat):
            start = time.monotonic()
            await asyncio.sleep(rng.random() * 0.01)
            spans.append((start, time.monotonic(), chat))

    await asyncio.gather(*(send(f"chat{i % 40}") for i in range(SENDS)))
    assert len(spans) == SENDS
    for start, _, _ in spans:  # what the platform could see when this send started
        counted = [s for s in spans if s[0] < start and s[1] > start - 1.0]
        assert len(counted) < RATE
    by_chat: dict[str, list[tuple[float, float, str]]] = {}
    for span in sorted(spans):
        by_chat.setdefault(span[2], []).append(span)
    for chat_spans in by_chat.values():
        for before, after in zip(chat_spans, chat_spans[1:], strict=False):
            assert after[0] >= before[1] + 0.05


async def test_replies_go_before_pushes_waiting_for_a_slot():
    limiter = SendLimiter(20, chat_interval=0)
    order: list[str] = []

    async def send(name: str, priority: bool) -> None:
        async with limiter.slot(None, priority=priority):
            order.append(name)

    pushes = [asyncio.create_task(send(f"push{i}", False)) for i in range(6)]
    await asyncio.sleep(0.01)
    reply = asyncio.create_task(send("reply", True))
    await asyncio.gather(*pushes, reply)
    assert order.index("reply") <= 2


def timed_out(cause: Exception) -> TimedOut:
    try:
        raise TimedOut from cause
    except TimedOut as err:
        return err


class Calls:
    """A Bot API call that fails with `errors` first, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.count = list(errors), 0

    async def __call__(self, *args, **kwargs):
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"message_id": 1}


async def send(limiter: PtbLimiter, calls: Calls):
    return await limiter.process_request(calls, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_a_reply_is_sent_again_after_a_5xx_or_a_dropped_connection_never_after_a_timeout():
    limiter = PtbLimiter(SendLimiter(100, chat_interval=0), backoff=0.01)
    calls = Calls(NetworkError("Internal Server Error"), NetworkError("httpx.RemoteProtocolError: closed"))
    assert await send(limiter, calls) == {"message_id": 1} and calls.count == 3
    for error in (timed_out(httpx.ReadTimeout("")), BadRequest("Message is too long")):
        calls = Calls(error)
        with pytest.raises(type(error)):
            await send(limiter, calls)
        assert calls.count == 1


async def test_an_outbox_send_without_an_answer_is_unconfirmed():
    limiter = PtbLimiter(SendLimiter(100, chat_interval=0))
    token = ADMITTED.set(True)
    try:
        with pytest.raises(Unconfirmed):  # written, never answered: it may have arrived
            await send(limiter, Calls(timed_out(httpx.ReadTimeout(""))))
        with pytest.raises(TimedOut):  # never written: the dispatcher may send it again
            await send(limiter, Calls(timed_out(httpx.ConnectTimeout(""))))
        with pytest.raises(NetworkError):  # the dispatcher reschedules a 5xx itself
            await send(limiter, Calls(NetworkError("Bad Gateway")))
    finally:
        ADMITTED.reset(token)
