"""`python -m bot targets show | set | clear --unit …`: a unit's targets (chỉ tiêu) from the shell,
as /chitieu shows and changes them; every change is audited (with no person: the operator)."""

from __future__ import annotations

import argparse

from bot.cli import common
from bot.cli.common import in_store, unit_of
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from handlers.kit.errors import UserError
from handlers.stats.targets import goal_at, goals_of
from handlers.stats.targets_block import goal_text, source_text
from handlers.stats.targets_flow import save_target
from storage.db import UnitOfWork
from storage.models import Measure

MEASURES = [m.value for m in Measure]


def add_parser(sub: argparse._SubParsersAction) -> None:
    tg = sub.add_parser("targets", help="a unit's targets: show, set, clear (as /chitieu)")
    cmds = tg.add_subparsers(dest="targets_cmd", required=True)
    sh = cmds.add_parser("show", help="the targets a unit is held to, and where each comes from")
    sh.add_argument("--unit", required=True, help="unit id or exact name")
    st = cmds.add_parser("set", help="set a unit's own target (it holds for the units under it too)")
    st.add_argument("--unit", required=True, help="unit id or exact name")
    st.add_argument("--measure", required=True, choices=MEASURES)
    st.add_argument("--value", required=True, help="percent (0-100); days (1-365) for help_days")
    cl = cmds.add_parser("clear", help="remove a unit's own target: it follows the one above again")
    cl.add_argument("--unit", required=True, help="unit id or exact name")
    cl.add_argument("--measure", required=True, choices=MEASURES)
    tg.set_defaults(run=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    return await in_store(settings, t, lambda uow: _run(uow, t, args))


async def _run(uow: UnitOfWork, t: Catalog, args: argparse.Namespace) -> int:
    unit = await unit_of(uow, args.unit)
    if args.targets_cmd != "show":
        value = None if args.targets_cmd == "clear" else args.value
        try:
            await save_target(uow, unit, Measure(args.measure), value, common.operator(unit), common.now(), "cli")
        except UserError as err:
            print(t.t(err.key, **err.values))
            return 2
    rows, names = await goals_of(uow, unit)
    print(t.t("targets.list_title", unit=unit.name))
    for m in Measure:
        goal = goal_at(rows, names, unit.path, m)
        print(
            t.t(
                "targets.list_line",
                measure=t.t(f"targets.name_{m.value}"),
                goal=goal_text(t.t, m, goal),
                source=source_text(t.t, m, goal),
            )
        )
    print(t.t("targets.unverified"))
    return 0
