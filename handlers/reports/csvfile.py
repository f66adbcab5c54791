"""The case list as CSV (UTF-8 with BOM, so Excel opens the Vietnamese letters right)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from handlers.reports.data import ReportData, parties_cell, text_cell

COLUMNS = ("team", "number", "date", "category", "mediators", "parties", "summary", "agreement", "result",
           "end_reason")


def cases_csv(data: ReportData, t: Callable[..., str]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([t(f"report.csv_{c}") for c in COLUMNS])
    for book in data.books:
        for row in book.rows:
            out.writerow([
                book.team.name, f"{row.seq}/{row.year}", row.received_on.strftime("%d/%m/%Y"),
                t(f"category.{row.category}"), ", ".join(n for _, n in row.mediators),
                parties_cell(row, data.with_parties), text_cell(row.summary, row, data.with_parties),
                text_cell(row.agreement, row, data.with_parties), t(f"report.result_{row.status}"),
                t(f"end_reason.{row.end_reason}") if row.end_reason else "",
            ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
