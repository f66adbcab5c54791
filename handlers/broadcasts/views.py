"""/thongbao: an official sends a message or a file (PDF, DOCX, images; in chat or from the
CLI) to everyone under a unit, and sees how many received it and how many could not be reached."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from handlers.common.outbox import (
    MAX_CAPTION,
    MAX_PUSH_TEXT,
    Kind,
    PushEnv,
    enqueue_under,
    file_ok,
    keep_file,
    new_push,
)
from handlers.kit.core import Button, Ctx, FileRef, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.payload import payload, read_int
from handlers.kit.registry import OFFICIALS, Command, On, Slice
from handlers.kit.text import clean, shorten
from storage.access import unit_visible
from storage.db import UnitOfWork
from storage.models import DeliveryStatus as S
from storage.models import Person, Push, PushFile, Unit

KEEP = dt.timedelta(days=7)  # an announcement not delivered within a week is dropped
PAGE = 8
RECENT = 5
NAMES = 10
PAGE_ROWS = 5000  # delivery rows per INSERT: a national announcement is written in ~110 statements


@payload("tb", "new")
class NewBroadcast:
    """«Gửi thông báo mới»."""


@payload("tb", "view")
class BroadcastResults:
    """How many received an announcement, and who could not be reached."""

    push_id: int


class Step(enum.StrEnum):
    UNIT = "unit"
    TEXT = "text"
    CAPTION = "caption"
    CONFIRM = "confirm"


async def recipients_of(uow: UnitOfWork, unit: Unit, sender: Person | None) -> int:
    """How many people an announcement to the unit reaches (counted, not loaded)."""
    return await uow.outbox.count_under([unit.path], sender.id if sender else None)


async def create_broadcast(
    uow: UnitOfWork,
    env: PushEnv,
    *,
    sender: Person | None,
    unit: Unit,
    text: str,
    now: dt.datetime,
    file: PushFile | None = None,
) -> tuple[Push, int]:
    """One delivery per person under the unit (the sender excepted), due now or in the morning."""
    if sender is not None and not (sender.role.is_official and unit_visible(sender, unit.path)):
        raise UserError("notice.outside_unit")
    if not text.strip() or len(text) > (MAX_CAPTION if file else MAX_PUSH_TEXT):
        raise UserError("notice.too_long")
    if not await recipients_of(uow, unit, sender):
        raise UserError("notice.nobody")
    body = (
        env.t("notice.push", unit=unit.name, text=text)
        if sender is None
        else env.t("notice.push_from", name=sender.full_name, unit=unit.name, text=text)
    )
    push = await new_push(uow, Kind.BROADCAST, body, now, file=file, created_by=sender, unit=unit)
    topic = f"tb:{push.id}"
    count = await enqueue_under(
        uow,
        push,
        [unit.path],
        topic=topic,
        due=now,
        expires_at=now + KEEP,
        exclude=sender,
        env=env,
        now=now,
        page=PAGE_ROWS,
    )
    return push, count


def body_of(push: Push) -> str:
    """The official's own words: the push text after its heading line."""
    head, _, body = push.text.partition("\n")
    return body or head


def summary(counts: dict[S, int]) -> dict[str, int]:
    return {
        "total": sum(counts.values()),
        "sent": counts.get(S.SENT, 0),
        "waiting": sum(counts.get(s, 0) for s in (S.PENDING, S.CLAIMED, S.SENDING)),
        "failed": sum(counts.get(s, 0) for s in (S.UNREACHABLE, S.FAILED, S.EXPIRED)),
        "uncertain": counts.get(S.UNCERTAIN, 0),
    }


