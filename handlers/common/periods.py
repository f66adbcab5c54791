"""Reporting periods: a month, a quarter, a half-year (01/01–30/06, 01/07–31/12), a year, or
typed dates; each with a short code for buttons and the CLI, and "the same period before"
(the same dates one year earlier, as the yearly and half-yearly reports compare).

Codes: 2026 · 2026H1 · 2026H2 · 2026Q3 · 2026M03 · 20260105-20260320.

What people type (chat and CLI) is read here, once: `read` takes a whole text, `split_arg` a
command's argument that may also name a unit. Typed forms: 2026, năm 2026, 2026H1, H2/2026,
«6 tháng đầu năm [2026]», «6 tháng cuối năm», Q3/2026, 2026Q3, «quý 4», «quý III/2026»,
3/2026, «tháng 3 năm 2026», «tháng này», «tháng trước», «quý này», «năm nay», «năm ngoái»,
a single day (see handlers.common.dates), and a range of any two of these (01/01/2019-31/12/2022,
2019-2022, 2024–2030, «từ 1/1 đến hôm nay») of at most ten years. Anything written as a period
but wrong (a day that does not exist, a reversed range, a year outside 2014..next year) is a
`Problem` that repeats what was typed; nothing falls back to a default.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from handlers.common.dates import (
    EARLIEST,
    Problem,
    calendar_day,
    day_parts,
    fmt,
    last_year,
    plain,
    shown,
    year_out,
)
from storage.stats import month_end

MAX_YEARS = 10  # the longest range: a programme review (2019–2022, 2024–2030)
MAX_TYPED = 80  # longer texts are not read as a period
MAX_WORDS = 12  # nor are longer runs of words
_CODE = re.compile(r"^(\d{4})(?:(H)([12])|(Q)([1-4])|(M)(\d{2}))?$", re.I)
_CUSTOM = re.compile(r"^(\d{8})-(\d{8})$")


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29/02
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    kind: str  # year | half | quarter | month | custom
    start: dt.date
    end: dt.date
    part: int = 0  # the half, quarter or month number

    @property
    def code(self) -> str:
        y = self.start.year
        if self.kind == "year":
            return f"{y}"
        if self.kind == "half":
            return f"{y}H{self.part}"
        if self.kind == "quarter":
            return f"{y}Q{self.part}"
        if self.kind == "month":
            return f"{y}M{self.part:02d}"
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def previous(self) -> Period:
        """The same period one year earlier."""
        return Period(self.kind, _shift_year(self.start, -1), _shift_year(self.end, -1), self.part)

    def months(self) -> list[int]:
        """Every yyyymm the period touches."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(y * 100 + m)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def label_values(self) -> dict[str, str]:
        """What the catalog's `period.<kind>` sentence needs."""
        return {
            "year": str(self.start.year),
            "part": str(self.part),
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y"),
        }


def year(y: int) -> Period:
    return Period("year", dt.date(y, 1, 1), dt.date(y, 12, 31))


def half(y: int, h: int) -> Period:
    if h == 1:
        return Period("half", dt.date(y, 1, 1), dt.date(y, 6, 30), 1)
    return Period("half", dt.date(y, 7, 1), dt.date(y, 12, 31), 2)


def quarter(y: int, q: int) -> Period:
    first = 3 * q - 2
    return Period("quarter", dt.date(y, first, 1), month_end(y, first + 2), q)


def month(y: int, m: int) -> Period:
    return Period("month", dt.date(y, m, 1), month_end(y, m), m)


