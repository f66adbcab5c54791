"""Gathering the report of one unit over one period, and exporting it (audited)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.common.parties import INITIALS, NAMES, is_erased, labels, render, roster
from handlers.common.periods import Period
from handlers.kit.core import Ctx
from handlers.reports.money import Rates, TeamMoney, team_money
from handlers.stats.coverage import CoverageView, coverage_of
from handlers.stats.targets import TargetsView, targets_view
from storage.db import UnitOfWork
from storage.models import Person, Unit
from storage.registers import Census, LogRow
from storage.stats import Tally

MAX_LOG_ROWS = 20_000  # beyond this the logbook sheet asks for a report per commune


@dataclass
class TeamBook:
    team: Unit
    rows: list[LogRow] = field(default_factory=list)


@dataclass
class ReportData:
    unit: Unit
    period: Period
    made_at: dt.datetime
    with_parties: bool
    books: list[TeamBook]
    too_many: int  # > 0: number of cases when the logbook was left out
    census: dict[int, Census]
    total: Tally
    children: list[tuple[Unit, Tally]]
    money: list[tuple[Unit, TeamMoney]]
    rates: Rates
    coverage: CoverageView | None = None  # the «Tập huấn» sheet
    targets: TargetsView | None = None  # the «Chỉ tiêu» sheet (officials)

    @property
    def case_count(self) -> int:
        return self.total.total


def parties_cell(row: LogRow, with_parties: bool) -> str:
    """The parties: initials, or names with addresses and contacts when asked (erased: «Bên 1»)."""
    if not with_parties or is_erased(row.parties):
        return "; ".join(labels(row.parties, INITIALS))
    r = roster(row.parties)
    names = [", ".join(x for x in (p.name, p.address, p.phone) if x) for p in r.parties]
    contact = (row.parties.get("contact") or "").strip() if isinstance(row.parties, dict) else ""
    return "; ".join(names) + (f" — {contact}" if contact else "")


def text_cell(text: str | None, row: LogRow, with_parties: bool) -> str:
    """Free text as stored (the parties as references, handlers/common/parties.py), shown with names
    only in an export with the parties; older rows with plain names are recognised too."""
    return render(text, row.parties, NAMES if with_parties else INITIALS)


async def gather(
    uow: UnitOfWork,
    viewer: Person,
    unit: Unit,
    period: Period,
    *,
    now: dt.datetime,
    rates: Rates,
    with_parties: bool = False,
    tz: dt.tzinfo = dt.UTC,
) -> ReportData:
    s, e = period.start, period.end
    teams = list(await uow.registers.teams(viewer, unit))
    total = await uow.stats.tally(viewer, unit, s, e)
    books: list[TeamBook] = []
    too_many = total.total if total.total > MAX_LOG_ROWS else 0
    if not too_many:
        by_team: dict[int, TeamBook] = {t.id: TeamBook(t) for t in teams}
        for row in await uow.registers.logbook(viewer, unit, s, e):
            if row.team_id in by_team:
                by_team[row.team_id].rows.append(row)
        books = [b for b in by_team.values() if b.rows]
    counted = await uow.stats.tally_children(viewer, unit, s, e)
    children = [(u, counted.get(u.id, Tally())) for u in await uow.stats.children(viewer, unit)]
    results = await uow.registers.team_results(viewer, unit, s, e)
    months = len(period.months())
    money = [(t, team_money(t.id, results.get(t.id, Counter()), months, rates)) for t in teams]
    end_of_period = dt.datetime.combine(e, dt.time.max, tzinfo=tz)
    census = await uow.registers.census(viewer, unit, min(end_of_period, now))
    coverage = await coverage_of(uow, viewer, unit, period, now=now, tz=tz)
    targets = (
        await targets_view(uow, viewer, unit, period, now=now, tz=tz, coverage=coverage)
        if viewer.role.is_official
        else None
    )
    return ReportData(
        unit, period, now, with_parties, books, too_many, census, total, children, money, rates, coverage, targets
    )


@dataclass
class Export:
    data: ReportData
    xlsx: bytes
    csv: bytes


async def export(
    uow: UnitOfWork,
    viewer: Person,
    unit: Unit,
    period: Period,
    *,
    now: dt.datetime,
    rates: Rates,
    with_parties: bool,
    t: Callable[..., str],
    tz: dt.tzinfo,
    via: str,
) -> Export:
    """Build the workbook and the CSV, and write the export to the audit log in the same
    transaction. At the CLI the viewer is the operator, who is not stored (no person id)."""
    from handlers.reports.csvfile import cases_csv
    from handlers.reports.xlsx import workbook

    data = await gather(uow, viewer, unit, period, now=now, rates=rates, with_parties=with_parties, tz=tz)
    xlsx = await asyncio.to_thread(workbook, data, t, tz)
    csv = cases_csv(data, t, tz)
    await uow.audit.record(
        now,
        viewer.id,
        "export_report",
        f"unit:{unit.id}",
        {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "parties": with_parties,
            "cases": data.case_count,
            "files": ["xlsx", "csv"],
            "via": via,
        },
    )
    return Export(data, xlsx, csv)


async def export_for(ctx: Ctx, unit: Unit, period: Period, rates: Rates, *, with_parties: bool) -> Export:
    """`export` for the person of a chat turn (their clock, zone and catalog; audited as via their app)."""
    return await export(
        ctx.uow,
        ctx.me,
        unit,
        period,
        now=ctx.now,
        rates=rates,
        with_parties=with_parties,
        t=ctx.t,
        tz=ctx.deps.tz,
        via=ctx.turn.channel,
    )
