"""/chitieu: the targets of the official's unit, where each comes from, and changing one (pick the
measure → type the percentage or days, or go back to what is set above → confirm). A target set
on a unit holds for it and every unit under it that has none of its own; changes are audited."""

from __future__ import annotations

import datetime as dt
import enum
import re

from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.payload import payload
from handlers.kit.registry import OFFICIALS, Command, On, Slice
from handlers.stats.targets import LIMITS, Goal, goal_at, goals_of
from handlers.stats.targets_block import goal_text, source_text
from storage.db import UnitOfWork
from storage.models import AuditEntry, Measure, Person, Unit
from storage.targets import targets_of

_NUMBER = re.compile(r"^\s*(\d{1,3})\s*(%|ngày|ngay)?\s*$", re.IGNORECASE)
INHERIT = "inherit"


@payload("tgt", "edit")
class TargetEdit:
    """«Đổi một chỉ tiêu» under the /chitieu list."""


class Step(enum.StrEnum):
    MEASURE = "measure"
    VALUE = "value"
    CONFIRM = "confirm"


def read_value(measure: Measure, text: str) -> int:
    low, high = LIMITS[measure.in_days]
    found = _NUMBER.match(text or "")
    value = int(found.group(1)) if found else -1
    if not low <= value <= high:
        raise UserError("targets.bad_days" if measure.in_days else "targets.bad_percent", text=(text or "")[:20])
    return value


async def current_goals(ctx: Ctx, above_only: bool = False) -> dict[Measure, Goal]:
    """The targets the official's unit is held to (or, above_only, would be without its own)."""
    rows_, names = await goals_of(ctx.uow, ctx.me.unit)
    if above_only:
        rows_ = {k: v for k, v in rows_.items() if k[0] != ctx.me.unit_id}
    return {m: goal_at(rows_, names, ctx.me.unit.path, m) for m in Measure}


async def save_target(
    uow: UnitOfWork,
    unit: Unit,
    measure: Measure,
    value: int | str | None,
    who: Person,
    now: dt.datetime,
    via: str = "chat",
) -> None:
    """Set (or, with None, remove) the unit's own target, and write it to the audit log (at the
    shell the operator is not stored: no person id)."""
    repo = targets_of(uow)
    if value is None:
        if not await repo.clear(unit.id, measure):
            raise UserError("targets.nothing_to_clear", unit=unit.name)
    else:
        value = read_value(measure, str(value))
        await repo.set(unit.id, measure, value, who.id, now)
    await uow.audit.add(
        AuditEntry(
            at=now,
            person_id=who.id,
            action="set_target",
            target=f"unit:{unit.id}",
            detail={"measure": measure.value, "value": value, "via": via},
        )
    )


class EditTargetFlow(Flow):
    name = "target_edit"
    steps = Step

    def measure(self, ctx: Ctx) -> Measure:
        try:
            return Measure(ctx.conv.data.get("measure", ""))
        except ValueError:
            raise UserError("error.stale_button") from None

    def label(self, ctx: Ctx, measure: Measure) -> str:
        return ctx.t(f"targets.name_{measure.value}")

    async def start(self, ctx: Ctx) -> list[Reply]:
        self.begin(ctx, Step.MEASURE)
        return await self.ask_measure(ctx)

    async def ask_measure(self, ctx: Ctx) -> list[Reply]:
        options = [self.option_label(ctx, Step.MEASURE, m.value, self.label(ctx, m)) for m in Measure]
        return [ctx.say("targets.ask_measure", rows(*options))]

    async def pick_measure(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, measure=value)
        self.measure(ctx)
        self.goto(ctx, Step.VALUE)
        return await self.ask_value(ctx)

    async def ask_value(self, ctx: Ctx) -> list[Reply]:
        measure = self.measure(ctx)
        goal = (await current_goals(ctx))[measure]
        key = "targets.ask_days" if measure.in_days else "targets.ask_percent"
        text = ctx.t(
            key,
            measure=self.label(ctx, measure),
            goal=goal_text(ctx.t, measure, goal),
            source=source_text(ctx.t, measure, goal),
        )
        buttons = (
            rows(self.option(ctx, Step.VALUE, INHERIT, "targets.inherit")) if goal.unit_id == ctx.me.unit_id else ()
        )
        return [Reply(text, buttons)]

    async def text_value(self, ctx: Ctx, text: str) -> list[Reply]:
        try:
            value = read_value(self.measure(ctx), text)
        except UserError as err:  # asked again: the number is typed once more
            return [ctx.say(err.key, **err.values), *await self.ask_value(ctx)]
        self.put(ctx, value=value)
        self.goto(ctx, Step.CONFIRM)
        return await self.ask_confirm(ctx)

    async def pick_value(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, value=None)
        self.goto(ctx, Step.CONFIRM)
        return await self.ask_confirm(ctx)

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        measure, value, unit = self.measure(ctx), ctx.conv.data.get("value"), ctx.me.unit.name
        if value is None:
            above = (await current_goals(ctx, above_only=True))[measure]
            text = ctx.t(
                "targets.confirm_clear",
                measure=self.label(ctx, measure),
                unit=unit,
                goal=goal_text(ctx.t, measure, above),
                source=source_text(ctx.t, measure, above),
            )
        else:
            goal = goal_text(ctx.t, measure, Goal(int(value)))
            text = ctx.t("targets.confirm", measure=self.label(ctx, measure), unit=unit, goal=goal)
        buttons = rows(
            self.option(ctx, Step.CONFIRM, "ok", "targets.save"),
            self.option(ctx, Step.CONFIRM, "cancel", "common.cancel"),
        )
        return [Reply(text, buttons)]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        measure, typed = self.measure(ctx), ctx.conv.data.get("value")
        self.end(ctx)
        if value != "ok":
            return [ctx.say("flow.cancelled")]
        await save_target(ctx.uow, ctx.me.unit, measure, typed, ctx.me, ctx.now)
        goal = (await current_goals(ctx))[measure]
        key = "targets.saved" if typed is not None else "targets.cleared"
        return [
            ctx.say(
                key,
                measure=self.label(ctx, measure),
                unit=ctx.me.unit.name,
                goal=goal_text(ctx.t, measure, goal),
                source=source_text(ctx.t, measure, goal),
            )
        ]


class Targets:
    def __init__(self) -> None:
        self.edit = EditTargetFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("chitieu", self.targets_command, OFFICIALS, "help.chitieu", "menu.chitieu", menu_rank=31)
            ],
            buttons=[On(TargetEdit, self.edit_button, OFFICIALS)],
            flows=[self.edit],
        )

    async def targets_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        goals = await current_goals(ctx)
        lines = [ctx.t("targets.list_title", unit=ctx.me.unit.name)]
        for measure, goal in goals.items():
            lines.append(
                ctx.t(
                    "targets.list_line",
                    measure=ctx.t(f"targets.name_{measure.value}"),
                    goal=goal_text(ctx.t, measure, goal),
                    source=source_text(ctx.t, measure, goal),
                )
            )
        if any(g.source == "default" for g in goals.values()):
            lines.append(ctx.t("targets.unverified"))
        lines.append(ctx.t("targets.list_note"))
        return [Reply("\n".join(lines), rows(ctx.button("targets.change", TargetEdit())))]

    async def edit_button(self, ctx: Ctx, data: TargetEdit) -> list[Reply]:
        return await self.edit.start(ctx)
