"""How slices declare what they answer to: commands, button prefixes and flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.kit.core import Ctx, Reply
from handlers.kit.flow import Flow
from handlers.kit.payload import payload
from storage.models import Role

if TYPE_CHECKING:
    import datetime as dt

    from handlers.common.outbox import PushEnv
    from storage.db import UnitOfWork

CommandFn = Callable[[Ctx, str], Awaitable[list[Reply]]]
ButtonFn = Callable[[Ctx, Any], Awaitable[list[Reply]]]
# A recurring job (the clock runs it every few minutes, in one unit of work): how many pushes it planned.
JobFn = Callable[["UnitOfWork", "PushEnv", "dt.datetime"], Awaitable[int]]

EVERYONE: frozenset[Role | None] = frozenset({None, *Role})
# read-only overseers (UBND leadership, the Front): only what is declared for them, never by default
READERS: frozenset[Role | None] = frozenset(r for r in Role if r.reads_only)
MEMBERS: frozenset[Role | None] = frozenset(Role) - READERS  # the people who work in the bot
TEAM: frozenset[Role | None] = frozenset({Role.HOA_GIAI_VIEN, Role.TO_TRUONG})
OFFICIALS: frozenset[Role | None] = frozenset({Role.CAN_BO, Role.ADMIN})
OVERSEERS: frozenset[Role | None] = OFFICIALS | READERS  # the desk's screens that only read


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


@payload("cmd")
class Cmd:
    """A button that runs a command, as if typed: «📋 Menu» → /menu."""

    name: str


@dataclass(frozen=True)
class On:
    """One kind of button (a declared payload class) and the handler that answers it."""

    kind: type
    run: ButtonFn
    roles: frozenset[Role | None] = MEMBERS


@dataclass
class Slice:
    commands: Sequence[Command] = ()
    buttons: Sequence[On] = ()
    jobs: Sequence[JobFn] = ()  # recurring jobs, idempotent (the clock runs them often)
    flows: Sequence[Flow] = ()
    free_text: Callable[[Ctx, str], Awaitable[list[Reply] | None]] | None = None


def role_of(ctx: Ctx) -> Role | None:
    return ctx.person.role if ctx.person is not None else None


def allowed(command: Command | On, ctx: Ctx) -> bool:
    return role_of(ctx) in command.roles


def refusal(ctx: Ctx) -> str:
    """The catalog key of «not for you»: join first, read only, or another role's command."""
    if ctx.person is None:
        return "error.join_first"
    return "readonly.refused" if ctx.person.role.reads_only else "error.not_for_role"


def is_official(ctx: Ctx) -> bool:
    """Whether the person of this turn acts as an official (cán bộ tư pháp or administrator)."""
    return ctx.person is not None and ctx.person.role.is_official
