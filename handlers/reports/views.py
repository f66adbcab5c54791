"""/baocao and its buttons: choose the period, then export (parties by initials unless the
person explicitly asks for their names; every export is audited)."""

from __future__ import annotations

from handlers.common import periods
from handlers.common.periods import Period, Problem
from handlers.kit.core import Attachment, Ctx, Reply, rows
from handlers.kit.registry import Command, Slice
from handlers.kit.text import fold
from handlers.reports.data import export
from handlers.reports.money import Rates
from handlers.stats.render import period_heading, period_rows
from handlers.stats.usecases import REPORTERS, find_unit, home_unit
from handlers.stats.views import parse_target, scoped_unit
from storage.models import Role, Unit

XLSX = "xlsx"


def file_stem(unit: Unit, period: Period) -> str:
    return "bao-cao-" + "-".join(fold(unit.name).split())[:40] + f"-{period.code}"


class Reports:
    def __init__(self, rates: Rates) -> None:
        self.rates = rates

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("baocao", self.report_command, REPORTERS, "help.baocao", "menu.baocao",
                              menu_rank=32)],
            actions={"rp": self.report_button},
        )

    async def report_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        period, rest = periods.split_arg(arg, ctx.today)
        if isinstance(period, Problem):
            return [ctx.say(period.key, **period.values)]
        period = period or periods.this("year", ctx.today)
        unit = home_unit(ctx.person)
        if rest:
            if ctx.person.role is Role.TO_TRUONG:
                return [ctx.say("stats.bad_period", text=rest[:60])]
            found = await find_unit(ctx.uow, ctx.person, rest)
            if len(found) != 1:
                return [ctx.say("stats.unit_or_period_unknown", text=rest[:60])]
            unit = found[0]
        return [self._offer(ctx, unit, period)]

    async def report_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None:
            return [ctx.say("error.join_first")]
        if ctx.person.role not in REPORTERS:
            return [ctx.say("error.not_for_role")]
        target = parse_target(parts)
        unit = await scoped_unit(ctx, target[0]) if target else None
        if target is None or unit is None:
            return [ctx.say("stats.not_found")]
        action, period = parts[0], target[1]
        if action == "o":
            return [self._offer(ctx, unit, period)]
        if action == "f":
            return [ctx.say("report.confirm_parties", rows(
                ctx.button("report.btn_export_parties_yes", f"rp:x:{unit.id}:{period.code}:1"),
                ctx.button("common.back", f"rp:o:{unit.id}:{period.code}")), unit=unit.name)]
        if action == "x":
            return await self._export(ctx, unit, period, with_parties=len(parts) > 3 and parts[3] == "1")
        return [ctx.say("error.stale_button")]

    def _offer(self, ctx: Ctx, unit: Unit, period: Period) -> Reply:
        code = period.code
        buttons = [(ctx.button("report.btn_export", f"rp:x:{unit.id}:{code}:0"),),
                   (ctx.button("report.btn_export_parties", f"rp:f:{unit.id}:{code}"),),
                   *period_rows(ctx, "rp:o", unit.id, ctx.today)]
        return ctx.say("report.offer", tuple(buttons), unit=unit.name, period=period_heading(ctx.t, period))

    async def _export(self, ctx: Ctx, unit: Unit, period: Period, *, with_parties: bool) -> list[Reply]:
        done = await export(ctx.uow, ctx.person, unit, period, now=ctx.now, rates=self.rates,
                            with_parties=with_parties, t=ctx.t, tz=ctx.deps.tz, via=ctx.turn.channel)
        stem = file_stem(unit, period)
        key = "report.done_parties" if with_parties else "report.done"
        text = ctx.t(key, unit=unit.name, period=period_heading(ctx.t, period), cases=done.data.case_count)
        if done.data.too_many:
            text += "\n" + ctx.t("report.too_many_hint")
        return [Reply(text, file=Attachment(f"{stem}.{XLSX}", done.xlsx)),
                Reply(ctx.t("report.csv_caption"), file=Attachment(f"{stem}.csv", done.csv))]
