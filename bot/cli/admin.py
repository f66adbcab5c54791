"""`python -m bot admin …`: units, the first officials, invite codes."""

from __future__ import annotations

import argparse
import datetime as dt
import unicodedata
from pathlib import Path

from sqlalchemy import select

from bot.cli import invites
from bot.cli.common import (
    ShellError,
    count_of,
    in_store,
    kind_name,
    name_of,
    no_namesake,
    now,
    prog,
    read_rows,
    say,
    unit_of,
)
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from handlers.common.person_steps import MAX_NAME
from handlers.invites.views import USES, invite_link
from handlers.kit.errors import UserError
from handlers.onboarding.usecases import ROLE_UNIT_KINDS, create_invite
from storage.db import UnitOfWork
from storage.models import Person, Role, Unit, UnitKind

CSV_LEVELS = (UnitKind.TINH, UnitKind.XA, UnitKind.THON, UnitKind.TO_HOA_GIAI)
# where each kind of unit sits: a province at the top, a district (older plans) in a province,
# a commune in a province or district, a village in a commune, a team in a village (Điều 12)
PARENT_KINDS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.TINH: (),
    UnitKind.HUYEN: (UnitKind.TINH,),
    UnitKind.XA: (UnitKind.TINH, UnitKind.HUYEN),
    UnitKind.THON: (UnitKind.XA,),
    UnitKind.TO_HOA_GIAI: (UnitKind.THON,),
}
MAX_UNIT_NAME = 120
MAX_USES = 1000
MAX_DAYS = 365


def add_parser(sub: argparse._SubParsersAction) -> None:
    """`admin <command>`: each command names its step (args, uow, catalog, settings, now)."""
    admin = sub.add_parser("admin", help="units, officials and invite codes")
    admin.set_defaults(run=run)
    cmds = admin.add_subparsers(dest="admin_cmd", required=True)
    cmds.add_parser("units", help="list the unit tree").set_defaults(step=_units)
    unit = cmds.add_parser("unit", help="create units")
    unit = unit.add_subparsers(dest="unit_cmd", required=True)
    add = unit.add_parser("add", help="create one unit")
    add.add_argument("--kind", required=True, choices=[k.value for k in UnitKind])
    add.add_argument("--name", required=True)
    add.add_argument("--parent", help="parent unit id or exact name (omit for a province)")
    add.add_argument("--ethnic-area", action="store_true", help="an area with many ethnic-minority people")
    add.set_defaults(step=_add_unit)
    imp = unit.add_parser("import", help="create units from a CSV: province,commune,village,team")
    imp.add_argument("csv", type=Path)
    imp.set_defaults(step=_import)
    off = cmds.add_parser("official", help="create an official of a unit, with a one-time invite code")
    off.add_argument("--unit", required=True, help="unit id or exact name")
    off.add_argument("--name", required=True)
    off.add_argument("--sex", choices=["nam", "nu"])
    off.add_argument("--admin", action="store_true", help="make this person an administrator")
    off.add_argument(
        "--same-name", action="store_true", help="someone else of the same name is already an official of that unit"
    )
    off.set_defaults(step=_official)
    inv = cmds.add_parser("invite", help="issue an invite code")
    inv.add_argument("--unit", required=True, help="unit id or exact name")
    inv.add_argument("--role", required=True, choices=[r.value for r in Role])
    inv.add_argument("--uses", type=int, help=f"how many people may join with it (1 to {MAX_USES})")
    inv.add_argument("--days", type=int, help=f"days it stays valid (1 to {MAX_DAYS})")
    inv.set_defaults(step=_issue)
    invites.add_parsers(cmds)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    if getattr(args, "csv", None) is not None:
        try:
            args.rows = read_rows(args.csv)  # a file that cannot be read is told before the store opens
        except ShellError as err:
            return say(t, err)
    creates = args.admin_cmd == "unit"  # only creating units may make a new store
    return await in_store(settings, t, lambda uow: args.step(args, uow, t, settings, now()), create=creates)


async def _units(args, uow: UnitOfWork, t: Catalog, settings: Settings, at: dt.datetime) -> int:
    units = await uow.units.all()
    if not units:
        print(t.t("cli.no_units", prog=prog()))
    for u in units:
        print(
            t.t("cli.unit_line", indent="  " * (u.path.count("/") - 2), id=u.id, name=u.name, kind=kind_name(t, u.kind))
        )
    return 0


async def _official(args, uow: UnitOfWork, t: Catalog, settings: Settings, at: dt.datetime) -> int:
    unit = await unit_of(uow, args.unit)
    role = Role.ADMIN if args.admin else Role.CAN_BO
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise ShellError("shell.official_unit", unit=unit.name, kind=kind_name(t, unit.kind))
    name = name_of(args.name, limit=MAX_NAME, key="shell.bad_person_name")
    if not args.same_name:
        await no_namesake(uow, t, unit, name)
    person = await uow.people.add(Person(full_name=name, sex=args.sex, role=role, unit_id=unit.id, created_at=at))
    print(t.t("cli.official_added", id=person.id, name=person.full_name, unit=unit.name))
    return await _invite(uow, t, settings, at, Role.CAN_BO, unit, 1, 30, person)


