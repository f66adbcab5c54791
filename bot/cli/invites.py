"""`python -m bot admin invites --unit …` and `admin revoke CODE-or-#id`: the invite codes still
usable under a unit (by number: the store keeps no code, storage/codes.py), and revoking one."""

from __future__ import annotations

import argparse
import datetime as dt
from zoneinfo import ZoneInfo

from bot.cli.common import unit_of
from bot.settings import Settings
from content.catalog import Catalog
from handlers.invites.views import revoke_invite
from handlers.kit.errors import UserError
from handlers.kit.text import clean_name
from handlers.onboarding.usecases import looks_like_code
from storage.db import UnitOfWork


def add_parsers(cmds: argparse._SubParsersAction) -> None:
    """`admin invites` and `admin revoke`, with their steps (see bot/cli/admin.py)."""
    ls = cmds.add_parser("invites", help="invite codes still usable under a unit (numbers only)")
    ls.add_argument("--unit", required=True, help="unit id or exact name")
    ls.set_defaults(step=_list)
    rv = cmds.add_parser("revoke", help="revoke an invite code: the code itself or its #number")
    rv.add_argument("code", help="the code (8 characters) or its number, e.g. #12")
    rv.set_defaults(step=_revoke)


async def _list(args, uow: UnitOfWork, t: Catalog, settings: Settings, now: dt.datetime) -> int:
    tz = ZoneInfo(settings.timezone)
    unit = await unit_of(uow, args.unit)  # unknown or shared by two units: one line, exit 2
    codes = await uow.invites.live(now, unit.path)
    if not codes:
        print(t.t("cli_codes.none", unit=unit.name))
        return 0
    for invite in codes:
        by = await uow.people.get(invite.created_by_id) if invite.created_by_id else None
        print(
            t.t(
                "cli_codes.line",
                id=invite.id,
                role=t.t(f"role.{invite.role.value}"),
                unit=invite.unit.name,
                uses=invite.uses_left,
                expires=invite.expires_at.astimezone(tz).strftime("%d/%m/%Y"),
                by=by.full_name if by else t.t("cli_codes.by_shell"),
            )
        )
    print(t.t("cli_codes.hint"))
    return 0


async def _revoke(args, uow: UnitOfWork, t: Catalog, settings: Settings, now: dt.datetime) -> int:
    typed = clean_name(args.code, limit=40)
    number = typed.lstrip("#")
    invite = await uow.invites.get(typed) if looks_like_code(typed) else None
    if invite is None and number.isdecimal() and number.isascii() and len(number) < 12:
        invite = await uow.invites.by_id(int(number))
    try:
        invite = await revoke_invite(uow, None, invite, now)
    except UserError:
        print(t.t("cli_codes.not_found", code=typed))
        return 2
    print(t.t("cli_codes.revoked", id=invite.id, role=t.t(f"role.{invite.role.value}"), unit=invite.unit.name))
    return 0
