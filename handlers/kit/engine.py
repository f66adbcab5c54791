"""The conversation engine: one Turn in, Replies out, for every channel.

One turn is one unit of work: the dialog state, any data change and the record that
this platform update was handled commit together, so a restart or a second worker
continues the same conversation and a redelivered update is not applied twice.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence

from handlers.kit.core import Ctx, Deps, Reply, Turn
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow, FlowPick
from handlers.kit.payload import unpack
from handlers.kit.registry import Cmd, Command, On, Slice, allowed, refusal
from handlers.kit.text import MAX_INPUT, MAX_LINE, answer_word, clean, clean_name, fold
from storage.db import Database

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.S)
_BARE_ANYWHERE = {"huy", "menu"}
MAX_ID_DIGITS = 12


def _describe(turn: Turn) -> str:
    """What kind of input a turn is, for the debug log: never its text (personal data)."""
    if turn.payload is not None:
        return f"button {turn.payload.split(':', 1)[0][:8]}"
    if turn.text is None:
        return "non-text"
    m = _COMMAND.match(turn.text.strip())
    return f"command /{m.group(1)[:32]}" if m else f"text of {len(turn.text)} characters"


def _choices(buttons: list) -> dict:
    """What a typed number or option word maps back to (stored in the conversation row)."""
    return {"payloads": [b.payload for b in buttons], "labels": [b.label for b in buttons]}


class Engine:
    def __init__(self, db: Database, deps: Deps, slices: Sequence[Slice]) -> None:
        self.db = db
        self.deps = deps
        self.commands: dict[str, Command] = {}
        self.buttons: dict[type, On] = {}
        self.jobs = [job for s in slices for job in s.jobs]  # the clock runs them (bot/clock.py)
        self.flows: dict[str, Flow] = {}
        self.free_text = [s.free_text for s in slices if s.free_text]
        self.watchers: list[Callable[[bool], None]] = []  # told whether each turn committed
        for s in slices:
            for c in s.commands:
                for name in (c.name, *c.aliases):
                    self.commands[name] = c
            for on in s.buttons:
                if on.kind in self.buttons:
                    raise ValueError(f"two handlers for the button {on.kind.__name__}")
                self.buttons[on.kind] = on
            self.flows.update({f.name: f for f in s.flows})
        for flow in self.flows.values():
            flow.check()  # a step table that disagrees with the flow's methods stops the start

    @property
    def command_list(self) -> list[Command]:
        return list(dict.fromkeys(self.commands.values()))

    async def handle(self, turn: Turn) -> list[Reply]:
        log.debug("turn on %s: %s", turn.channel, _describe(turn))
        now = self.deps.clock()
        try:
            async with self.db.uow() as uow:
                key = f"{turn.channel}:{turn.update_key}" if turn.update_key else None
                if key and not await uow.seen.first_time(key, now):
                    return []
                name = clean_name(turn.display_name, MAX_LINE)  # the platform's name, cleaned
                account, person, conv = await uow.accounts.touch(turn.channel, turn.account_id, name, now)
                ctx = Ctx(turn, uow, self.deps, account, conv, person, now)
                try:
                    replies = await self._route(ctx)
                except UserError as err:  # a use case's "no, because …": its message, whatever the slice
                    replies = [ctx.say(err.key, **err.values)]
                self._remember_choices(ctx, replies)
                conv.updated_at = now
                await uow.commit()
        except Exception as exc:  # noqa: BLE001 - the user gets a message, never a traceback
            log.error("turn failed on %s: %s", turn.channel, type(exc).__name__, exc_info=exc)
            replies, ok = [Reply(self.deps.catalog.t("error.internal"))], False
        else:
            ok = True
        for watcher in self.watchers:  # /healthz (bot/heartbeat.py)
            watcher(ok)
        return replies

    # --- routing -----------------------------------------------------------------
    async def _route(self, ctx: Ctx) -> list[Reply]:
        if self._expire(ctx):
            return [ctx.say("flow.expired"), *await self._route(ctx)]
        turn = ctx.turn
        if turn.payload is None and turn.text:
            mapped = self._choice_for(ctx, turn.text)
            if mapped:
                turn = dataclasses.replace(turn, payload=mapped, text=None)
                ctx.turn = turn
        if ctx.person is not None and not ctx.person.active:
            return await self._left(ctx)
        if turn.payload is not None:
            return await self._on_payload(ctx, turn.payload[:64])
        if turn.file is not None and ctx.conv.flow in self.flows:
            replies = await self.flows[ctx.conv.flow].on_file(ctx, turn.file)
            if replies is not None:
                return replies
        if turn.text is None:
            return [ctx.say("error.unsupported"), *await self._reprompt(ctx)]
        text = clean(turn.text)
        if not text:
            return [ctx.say("error.empty"), *await self._reprompt(ctx)]
        if len(text) > MAX_INPUT:
            return [ctx.say("error.too_long", limit=MAX_INPUT), *await self._reprompt(ctx)]
        command = self._parse_command(ctx, text)
        if command is not None:
            return await self.run_command(ctx, *command)
        if ctx.conv.flow:
            return await self.flows[ctx.conv.flow].on_text(ctx, text)
        for answer in self.free_text:
            replies = await answer(ctx, text)
            if replies is not None:
                return replies
        return [ctx.say("error.not_understood")]

    def _parse_command(self, ctx: Ctx, text: str) -> tuple[str, str] | None:
        m = _COMMAND.match(text)
        if m:
            return m.group(1).lower(), (m.group(2) or "").strip()
        words = fold(text).split(maxsplit=1)
        if not words or words[0] not in self.commands:
            return None
        if ctx.conv.flow and not (len(words) == 1 and words[0] in _BARE_ANYWHERE):
            return None  # inside a flow, plain words are the user's answer
        if ctx.turn.slash_commands and words[0] not in _BARE_ANYWHERE:
            return None
        return words[0], (text.split(maxsplit=1)[1:] or [""])[0].strip()

    async def run_command(self, ctx: Ctx, name: str, arg: str) -> list[Reply]:
        command = self.commands.get(name)
        if command is None:
            return [ctx.say("error.unknown_command", name=name[:32]), *await self._reprompt(ctx)]
        if ctx.conv.flow and not command.global_:
            return [ctx.say("flow.busy"), *await self._reprompt(ctx)]
        if not allowed(command, ctx):
            return [ctx.say(refusal(ctx))]
        return await command.run(ctx, arg)

    async def _on_payload(self, ctx: Ctx, payload: str) -> list[Reply]:
        data = unpack(payload)
        if isinstance(data, FlowPick):
            flow = self.flows.get(ctx.conv.flow or "")
            if data.value.isdecimal() and len(data.value) > MAX_ID_DIGITS:
                flow = None  # not an id we made: never reaches a query
            replies = None if flow is None else await flow.on_pick(ctx, data.tok, data.step, data.value)
            return replies if replies is not None else await self._stale(ctx)
        if isinstance(data, Cmd):
            return await self.run_command(ctx, data.name, "")
        on = self.buttons.get(type(data)) if data is not None else None
        if on is None:
            return await self._stale(ctx)
        if ctx.conv.flow:
            return [ctx.say("flow.busy"), *await self._reprompt(ctx)]
        if not allowed(on, ctx):
            return [ctx.say(refusal(ctx))]
        return await on.run(ctx, data)

    async def _stale(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("error.stale_button"), *await self._reprompt(ctx)]

    async def _left(self, ctx: Ctx) -> list[Reply]:
        """Someone who has left (Điều 11) acts on nothing: no command of a member, no button
        from an old message, no typed choice, no flow. The commands anyone may use (/hoidap,
        /quyenriengtu, /help) they still can, as a guest."""
        if ctx.conv.flow:
            Flow.end(ctx)
        refused = [ctx.say("error.left")]
        text = clean(ctx.turn.text or "")
        if ctx.turn.payload is not None or not text or len(text) > MAX_INPUT:
            return refused
        ctx.person = None
        command = self._parse_command(ctx, text)
        found = self.commands.get(command[0]) if command else None
        if command is None or found is None or None not in found.roles:
            return refused  # which says how to ask a legal question (/hoidap)
        return await found.run(ctx, command[1])

    async def _reprompt(self, ctx: Ctx) -> list[Reply]:
        flow = self.flows.get(ctx.conv.flow or "")
        return await flow.prompt(ctx) if flow else []

    def _expire(self, ctx: Ctx) -> bool:
        """End a flow left too long (or one this version no longer has); True if it did."""
        conv = ctx.conv
        if conv.flow and (conv.flow not in self.flows or (conv.expires_at and conv.expires_at < ctx.now)):
            Flow.end(ctx)
            conv.choices = {}
            return True
        return False

    # --- numbered choices (Zalo, console; typed labels everywhere) -------------------
    @staticmethod
    def _choice_for(ctx: Ctx, text: str) -> str | None:
        payloads = ctx.conv.choices.get("payloads") or []
        if not payloads:
            return None
        typed = fold(text)
        if typed.isascii() and typed.isdecimal() and len(typed) <= 3 and 1 <= int(typed) <= len(payloads):
            return payloads[int(typed) - 1]
        labels = [fold(label) for label in ctx.conv.choices.get("labels") or []]
        typed = answer_word(typed, labels)  # «ko», «k» → Không; «ừ», «uh» → Có, when offered
        return payloads[labels.index(typed)] if typed and typed in labels else None

    async def remember_pushed(self, channel: str, account_id: str, reply: Reply) -> None:
        """A reply with choices pushed outside a turn (a reminder): on channels without buttons
        a typed number must map to it too. A flow waiting for its own answer keeps its choices."""
        if not reply.buttons:
            return
        async with self.db.uow() as uow:
            account = await uow.accounts.get(channel, account_id)
            if account is None:
                return
            conv = await uow.conversations.get_or_new(account.id, self.deps.clock())
            if conv.flow:
                return
            conv.choices = _choices(reply.choices())
            await uow.commit()

    @staticmethod
    def _remember_choices(ctx: Ctx, replies: list[Reply]) -> None:
        ctx.conv.choices = _choices(next((r.choices() for r in reversed(replies) if r.buttons), []))
