"""`python -m bot stats | report | team …`: the officials' desk from the server's shell.

The operator at the shell sees every unit (an administrator who is not stored); exports are
audited all the same, with no person attached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import rates_of
from bot.cli import common
from bot.cli.common import (
    ShellError,
    check_out,
    in_store,
    mediator_of,
    name_of,
    no_namesake,
    operator,
    team_of,
    unit_of,
    write_file,
)
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from handlers.common import periods
from handlers.common.periods import Period, Problem
from handlers.common.person_steps import MAX_NAME
from handlers.kit.errors import UserError
from handlers.reports.data import export
from handlers.stats.coverage import coverage_lines, coverage_of
from handlers.stats.render import child_lines, counts_text, period_heading, rate_text
from handlers.stats.targets import targets_view
from handlers.stats.targets_block import target_lines
from handlers.stats.usecases import unit_stats
from handlers.teams.usecases import (
    LEAVE_REASONS,
    add_mediator,
    mark_left,
    move_mediator,
    review,
)
from storage.db import UnitOfWork


def add_parser(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("stats", help="case counts of a unit for a period (as /thongke)")
    st.add_argument("--unit", required=True, help="unit id or exact name")
    st.add_argument(
        "--period",
        default="",
        help="2026, 2026H1, Q3/2026, 3/2026, 2019-2022, 01/01/2026-31/03/2026 (as /thongke; default: this year)",
    )
    st.add_argument("--json", action="store_true", help="print JSON")
    rp = sub.add_parser("report", help="the report workbook of a unit (as /baocao)")
    rp.add_argument("--unit", required=True, help="unit id or exact name")
    rp.add_argument("--from", dest="start", help="first day, dd/mm/yyyy or yyyy-mm-dd")
    rp.add_argument("--to", dest="end", help="last day (at most 10 years after the first)")
    rp.add_argument("--period", default="", help="or 2026, 2026H1, … (as stats)")
    rp.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    rp.add_argument("--csv", type=Path, help="also write the case list as CSV here")
    rp.add_argument("--with-parties", action="store_true", help="parties' full names and addresses (audited)")
    tm = sub.add_parser("team", help="team review (Law art. 12) and changes to mediators (art. 11)")
    cmds = tm.add_subparsers(dest="team_cmd", required=True)
    rv = cmds.add_parser("review", help="teams that do not meet art. 12 of the Law")
    rv.add_argument("--unit", required=True)
    ad = cmds.add_parser("add", help="add a mediator to a team (prints their code to join)")
    ad.add_argument("--team", required=True)
    ad.add_argument("--name", required=True)
    ad.add_argument("--sex", required=True, choices=["nam", "nu"])
    ad.add_argument("--ethnic", action="store_true", help="an ethnic-minority person")
    ad.add_argument("--leader", action="store_true", help="make them the team leader")
    ad.add_argument("--same-name", action="store_true", help="someone else of the same name is already in that team")
    mv = cmds.add_parser("move", help="move a mediator to another team")
    mv.add_argument("--person", required=True, type=int)
    mv.add_argument("--to", required=True, help="team id or exact name")
    lv = cmds.add_parser("leave", help="mark a mediator as having left (art. 11 cl. 1 point a, b or c)")
    lv.add_argument("--person", required=True, type=int)
    lv.add_argument("--reason", required=True, choices=LEAVE_REASONS)
    for parser in (st, rp, tm):
        parser.set_defaults(run=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    return await in_store(settings, t, lambda uow: _dispatch(args, uow, t, settings, common.now()))


def _period(args: argparse.Namespace, t: Catalog, today: dt.date) -> Period | None:
    """--period, or --from and --to, read as /thongke reads them; None once the problem is told."""
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    found: Period | Problem
    if start is None and end is None:
        typed = args.period.strip()
        found = periods.read(typed, today) if typed else periods.this("year", today)
    elif args.period.strip():
        found = Problem("periods.cli_period_or_dates")
    elif start is None or end is None:
        found = Problem("periods.cli_need_both")
    else:
        found = periods.between(start, end, today)
    if isinstance(found, Problem):
        print(found.text(t.t))
        return None
    return found


async def _dispatch(args, uow: UnitOfWork, t: Catalog, settings: Settings, now: dt.datetime) -> int:
    tz = ZoneInfo(settings.timezone)
    if args.cmd == "team":
        return await _team(args, uow, t, now, tz)
    unit = await unit_of(uow, args.unit)
    period = _period(args, t, now.astimezone(tz).date())
    if period is None:
        return 2
    who = operator(unit)
    for path in (args.out, args.csv) if args.cmd == "report" else ():
        if path is not None:
            check_out(path)
    if args.cmd == "stats":
        view = await unit_stats(uow, who, unit, period)
        cover = await coverage_of(uow, who, unit, period, now=now, tz=tz)
        goals = await targets_view(uow, who, unit, period, now=now, tz=tz, coverage=cover)
        if args.json:
            out = {**view.as_dict(), "coverage": cover.as_dict(), "targets": goals.as_dict()}
            print(json.dumps(out, ensure_ascii=False, indent=2))
            return 0
        print(t.t("stats.title", unit=unit.name, period=period_heading(t.t, period)))
        print(counts_text(t.t, view.current))
        print(rate_text(t.t, view.current, view.before))
        if view.children:
            print(t.t("stats.by_child"))
            print("\n".join(child_lines(t.t, view.children, shown=len(view.children))))
        print("\n".join(coverage_lines(t.t, cover, shown=len(cover.untrained))))
        print("\n".join([t.t("targets.title"), *target_lines(t.t, goals)]))
        return 0
    done = await export(
        uow,
        who,
        unit,
        period,
        now=now,
        rates=rates_of(settings),
        with_parties=args.with_parties,
        t=t.t,
        tz=tz,
        via="cli",
    )
    write_file(args.out, done.xlsx)
    if args.csv:
        write_file(args.csv, done.csv)
    print(
        t.t(
            "cli_desk.report_written",
            path=str(args.out),
            cases=done.data.case_count,
            period=period_heading(t.t, period),
        )
    )
    return 0


async def _team(args, uow: UnitOfWork, t: Catalog, now: dt.datetime, tz: ZoneInfo) -> int:
    if args.team_cmd == "review":
        unit = await unit_of(uow, args.unit)
        r = await review(uow, operator(unit), unit)
        print(t.t("cli_desk.review_head", unit=unit.name, teams=len(r.checks), failing=len(r.failing)))
        for c in r.checks:
            issues = "; ".join(t.t(f"teams.issue_{i}") for i in c.issues) or t.t("teams.ok")
            print(t.t("cli_desk.review_line", id=c.team.id, team=c.team.name, members=len(c.members), issues=issues))
        return 0
    try:
        if args.team_cmd == "add":
            team = await team_of(uow, t, args.team)
            name = name_of(args.name, limit=MAX_NAME, key="shell.bad_person_name")
            if not args.same_name:
                await no_namesake(uow, t, team, name)
            person, invite = await add_mediator(
                uow,
                operator(team),
                team.id,
                now,
                full_name=name,
                sex=args.sex,
                ethnic_minority=args.ethnic,
                leader=args.leader,
            )
            print(t.t("cli_desk.added", id=person.id, name=person.full_name, team=team.name, code=invite.code))
            return 0
        person = await mediator_of(uow, t, args.person, tz)
        who = operator(person.unit)
        if args.team_cmd == "move":
            team = await team_of(uow, t, args.to)
            if team.id == person.unit_id:
                raise ShellError("shell.same_team", id=person.id, name=person.full_name, team=team.name)
            moved, _ = await move_mediator(uow, who, person.id, team.id, now)
            print(t.t("teams.moved", name=moved.full_name, team=team.name))
            return 0
        gone = await mark_left(uow, who, person.id, args.reason, now)
        print(t.t("teams.left", name=gone.full_name, point=args.reason))
        return 0
    except UserError as err:
        print(t.t(err.key))
        return 2
