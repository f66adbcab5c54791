"""How slices declare what they answer to: commands, button prefixes and flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from handlers.core import Ctx, Reply
from handlers.flow import Flow
from storage.models import Role

CommandFn = Callable[[Ctx, str], Awaitable[list[Reply]]]
ActionFn = Callable[[Ctx, list[str]], Awaitable[list[Reply]]]

EVERYONE: frozenset[Role | None] = frozenset({None, *Role})
MEMBERS: frozenset[Role | None] = frozenset(Role)
TEAM: frozenset[Role | None] = frozenset({Role.HOA_GIAI_VIEN, Role.TO_TRUONG})
OFFICIALS: frozenset[Role | None] = frozenset({Role.CAN_BO, Role.ADMIN})


@dataclass(frozen=True)
class Command:
    name: str  # ASCII, as Telegram allows: a-z, 0-9, _
    run: CommandFn
    roles: frozenset[Role | None]
    help_key: str  # catalog key of its one-line description
    menu_key: str = ""  # catalog key of its main-menu label ("" = not in the menu)
    aliases: tuple[str, ...] = ()
    global_: bool = False  # allowed in the middle of a flow
    menu_rank: int = 50  # lower comes first in the main menu


@dataclass
class Slice:
    commands: Sequence[Command] = ()
    actions: dict[str, ActionFn] = field(default_factory=dict)
    flows: Sequence[Flow] = ()
    free_text: Callable[[Ctx, str], Awaitable[list[Reply] | None]] | None = None


def role_of(ctx: Ctx) -> Role | None:
    return ctx.person.role if ctx.person is not None else None


def allowed(command: Command, ctx: Ctx) -> bool:
    return role_of(ctx) in command.roles
