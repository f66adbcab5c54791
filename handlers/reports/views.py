"""/baocao and its buttons: choose the period, then export (parties by initials unless the
person explicitly asks for their names; every export is audited)."""

from __future__ import annotations

from handlers.common import periods
from handlers.common.periods import Period, Problem
from handlers.kit.core import Attachment, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.registry import Command, On, Slice
from handlers.kit.text import fold
from handlers.reports.buttons import ReportAskParties, ReportExport, ReportOffer
from handlers.reports.data import export_for
from handlers.reports.money import Rates
from handlers.stats.render import period_heading, period_rows
from handlers.stats.usecases import REPORTERS, find_unit, home_unit
from handlers.stats.views import scoped_unit
from storage.models import Unit

XLSX = "xlsx"


async def report_target(ctx: Ctx, unit_id: int, code: str) -> tuple[Unit, Period]:
    """The unit and period a button names, within the viewer's scope."""
    period = periods.from_code(code)
    unit = await scoped_unit(ctx, unit_id) if period is not None else None
    if period is None or unit is None:
        raise UserError("stats.not_found")
    return unit, period


def file_stem(unit: Unit, period: Period) -> str:
    return "bao-cao-" + "-".join(fold(unit.name).split())[:40] + f"-{period.code}"


class Reports:
    def __init__(self, rates: Rates) -> None:
        self.rates = rates

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("baocao", self.report_command, REPORTERS, "help.baocao", "menu.baocao", menu_rank=32)],
            buttons=[
                On(ReportOffer, self.offer, REPORTERS),
                On(ReportAskParties, self.ask_parties, REPORTERS),
                On(ReportExport, self.export, REPORTERS),
            ],
        )

    async def report_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        period, rest = periods.split_arg(arg, ctx.today)
        if isinstance(period, Problem):
            return [ctx.say(period.key, **period.values)]
        period = period or periods.this("year", ctx.today)
        unit = home_unit(ctx.me)
        if unit is None:  # a mediator counts only their own cases: no unit to report on
            return [ctx.say("error.not_for_role")]
        if rest:
            if not ctx.me.role.is_official:
                return [ctx.say("stats.bad_period", text=rest[:60])]
            found = await find_unit(ctx.uow, ctx.me, rest)
            if len(found) != 1:
                return [ctx.say("stats.unit_or_period_unknown", text=rest[:60])]
            unit = found[0]
        return [self._offer(ctx, unit, period)]

    async def offer(self, ctx: Ctx, data: ReportOffer) -> list[Reply]:
        return [self._offer(ctx, *await report_target(ctx, data.unit_id, data.period))]

    async def ask_parties(self, ctx: Ctx, data: ReportAskParties) -> list[Reply]:
        unit, period = await report_target(ctx, data.unit_id, data.period)
        return [
            ctx.say(
                "report.confirm_parties",
                rows(
                    ctx.button("report.btn_export_parties_yes", ReportExport(unit.id, period.code, with_parties=True)),
                    ctx.button("common.back", ReportOffer(unit.id, period.code)),
                ),
                unit=unit.name,
            )
        ]

    async def export(self, ctx: Ctx, data: ReportExport) -> list[Reply]:
        unit, period = await report_target(ctx, data.unit_id, data.period)
        return await self._export(ctx, unit, period, with_parties=data.with_parties)

    def _offer(self, ctx: Ctx, unit: Unit, period: Period) -> Reply:
        code = period.code
        buttons = [
            (ctx.button("report.btn_export", ReportExport(unit.id, code, with_parties=False)),),
            (ctx.button("report.btn_export_parties", ReportAskParties(unit.id, code)),),
            *period_rows(ctx, ReportOffer, unit.id, ctx.today),
        ]
        return ctx.say("report.offer", tuple(buttons), unit=unit.name, period=period_heading(ctx.t, period))

    async def _export(self, ctx: Ctx, unit: Unit, period: Period, *, with_parties: bool) -> list[Reply]:
        done = await export_for(ctx, unit, period, self.rates, with_parties=with_parties)
        stem = file_stem(unit, period)
        key = "report.done_parties" if with_parties else "report.done"
        text = ctx.t(key, unit=unit.name, period=period_heading(ctx.t, period), cases=done.data.case_count)
        if done.data.too_many:
            text += "\n" + ctx.t("report.too_many_hint")
        return [
            Reply(text, file=Attachment(f"{stem}.{XLSX}", done.xlsx)),
            Reply(ctx.t("report.csv_caption"), file=Attachment(f"{stem}.csv", done.csv)),
        ]