async def _issue(args, uow: UnitOfWork, t: Catalog, settings: Settings, at: dt.datetime) -> int:
    unit = await unit_of(uow, args.unit)
    role = Role(args.role)
    uses = count_of(args.uses, most=MAX_USES, key="shell.bad_uses") or USES.get(role, 1)
    days = count_of(args.days, most=MAX_DAYS, key="shell.bad_days") or settings.invite_days
    return await _invite(uow, t, settings, at, role, unit, uses, days, None)


async def _add_unit(args, uow: UnitOfWork, t: Catalog, settings: Settings, at: dt.datetime) -> int:
    kind = UnitKind(args.kind)
    name = name_of(args.name, limit=MAX_UNIT_NAME, key="shell.unit_bad_name")
    parent = None
    if args.parent:
        parent = await unit_of(uow, args.parent, missing="shell.parent_missing")
    _check_place(t, kind, parent)
    above = parent.name if parent else t.t("cli.top")
    same = await _sibling(uow, parent, name)
    if same is not None:
        raise ShellError("shell.unit_exists", name=same.name, id=same.id, kind=kind_name(t, same.kind), parent=above)
    unit = await uow.units.add(kind, name, parent, at)
    unit.ethnic_area = args.ethnic_area
    print(t.t("cli.unit_added", id=unit.id, name=unit.name, kind=kind_name(t, unit.kind), parent=above))
    return 0


def _check_place(t: Catalog, kind: UnitKind, parent: Unit | None) -> None:
    allowed = PARENT_KINDS[kind]
    names = ", ".join(kind_name(t, k) for k in allowed)
    if parent is not None and not allowed:
        raise ShellError("shell.unit_top_only")
    if parent is None and allowed:
        raise ShellError("shell.unit_needs_parent", kind=kind_name(t, kind), allowed=names)
    if parent is not None and parent.kind not in allowed:
        raise ShellError(
            "shell.unit_wrong_parent",
            kind=kind_name(t, kind),
            parent=parent.name,
            parent_kind=kind_name(t, parent.kind),
            allowed=names,
        )


def _same_name(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


async def _sibling(uow: UnitOfWork, parent: Unit | None, name: str) -> Unit | None:
    """A unit of that name (case and spacing aside) under the same parent, if there is one."""
    cond = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
    wanted = _same_name(name)
    for unit in await uow.session.scalars(select(Unit).where(cond).order_by(Unit.id)):
        if _same_name(unit.name) == wanted:
            return unit
    return None


async def _invite(
    uow,
    t: Catalog,
    settings: Settings,
    at: dt.datetime,
    role: Role,
    unit: Unit,
    uses: int,
    days: int,
    person: Person | None,
) -> int:
    try:
        invite = await create_invite(
            uow, role=role if person is None else person.role, unit=unit, now=at, days=days, uses=uses, person=person
        )
    except UserError as err:
        print(t.t("cli.invite_error", reason=t.t(err.key)))
        return 2
    code = invite.made_code()
    print(
        t.t(
            "cli.invite_line",
            code=code,
            role=t.t(f"role.{invite.role.value}"),
            unit=unit.name,
            uses=invite.uses_left,
            expires=invite.expires_at.strftime("%d/%m/%Y"),
        )
    )
    link = invite_link(settings.telegram_bot_username, code)
    print(t.t("cli.invite_link", link=link) if link else t.t("cli.invite_no_username"))
    print(t.t("cli.invite_zalo", code=code))
    return 0


async def _import(args, uow: UnitOfWork, t: Catalog, settings: Settings, at: dt.datetime) -> int:
    """Rows province,commune,village,team (args.rows, read before the store opened); units
    already there (same name under the same parent) are reused. Good rows are kept; each bad
    one is told, and the exit is then 2."""
    created = rows = bad = 0
    for line, cells in enumerate(args.rows, 1):
        if line == 1 and cells and cells[0].casefold() in ("province", "tinh", "tỉnh"):
            continue  # header
        if not any(cells):
            continue
        made = await _import_row(uow, t, line, cells[: len(CSV_LEVELS)], at)
        if made is None:
            bad += 1
            continue
        rows += 1
        created += made
    print(t.t("cli.import_done", rows=rows, created=created))
    if bad:
        await uow.commit()  # the good rows stay
        return 2
    return 0


async def _import_row(uow: UnitOfWork, t: Catalog, line: int, names: list[str], at: dt.datetime) -> int | None:
    """How many units the row created; None (and one line said) when the row is refused."""
    if len(names) < len(CSV_LEVELS) or not all(names):
        print(t.t("cli.import_bad_row", line=line))
        return None
    for name in names:
        if len(name) > MAX_UNIT_NAME or not any(ch.isalpha() for ch in name):
            print(t.t("shell.import_bad_name", line=line, name=name[:40], limit=MAX_UNIT_NAME))
            return None
    levels = list(zip(CSV_LEVELS, names, strict=True))
    parent: Unit | None = None
    while levels:  # the units already there, each of the kind its column says
        kind, name = levels[0]
        unit = await _sibling(uow, parent, name)
        if unit is None:
            break
        if unit.kind is not kind:
            print(
                t.t(
                    "shell.import_kind_clash",
                    line=line,
                    name=unit.name,
                    kind=kind_name(t, unit.kind),
                    wanted=kind_name(t, kind),
                )
            )
            return None
        parent = unit
        levels.pop(0)
    for kind, name in levels:
        parent = await uow.units.add(kind, name, parent, at)
    return len(levels)
