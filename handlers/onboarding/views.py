"""Joining with an invite code, help, the main menu and leaving a flow."""

from __future__ import annotations

from collections.abc import Callable

from handlers.common.person_steps import FactStep, PersonFactsFlow
from handlers.invites.views import check_code
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.events import PersonJoined
from handlers.kit.flow import Flow
from handlers.kit.registry import EVERYONE, Cmd, Command, Slice, allowed, role_of
from handlers.kit.text import clean_name
from handlers.onboarding.usecases import join, looks_like_code
from storage.models import InviteCode


def profile_name(ctx: Ctx) -> str:
    """The name the chat app shows, cleaned like anything typed; "" when nothing is left."""
    return clean_name(ctx.turn.display_name) or clean_name(ctx.account.display_name)


class JoinFlow(PersonFactsFlow):
    """Asks the few facts the team review needs (Điều 12): name, sex, ethnic minority."""

    name = "join"

    def __init__(self, commands: Callable[[], list[Command]]) -> None:
        self._commands = commands

    async def ask_name(self, ctx: Ctx) -> list[Reply]:
        shown = profile_name(ctx)
        if not shown:
            return [ctx.say("join.ask_name")]
        use = self.option(ctx, FactStep.NAME, "as_shown", "join.use_name", name=shown)
        return [ctx.say("join.ask_name", rows(use))]

    async def pick_name(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self.text_name(ctx, profile_name(ctx))

    async def pick_ethnic(self, ctx: Ctx, value: str) -> list[Reply]:
        data = ctx.conv.data
        invite = await ctx.uow.invites.by_id(int(data.get("invite_id") or 0))
        if invite is None and data.get("code"):  # a join begun before codes were kept as digests
            invite = await ctx.uow.invites.get(str(data["code"]))
        return await finish_join(
            ctx, self._commands(), invite, full_name=data["full_name"], sex=data["sex"], ethnic_minority=value == "yes"
        )


async def finish_join(
    ctx: Ctx,
    commands: list[Command],
    invite: InviteCode | None,
    *,
    full_name: str,
    sex: str | None,
    ethnic_minority: bool,
) -> list[Reply]:
    Flow.end(ctx)
    person = None
    if invite is not None and invite.live(ctx.now):
        person = await join(
            ctx.uow, ctx.account, invite, ctx.now, full_name=full_name, sex=sex, ethnic_minority=ethnic_minority
        )
    if person is None:
        return [ctx.say("join.code_gone")]
    ctx.person = person
    await ctx.deps.events.publish(ctx.uow, PersonJoined(person, ctx.now))
    welcome = ctx.say(
        "join.welcome", name=person.full_name, role=ctx.t(f"role.{person.role.value}"), unit=person.unit.name
    )
    return [welcome, *await show_menu(ctx, commands)]


class Onboarding:
    def __init__(self, commands: Callable[[], list[Command]]) -> None:
        self._commands = commands  # the engine's full list, for /help and /menu
        self.join_flow = JoinFlow(commands)

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("start", self.start_command, EVERYONE, "help.start", global_=True),
                Command(
                    "help",
                    self.help_command,
                    EVERYONE,
                    "help.help",
                    "menu.help",
                    aliases=("trogiup",),
                    global_=True,
                    menu_rank=99,
                ),
                Command("menu", self.menu_command, EVERYONE, "help.menu", global_=True),
                Command("huy", self.cancel_command, EVERYONE, "help.huy", global_=True),
            ],
            flows=[self.join_flow],
            free_text=self.code_text,
        )

    async def start_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        if ctx.person is not None:
            if ctx.conv.flow:
                return [ctx.say("flow.busy")]
            return [
                ctx.say("join.already", role=ctx.t(f"role.{ctx.person.role.value}"), unit=ctx.person.unit.name),
                *await show_menu(ctx, self._commands()),
            ]
        if not arg:
            return [ctx.say("join.how_to")]
        invite = await check_code(ctx.uow, ctx.account, arg.split()[0][:32], ctx.now)
        if invite.person_id is not None:  # an official created from the CLI: nothing to ask
            person = await ctx.uow.people.get(invite.person_id)
            if person is None:  # the person the code was made for is no longer in the store
                return [ctx.say("join.code_gone")]
            return await finish_join(
                ctx,
                self._commands(),
                invite,
                full_name=person.full_name,
                sex=person.sex,
                ethnic_minority=person.ethnic_minority,
            )
        self.join_flow.begin(ctx, FactStep.NAME, invite_id=invite.id)  # the draft holds no code
        intro = ctx.say("join.code_ok", role=ctx.t(f"role.{invite.role.value}"), unit=invite.unit.name)
        return [intro, *await self.join_flow.ask_name(ctx)]

    async def code_text(self, ctx: Ctx, text: str) -> list[Reply] | None:
        """Someone not yet joined who simply types their code (common on Zalo)."""
        if ctx.person is None and looks_like_code(text):
            return await self.start_command(ctx, text)
        return None

    async def help_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        lines = [ctx.t("help.title")]
        lines += [f"/{c.name} — {ctx.t(c.help_key)}" for c in self._commands() if allowed(c, ctx)]
        if ctx.person is None:
            lines.append(ctx.t("help.not_joined"))
        if not ctx.turn.slash_commands and ctx.person is not None:
            lines.append(ctx.t("help.no_slash"))
        return [Reply("\n".join(lines))]

    async def menu_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        replies = await show_menu(ctx, self._commands())
        if ctx.conv.flow:
            return [ctx.say("flow.menu_in_flow"), *replies[:1]]
        return replies

    async def cancel_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        had_flow = bool(ctx.conv.flow)
        Flow.end(ctx)
        return [
            ctx.say("flow.cancelled" if had_flow else "flow.nothing_to_cancel"),
            *await show_menu(ctx, self._commands()),
        ]


async def show_menu(ctx: Ctx, commands: list[Command]) -> list[Reply]:
    items = sorted((c for c in commands if c.menu_key and allowed(c, ctx)), key=lambda c: c.menu_rank)
    buttons = [ctx.button(c.menu_key, Cmd(c.name)) for c in items]
    key = "menu.title" if role_of(ctx) is not None else "menu.title_guest"
    return [ctx.say(key, rows(*buttons))]
