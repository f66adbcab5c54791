"""`python -m bot admin …`: units, the first officials, invite codes."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

from bot.app import open_store, system_clock
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from handlers.invites import USES, invite_link
from handlers.people import InviteError, create_invite
from storage.db import UnitOfWork
from storage.models import Person, Role, Unit, UnitKind

CSV_LEVELS = (UnitKind.TINH, UnitKind.XA, UnitKind.THON, UnitKind.TO_HOA_GIAI)


def add_parser(sub: argparse._SubParsersAction) -> None:
    admin = sub.add_parser("admin", help="units, officials and invite codes")
    cmds = admin.add_subparsers(dest="admin_cmd", required=True)
    cmds.add_parser("units", help="list the unit tree")
    unit = cmds.add_parser("unit", help="create units").add_subparsers(dest="unit_cmd", required=True)
    add = unit.add_parser("add", help="create one unit")
    add.add_argument("--kind", required=True, choices=[k.value for k in UnitKind])
    add.add_argument("--name", required=True)
    add.add_argument("--parent", help="parent unit id or exact name (omit for a province)")
    add.add_argument("--ethnic-area", action="store_true", help="an area with many ethnic-minority people")
    imp = unit.add_parser("import", help="create units from a CSV: province,commune,village,team")
    imp.add_argument("csv", type=Path)
    off = cmds.add_parser("official", help="create an official of a unit, with a one-time invite code")
    off.add_argument("--unit", required=True, help="unit id or exact name")
    off.add_argument("--name", required=True)
    off.add_argument("--sex", choices=["nam", "nu"])
    off.add_argument("--admin", action="store_true", help="make this person an administrator")
    inv = cmds.add_parser("invite", help="issue an invite code")
    inv.add_argument("--unit", required=True, help="unit id or exact name")
    inv.add_argument("--role", required=True, choices=[r.value for r in Role])
    inv.add_argument("--uses", type=int)
    inv.add_argument("--days", type=int)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    db = await open_store(settings)
    try:
        async with db.uow() as uow:
            now = system_clock()
            code = await _dispatch(args, uow, t, settings, now)
            await uow.commit()
            return code
    finally:
        await db.dispose()


async def _dispatch(args, uow: UnitOfWork, t: Catalog, settings: Settings, now: dt.datetime) -> int:
    if args.admin_cmd == "units":
        units = await uow.units.all()
        if not units:
            print(t.t("cli.no_units"))
        for u in units:
            print(t.t("cli.unit_line", indent="  " * (u.path.count("/") - 2), id=u.id, name=u.name,
                      kind=t.t(f"unit_kind.{u.kind.value}")))
        return 0
    if args.admin_cmd == "unit" and args.unit_cmd == "add":
        parent = await _unit(uow, t, args.parent) if args.parent else None
        if args.parent and parent is None:
            return 2
        unit = await uow.units.add(UnitKind(args.kind), args.name.strip(), parent, now)
        unit.ethnic_area = args.ethnic_area
        print(t.t("cli.unit_added", id=unit.id, name=unit.name, kind=t.t(f"unit_kind.{unit.kind.value}"),
                  parent=parent.name if parent else t.t("cli.top")))
        return 0
    if args.admin_cmd == "unit" and args.unit_cmd == "import":
        return await _import(uow, t, args.csv, now)
    unit = await _unit(uow, t, args.unit)
    if unit is None:
        return 2
    if args.admin_cmd == "official":
        person = await uow.people.add(Person(full_name=args.name.strip(), sex=args.sex, role=Role.ADMIN
                                             if args.admin else Role.CAN_BO, unit_id=unit.id, created_at=now))
        print(t.t("cli.official_added", id=person.id, name=person.full_name, unit=unit.name))
        return await _invite(uow, t, settings, now, Role.CAN_BO, unit, 1, 30, person)
    role = Role(args.role)
    return await _invite(uow, t, settings, now, role, unit, args.uses or USES.get(role, 1),
                         args.days or settings.invite_days, None)


async def _invite(uow, t: Catalog, settings: Settings, now, role: Role, unit: Unit, uses: int, days: int,
                  person: Person | None) -> int:
    try:
        invite = await create_invite(uow, role=role if person is None else person.role, unit=unit, now=now,
                                     days=days, uses=uses, person=person)
    except InviteError as err:
        print(t.t("cli.invite_error", reason=t.t(err.key)))
        return 2
    print(t.t("cli.invite_line", code=invite.code, role=t.t(f"role.{invite.role.value}"), unit=unit.name,
              uses=invite.uses_left, expires=invite.expires_at.strftime("%d/%m/%Y")))
    link = invite_link(settings.telegram_bot_username, invite.code)
    print(t.t("cli.invite_link", link=link) if link else t.t("cli.invite_no_username"))
    print(t.t("cli.invite_zalo", code=invite.code))
    return 0


async def _unit(uow: UnitOfWork, t: Catalog, key: str) -> Unit | None:
    found = await uow.units.find(key.strip().lstrip("#"))
    if len(found) == 1:
        return found[0]
    print(t.t("cli.unit_ambiguous", name=key) if found else t.t("cli.unit_parent_missing", parent=key))
    return None


async def _import(uow: UnitOfWork, t: Catalog, path: Path, now: dt.datetime) -> int:
    created = rows = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.reader(fh), 1):
            names = [c.strip() for c in row]
            if line == 1 and names and names[0].casefold() in ("province", "tinh", "tỉnh"):
                continue  # header
            if len(names) < len(CSV_LEVELS) or not all(names[: len(CSV_LEVELS)]):
                print(t.t("cli.import_bad_row", line=line))
                continue
            rows += 1
            parent = None
            for kind, name in zip(CSV_LEVELS, names, strict=False):
                unit = await uow.units.child_named(parent, name)
                if unit is None:
                    unit = await uow.units.add(kind, name, parent, now)
                    created += 1
                parent = unit
    print(t.t("cli.import_done", rows=rows, created=created))
    return 0
