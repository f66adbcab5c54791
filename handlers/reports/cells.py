"""What a spreadsheet cell may hold, for both writers (XLSX and CSV).

Text passes the one cleaning (handlers.kit.text.clean): no control or invisible characters and
no non-characters, which a workbook cannot hold (openpyxl refuses ESC; U+FFFF makes a file
Excel cannot open), and no more than a cell's 32,767 characters. Text that a spreadsheet
would read as a formula (it starts with = + - @, or their full-width forms) stays text: in
the XLSX it is written as a text cell, in the CSV it gets a leading apostrophe, as OWASP
advises for CSV injection (`=HYPERLINK(...)`, `-2+3+cmd|...`).
"""

from __future__ import annotations

import csv
from typing import IO, Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from handlers.kit.text import clean

MAX_CELL = 32_767  # Excel's limit on the characters of one cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def cell_text(value: Any) -> Any:
    """A value as a cell holds it: text cleaned and capped; numbers and dates as they are."""
    return clean(value, limit=MAX_CELL) if isinstance(value, str) else value


def safe_cell(value: Any) -> Any:
    """A CSV field: cleaned text; formula-looking text behind an apostrophe."""
    value = cell_text(value)
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


def put(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """Write one XLSX cell: cleaned text, and formula-looking text as a text cell (openpyxl
    would otherwise store text starting with "=" as a live formula)."""
    value = cell_text(value)
    cell = ws.cell(row, col, value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


class SafeWriter:
    """csv.writer whose every field passes safe_cell."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])
