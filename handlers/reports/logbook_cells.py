"""One logbook row as the Sổ theo dõi hoạt động hòa giải ở cơ sở has it, for the XLSX sheet and
the CSV alike. Columns follow Phần I of the form (STT, ngày nhận, hòa giải viên và người được
mời, các bên và địa chỉ, nội dung, thỏa thuận hoặc yêu cầu của mỗi bên, kết quả, ghi chú), with
the case number, kind, basis (Điều 16), session days, place, outcome day and referral beside
them. Personal data (names, addresses, people invited, requests) only when the exporter asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from handlers.cases.render import initials
from handlers.reports.data import parties_cell, text_cell
from storage.registers import LogRow

T = Callable[..., str]
COLUMNS = (
    "team",
    "number",
    "stt",
    "date",
    "category",
    "source",
    "sessions",
    "place",
    "mediators",
    "invited",
    "parties",
    "summary",
    "agreement",
    "result",
    "outcome_on",
    "referral",
    "note",
)
TEXT_COLUMNS = {"place", "summary", "agreement", "note", "parties", "invited"}  # wide, wrapped


def _days(row: LogRow) -> str:
    return ", ".join(dt.date.fromisoformat(d).strftime("%d/%m/%Y") for d in row.sessions)


def _parties(row: LogRow, with_parties: bool) -> str:
    if not with_parties:
        return parties_cell(row, False)
    names = list(row.parties.get("names") or [])
    addresses = [*(row.parties.get("addresses") or []), *[""] * len(names)]
    contact = (row.parties.get("contact") or "").strip()
    cell = "; ".join(f"{n} ({a})" if a else n for n, a in zip(names, addresses, strict=False))
    return cell + (f" — {contact}" if contact else "")


def _agreement(row: LogRow, with_parties: bool, t: T) -> str:
    if row.status == "khong_thanh":
        names = list(row.parties.get("names") or [])
        shown = names if with_parties else [initials(n) for n in names]
        asked = [
            t("report.request_of", name=n, text=text_cell(r, row, with_parties))
            for n, r in zip(shown, row.parties.get("requests") or [], strict=False)
            if r
        ]
        return "\n".join(asked)
    return text_cell(row.agreement, row, with_parties)


def _note(row: LogRow, t: T, tz: dt.tzinfo) -> str:
    parts = [t(f"end_reason.{row.end_reason}")] if row.end_reason else []
    parts += row.notes
    if row.corrected_at:
        parts.append(t("report.corrected_on", day=row.corrected_at.astimezone(tz).strftime("%d/%m/%Y")))
    return "; ".join(parts)


def cells(row: LogRow, stt: int, team: str, with_parties: bool, t: T, tz: dt.tzinfo) -> list[Any]:
    invited = list(row.parties.get("invited") or [])
    values = {
        "team": team,
        "number": row.number,
        "stt": stt,
        "date": row.received_on,
        "category": t(f"category.{row.category}"),
        "source": t(f"source.{row.source}") if row.source else "",
        "sessions": _days(row),
        "place": text_cell(row.parties.get("place") or "", row, with_parties),
        "mediators": ", ".join(n for _, n in row.mediators),
        "invited": "; ".join(invited if with_parties else [initials(n) for n in invited]),
        "parties": _parties(row, with_parties),
        "summary": text_cell(row.summary, row, with_parties),
        "agreement": _agreement(row, with_parties, t),
        "result": t(f"report.result_{row.status}"),
        "outcome_on": row.outcome_on or "",
        "referral": t(f"referral.{row.referral}") if row.referral else "",
        "note": _note(row, t, tz),
    }
    return [values[c] for c in COLUMNS]
