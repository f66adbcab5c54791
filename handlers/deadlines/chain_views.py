"""The report chain in chat (`rc:` buttons, and two blocks of /hanbaocao): a commune official
marks the commune's report sent and gets the workbook attached; the province official sets the
day, sees who has sent (late ones marked), downloads what was sent and nudges with one tap."""

from __future__ import annotations

import enum

from content.deadlines import KINDS
from handlers.common.dates import Problem, read_day_month
from handlers.common.outbox import PushEnv
from handlers.common.periods import Period
from handlers.deadlines.buttons import ChainEdit, ChainFile, ChainNudgeAll, ChainNudgeOne, ChainSend, ChainStatus
from handlers.deadlines.chain import (
    Workbook,
    checked_period,
    days_for,
    due_text,
    is_late,
    mark_sent,
    nudge,
    opens_closes,
    periods_now,
    set_rule,
    status,
)
from handlers.deadlines.usecases import period_label
from handlers.kit.core import Attachment, Button, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.registry import OFFICIALS, On
from handlers.kit.text import shorten
from handlers.reports.data import export_for
from handlers.reports.money import Rates
from handlers.reports.views import XLSX, file_stem
from storage.models import Unit
from storage.report_chain import RECEIVERS, REPORTERS

SHOW = 20
NUDGE_BUTTONS = 8
DOWNLOAD_BUTTONS = 8


def day(moment_or_date) -> str:
    return moment_or_date.strftime("%d/%m/%Y")


class Step(enum.StrEnum):
    DAY = "day"


class ChainRuleFlow(Flow):
    name = "rc_edit"
    steps = Step

    async def ask_day(self, ctx: Ctx) -> list[Reply]:
        kind = ctx.t(f"deadline.kind_{ctx.conv.data['kind']}")
        return [ctx.say("chain.ask_day", kind=kind, unit=ctx.me.unit.name)]

    async def text_day(self, ctx: Ctx, text: str) -> list[Reply]:
        due = read_day_month(text)
        if isinstance(due, Problem):
            return [ctx.say(due.key, **due.values), *await self.ask_day(ctx)]
        kind = ctx.conv.data["kind"]
        await set_rule(ctx.uow, ctx.me, kind, *due, ctx.now)
        self.end(ctx)
        saved = f"{due[1]:02d}/{due[0]:02d}"
        return [ctx.say("chain.rule_saved", kind=ctx.t(f"deadline.kind_{kind}"), day=saved, unit=ctx.me.unit.name)]