class BroadcastFlow(Flow):
    name = "tb_new"
    steps = Step

    async def _units(self, ctx: Ctx) -> list[Unit]:
        unit = ctx.me.unit
        return [unit, *(u for u in await ctx.uow.units.under(unit) if u.parent_id == unit.id)]

    async def ask_unit(self, ctx: Ctx) -> list[Reply]:
        units = await self._units(ctx)
        children = units[1:]
        at = self.page_at(ctx, len(children))
        everyone = self.option(ctx, Step.UNIT, str(units[0].id), "notice.everyone_in", unit=units[0].name[:50])
        options = [everyone] if at == 0 else []
        options += [self.option_label(ctx, Step.UNIT, str(u.id), u.name[:60]) for u in children[at : at + PAGE]]
        if len(children) > PAGE:
            options.append(self.option(ctx, Step.UNIT, "more", "common.more"))
        return [ctx.say("notice.ask_unit", rows(*options))]

    async def pick_unit(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "more":
            self.next_page(ctx, len(await self._units(ctx)) - 1, PAGE)
            return await self.ask_unit(ctx)
        unit_id = read_int(value)
        unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
        if unit is None or not unit_visible(ctx.me, unit.path):
            return await self.ask_unit(ctx)
        self.put(ctx, unit=unit.id)
        self.goto(ctx, Step.TEXT)
        return await self.ask_text(ctx)

    async def ask_text(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("notice.ask_text", limit=MAX_PUSH_TEXT)]

    async def text_text(self, ctx: Ctx, text: str) -> list[Reply]:
        return await self._take_text(ctx, text)

    async def file_text(self, ctx: Ctx, file: FileRef) -> list[Reply]:
        if not file_ok(file):
            return [ctx.say("notice.file_bad"), *await self.ask_text(ctx)]
        self.put(ctx, file=dataclasses.asdict(file))
        caption = clean(ctx.turn.text or "")
        if caption:
            return await self._take_text(ctx, caption)
        self.goto(ctx, Step.CAPTION)
        return await self.ask_caption(ctx)

    async def ask_caption(self, ctx: Ctx) -> list[Reply]:
        return [
            ctx.say(
                "notice.ask_caption", rows(self.option(ctx, Step.CAPTION, "skip", "common.skip")), limit=MAX_CAPTION
            )
        ]

    async def text_caption(self, ctx: Ctx, text: str) -> list[Reply]:
        return await self._take_text(ctx, text)

    async def pick_caption(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self._take_text(ctx, ctx.conv.data["file"]["filename"])

    async def _take_text(self, ctx: Ctx, text: str) -> list[Reply]:
        limit = MAX_CAPTION if ctx.conv.data.get("file") else MAX_PUSH_TEXT
        if len(text) > limit:
            return [ctx.say("notice.too_long_limit", limit=limit), *await self.prompt(ctx)]
        self.put(ctx, text=text)
        self.goto(ctx, Step.CONFIRM)
        return await self.ask_confirm(ctx)

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        unit = await ctx.uow.units.get(int(ctx.conv.data["unit"]))
        if unit is None:  # the unit picked was merged away meanwhile
            self.end(ctx)
            return [ctx.say("notice.unit_gone")]
        count = await recipients_of(ctx.uow, unit, ctx.person)
        quiet = ctx.t("notice.quiet_note") if ctx.deps.push.policy.quiet.contains(ctx.local(ctx.now)) else ""
        file = ctx.conv.data.get("file")
        body = ctx.conv.data["text"] + ("\n" + ctx.t("notice.attached", name=file["filename"]) if file else "")
        text = ctx.t("notice.confirm", unit=unit.name, count=count, text=body, quiet=quiet)
        return [
            Reply(
                text,
                rows(
                    self.option(ctx, Step.CONFIRM, "send", "notice.send"),
                    self.option(ctx, Step.CONFIRM, "cancel", "common.cancel"),
                ),
            )
        ]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        if value != "send":
            self.end(ctx)
            return [ctx.say("flow.cancelled")]
        draft = ctx.conv.data
        self.end(ctx)  # sent or refused, the draft is done
        unit = await ctx.uow.units.get(int(draft["unit"]))
        if unit is None:
            return [ctx.say("notice.unit_gone")]
        file = await keep_file(ctx.uow, draft["file"], ctx.now) if draft.get("file") else None
        push, count = await create_broadcast(
            ctx.uow, ctx.deps.push, sender=ctx.person, unit=unit, text=draft["text"], now=ctx.now, file=file
        )
        return [ctx.say("notice.queued", rows(ctx.button("notice.results", BroadcastResults(push.id))), count=count)]


class Broadcasts:
    def __init__(self) -> None:
        self.flow = BroadcastFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("thongbao", self.notices_command, OFFICIALS, "help.thongbao", "menu.thongbao", menu_rank=46)
            ],
            buttons=[
                On(NewBroadcast, self.new_button, roles=OFFICIALS),
                On(BroadcastResults, self.results_button, roles=OFFICIALS),
            ],
            flows=[self.flow],
        )

    async def notices_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        sent = await ctx.uow.outbox.pushes_by(ctx.me.id, Kind.BROADCAST, RECENT)
        new = ctx.button("notice.new", NewBroadcast())
        if not sent:
            return [ctx.say("notice.none", rows(new))]
        buttons = [
            Button.of(shorten(f"{ctx.local(p.created_at):%d/%m %H:%M} {body_of(p)}", 60), BroadcastResults(p.id))
            for p in sent
        ]
        return [ctx.say("notice.list_title", rows(*buttons, new))]

    async def new_button(self, ctx: Ctx, data: NewBroadcast) -> list[Reply]:
        self.flow.begin(ctx, Step.UNIT, offset=0)
        return await self.flow.ask_unit(ctx)

    async def results_button(self, ctx: Ctx, data: BroadcastResults) -> list[Reply]:
        push = await ctx.uow.outbox.push(data.push_id)
        if (
            push is None
            or push.kind != Kind.BROADCAST
            or not (push.created_by_id == ctx.me.id or (push.unit_path and unit_visible(ctx.me, push.unit_path)))
        ):
            return [ctx.say("notice.not_found")]
        counts = summary(await ctx.uow.outbox.counts(push.id))
        lines = [ctx.t("notice.results_text", when=ctx.local(push.created_at).strftime("%H:%M %d/%m/%Y"), **counts)]
        if counts["uncertain"]:
            lines.append(ctx.t("notice.uncertain", count=counts["uncertain"]))
        missed = await ctx.uow.outbox.not_reached(push.id, NAMES)
        if missed:
            lines.append(ctx.t("notice.missed", names=", ".join(p.full_name for p in missed)))
        return [Reply("\n".join(lines), rows(ctx.button("notice.refresh", BroadcastResults(push.id))))]
