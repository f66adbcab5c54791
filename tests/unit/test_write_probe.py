"""Two /healthz calls at once share the one write probe: both get its answer (the second used to
find the probe already handed back and fail with AttributeError, so /healthz answered 500)."""

from __future__ import annotations

import asyncio

from bot.heartbeat import WriteProbe


async def test_two_health_checks_at_once_both_get_the_probes_answer(db, clock):
    probe = WriteProbe(db, clock, timeout=5)
    assert await asyncio.gather(probe(), probe()) == [True, True]
