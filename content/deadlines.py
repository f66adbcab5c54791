"""Default report deadlines (content/report_deadlines.toml), validated at load."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib.resources import files

KINDS = ("half", "year")


def check_day(month: int, day: int) -> tuple[int, int]:
    """(month, day) if it is a day of the calendar (29/02 allowed), else ValueError."""
    dt.date(2028, month, day)
    return month, day


@cache
def default_deadlines() -> dict[str, tuple[int, int]]:
    data = tomllib.loads((files("content") / "report_deadlines.toml").read_text(encoding="utf-8"))
    return {kind: check_day(int(data[kind]["month"]), int(data[kind]["day"])) for kind in KINDS}
