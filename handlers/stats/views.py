"""/thongke and its buttons: drill into a child unit, switch period, chart, export."""

from __future__ import annotations

import asyncio

from handlers.common import periods
from handlers.common.periods import Period, Problem
from handlers.kit.core import Attachment, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.registry import MEMBERS, READERS, Command, On, Slice
from handlers.stats.buttons import StatsChart, StatsShow, StatsUnits
from handlers.stats.chart import COLOURS, monthly_png
from handlers.stats.render import period_heading, period_label, stats_screen
from handlers.stats.stale_block import officials_stale_job
from handlers.stats.targets_block import officials_targets_job, with_plan_blocks
from handlers.stats.usecases import REPORTERS, find_unit, home_unit, own_stats, unit_stats
from storage.models import Role, Unit

PAGE = 8
COUNTERS = MEMBERS | READERS  # counts only: the read-only overseers too


async def scoped_unit(ctx: Ctx, unit_id: int) -> Unit | None:
    """0 is the person's own starting point; any other id must lie in their scope."""
    if unit_id == 0:
        return home_unit(ctx.me)
    return await ctx.uow.stats.unit_for(ctx.me, unit_id)


async def stats_target(ctx: Ctx, unit_id: int, code: str) -> tuple[Unit | None, Period]:
    """The unit (None: a mediator's own cases) and period a button names, within the viewer's scope."""
    period = periods.from_code(code)
    unit = await scoped_unit(ctx, unit_id) if period is not None else None
    if period is None or (unit is None and (unit_id != 0 or ctx.me.role is not Role.HOA_GIAI_VIEN)):
        raise UserError("stats.not_found")
    return unit, period


class Stats:
    def slice(self) -> Slice:
        return Slice(
            commands=[Command("thongke", self.stats_command, COUNTERS, "help.thongke", "menu.thongke", menu_rank=30)],
            buttons=[
                On(StatsShow, self.show, COUNTERS),
                On(StatsChart, self.chart, COUNTERS),
                On(StatsUnits, self.units, COUNTERS),
            ],
            jobs=[officials_stale_job, officials_targets_job],
        )

    async def stats_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        period, rest = periods.split_arg(arg, ctx.today)
        if isinstance(period, Problem):
            return [ctx.say(period.key, **period.values)]
        period = period or periods.this("year", ctx.today)
        if not rest:
            return await self._show(ctx, home_unit(ctx.me), period)
        if ctx.me.role.in_team:  # a unit by name: officials and overseers, over their subtree
            return [ctx.say("stats.bad_period", text=rest[:60])]
        found = await find_unit(ctx.uow, ctx.me, rest)
        if not found:
            return [ctx.say("stats.unit_or_period_unknown", text=rest[:60])]
        if len(found) > 1:
            options = [ctx.button("stats.btn_child", StatsShow(u.id, period.code), name=u.name[:40]) for u in found]
            return [ctx.say("stats.ambiguous", rows(*options), name=rest[:60])]
        return await self._show(ctx, found[0], period)

    async def show(self, ctx: Ctx, data: StatsShow) -> list[Reply]:
        return await self._show(ctx, *await stats_target(ctx, data.unit_id, data.period))

    async def chart(self, ctx: Ctx, data: StatsChart) -> list[Reply]:
        return await self._chart(ctx, *await stats_target(ctx, data.unit_id, data.period))

    async def units(self, ctx: Ctx, data: StatsUnits) -> list[Reply]:
        unit, period = await stats_target(ctx, data.unit_id, data.period)
        if unit is None:
            raise UserError("error.stale_button")
        return await self._children(ctx, unit, period, data.offset)

    async def _show(self, ctx: Ctx, unit: Unit | None, period: Period) -> list[Reply]:
        if unit is None:
            view = await own_stats(ctx.uow, ctx.me, period)
        else:
            view = await unit_stats(ctx.uow, ctx.me, unit, period)
        return [await with_plan_blocks(ctx, unit, period, stats_screen(ctx, view, ctx.me.role in REPORTERS))]

    async def _chart(self, ctx: Ctx, unit: Unit | None, period: Period) -> list[Reply]:
        if unit is None:
            counts = await ctx.uow.stats.own_monthly(ctx.me, period.start, period.end)
            name = ctx.t("stats.own_cases")
        else:
            counts = await ctx.uow.stats.monthly(ctx.me, unit, period.start, period.end)
            name = unit.name
        labels = {s: ctx.t(f"status.{s}") for s in COLOURS}
        png = await asyncio.to_thread(
            monthly_png,
            period.months(),
            counts,
            labels,
            ctx.t("stats.chart_title", unit=name, period=period_label(ctx.t, period)),
            ctx.t("stats.chart_ylabel"),
        )
        caption = ctx.t("stats.chart_caption", unit=name, period=period_heading(ctx.t, period))
        return [Reply(caption, file=Attachment(f"thong-ke-{period.code}.png", png, kind="image"))]

    async def _children(self, ctx: Ctx, unit: Unit, period: Period, offset: int) -> list[Reply]:
        children = list(await ctx.uow.stats.children(ctx.me, unit))
        if not children:
            return [ctx.say("stats.no_children", unit=unit.name)]
        offset = offset if offset < len(children) else 0
        page = children[offset : offset + PAGE]
        buttons = [ctx.button("stats.btn_child", StatsShow(u.id, period.code), name=u.name[:40]) for u in page]
        if offset + PAGE < len(children):
            buttons.append(ctx.button("common.more", StatsUnits(unit.id, period.code, offset + PAGE)))
        buttons.append(ctx.button("common.back", StatsShow(unit.id, period.code)))
        return [ctx.say("stats.children_title", rows(*buttons), unit=unit.name)]
