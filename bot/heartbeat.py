"""The last tick of the scheduler clock and whether this worker leads, shared with /healthz
(no scheduler import needed). With several workers only the leader ticks: `leader` false
and `last_tick` null is a healthy follower."""

from __future__ import annotations

import datetime as dt


class Heartbeat:
    """The clock calls `beat(now)` on every tick; /healthz reports `last_tick`."""

    def __init__(self) -> None:
        self.last_tick: dt.datetime | None = None
        self.leader = False  # set while this process holds the clock's lock

    def beat(self, now: dt.datetime) -> None:
        self.last_tick = now

    def report(self) -> str | None:
        return self.last_tick.isoformat() if self.last_tick else None
