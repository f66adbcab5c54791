"""Typed days, read one way across the product (chat and CLI).

A day: 05/03/2026, 5/3 (this year), 05-03-26, 05.03.2026, 2026-03-05, «hôm nay», «hôm qua»,
«hôm kia» (any case, with or without diacritics, «ngày» in front allowed). A day and time for
the CLI: "27/12/2026 08:00" or "2026-12-27 08:00". A day and month of every year: 05/07.

What cannot be taken comes back as a `Problem`: a catalog key and the values its sentence
needs, always with what was typed («text»), so the answer repeats it. Nothing is replaced by a
default: a day that does not exist, a year outside the bounds, a day in the future where the
past is asked for, each has its own sentence.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from handlers.kit.text import one_line, strip_marks

EARLIEST = dt.date(2014, 1, 1)  # Luật Hòa giải ở cơ sở in force
SHOWN = 60  # at most this much of what was typed is repeated
_SEP = r"\s*[/.\-]\s*"
_DMY = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})(?:{_SEP}(\d{{4}}|\d{{2}}))?", re.ASCII)
_YMD = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})", re.ASCII)
_DAY_MONTH = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})", re.ASCII)
_MOMENT = re.compile(
    r"(?:(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{1,2})-(\d{1,2}))(?:\s+|t)"
    r"(\d{1,2})(?::(\d{2})|h(\d{2})?)",
    re.ASCII | re.I,
)
_FIND_YMD = re.compile(rf"(?<!\d)(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?!\d)", re.ASCII)
_FIND_DMY = re.compile(rf"(?<!\d)(\d{{1,2}}){_SEP}(\d{{1,2}})(?:{_SEP}(\d{{4}}|\d{{2}}))?(?!\d)", re.ASCII)
_BACK = {"hom nay": 0, "hom qua": 1, "hom kia": 2}
_LEAP = 2028  # a day and month of every year is checked against a leap year (29/02 allowed)


@dataclass(frozen=True)
class Problem:
    """Why a typed day or period was not taken: `t(key, **values)` is the answer."""

    key: str
    values: Mapping[str, str | int] = field(default_factory=dict)

    def text(self, t: Callable[..., str]) -> str:
        return t(self.key, **self.values)


def shown(text: str) -> str:
    """What was typed, as the answer repeats it: one line, at most SHOWN characters."""
    text = one_line(unicodedata.normalize("NFC", text))
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def plain(text: str) -> str:
    """Folded for matching: lower case, no diacritics (đ → d), single spaces."""
    return " ".join(strip_marks(text).split())


def fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def last_year(today: dt.date) -> int:
    """The latest year anything may be typed for: next year (plans are made ahead)."""
    return today.year + 1


def day_parts(text: str, today: dt.date) -> tuple[int, int, int] | None:
    """(year, month, day) as typed, unchecked, or None when `text` is not written as a day."""
    words = plain(text)
    words = words[5:] if words.startswith("ngay ") else words
    if words in _BACK:
        day = today - dt.timedelta(days=_BACK[words])
        return day.year, day.month, day.day
    if m := _YMD.fullmatch(words):
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m := _DMY.fullmatch(words):
        year = m.group(3)
        y = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return y, int(m.group(2)), int(m.group(1))
    return None


def search_day(text: str) -> tuple[tuple[int, int], int | None, int, int] | None:
    """The first day written inside a longer text (a day and a time): ((start, end), year or
    None, month, day), unchecked; yyyy-mm-dd first, so its year is never read as a day."""
    if m := _FIND_YMD.search(text):
        return m.span(), int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m := _FIND_DMY.search(text):
        year = m.group(3)
        y = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return m.span(), y, int(m.group(2)), int(m.group(1))
    return None


def calendar_day(year: int, month: int, day: int, text: str) -> dt.date | Problem:
    """The day, or why it is not one of the calendar (the format being right)."""
    if not 1 <= month <= 12:
        return Problem("periods.no_month", {"text": shown(text), "month": month})
    days = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= days:
        return Problem("periods.no_day", {"text": shown(text), "day": day, "month": month, "year": year, "days": days})
    return dt.date(year, month, day)


def year_problem(year: int, text: str, today: dt.date) -> Problem | None:
    """A year before the Law (2014) or after next year is a typing slip, never a default."""
    return None if EARLIEST.year <= year <= last_year(today) else year_out(year, text, today)


def year_out(year: int, text: str, today: dt.date) -> Problem:
    return Problem(
        "periods.year_out", {"text": shown(text), "year": year, "first": EARLIEST.year, "last": last_year(today)}
    )


def read_day(
    text: str, today: dt.date, *, not_before: dt.date | None = None, not_after: dt.date | None = None
) -> dt.date | Problem:
    """A typed day, or the Problem with it. Without bounds, the year must lie in
    2014..next year; with them, the day must lie within them (each has its own sentence)."""
    parts = day_parts(text, today)
    if parts is None:
        return Problem("periods.day_unreadable", {"text": shown(text), "year": today.year})
    year, month, day = parts
    early = year < EARLIEST.year and not_before is None
    late = year > last_year(today) and not_after is None
    if early or late or year < 1:
        return year_out(year, text, today)
    value = calendar_day(year, month, day, text)
    if isinstance(value, Problem):
        return value
    if not_after is not None and value > not_after:
        return Problem("periods.day_future", {"text": shown(text), "day": fmt(value), "today": fmt(today)})
    if not_before is not None and value < not_before:
        return Problem("periods.day_too_early", {"text": shown(text), "day": fmt(value), "limit": fmt(not_before)})
    return value


def read_moment(text: str, today: dt.date) -> tuple[dt.date, dt.time] | Problem:
    """A day and a time for the CLI, written "27/12/2026 08:00" or "2026-12-27 08:00" (or
    8h30): nothing else, so that no form can be misread (a year taken for a day)."""
    m = _MOMENT.fullmatch(text.strip())
    if m is None:
        return Problem("periods.moment_unreadable", {"text": shown(text), "year": today.year})
    if m.group(3):
        year, month, day = int(m.group(3)), int(m.group(2)), int(m.group(1))
    else:
        year, month, day = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if problem := year_problem(year, text, today):
        return problem
    value = calendar_day(year, month, day, text)
    if isinstance(value, Problem):
        return value
    hour, minute = int(m.group(7)), int(m.group(8) or m.group(9) or 0)
    if hour > 23 or minute > 59:
        return Problem("periods.no_time", {"text": shown(text), "time": f"{hour}:{minute:02d}"})
    return value, dt.time(hour, minute)


def read_day_month(text: str) -> tuple[int, int] | Problem:
    """A day and month of every year (a yearly deadline): (month, day), 29/02 allowed."""
    m = _DAY_MONTH.fullmatch(plain(text))
    if m is None:
        return Problem("periods.day_month_unreadable", {"text": shown(text)})
    day, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return Problem("periods.no_month", {"text": shown(text), "month": month})
    days = calendar.monthrange(_LEAP, month)[1]
    if not 1 <= day <= days:
        return Problem("periods.no_day_of_month", {"text": shown(text), "day": day, "month": month, "days": days})
    return month, day
