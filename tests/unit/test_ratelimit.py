"""The send limiter keeps Telegram's limits by construction: never more than `rate` sends
started or answered within any window, and one chat's next send only `chat_interval`
after its previous one was answered. (Throughput is measured in bench/broadcast.py.)"""

from __future__ import annotations

import asyncio
import random
import time

from bot.ratelimit import SendLimiter

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
