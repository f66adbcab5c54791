"""`python -m bot units rename|move|merge …` and `teams merge|dissolve …`: reorganising the unit
tree from the server's shell (storage.reorganise), each change audited; what carried over and
any team code or name that had to change is printed."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli.common import ShellError, in_store, name_of, now, team_of, unit_of
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from storage.db import UnitOfWork
from storage.models import AuditEntry, Unit
from storage.reorganise import Carried, ReorganiseError

MAX_UNIT_NAME = 120


def add_parser(sub: argparse._SubParsersAction) -> None:
    units = sub.add_parser("units", help="rename, move and merge units (audited)")
    cmds = units.add_subparsers(dest="units_cmd", required=True)
    rn = cmds.add_parser("rename", help="give a unit a new name")
    rn.add_argument("--unit", required=True, help="unit id or exact name")
    rn.add_argument("--name", required=True)
    rn.set_defaults(step=_rename)
    mv = cmds.add_parser("move", help="move a unit (and all under it) under another unit")
    mv.add_argument("--unit", required=True, help="unit id or exact name")
    mv.add_argument("--to", required=True, help="the new parent: unit id or exact name")
    mv.set_defaults(step=_move)
    mg = cmds.add_parser("merge", help="merge a unit into another of its kind (the first one ends)")
    mg.add_argument("--unit", required=True, help="the unit that ends: id or exact name")
    mg.add_argument("--into", required=True, help="the unit that receives: id or exact name")
    mg.set_defaults(step=_merge)
    units.set_defaults(run=run)

    teams = sub.add_parser("teams", help="merge or dissolve teams (audited)")
    tcmds = teams.add_subparsers(dest="teams_cmd", required=True)
    tm = tcmds.add_parser("merge", help="merge a team into another (cases keep their numbers)")
    tm.add_argument("--team", required=True, help="the team that ends: id or exact name")
    tm.add_argument("--into", required=True, help="the team that receives: id or exact name")
    tm.set_defaults(step=_team_merge)
    td = tcmds.add_parser("dissolve", help="dissolve a team; its people and cases go to another team")
    td.add_argument("--team", required=True, help="the team dissolved: id or exact name")
    td.add_argument("--people-to", required=True, help="the team its people join: id or exact name")
    td.set_defaults(step=_team_dissolve)
    teams.set_defaults(run=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    return await in_store(settings, t, lambda uow: args.step(args, uow, t, now()))


def _audit(uow: UnitOfWork, at: dt.datetime, action: str, unit_id: int, **detail: object) -> None:
    uow.session.add(AuditEntry(at=at, person_id=None, action=action, target=f"unit:{unit_id}", detail=detail))


def _said(t: Catalog, carried: Carried) -> None:
    print(
        t.t(
            "reorganise.carries",
            **{k: getattr(carried, k) for k in ("cases", "people", "deadlines", "trainings", "units")},
        )
    )
    for old, new in carried.recoded:
        print(t.t("reorganise.recoded", old=old, new=new))
    for old, new in carried.renamed:
        print(t.t("reorganise.renamed_child", old=old, new=new))
    for name in carried.leaders_stepped_down:
        print(t.t("reorganise.stepped_down", name=name))
    for table, count in carried.dropped.items():
        print(t.t("reorganise.dropped", table=table, count=count))


async def _rename(args, uow: UnitOfWork, t: Catalog, at: dt.datetime) -> int:
    unit = await unit_of(uow, args.unit)
    name = name_of(args.name, limit=MAX_UNIT_NAME, key="units_cli.bad_name")
    try:
        old = await uow.reorganise.rename(unit, name)
    except ReorganiseError as err:
        raise ShellError(err.key) from None
    _audit(uow, at, "unit_rename", unit.id, old=old, new=name)
    print(t.t("units_cli.renamed", id=unit.id, old=old, new=name))
    return 0


async def _move(args, uow: UnitOfWork, t: Catalog, at: dt.datetime) -> int:
    unit = await unit_of(uow, args.unit)
    parent = await unit_of(uow, args.to, missing="shell.parent_missing")
    old_parent = unit.parent_id
    try:
        carried = await uow.reorganise.move(unit, parent)
    except ReorganiseError as err:
        raise ShellError(err.key) from None
    _audit(uow, at, "unit_move", unit.id, parent_from=old_parent, parent_to=parent.id, **carried.detail())
    print(t.t("units_cli.moved", unit=unit.name, id=unit.id, parent=parent.name, parent_id=parent.id))
    _said(t, carried)
    return 0


async def _merge_into(uow: UnitOfWork, t: Catalog, at: dt.datetime, source: Unit, into: Unit, action: str) -> int:
    name, source_id = source.name, source.id
    try:
        carried = await uow.reorganise.merge(source, into)
    except ReorganiseError as err:
        raise ShellError(err.key) from None
    _audit(uow, at, action, source_id, name=name, into=into.id, **carried.detail())
    key = "units_cli.dissolved" if action == "team_dissolve" else "units_cli.merged"
    print(t.t(key, unit=name, id=source_id, into=into.name, into_id=into.id))
    _said(t, carried)
    return 0


async def _merge(args, uow: UnitOfWork, t: Catalog, at: dt.datetime) -> int:
    source = await unit_of(uow, args.unit)
    into = await unit_of(uow, args.into)
    return await _merge_into(uow, t, at, source, into, "unit_merge")


async def _team_merge(args, uow: UnitOfWork, t: Catalog, at: dt.datetime) -> int:
    source = await team_of(uow, t, args.team)
    into = await team_of(uow, t, args.into)
    return await _merge_into(uow, t, at, source, into, "team_merge")


async def _team_dissolve(args, uow: UnitOfWork, t: Catalog, at: dt.datetime) -> int:
    source = await team_of(uow, t, args.team)
    into = await team_of(uow, t, args.people_to)
    return await _merge_into(uow, t, at, source, into, "team_dissolve")
