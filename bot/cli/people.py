"""`python -m bot people list --unit …`: everyone at or under a unit, with the ids that
`team move --person` and `team leave --person` need, their role, team, and whether they
joined the bot or have left (Điều 11)."""

from __future__ import annotations

import argparse
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cli.common import day_of, in_store, operator, prog, unit_of
from bot.settings import Settings
from content.catalog import Catalog, load_catalog
from storage.access import person_visible, under
from storage.db import UnitOfWork
from storage.models import Account, Person, Unit


def add_parser(sub: argparse._SubParsersAction) -> None:
    people = sub.add_parser("people", help="people under a unit, with their ids")
    cmds = people.add_subparsers(dest="people_cmd", required=True)
    ls = cmds.add_parser("list", help="id, name, role, team; joined the bot or left")
    ls.add_argument("--unit", required=True, help="unit id or exact name")
    people.set_defaults(run=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog()
    tz = ZoneInfo(settings.timezone)
    return await in_store(settings, t, lambda uow: _list(uow, t, args.unit, tz))


async def _list(uow: UnitOfWork, t: Catalog, key: str, tz: ZoneInfo) -> int:
    unit = await unit_of(uow, key)
    q = (
        select(Person, Unit)
        .join(Unit, Person.unit_id == Unit.id)
        .where(under(Unit.path, unit.path), person_visible(operator(unit)))
        .order_by(Unit.path, Person.id)
    )
    rows = (await uow.session.execute(q)).all()
    if not rows:
        print(t.t("people_cli.none", unit=unit.name, prog=prog()))
        return 0
    ids = [p.id for p, _ in rows]
    joined = set(await uow.session.scalars(select(Account.person_id).where(Account.person_id.in_(ids))))
    active = sum(1 for p, _ in rows if p.active)
    print(t.t("people_cli.head", unit=unit.name, count=len(rows), active=active, left=len(rows) - active))
    for person, home in rows:
        print(
            t.t(
                "people_cli.line",
                id=person.id,
                name=person.full_name,
                role=t.t(f"role.{person.role.value}"),
                unit=home.name,
                unit_id=home.id,
                state=_state(t, person, person.id in joined, tz),
            )
        )
    return 0


def _state(t: Catalog, person: Person, joined: bool, tz: ZoneInfo) -> str:
    if not person.active:
        return t.t("people_cli.left", day=day_of(person.left_at, tz), point=person.left_reason or "?")
    return t.t("people_cli.joined") if joined else t.t("people_cli.not_joined")
