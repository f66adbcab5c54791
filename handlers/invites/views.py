"""Invite codes: officials create them for units under theirs, see the ones still usable and
revoke them, from chat (/moi); a typed code is checked here, wrong tries audited and limited.

Codes are stored as digests (storage.codes): the code is shown once, when it is made; lists
show a code's number (#id), never the code.
"""

from __future__ import annotations

import datetime as dt
import enum

from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.payload import read_int
from handlers.kit.registry import OFFICIALS, Command, Slice
from handlers.onboarding.usecases import ROLE_UNIT_KINDS, create_invite, valid_invite
from storage.access import unit_visible
from storage.db import UnitOfWork
from storage.models import Account, InviteCode, Person, Role

PAGE = 8
# who a code is for, and how many may join with it (UBND leadership, the Front's committee: a few each)
USES = {Role.HOA_GIAI_VIEN: 30, Role.TO_TRUONG: 1, Role.CAN_BO: 1, Role.LANH_DAO: 3, Role.MAT_TRAN: 3}
MAX_WRONG = 5  # wrong invite codes per account …
WRONG_WINDOW = dt.timedelta(minutes=15)  # … in this window, then the account waits
REVOKE = "x"  # a choice «Thu hồi #12» at the role step is "x12"


# --- use cases (the engine's unit of work commits) ----------------------------------------
async def check_code(uow: UnitOfWork, account: Account, code: str, now: dt.datetime) -> InviteCode:
    """The live invite of a typed code; UserError says why not. A wrong code is written to
    the audit log; after MAX_WRONG of them in WRONG_WINDOW the account is told to wait."""
    target = f"account:{account.id}"
    if await uow.invites.failures_since(target, now - WRONG_WINDOW) >= MAX_WRONG:
        raise UserError("invite.too_many", count=MAX_WRONG, minutes=int(WRONG_WINDOW.total_seconds() // 60))
    invite = await valid_invite(uow, code, now)
    if invite is None:
        await uow.audit.record(now, account.person_id, "invite_failed", target, {"channel": account.channel})
        raise UserError("join.bad_code")
    return invite


async def revoke_invite(uow: UnitOfWork, who: Person | None, invite: InviteCode | None, now: dt.datetime) -> InviteCode:
    """No one can join with it any more (who joined with it stays); `who` None: the shell."""
    if invite is None or not invite.live(now):
        raise UserError("invite.revoke_gone")
    if who is not None and not unit_visible(who, invite.unit.path):
        raise UserError("invite.revoke_gone")
    invite.uses_left, invite.expires_at = 0, now
    await uow.audit.record(
        now,
        who.id if who else None,
        "invite_revoked",
        f"invite:{invite.id}",
        {"unit": invite.unit_id, "role": invite.role.value},
    )
    return invite


def live_line(t, tz, invite: InviteCode) -> str:
    return t(
        "invite.live_line",
        id=invite.id,
        role=t(f"role.{invite.role.value}"),
        unit=invite.unit.name,
        uses=invite.uses_left,
        expires=invite.expires_at.astimezone(tz).strftime("%d/%m/%Y"),
    )


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else ""


class Step(enum.StrEnum):
    ROLE = "role"
    UNIT = "unit"


class InviteFlow(Flow):
    name = "invite"
    steps = Step

    async def ask_role(self, ctx: Ctx) -> list[Reply]:
        """The codes this official made that still work (with a button to revoke each), then
        who the new code is for; one message, so Zalo's numbers reach every button."""
        options = [self.option(ctx, Step.ROLE, r.value, f"role.{r.value}") for r in USES]
        codes = await self._live(ctx)
        if not codes:
            return [ctx.say("invite.ask_role", rows(*options))]
        at = self.page_at(ctx, len(codes), "codes_at")
        page = codes[at : at + PAGE]
        lines = [ctx.t("invite.live_title", count=len(codes))]
        lines += [live_line(ctx.t, ctx.deps.tz, c) for c in page]
        options += [self.option(ctx, Step.ROLE, f"{REVOKE}{c.id}", "invite.revoke_button", id=c.id) for c in page]
        if len(codes) > PAGE:
            options.append(self.option(ctx, Step.ROLE, "more", "invite.more_codes"))
        return [Reply("\n".join([*lines, "", ctx.t("invite.ask_role")]), rows(*options))]

    async def pick_role(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "more":
            self.next_page(ctx, len(await self._live(ctx)), PAGE, "codes_at")
            return await self.ask_role(ctx)
        revoke = read_int(value.removeprefix(REVOKE)) if value.startswith(REVOKE) else None
        if revoke is not None:
            return [await self._revoke(ctx, revoke), *await self.ask_role(ctx)]
        if value not in {r.value for r in USES}:
            return await self.ask_role(ctx)
        self.put(ctx, role=value, offset=0)
        self.goto(ctx, Step.UNIT)
        return await self.ask_unit(ctx)

    async def _units(self, ctx: Ctx) -> list:
        kinds = ROLE_UNIT_KINDS[Role(ctx.conv.data["role"])]
        return [u for u in await ctx.uow.units.under(ctx.me.unit) if u.kind in kinds]

    async def ask_unit(self, ctx: Ctx) -> list[Reply]:
        units = await self._units(ctx)
        if not units:
            self.end(ctx)
            return [ctx.say("invite.no_units")]
        at = self.page_at(ctx, len(units))
        page = units[at : at + PAGE]
        options = [self.option_label(ctx, Step.UNIT, str(u.id), u.name[:60]) for u in page]
        if len(units) > PAGE:
            options.append(self.option(ctx, Step.UNIT, "more", "common.more"))
        return [ctx.say("invite.ask_unit", rows(*options))]

    async def pick_unit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "more":
            self.next_page(ctx, len(await self._units(ctx)), PAGE)
            return await self.ask_unit(ctx)
        unit_id = read_int(value)
        unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
        role = Role(ctx.conv.data["role"])
        self.end(ctx)
        if unit is None:
            return [ctx.say("invite.no_units")]
        invite = await create_invite(
            ctx.uow,
            role=role,
            unit=unit,
            now=ctx.now,
            days=ctx.deps.invite_days,
            uses=USES[role],
            created_by=ctx.person,
        )
        code = invite.made_code()
        link = invite_link(ctx.deps.bot_username, code)
        expires = ctx.local(invite.expires_at).strftime("%d/%m/%Y")
        text = ctx.t(
            "invite.created",
            code=code,
            role=ctx.t(f"role.{role.value}"),
            unit=unit.name,
            uses=invite.uses_left,
            expires=expires,
        )
        if link:
            text += "\n" + ctx.t("invite.link", link=link)
        return [Reply(text + "\n" + ctx.t("invite.zalo_hint", code=code))]

    @staticmethod
    async def _live(ctx: Ctx) -> list[InviteCode]:
        mine = await ctx.uow.invites.live(ctx.now, ctx.me.unit.path, made_by=ctx.me.id)
        return list(mine)

    async def _revoke(self, ctx: Ctx, invite_id: int) -> Reply:
        invite = await ctx.uow.invites.by_id(invite_id)
        try:
            invite = await revoke_invite(ctx.uow, ctx.person, invite, ctx.now)
        except UserError as err:  # said above the list, which is shown again
            return ctx.say(err.key, id=invite_id, **err.values)
        return ctx.say("invite.revoked", id=invite.id, role=ctx.t(f"role.{invite.role.value}"), unit=invite.unit.name)


class Invites:
    def __init__(self) -> None:
        self.flow = InviteFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("moi", self.invite_command, OFFICIALS, "help.moi", "menu.moi")],
            flows=[self.flow],
        )

    async def invite_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        self.flow.begin(ctx, Step.ROLE)
        return await self.flow.ask_role(ctx)
