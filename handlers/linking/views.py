"""/lienket: one person on Telegram and Zalo.

A joined person gets a short one-time code in one app and types it in the other: that
account then belongs to the same person. The same screen chooses where reminders go.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Callable

from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.payload import payload
from handlers.kit.registry import EVERYONE, MEMBERS, READERS, Command, On, Slice
from handlers.kit.text import fold
from handlers.onboarding.usecases import CODE_ALPHABET
from handlers.onboarding.views import show_menu
from storage.db import UnitOfWork
from storage.models import Account, Person

LINK_TTL = dt.timedelta(minutes=15)
LINK_LENGTH = 6
PUSH_CHANNELS = ("telegram", "zalo")  # the apps a reminder can be pushed to
MAX_FAILURES = 5  # wrong codes per account …
FAILURE_WINDOW = dt.timedelta(hours=1)  # … in this window


def new_link_code() -> str:
    """Six characters with at least one digit, so a plain word is never taken for a code."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(LINK_LENGTH))
        if any(ch in string.digits for ch in code) and any(ch.isalpha() for ch in code):
            return code


def looks_like_link_code(text: str) -> bool:
    t = text.strip().upper()
    return len(t) == LINK_LENGTH and all(ch in CODE_ALPHABET for ch in t) and any(ch in string.digits for ch in t)


AUTO = "auto"  # reminders go to the app used last


@payload("link", "pref")
class LinkPref:
    """«Nhắc nhở qua Zalo»: where reminders go (a PUSH_CHANNELS name, or AUTO)."""

    channel: str


# --- use cases (the engine's unit of work commits) ----------------------------------------
async def make_link_code(uow: UnitOfWork, person: Person, now: dt.datetime) -> str:
    """A new code for this person, returned to be shown once (the store keeps its digest)."""
    for _ in range(5):
        code = new_link_code()
        if not await uow.links.exists(code):
            break
    await uow.links.replace(person.id, code, now, LINK_TTL)
    return code


async def link_account(uow: UnitOfWork, account: Account, code: str, now: dt.datetime) -> Person:
    """Give this chat account to the person whose code it is; UserError says why not."""
    target = f"account:{account.id}"
    if await uow.links.failures_since(target, now - FAILURE_WINDOW) >= MAX_FAILURES:
        raise UserError("link.too_many")
    person_id = await uow.links.spend(code.strip().upper(), now)
    if person_id is None:
        await uow.audit.record(now, account.person_id, "link_failed", target)
        raise UserError("link.bad_code")
    if account.person_id == person_id:
        raise UserError("link.already")
    if account.person_id is not None:
        raise UserError("link.taken")
    person = await uow.people.get(person_id)
    if person is None or not person.active:
        raise UserError("link.bad_code")
    account.person_id = person.id
    await uow.audit.record(now, person.id, "link_account", target, {"channel": account.channel})
    return person


async def set_preferred_channel(uow: UnitOfWork, person: Person, channel: str | None) -> None:
    """None = the app they used last; otherwise one they have an account on."""
    if channel is not None:
        accounts = await uow.accounts.of_person(person.id)
        if channel not in PUSH_CHANNELS or all(a.channel != channel for a in accounts):
            raise UserError("link.pref_no_account")
    person.preferred_channel = channel


# --- chat -------------------------------------------------------------------------------
def channel_name(ctx: Ctx, channel: str) -> str:
    key = f"channel.name.{channel}"
    return ctx.t(key) if ctx.deps.catalog.has(key) else channel


class Linking:
    def __init__(self, commands: Callable[[], list[Command]]) -> None:
        self._commands = commands  # the engine's full list, for the menu after linking

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("lienket", self.link_command, EVERYONE, "help.lienket", "menu.lienket", menu_rank=90)],
            buttons=[On(LinkPref, self.pref_button, MEMBERS | READERS)],  # one's own accounts
            free_text=self.code_text,
        )

    async def link_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        if arg:
            return await self._redeem(ctx, arg.split()[0][:16])
        if ctx.person is None:
            return [ctx.say("link.guest")]
        return [await self._status(ctx, await make_link_code(ctx.uow, ctx.person, ctx.now))]

    async def code_text(self, ctx: Ctx, text: str) -> list[Reply] | None:
        """`lienket CODE` typed as plain text (Telegram too), or the code alone before joining."""
        words = fold(text).split()
        if len(words) == 2 and words[0] == "lienket" and looks_like_link_code(words[1]):
            return await self._redeem(ctx, words[1])
        if len(words) == 1 and ctx.person is None and looks_like_link_code(words[0]):
            return await self._redeem(ctx, words[0])
        return None

    async def pref_button(self, ctx: Ctx, data: LinkPref) -> list[Reply]:
        channel = None if data.channel == AUTO else data.channel
        try:
            await set_preferred_channel(ctx.uow, ctx.me, channel)
        except UserError as err:  # named with the app's name, which the use case does not know
            return [ctx.say(err.key, channel=channel_name(ctx, channel or ""))]
        if channel is None:
            return [ctx.say("link.pref_saved_auto")]
        return [ctx.say("link.pref_saved", channel=channel_name(ctx, channel))]

    async def _redeem(self, ctx: Ctx, code: str) -> list[Reply]:
        here = channel_name(ctx, ctx.account.channel)
        try:
            person = await link_account(ctx.uow, ctx.account, code, ctx.now)
        except UserError as err:  # the app's name and the code's lifetime, for any of its messages
            return [ctx.say(err.key, channel=here, minutes=int(LINK_TTL.total_seconds() // 60))]
        Flow.end(ctx)  # whatever this account was doing before it had a person is dropped
        await ctx.uow.people.with_unit(person)
        ctx.person = person
        done = ctx.say(
            "link.done",
            channel=here,
            name=person.full_name,
            role=ctx.t(f"role.{person.role.value}"),
            unit=person.unit.name,
        )
        return [done, *await show_menu(ctx, self._commands())]

    async def _status(self, ctx: Ctx, code: str) -> Reply:
        accounts = await ctx.uow.accounts.of_person(ctx.me.id)
        lines = [ctx.t("link.accounts_title")]
        for account in accounts:
            name = channel_name(ctx, account.channel)
            if account.id == ctx.account.id:
                lines.append(ctx.t("link.account_here", channel=name))
            elif account.unreachable:
                lines.append(ctx.t("link.account_unreachable", channel=name))
            else:
                when = ctx.local(account.last_seen_at).strftime("%d/%m/%Y")
                lines.append(ctx.t("link.account_line", channel=name, date=when))
        preferred = ctx.me.preferred_channel
        lines.append(
            ctx.t("link.preferred", channel=channel_name(ctx, preferred)) if preferred else ctx.t("link.preferred_auto")
        )
        lines += ["", ctx.t("link.code", code=code, minutes=int(LINK_TTL.total_seconds() // 60))]
        apps = [c for c in PUSH_CHANNELS if any(a.channel == c for a in accounts)]
        buttons = []
        if len(apps) > 1:
            buttons = [
                ctx.button("link.pref_button", LinkPref(c), channel=channel_name(ctx, c))
                for c in apps
                if c != preferred
            ]
            if preferred:
                buttons.append(ctx.button("link.pref_auto_button", LinkPref(AUTO)))
        return Reply("\n".join(lines), rows(*buttons))
