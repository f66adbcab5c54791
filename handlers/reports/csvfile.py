"""The case list as CSV (UTF-8 with BOM, so Excel opens the Vietnamese letters right)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from handlers.reports.cells import SafeWriter
from handlers.reports.data import ReportData
from handlers.reports.logbook_cells import COLUMNS, cells


def _text(value: object) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def cases_csv(data: ReportData, t: Callable[..., str], tz: dt.tzinfo = dt.UTC) -> bytes:
    buf = io.StringIO()
    out = SafeWriter(buf)  # every field cleaned, formulas kept as text
    out.writerow([t(f"report.col_{c}") for c in COLUMNS])
    for book in data.books:
        for stt, row in enumerate(book.rows, 1):
            out.writerow([_text(v) for v in cells(row, stt, book.team.name, data.with_parties, t, tz)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
