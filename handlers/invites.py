"""Officials create invite codes for units under theirs, from chat (/moi)."""

from __future__ import annotations

from handlers.core import Ctx, Reply, rows
from handlers.flow import Flow
from handlers.people import ROLE_UNIT_KINDS, InviteError, create_invite
from handlers.registry import OFFICIALS, Command, Slice
from storage.models import Role

PAGE = 8
USES = {Role.HOA_GIAI_VIEN: 30, Role.TO_TRUONG: 1, Role.CAN_BO: 1}


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else ""


class InviteFlow(Flow):
    name = "invite"

    async def ask_role(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, "role", r.value, f"role.{r.value}") for r in USES]
        return [ctx.say("invite.ask_role", rows(*options))]

    async def pick_role(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in {r.value for r in USES}:
            return await self.ask_role(ctx)
        self.put(ctx, role=value, offset=0)
        self.goto(ctx, "unit")
        return await self.ask_unit(ctx)

    async def _units(self, ctx: Ctx) -> list:
        kinds = ROLE_UNIT_KINDS[Role(ctx.conv.data["role"])]
        return [u for u in await ctx.uow.units.under(ctx.person.unit) if u.kind in kinds]

    async def ask_unit(self, ctx: Ctx) -> list[Reply]:
        units = await self._units(ctx)
        if not units:
            self.end(ctx)
            return [ctx.say("invite.no_units")]
        at = self.page_at(ctx, len(units))
        page = units[at : at + PAGE]
        options = [self.option_label(ctx, "unit", str(u.id), u.name[:60]) for u in page]
        if len(units) > PAGE:
            options.append(self.option(ctx, "unit", "more", "common.more"))
        return [ctx.say("invite.ask_unit", rows(*options))]

    async def pick_unit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "more":
            self.next_page(ctx, len(await self._units(ctx)), PAGE)
            return await self.ask_unit(ctx)
        unit = await ctx.uow.units.get(int(value)) if value.isdecimal() else None
        role = Role(ctx.conv.data["role"])
        self.end(ctx)
        if unit is None:
            return [ctx.say("invite.no_units")]
        try:
            invite = await create_invite(ctx.uow, role=role, unit=unit, now=ctx.now,
                                         days=ctx.deps.invite_days, uses=USES[role], created_by=ctx.person)
        except InviteError as err:
            return [ctx.say(err.key)]
        link = invite_link(ctx.deps.bot_username, invite.code)
        expires = ctx.local(invite.expires_at).strftime("%d/%m/%Y")
        text = ctx.t("invite.created", code=invite.code, role=ctx.t(f"role.{role.value}"),
                     unit=unit.name, uses=invite.uses_left, expires=expires)
        if link:
            text += "\n" + ctx.t("invite.link", link=link)
        return [Reply(text + "\n" + ctx.t("invite.zalo_hint", code=invite.code))]


class Invites:
    def __init__(self) -> None:
        self.flow = InviteFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("moi", self.invite_command, OFFICIALS, "help.moi", "menu.moi")],
            flows=[self.flow],
        )

    async def invite_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        self.flow.begin(ctx, "role")
        return await self.flow.ask_role(ctx)