class ReportChain:
    def __init__(self, rates: Rates) -> None:
        self.rates = rates
        self.edit = ChainRuleFlow()

    def buttons(self) -> list[On]:
        return [
            On(ChainSend, self.send, OFFICIALS),
            On(ChainStatus, self.status, OFFICIALS),
            On(ChainFile, self.download, OFFICIALS),
            On(ChainNudgeAll, self.nudge_all, OFFICIALS),
            On(ChainNudgeOne, self.nudge_one, OFFICIALS),
            On(ChainEdit, self.edit_rule, OFFICIALS),
        ]

    def env(self, ctx: Ctx) -> PushEnv:
        return ctx.deps.push

    # --- the blocks of /hanbaocao ----------------------------------------------------------
    async def blocks(self, ctx: Ctx) -> tuple[list[str], list[Button]]:
        lines: list[str] = []
        buttons: list[Button] = []
        unit = ctx.me.unit
        if unit.kind in REPORTERS and (to := await ctx.uow.chain.receiver(unit)) is not None:
            await self._outgoing(ctx, unit, to, lines, buttons)
        if unit.kind in RECEIVERS:
            await self._incoming(ctx, unit, lines, buttons)
        return lines, buttons

    async def _outgoing(self, ctx: Ctx, unit: Unit, to: Unit, lines: list[str], buttons: list[Button]) -> None:
        env, days = self.env(ctx), await days_for(ctx.uow, to)
        lines += ["", ctx.t("chain.section_out", unit=unit.name, to=to.name)]
        for kind, period, due in periods_now(days, ctx.today):
            report = period_label(env, kind, period)
            sent = (await ctx.uow.chain.sent(kind, period.code, [unit.id])).get(unit.id)
            opens, closes = opens_closes(days, kind, period)
            if sent is not None:
                sent_on = ctx.local(sent.sent_at).date()
                state = ctx.t("chain.state_late" if is_late(due, sent_on) else "chain.state_sent", day=day(sent_on))
            elif ctx.today < opens:
                state = ctx.t("chain.state_from", opens=day(opens))
            elif is_late(due, ctx.today):
                state = ctx.t("chain.state_overdue", days=(ctx.today - due).days if due else 0)
            else:
                state = ctx.t("chain.state_waiting")
            lines.append(ctx.t("chain.out_line", report=report, due=due_text(env, due), state=state))
            if sent is None and opens <= ctx.today <= closes:
                buttons.append(ctx.button("chain.send_for", ChainSend(kind, period.code), report=report))

    async def _incoming(self, ctx: Ctx, unit: Unit, lines: list[str], buttons: list[Button]) -> None:
        env, days = self.env(ctx), await days_for(ctx.uow, unit)
        lines += ["", ctx.t("chain.section_in", unit=unit.name)]
        for kind, period, due in periods_now(days, ctx.today):
            report = period_label(env, kind, period)
            lines.append(ctx.t("chain.in_line", report=report, due=due_text(env, due)))
            buttons.append(ctx.button("chain.see_status", ChainStatus(kind, period.code), report=report))
        buttons += [ctx.button("chain.edit", ChainEdit(k), kind=ctx.t(f"deadline.kind_{k}")) for k in days]

    # --- buttons ---------------------------------------------------------------------------
    async def send(self, ctx: Ctx, data: ChainSend) -> list[Reply]:
        env = self.env(ctx)

        async def make(unit: Unit, period: Period) -> Workbook:
            done = await export_for(ctx, unit, period, self.rates, with_parties=False)
            return Workbook(f"{file_stem(unit, period)}.{XLSX}", done.xlsx, done.data.case_count)

        sent = await mark_sent(ctx.uow, env, ctx.me, data.kind, data.period, ctx.now, make)
        period = checked_period(data.kind, data.period)
        report, at = period_label(env, data.kind, period), ctx.local(sent.report.sent_at)
        when = at.date()
        values = {"unit": ctx.me.unit.name, "report": report, "to": sent.receiver.name, "day": day(when)}
        if sent.by_other is not None:  # another official of the unit recorded it first
            values |= {"name": sent.by_other.full_name, "time": at.strftime("%H:%M")}
            text = ctx.t("report_race.chain_sent_by", cases=sent.report.cases, **values)
        else:
            text = ctx.t("chain.sent" if sent.first else "chain.sent_before", cases=sent.report.cases, **values)
        if sent.first and is_late(sent.due, when) and sent.due is not None:
            text += "\n" + ctx.t("chain.sent_late", due=day(sent.due))
        return [Reply(text, file=Attachment(sent.report.file_name, sent.data))]

    async def status(self, ctx: Ctx, data: ChainStatus) -> list[Reply]:
        kind, period = data.kind, checked_period(data.kind, data.period)
        env = self.env(ctx)
        state = await status(ctx.uow, ctx.me, kind, period)
        total = len(state.sent) + len(state.waiting)
        lines = [
            ctx.t(
                "chain.status_title",
                report=period_label(env, kind, period),
                due=due_text(env, state.due),
                done=len(state.sent),
                total=total,
            )
        ]
        buttons: list[Button] = []
        for unit, sent in state.sent[:SHOW]:
            sent_on = ctx.local(sent.sent_at).date()
            key = "chain.late_line" if is_late(state.due, sent_on) else "chain.sent_line"
            lines.append(ctx.t(key, unit=unit.name, day=day(sent_on), cases=sent.cases))
        for unit in state.waiting[:SHOW]:
            if state.due is not None and is_late(state.due, ctx.today):
                lines.append(ctx.t("chain.overdue_line", unit=unit.name, days=(ctx.today - state.due).days))
            else:
                lines.append(ctx.t("chain.waiting_line", unit=unit.name))
        hidden = max(0, len(state.sent) - SHOW) + max(0, len(state.waiting) - SHOW)
        if hidden:
            lines.append(ctx.t("chain.and_more", count=hidden))
        buttons += [
            Button.of(ctx.t("chain.download", unit=shorten(u.name, 40)), ChainFile(s.id))
            for u, s in state.sent[:DOWNLOAD_BUTTONS]
        ]
        if not state.waiting:
            lines.append(ctx.t("chain.all_sent"))
        else:
            code = period.code
            buttons.append(ctx.button("chain.nudge_all", ChainNudgeAll(kind, code), count=len(state.waiting)))
            buttons += [
                Button.of(ctx.t("chain.nudge_one", unit=shorten(u.name, 40)), ChainNudgeOne(kind, code, u.id))
                for u in state.waiting[:NUDGE_BUTTONS]
            ]
        return [Reply("\n".join(lines), rows(*buttons))]

    async def download(self, ctx: Ctx, data: ChainFile) -> list[Reply]:
        found = await ctx.uow.chain.with_file(ctx.me, data.report_id)
        if found is None:
            raise UserError("chain.not_found")
        report, unit = found
        period = checked_period(report.kind, report.period)
        caption = ctx.t(
            "chain.file_caption",
            report=period_label(self.env(ctx), report.kind, period),
            unit=unit.name,
            day=day(ctx.local(report.sent_at)),
        )
        return [Reply(caption, file=Attachment(report.file_name, report.xlsx))]

    async def nudge_all(self, ctx: Ctx, data: ChainNudgeAll) -> list[Reply]:
        period = checked_period(data.kind, data.period)
        waiting = (await status(ctx.uow, ctx.me, data.kind, period)).waiting
        return await self._nudge(ctx, data.kind, period, [u.id for u in waiting])

    async def nudge_one(self, ctx: Ctx, data: ChainNudgeOne) -> list[Reply]:
        return await self._nudge(ctx, data.kind, checked_period(data.kind, data.period), [data.unit_id])

    async def _nudge(self, ctx: Ctx, kind: str, period: Period, units: list[int]) -> list[Reply]:
        told = await nudge(ctx.uow, self.env(ctx), ctx.me, kind, period, units, ctx.now)
        return [ctx.say("chain.nudged" if told else "chain.nudged_before", count=told)]

    async def edit_rule(self, ctx: Ctx, data: ChainEdit) -> list[Reply]:
        if data.kind not in KINDS:
            raise UserError("error.stale_button")
        if ctx.me.unit.kind not in RECEIVERS:
            raise UserError("chain.no_reporters", unit=ctx.me.unit.name)
        self.edit.begin(ctx, Step.DAY, kind=data.kind)
        return await self.edit.ask_day(ctx)
