"""The buttons of /thongke (`st:`): a unit (0: one's own starting point) over a period, given by
its code (handlers/common/periods.py), read and checked against the viewer's scope by the handler."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("st", "view")
class StatsShow:
    unit_id: int
    period: str


@payload("st", "chart")
class StatsChart:
    unit_id: int
    period: str


@payload("st", "units")
class StatsUnits:
    """The unit's child units, a page from `offset`."""

    unit_id: int
    period: str
    offset: int
