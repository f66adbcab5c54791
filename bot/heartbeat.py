"""The last tick of the scheduler clock, shared with /healthz (no scheduler import needed)."""

from __future__ import annotations

import datetime as dt


class Heartbeat:
    """The clock calls `beat(now)` on every tick; /healthz reports `last_tick`."""

    def __init__(self) -> None:
        self.last_tick: dt.datetime | None = None

    def beat(self, now: dt.datetime) -> None:
        self.last_tick = now

    def report(self) -> str | None:
        return self.last_tick.isoformat() if self.last_tick else None
