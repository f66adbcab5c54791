"""/donvi and its buttons: an official's units, and for one of them rename, move, merge or (a
team) dissolve, each with a confirm screen saying what carries over."""

from __future__ import annotations

import enum

from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.flow import Flow
from handlers.kit.registry import OFFICIALS, Command, On, Slice
from handlers.kit.text import clean, one_line
from handlers.units.buttons import Change, ChangeAsk, ChangeDo, TargetChoices, UnitList, UnitRename, UnitView
from handlers.units.usecases import apply_change, below, managed_unit, rename, target, targets
from storage.models import Unit, UnitKind
from storage.reorganise import Carried

PAGE = 8
MAX_NAME = 120
ASK = {
    Change.MOVE: "units_chat.pick_parent",
    Change.MERGE: "units_chat.pick_into",
    Change.DISSOLVE: "units_chat.pick_team",
}
CONFIRM = {
    Change.MOVE: "units_chat.confirm_move",
    Change.MERGE: "units_chat.confirm_merge",
    Change.DISSOLVE: "units_chat.confirm_dissolve",
}


def kind(ctx: Ctx, unit: Unit) -> str:
    return ctx.t(f"unit_kind.{unit.kind.value}")


def carried_lines(ctx: Ctx, c: Carried) -> list[str]:
    lines = [
        ctx.t(
            "reorganise.carries",
            cases=c.cases,
            people=c.people,
            deadlines=c.deadlines,
            trainings=c.trainings,
            units=c.units,
        )
    ]
    lines += [ctx.t("reorganise.recoded", old=o, new=n) for o, n in c.recoded]
    lines += [ctx.t("reorganise.renamed_child", old=o, new=n) for o, n in c.renamed]
    lines += [ctx.t("reorganise.stepped_down", name=n) for n in c.leaders_stepped_down]
    return lines


class Step(enum.StrEnum):
    NAME = "name"


class RenameFlow(Flow):
    name = "unit_rename"
    steps = Step

    async def ask_name(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("units_chat.ask_name", unit=ctx.conv.data.get("unit", ""))]

    async def text_name(self, ctx: Ctx, text: str) -> list[Reply]:
        name = one_line(clean(text))
        if not 2 <= len(name) <= MAX_NAME or not any(ch.isalpha() for ch in name):
            return [ctx.say("units_chat.bad_name", limit=MAX_NAME)]
        unit_id = int(ctx.conv.data["unit_id"])
        self.end(ctx)
        old = await rename(ctx.uow, ctx.me, unit_id, name, ctx.now)
        return [ctx.say("reorganise.renamed", old=old, new=name)]


class Units:
    def __init__(self) -> None:
        self.rename_flow = RenameFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("donvi", self.list_command, OFFICIALS, "help.donvi")],
            buttons=[
                On(UnitList, self.list_button, OFFICIALS),
                On(UnitView, self.view_button, OFFICIALS),
                On(UnitRename, self.rename_button, OFFICIALS),
                On(TargetChoices, self.choices_button, OFFICIALS),
                On(ChangeAsk, self.confirm_button, OFFICIALS),
                On(ChangeDo, self.change_button, OFFICIALS),
            ],
            flows=[self.rename_flow],
        )

    async def list_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return [await self._list(ctx, 0)]

    async def list_button(self, ctx: Ctx, data: UnitList) -> list[Reply]:
        return [await self._list(ctx, data.offset)]

    async def _list(self, ctx: Ctx, offset: int) -> Reply:
        units = await below(ctx.uow, ctx.me)
        if not units:
            return ctx.say("units_chat.none", unit=ctx.me.unit.name)
        offset = offset if offset < len(units) else 0
        buttons = [
            Button.of(ctx.t("units_chat.unit_line", name=u.name[:40], kind=kind(ctx, u)), UnitView(u.id))
            for u in units[offset : offset + PAGE]
        ]
        if offset + PAGE < len(units):
            buttons.append(ctx.button("common.more", UnitList(offset + PAGE)))
        return ctx.say("units_chat.head", rows(*buttons), unit=ctx.me.unit.name)

    async def view_button(self, ctx: Ctx, data: UnitView) -> list[Reply]:
        unit = await managed_unit(ctx.uow, ctx.me, data.unit_id)
        parent = await ctx.uow.units.get(unit.parent_id) if unit.parent_id else None
        buttons = [
            ctx.button("units_chat.btn_rename", UnitRename(unit.id)),
            ctx.button("units_chat.btn_move", TargetChoices(unit.id, Change.MOVE, 0)),
            ctx.button("units_chat.btn_merge", TargetChoices(unit.id, Change.MERGE, 0)),
        ]
        if unit.kind is UnitKind.TO_HOA_GIAI:
            buttons.append(ctx.button("units_chat.btn_dissolve", TargetChoices(unit.id, Change.DISSOLVE, 0)))
        buttons.append(ctx.button("common.back", UnitList(0)))
        head = ctx.t("units_chat.unit_head", name=unit.name, kind=kind(ctx, unit), parent=parent.name if parent else "")
        lines = [head, *carried_lines(ctx, await ctx.uow.reorganise.carried(unit))]
        return [Reply("\n".join(lines), rows(*buttons))]

    async def rename_button(self, ctx: Ctx, data: UnitRename) -> list[Reply]:
        unit = await managed_unit(ctx.uow, ctx.me, data.unit_id)
        self.rename_flow.begin(ctx, Step.NAME, unit_id=unit.id, unit=unit.name)
        return await self.rename_flow.ask_name(ctx)

    async def choices_button(self, ctx: Ctx, data: TargetChoices) -> list[Reply]:
        unit = await managed_unit(ctx.uow, ctx.me, data.unit_id)
        places = await targets(ctx.uow, ctx.me, unit, data.change)
        back = ctx.button("common.back", UnitView(unit.id))
        if not places:
            return [ctx.say("units_chat.no_choice", rows(back))]
        offset = data.offset if data.offset < len(places) else 0
        buttons = [
            Button.of(u.name[:50], ChangeAsk(unit.id, data.change, u.id)) for u in places[offset : offset + PAGE]
        ]
        if offset + PAGE < len(places):
            buttons.append(ctx.button("common.more", TargetChoices(unit.id, data.change, offset + PAGE)))
        return [ctx.say(ASK[data.change], rows(*buttons, back), unit=unit.name)]

    async def confirm_button(self, ctx: Ctx, data: ChangeAsk) -> list[Reply]:
        unit = await managed_unit(ctx.uow, ctx.me, data.unit_id)
        into = await target(ctx.uow, ctx.me, unit, data.change, data.target_id)
        lines = [ctx.t(CONFIRM[data.change], unit=unit.name, target=into.name)]
        lines += carried_lines(ctx, await ctx.uow.reorganise.carried(unit))
        buttons = [
            ctx.button("units_chat.btn_confirm", ChangeDo(unit.id, data.change, into.id)),
            ctx.button("units_chat.btn_cancel", UnitView(unit.id)),
        ]
        return [Reply("\n".join(lines), rows(*buttons))]

    async def change_button(self, ctx: Ctx, data: ChangeDo) -> list[Reply]:
        name, into, carried = await apply_change(ctx.uow, ctx.me, data, ctx.now)
        key = {Change.MOVE: "reorganise.moved", Change.MERGE: "reorganise.merged"}.get(
            data.change, "reorganise.dissolved"
        )
        said = ctx.t(key, unit=name, parent=into.name, into=into.name)
        return [Reply("\n".join([said, *carried_lines(ctx, carried)]), rows(ctx.button("common.back", UnitList(0))))]
