"""Guided flows of the trainings slice: create a training (with an optional document), change
it, decline with a reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from handlers.common.outbox import PushPolicy, file_ok, keep_file
from handlers.kit.core import Ctx, FileRef, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.text import one_line
from handlers.trainings.audience import invitees
from handlers.trainings.buttons import TrainingView, TrainingYes
from handlers.trainings.render import parse_when
from handlers.trainings.usecases import (
    MAX_PLACE,
    MAX_TITLE,
    answer,
    change_training,
    create_training,
)
from storage.models import Unit, UnitKind

PAGE = 10
REASONS = ("busy", "sick", "away")
MAX_REASON = 300


class NewStep(enum.StrEnum):
    TITLE = "title"
    WHEN = "when"
    PLACE = "place"
    SCOPE = "scope"
    DOC = "doc"
    CONFIRM = "confirm"


class ChangeStep(enum.StrEnum):
    WHAT = "what"
    WHEN = "when"
    PLACE = "place"


class DeclineStep(enum.StrEnum):
    REASON = "reason"


async def scope_candidates(ctx: Ctx) -> list[Unit]:
    """What an official can pick: the teams of a commune, else the units right below."""
    unit = ctx.me.unit
    if unit.kind in (UnitKind.XA, UnitKind.THON):
        return list(await ctx.uow.units.under(unit, UnitKind.TO_HOA_GIAI))
    return [u for u in await ctx.uow.units.under(unit) if u.parent_id == unit.id]


class NewTrainingFlow(Flow):
    name = "tr_new"
    steps = NewStep

    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy

    async def start(self, ctx: Ctx) -> list[Reply]:
        self.begin(ctx, NewStep.TITLE, scope=[], offset=0)
        return await self.ask_title(ctx)

    async def ask_title(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("training.ask_title")]

    async def text_title(self, ctx: Ctx, text: str) -> list[Reply]:
        title = one_line(text)
        if not 3 <= len(title) <= MAX_TITLE:
            return [ctx.say("training.title_bad", limit=MAX_TITLE), *await self.ask_title(ctx)]
        self.put(ctx, title=title)
        self.goto(ctx, NewStep.WHEN)
        return await self.ask_when(ctx)

    async def ask_when(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("training.ask_when")]

    async def text_when(self, ctx: Ctx, text: str) -> list[Reply]:
        when = parse_when(text, ctx.now, ctx.deps.tz)
        if isinstance(when, str):
            return [ctx.say(when), *await self.ask_when(ctx)]
        self.put(ctx, starts_at=when.isoformat())
        self.goto(ctx, NewStep.PLACE)
        return await self.ask_place(ctx)

    async def ask_place(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("training.ask_place")]

    async def text_place(self, ctx: Ctx, text: str) -> list[Reply]:
        place = one_line(text)
        if not 2 <= len(place) <= MAX_PLACE:
            return [ctx.say("training.place_bad", limit=MAX_PLACE), *await self.ask_place(ctx)]
        self.put(ctx, place=place)
        self.goto(ctx, NewStep.SCOPE)
        return await self.ask_scope(ctx)

    async def ask_scope(self, ctx: Ctx) -> list[Reply]:
        units = await scope_candidates(ctx)
        chosen = set(ctx.conv.data.get("scope") or [])
        at = self.page_at(ctx, len(units))
        options = [self.option(ctx, NewStep.SCOPE, "all", "training.scope_all", unit=ctx.me.unit.name[:50])]
        options += [
            self.option_label(ctx, NewStep.SCOPE, str(u.id), ("✅ " if u.id in chosen else "▫️ ") + u.name[:50])
            for u in units[at : at + PAGE]
        ]
        if len(units) > PAGE:
            options.append(self.option(ctx, NewStep.SCOPE, "more", "common.more"))
        options.append(self.option(ctx, NewStep.SCOPE, "done", "common.done"))
        return [ctx.say("training.ask_scope", rows(*options))]

    async def pick_scope(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "more":
            self.next_page(ctx, len(await scope_candidates(ctx)), PAGE)
            return await self.ask_scope(ctx)
        if value == "all":
            self.put(ctx, scope=[ctx.me.unit_id])
        elif value == "done":
            if not ctx.conv.data.get("scope"):
                return [ctx.say("training.scope_none"), *await self.ask_scope(ctx)]
        else:
            uid = next((u.id for u in await scope_candidates(ctx) if str(u.id) == value), None)
            chosen = list(ctx.conv.data.get("scope") or [])
            if uid is not None:
                chosen = [i for i in chosen if i != uid] if uid in chosen else [*chosen, uid]
            self.put(ctx, scope=[i for i in chosen if i != ctx.me.unit_id])
            return await self.ask_scope(ctx)
        self.goto(ctx, NewStep.CONFIRM)
        return await self.ask_confirm(ctx)

    async def ask_doc(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("training.ask_doc", rows(self.option(ctx, NewStep.DOC, "skip", "common.skip")))]

    async def pick_doc(self, ctx: Ctx, value: str) -> list[Reply]:
        self.goto(ctx, NewStep.CONFIRM)
        return await self.ask_confirm(ctx)

    async def file_doc(self, ctx: Ctx, file: FileRef) -> list[Reply]:
        if not file_ok(file):
            return [ctx.say("training.file_bad"), *await self.ask_doc(ctx)]
        self.put(ctx, file=dataclasses.asdict(file))
        self.goto(ctx, NewStep.CONFIRM)
        return await self.ask_confirm(ctx)

    async def _scope(self, ctx: Ctx) -> list[Unit]:
        units = [await ctx.uow.units.get(int(i)) for i in ctx.conv.data.get("scope") or []]
        return [u for u in units if u is not None]

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        data, scope = ctx.conv.data, await self._scope(ctx)
        people = await invitees(ctx.uow, ctx.me.unit, scope)
        env = ctx.deps.push
        when = env.when(dt.datetime.fromisoformat(data["starts_at"]))
        text = ctx.t(
            "training.confirm",
            title=data["title"],
            when=when,
            place=data["place"],
            scope=", ".join(u.name for u in scope),
            count=len(people),
        )
        if data.get("file"):
            text += "\n" + ctx.t("notice.attached", name=data["file"]["filename"])
        return [
            self.choices(
                ctx,
                NewStep.CONFIRM,
                text,
                ("save", "training.create"),
                ("doc", "training.attach"),
                ("cancel", "common.cancel"),
            )
        ]

    async def file_confirm(self, ctx: Ctx, file: FileRef) -> list[Reply]:
        return await self.file_doc(ctx, file)  # a file sent at the last screen is attached too

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        if value == "doc":
            self.goto(ctx, NewStep.DOC)
            return await self.ask_doc(ctx)
        if value != "save":
            self.end(ctx)
            return [ctx.say("flow.cancelled")]
        data, scope = ctx.conv.data, await self._scope(ctx)
        file = await keep_file(ctx.uow, data["file"], ctx.now) if data.get("file") else None
        try:
            training, count = await create_training(
                ctx.uow,
                ctx.deps.push,
                organiser=ctx.person,
                unit=ctx.me.unit,
                title=data["title"],
                starts_at=dt.datetime.fromisoformat(data["starts_at"]),
                place=data["place"],
                scope=scope,
                now=ctx.now,
                file=file,
            )
        except UserError as err:  # the screen is asked again: the official may go back and change it
            return [ctx.say(err.key), *await self.ask_confirm(ctx)]
        self.end(ctx)
        return [
            ctx.say(
                "training.created",
                rows(ctx.button("training.view", TrainingView(training.id))),
                count=count,
                code=training.checkin_code,
            )
        ]


class ChangeTrainingFlow(Flow):
    name = "tr_edit"
    steps = ChangeStep

    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy

    async def ask_what(self, ctx: Ctx) -> list[Reply]:
        what = ChangeStep.WHAT
        return [
            ctx.say(
                "training.ask_change",
                rows(
                    self.option(ctx, what, ChangeStep.WHEN, "training.change_when"),
                    self.option(ctx, what, ChangeStep.PLACE, "training.change_place"),
                    self.option(ctx, what, "back", "common.cancel"),
                ),
            )
        ]

    async def pick_what(self, ctx: Ctx, value: str) -> list[Reply]:
        if value not in (ChangeStep.WHEN, ChangeStep.PLACE):
            self.end(ctx)
            return [ctx.say("flow.cancelled")]
        self.goto(ctx, ChangeStep(value))
        return [ctx.say(f"training.ask_{value}")]

    async def ask_when(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("training.ask_when")]

    async def ask_place(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("training.ask_place")]

    async def text_when(self, ctx: Ctx, text: str) -> list[Reply]:
        when = parse_when(text, ctx.now, ctx.deps.tz)
        if isinstance(when, str):
            return [ctx.say(when), *await self.ask_when(ctx)]
        return await self._save(ctx, starts_at=when)

    async def text_place(self, ctx: Ctx, text: str) -> list[Reply]:
        place = one_line(text)
        if not 2 <= len(place) <= MAX_PLACE:
            return [ctx.say("training.place_bad", limit=MAX_PLACE), *await self.ask_place(ctx)]
        return await self._save(ctx, place=place)

    async def _save(self, ctx: Ctx, **change) -> list[Reply]:
        tid = int(ctx.conv.data["tid"])
        self.end(ctx)
        training = await ctx.uow.trainings.managed(ctx.me, tid)
        if training is None:
            return [ctx.say("training.not_found")]
        told = await change_training(ctx.uow, ctx.deps.push, training, ctx.now, **change)
        return [ctx.say("training.changed", rows(ctx.button("training.view", TrainingView(tid))), count=told)]


class DeclineFlow(Flow):
    name = "tr_no"
    steps = DeclineStep

    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy

    async def ask_reason(self, ctx: Ctx) -> list[Reply]:
        options = [self.option(ctx, DeclineStep.REASON, r, f"training.reason_{r}") for r in REASONS]
        options.append(self.option(ctx, DeclineStep.REASON, "skip", "common.skip"))
        return [ctx.say("training.ask_reason", rows(*options))]

    async def pick_reason(self, ctx: Ctx, value: str) -> list[Reply]:
        reason = ctx.t(f"training.reason_{value}") if value in REASONS else None
        return await self._save(ctx, reason)

    async def text_reason(self, ctx: Ctx, text: str) -> list[Reply]:
        if len(text) > MAX_REASON:
            return [ctx.say("training.reason_too_long", limit=MAX_REASON), *await self.ask_reason(ctx)]
        return await self._save(ctx, one_line(text))

    async def _save(self, ctx: Ctx, reason: str | None) -> list[Reply]:
        tid = int(ctx.conv.data["tid"])
        self.end(ctx)
        _, training = await answer(ctx.uow, ctx.deps.push, ctx.me, tid, yes=False, now=ctx.now, reason=reason)
        return [
            ctx.say("training.declined", rows(ctx.button("training.btn_yes", TrainingYes(tid))), title=training.title)
        ]