def this(kind: str, today: dt.date) -> Period:
    if kind == "month":
        return month(today.year, today.month)
    if kind == "quarter":
        return quarter(today.year, (today.month - 1) // 3 + 1)
    if kind == "half":
        return half(today.year, 1 if today.month <= 6 else 2)
    return year(today.year)


def from_code(code: str) -> Period | None:
    """A period from its code, or None when the code is not one (forged or mistyped)."""
    code = code.strip()
    m = _CUSTOM.match(code)
    try:
        if m:
            start, end = (dt.datetime.strptime(v, "%Y%m%d").date() for v in m.groups())  # noqa: DTZ007
            return custom(start, end)
        m = _CODE.match(code)
        if not m:
            return None
        y = int(m.group(1))
        if not EARLIEST.year <= y <= 2100:
            return None
        if m.group(2):
            return half(y, int(m.group(3)))
        if m.group(4):
            return quarter(y, int(m.group(5)))
        if m.group(6):
            return month(y, int(m.group(7))) if 1 <= int(m.group(7)) <= 12 else None
        return year(y)
    except ValueError:
        return None


def custom(start: dt.date, end: dt.date) -> Period | None:
    """Typed dates, or None when reversed, before 2014 or longer than MAX_YEARS."""
    if end < start or start < EARLIEST or end >= _shift_year(start, MAX_YEARS):
        return None
    return Period("custom", start, end)


# What people type ---------------------------------------------------------------------------
_NUM = r"(\d{1,2}|iv|i{1,3})"  # a half, quarter or month; quarters also in Roman numerals
_YEAR_ONLY = re.compile(r"(?:nam )?(\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4}) ?(h|q|m) ?(\d{1,2})")  # 2026H1 · 2026 q3 · 2026M03
_PART_FIRST = re.compile(rf"(h|q|quy) ?{_NUM}(?: ?(?:/|-|nam) ?(\d{{4}}))?")  # Q3/2026 · quý 4
_MONTH = re.compile(r"(?:thang ?)?(\d{1,2}) ?[/.-] ?(\d{4})|thang ?(\d{1,2})(?: nam (\d{4}))?")
_HALF = re.compile(r"(?:(?:6|sau) thang|nua) (dau|cuoi)(?: nam)?(?: (\d{4}|nay|ngoai|truoc))?")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_WORDS = {
    "nam": ("year", 0),
    "nam nay": ("year", 0),
    "ca nam": ("year", 0),
    "ca nam nay": ("year", 0),
    "nam ngoai": ("year", 1),
    "nam truoc": ("year", 1),
    "nam qua": ("year", 1),
    "thang": ("month", 0),
    "thang nay": ("month", 0),
    "thang truoc": ("month", 1),
    "quy": ("quarter", 0),
    "quy nay": ("quarter", 0),
    "quy truoc": ("quarter", 1),
    "6 thang": ("half", 0),
    "sau thang": ("half", 0),
    "nua nam": ("half", 0),
}
_BARE = {"nam", "thang", "quy"}  # a period alone, but the first word of many place names
_SPLIT = re.compile(r"\s*(?:->|→|–|—|-|\b(?:đến|den|tới|toi)\b)\s*", re.I)
_FROM = re.compile(r"^(?:từ|tu)\s+", re.I)


def _back(kind: str, today: dt.date, steps: int) -> Period:
    period = this(kind, today)
    for _ in range(steps):
        period = this(kind, period.start - dt.timedelta(days=1))
    return period


def _part(kind: str, y: int, n: int, text: str) -> Period | Problem:
    """Half n, quarter n or month n of year y, or the Problem with n."""
    top = {"half": 2, "quarter": 4, "month": 12}[kind]
    if not 1 <= n <= top:
        return Problem(f"periods.no_{kind}", {"text": shown(text), kind: n})
    return {"half": half, "quarter": quarter, "month": month}[kind](y, n)


def _year_check(y: int, text: str, today: dt.date, late_ok: bool) -> Problem | None:
    """2014..next year; the end of a range may lie further (MAX_YEARS bounds it)."""
    late = y > last_year(today) and not late_ok
    return year_out(y, text, today) if y < EARLIEST.year or late else None


def _with_year(kind: str, y: int | None, n: int, text: str, today: dt.date, late_ok: bool) -> Period | Problem:
    y = today.year if y is None else y
    return _year_check(y, text, today, late_ok) or _part(kind, y, n, text)


def _named(words: str, text: str, today: dt.date, late_ok: bool) -> Period | Problem | None:
    """A year, half, quarter or month written in any of the accepted ways; None if not."""
    if m := _YEAR_ONLY.fullmatch(words):
        return _year_check(int(m.group(1)), text, today, late_ok) or year(int(m.group(1)))
    if m := _YEAR_FIRST.fullmatch(words):
        kind = {"h": "half", "q": "quarter", "m": "month"}[m.group(2)]
        return _with_year(kind, int(m.group(1)), int(m.group(3)), text, today, late_ok)
    if m := _PART_FIRST.fullmatch(words):
        n = _ROMAN.get(m.group(2)) or int(m.group(2))
        y = int(m.group(3)) if m.group(3) else None
        return _with_year("half" if m.group(1) == "h" else "quarter", y, n, text, today, late_ok)
    if m := _MONTH.fullmatch(words):
        mo, yr = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return _with_year("month", int(yr) if yr else None, int(mo), text, today, late_ok)
    if m := _HALF.fullmatch(words):
        n = 1 if m.group(1) == "dau" else 2
        yr = m.group(2)
        if yr in (None, "nay", "ngoai", "truoc"):
            return half(today.year - (0 if yr in (None, "nay") else 1), n)
        return _with_year("half", int(yr), n, text, today, late_ok)
    if words in _WORDS:
        kind, steps = _WORDS[words]
        return _back(kind, today, steps)
    return None


def _single(text: str, today: dt.date, *, days: bool, late_ok: bool = False) -> Period | Problem | None:
    """One period or (when `days`) one day, not a range; None when it is written as neither."""
    named = _named(plain(text), text, today, late_ok)
    parts = day_parts(text, today) if named is None and days else None
    if parts is None:
        return named
    if problem := _year_check(parts[0], text, today, late_ok):
        return problem
    day = calendar_day(*parts, text)
    return day if isinstance(day, Problem) else Period("custom", day, day)


def _join(first: Period | Problem, last: Period | Problem, typed: str, swapped: str) -> Period | Problem:
    """From the start of `first` to the end of `last`, or the Problem with it."""
    if isinstance(first, Problem):
        return first
    if isinstance(last, Problem):
        return last
    values = {"text": shown(typed), "start": fmt(first.start), "end": fmt(last.end)}
    if last.end < first.start:
        return Problem("periods.range_reversed", {**values, "swapped": shown(swapped)})
    found = custom(first.start, last.end)
    return found or Problem("periods.range_too_long", {**values, "years": MAX_YEARS})


def _range(text: str, today: dt.date) -> Period | Problem | None:
    """Two periods or days joined by -, –, «đến», «tới»; the first split that reads wins."""
    problem: Problem | None = None
    for m in _SPLIT.finditer(text):
        left, right = text[: m.start()].strip(), text[m.end() :].strip()
        if not left or not right:
            continue
        first = _single(left, today, days=True)
        last = _single(right, today, days=True, late_ok=True)
        if first is None or last is None:
            continue
        joined = _join(first, last, text, f"{right}-{left}")
        if isinstance(joined, Period):
            return joined
        problem = problem or joined
    return problem


def _recognise(text: str, today: dt.date, *, days: bool) -> Period | Problem | None:
    raw = _FROM.sub("", " ".join(unicodedata.normalize("NFC", text).split()))
    if not raw or len(raw) > MAX_TYPED:
        return None
    found = _single(raw, today, days=days)
    return found if found is not None else _range(raw, today)


def read(text: str, today: dt.date) -> Period | Problem:
    """A whole text as a period (a lone day is a one-day period), or the Problem with it."""
    return _recognise(text, today, days=True) or _unreadable("periods.unreadable", text, today)


def _unreadable(key: str, text: str, today: dt.date) -> Problem:
    return Problem(key, {"text": shown(text), "year": today.year})


def parse(text: str, today: dt.date) -> Period | None:
    """`read` for callers that only need to know whether it is a period."""
    found = read(text, today)
    return found if isinstance(found, Period) else None


def between(first: str, last: str, today: dt.date) -> Period | Problem:
    """The CLI's --from and --to: each a day or a period, at most MAX_YEARS apart."""
    key = "periods.day_unreadable"
    start = _single(first, today, days=True) or _unreadable(key, first, today)
    end = _single(last, today, days=True, late_ok=True) or _unreadable(key, last, today)
    return _join(start, end, f"--from {first} --to {last}", f"--from {last} --to {first}")


def split_arg(text: str, today: dt.date) -> tuple[Period | Problem | None, str]:
    """A command's argument as (period, the rest): '/thongke 2026H1 Xã D' → (2026H1, 'Xã D').
    The longest leading run of words written as a period wins, else the longest trailing one
    (not a lone day there: a unit's name may end in one). A period written wrongly is its
    Problem; None when no period is written at all."""
    words = text.split()
    for n in range(min(len(words), MAX_WORDS), 0, -1):
        found = _recognise(" ".join(words[:n]), today, days=True)
        bare = n == 1 < len(words) and plain(words[0]) in _BARE  # «Năm Căn», «Quy Nhơn»: names
        if found is not None and not bare:
            return found, " ".join(words[n:])
    for n in range(min(len(words) - 1, MAX_WORDS), 0, -1):
        found = _recognise(" ".join(words[-n:]), today, days=False)
        if found is not None:
            return found, " ".join(words[:-n])
    return None, " ".join(words)
