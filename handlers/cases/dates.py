"""The days a case records (received, each session, the outcome): typed or picked, checked."""

from __future__ import annotations

import datetime as dt
import re

LAW_IN_FORCE = dt.date(2014, 1, 1)
_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?$", re.ASCII)


def parse_date(text: str, today: dt.date) -> dt.date | str:
    """A typed date (dd/mm/yyyy, d/m, dd-mm-yy…) or the catalog key of what is wrong."""
    m = _DATE.match(text.strip())
    if not m:
        return "case.date_bad"
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    y = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        value = dt.date(y, month, day)
    except ValueError:
        return "case.date_bad"
    if value > today:
        return "case.date_future"
    if value < LAW_IN_FORCE:
        return "case.date_too_old"
    return value
