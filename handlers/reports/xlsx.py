"""The report as an XLSX workbook (openpyxl), one sheet per part: the logbook (sổ theo dõi)
and its tally per mediator, the unit's statistics, the money. Vietnamese headers, numbers
as numbers, frozen header rows, widths that fit."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Sequence
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers.cases.usecases import CATEGORIES
from handlers.reports.cells import put
from handlers.reports.coverage_sheet import coverage_sheet
from handlers.reports.data import ReportData
from handlers.reports.logbook_cells import COLUMNS, TEXT_COLUMNS, cells
from handlers.reports.targets_sheet import targets_sheet
from storage.models import CaseStatus
from storage.stats import Tally

STATUSES = [s.value for s in (CaseStatus.THANH, CaseStatus.KHONG_THANH, CaseStatus.DANG_HOA_GIAI, CaseStatus.KET_THUC)]
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY = "#,##0"
MAX_WIDTH = 50

T = Callable[..., str]


class Sheet:
    """Writes rows and remembers how wide each column needs to be."""

    def __init__(self, ws: Worksheet, title: str, subtitle: str) -> None:
        self.ws = ws
        self.widths: Counter[int] = Counter()
        self._styles: dict[tuple[str, bool], Any] = {}
        put(ws, 1, 1, title).font = Font(bold=True, size=13)
        put(ws, 2, 1, subtitle).font = Font(italic=True)
        self.row = 4

    def header(self, labels: Sequence[str], freeze: bool = False) -> None:
        for col, label in enumerate(labels, 1):
            cell = put(self.ws, self.row, col, label)
            cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            self.widths[col] = max(self.widths[col], min(max(len(w) for w in label.split()) + 4, 18))
        if freeze:
            self.ws.freeze_panes = self.ws.cell(self.row + 1, 1)
        self.row += 1

    def line(self, values: Sequence[Any], *, bold: bool = False, formats: dict[int, str] | None = None) -> None:
        for col, value in enumerate(values, 1):
            cell = put(self.ws, self.row, col, value)  # cleaned; formulas as text
            if isinstance(value, dt.date):
                kind, size = "DD/MM/YYYY", 11
            elif isinstance(value, str):
                kind, size = "text", max((len(p) for p in value.split("\n")), default=0) + 2
            else:
                kind, size = "General", len(f"{value:,}") + 2 if isinstance(value, int) else 8
            if formats and col in formats:
                kind = formats[col]
            self._style(cell, (kind, bold))
            self.widths[col] = max(self.widths[col], min(size, MAX_WIDTH))
        self.row += 1

    def _style(self, cell, key: tuple[str, bool]) -> None:
        """Style the first cell of a kind through openpyxl, then copy its style index array:
        setting style objects cell by cell costs seconds on a ward's year."""
        cached = self._styles.get(key)
        if cached is not None:
            cell._style = copy(cached)
            return
        kind, bold = key
        cell.border = BOX
        if bold:
            cell.font = BOLD
        if kind == "text":
            cell.alignment = WRAP
        else:
            cell.number_format = kind
        self._styles[key] = copy(cell._style)

    def gap(self, n: int = 1) -> None:
        self.row += n

    def finish(self) -> None:
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = max(width, 6)


def workbook(data: ReportData, t: T, tz: dt.tzinfo) -> bytes:
    wb = Workbook()
    period = t(
        "report.period_line",
        start=data.period.start.strftime("%d/%m/%Y"),
        end=data.period.end.strftime("%d/%m/%Y"),
        unit=data.unit.name,
        made=data.made_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
    )
    logbook(Sheet(wb.active, t("report.logbook_title"), period), data, t, tz)
    tally(Sheet(wb.create_sheet(), t("report.tally_title"), period), data, t)
    statistics(Sheet(wb.create_sheet(), t("report.stats_title"), period), data, t)
    money(Sheet(wb.create_sheet(), t("report.money_title"), period), data, t)
    for ws, key in zip(wb.worksheets, ("logbook", "tally", "stats", "money"), strict=True):
        ws.title = t(f"report.sheet_{key}")
    if data.coverage is not None:
        sheet = Sheet(wb.create_sheet(t("coverage.sheet")), t("coverage.sheet_title"), period)
        coverage_sheet(sheet, data.coverage, t)
    if data.targets is not None:
        targets_sheet(Sheet(wb.create_sheet(t("targets.sheet")), t("targets.sheet_title"), period), data.targets, t)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def result_label(t: T, status: str) -> str:
    return t(f"report.result_{status}")


