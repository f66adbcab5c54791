"""Reporting periods: a month, a quarter, a half-year (01/01–30/06, 01/07–31/12), a year, or
typed dates; each with a short code for buttons and the CLI, and "the same period before"
(the same dates one year earlier, as the yearly and half-yearly reports compare).

Codes: 2026 · 2026H1 · 2026H2 · 2026Q3 · 2026M03 · 20260105-20260320.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_CODE = re.compile(r"^(\d{4})(?:(H)([12])|(Q)([1-4])|(M)(\d{2}))?$", re.I)
_CUSTOM = re.compile(r"^(\d{8})-(\d{8})$")
_DATE = r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
_RANGE = re.compile(_DATE + r"\s*(?:-|–|—|đến|den|toi|tới)\s*" + _DATE)
_MONTH = re.compile(r"^(?:thang\s*)?(\d{1,2})\s*/\s*(\d{4})$")
_QUARTER = re.compile(r"^(?:quy|q)\s*([1-4])\s*/\s*(\d{4})$")
EARLIEST = dt.date(2014, 1, 1)  # Luật Hòa giải ở cơ sở in force


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


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
        return {"year": str(self.start.year), "part": str(self.part),
                "start": self.start.strftime("%d/%m/%Y"), "end": self.end.strftime("%d/%m/%Y")}


def year(y: int) -> Period:
    return Period("year", dt.date(y, 1, 1), dt.date(y, 12, 31))


def half(y: int, h: int) -> Period:
    if h == 1:
        return Period("half", dt.date(y, 1, 1), dt.date(y, 6, 30), 1)
    return Period("half", dt.date(y, 7, 1), dt.date(y, 12, 31), 2)


def quarter(y: int, q: int) -> Period:
    first = 3 * q - 2
    return Period("quarter", dt.date(y, first, 1), _month_end(y, first + 2), q)


def month(y: int, m: int) -> Period:
    return Period("month", dt.date(y, m, 1), _month_end(y, m), m)


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
    if end < start or start < EARLIEST or (end - start).days > 3 * 366:
        return None
    return Period("custom", start, end)


_WORDS = {
    "thang nay": "month", "thang": "month", "quy nay": "quarter", "quy": "quarter",
    "6 thang": "half", "sau thang": "half", "nua nam": "half", "nam nay": "year", "nam": "year",
    "ca nam": "year",
}


def _plain(text: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces; '/' and digits kept."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Mn").split())


def parse(text: str, today: dt.date) -> Period | None:
    """What a person types after a command: a code, 'tháng này', 'quý 3/2026', '3/2026',
    '01/01/2026-30/06/2026', '6 tháng đầu năm', 'năm trước'… None if it is not a period."""
    raw = text.strip()
    by_code = from_code(raw.upper()) if raw else None
    if by_code is not None:
        return by_code
    m = _RANGE.fullmatch(raw)
    if m:
        d1, m1, y1, d2, m2, y2 = (int(v) for v in m.groups())
        try:
            return custom(dt.date(y1, m1, d1), dt.date(y2, m2, d2))
        except ValueError:
            return None
    words = _plain(raw)
    if m := _MONTH.match(words):
        mm, yy = int(m.group(1)), int(m.group(2))
        return month(yy, mm) if 1 <= mm <= 12 and yy >= EARLIEST.year else None
    if m := _QUARTER.match(words):
        yy = int(m.group(2))
        return quarter(yy, int(m.group(1))) if yy >= EARLIEST.year else None
    if words in ("6 thang dau nam", "6 thang dau"):
        return half(today.year, 1)
    if words in ("6 thang cuoi nam", "6 thang cuoi"):
        return half(today.year, 2)
    if words in ("nam truoc", "nam ngoai"):
        return year(today.year - 1)
    kind = _WORDS.get(words)
    return this(kind, today) if kind else None


def split_arg(text: str, today: dt.date) -> tuple[Period | None, str]:
    """A command's argument as (period, the rest): '/thongke 2026H1 Xã D' → (2026H1, 'Xã D').
    The longest leading run of words that reads as a period wins."""
    words = text.split()
    for n in range(len(words), 0, -1):
        period = parse(" ".join(words[:n]), today)
        if period is not None:
            return period, " ".join(words[n:])
    m = _RANGE.search(text)
    if m:
        return parse(m.group(0), today), (text[: m.start()] + text[m.end():]).strip()
    return None, text.strip()