def logbook(sh: Sheet, data: ReportData, t: T, tz: dt.tzinfo) -> None:
    put(sh.ws, 3, 1, t("report.parties_full" if data.with_parties else "report.parties_initials"))
    sh.header([t(f"report.col_{c}") for c in COLUMNS], freeze=True)
    if data.too_many:
        sh.line([t("report.too_many", count=data.too_many)])
    for book in data.books:
        for stt, row in enumerate(book.rows, 1):
            sh.line(cells(row, stt, book.team.name, data.with_parties, t, tz))
    sh.finish()
    for col, name in enumerate(COLUMNS, 1):
        if name in TEXT_COLUMNS:
            sh.ws.column_dimensions[get_column_letter(col)].width = MAX_WIDTH


def tally(sh: Sheet, data: ReportData, t: T) -> None:
    heads = [t("report.col_team"), t("report.col_mediator")]
    heads += [t(f"category.{c}") for c in CATEGORIES] + [result_label(t, s) for s in STATUSES]
    sh.header([*heads, t("report.col_cases")], freeze=True)
    for book in data.books:
        per: dict[str, Counter[str]] = {}
        team: Counter[Any] = Counter()
        for row in book.rows:
            team[row.category] += 1
            team[row.status] += 1
            for _, name in row.mediators:
                c = per.setdefault(name, Counter())
                c[row.category] += 1
                c[row.status] += 1
        for name in sorted(per):
            c = per[name]
            counts = [c[k] for k in (*CATEGORIES, *STATUSES)]
            sh.line([book.team.name, name, *counts, sum(c[s] for s in STATUSES)])
        sh.line(
            [book.team.name, t("report.team_total"), *[team[k] for k in (*CATEGORIES, *STATUSES)], len(book.rows)],
            bold=True,
        )
    sh.finish()


def _counts(t_: Tally) -> list[Any]:
    closed = t_.total - t_.status(CaseStatus.DANG_HOA_GIAI.value)
    rate = round(t_.status(CaseStatus.THANH.value) / closed, 4) if closed else None
    return [t_.total, *[t_.status(s) for s in STATUSES], rate]


def statistics(sh: Sheet, data: ReportData, t: T) -> None:
    cols = ("unit", "teams", "mediators", "women", "ethnic", "received", *STATUSES, "rate")
    sh.header([t(f"report.stat_{c}") for c in cols], freeze=True)
    pct = {len(cols): "0.0%"}
    for unit, counts in data.children:
        census = data.census.get(unit.id)
        people = [census.teams, census.mediators, census.women, census.ethnic] if census else [0, 0, 0, 0]
        sh.line([unit.name, *people, *_counts(counts)], formats=pct)
    whole = data.census[data.unit.id]
    sh.line(
        [
            t("report.grand_total", unit=data.unit.name),
            whole.teams,
            whole.mediators,
            whole.women,
            whole.ethnic,
            *_counts(data.total),
        ],
        bold=True,
        formats=pct,
    )
    sh.gap()
    sh.header([t("report.stat_category"), t("report.stat_received"), *[t(f"report.stat_{s}") for s in STATUSES]])
    for c in CATEGORIES:
        sh.line([t(f"category.{c}"), data.total.category(c), *[data.total.category(c, s) for s in STATUSES]])
    sh.line([t("report.total"), data.total.total, *[data.total.status(s) for s in STATUSES]], bold=True)
    sh.finish()


def money(sh: Sheet, data: ReportData, t: T) -> None:
    r = data.rates
    months = len(data.period.months())
    for key, value in (
        ("rate_case", r.per_case),
        ("rate_success", r.per_success),
        ("rate_team", r.team_month),
        ("months", months),
    ):
        sh.line([t(f"report.money_{key}"), value], formats={2: MONEY})
    sh.line([t("report.money_basis")])
    sh.gap()
    cols = ("team", "success", "other", "fees", "months_col", "support", "sum")
    sh.header([t(f"report.money_{c}") for c in cols], freeze=True)
    fmt = {4: MONEY, 6: MONEY, 7: MONEY}
    sums: Counter[str] = Counter()
    for unit, m in data.money:
        sh.line([unit.name, m.success, m.other_closed, m.fees, m.months, m.support, m.total], formats=fmt)
        sums.update(
            {"success": m.success, "other": m.other_closed, "fees": m.fees, "support": m.support, "total": m.total}
        )
    sh.line(
        [t("report.total"), sums["success"], sums["other"], sums["fees"], months, sums["support"], sums["total"]],
        bold=True,
        formats=fmt,
    )
    sh.finish()
