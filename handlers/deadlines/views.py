"""/hanbaocao and the `dl:` buttons: rules, who has reported, nudges, «Đã nộp»; the report
chain's blocks and `rc:` buttons come from chain_views."""

from __future__ import annotations

import enum

from content.deadlines import KINDS
from handlers.common.dates import Problem, read_day_month
from handlers.common.outbox import PushPolicy
from handlers.common.periods import Period, from_code
from handlers.deadlines.buttons import DeadlineDone, DeadlineEdit, DeadlineStatus, NudgeAll, NudgeTeam
from handlers.deadlines.chain_reminders import chain_reminder_job
from handlers.deadlines.chain_views import ReportChain
from handlers.deadlines.usecases import (
    deadline_job,
    due_date,
    listed,
    mark_submitted,
    nudge,
    period_label,
    rules_of,
    set_rule,
    status,
    takes_reports,
    window,
)
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.registry import OFFICIALS, Command, On, Slice, is_official
from handlers.kit.text import shorten
from handlers.reports.money import Rates
from storage.models import Role

WHO = frozenset({Role.TO_TRUONG}) | OFFICIALS
SHOW = 15
NUDGE_BUTTONS = 8


def known_kind(kind: str) -> str:
    """The report kind a button carries, if it is one we have (else the button is stale)."""
    if kind not in KINDS:
        raise UserError("error.stale_button")
    return kind


def period_of(kind: str, code: str) -> Period:
    period = from_code(code)
    if period is None or period.kind != known_kind(kind):
        raise UserError("error.stale_button")
    return period


class Step(enum.StrEnum):
    DAY = "day"


class EditRuleFlow(Flow):
    name = "dl_edit"
    steps = Step

    async def ask_day(self, ctx: Ctx) -> list[Reply]:
        kind = ctx.conv.data["kind"]
        return [ctx.say("deadline.ask_day", kind=ctx.t(f"deadline.kind_{kind}"), unit=ctx.me.unit.name)]

    async def text_day(self, ctx: Ctx, text: str) -> list[Reply]:
        due = read_day_month(text)
        if isinstance(due, Problem):
            return [ctx.say(due.key, **due.values), *await self.ask_day(ctx)]
        kind = ctx.conv.data["kind"]
        try:
            await set_rule(ctx.uow, ctx.me.unit, kind, *due, ctx.me, ctx.now)
        except UserError as err:  # asked again: the day is typed once more
            return [ctx.say(err.key, **err.values), *await self.ask_day(ctx)]
        self.end(ctx)
        return [
            ctx.say(
                "deadline.rule_saved",
                kind=ctx.t(f"deadline.kind_{kind}"),
                day=f"{due[1]:02d}/{due[0]:02d}",
                unit=ctx.me.unit.name,
            )
        ]


class Deadlines:
    def __init__(self, policy: PushPolicy, rates: Rates | None = None) -> None:
        self.policy = policy
        self.edit = EditRuleFlow()
        self.chain = ReportChain(rates or Rates())

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("hanbaocao", self.deadlines_command, WHO, "help.hanbaocao", "menu.hanbaocao", menu_rank=45)
            ],
            buttons=[
                On(DeadlineDone, self.done),
                On(DeadlineStatus, self.status, OFFICIALS),
                On(NudgeAll, self.nudge_all, OFFICIALS),
                On(NudgeTeam, self.nudge_team, OFFICIALS),
                On(DeadlineEdit, self.edit_rule, OFFICIALS),
                *self.chain.buttons(),
            ],
            flows=[self.edit, self.chain.edit],
            jobs=[deadline_job, chain_reminder_job],
        )

    async def deadlines_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        env = ctx.deps.push
        rules = await rules_of(ctx.uow, ctx.me.unit)
        official = is_official(ctx)
        title = "deadline.rules_title" if official else "deadline.team_title"
        lines, buttons = [ctx.t(title, unit=ctx.me.unit.name)], []
        for kind, period, due in listed(rules, ctx.today):
            report = period_label(env, kind, period)
            if official:
                lines.append(ctx.t("deadline.rule_line", report=report, due=due.strftime("%d/%m/%Y")))
                buttons.append(ctx.button("deadline.see_status", DeadlineStatus(kind, period.code), report=report))
                continue
            done = await ctx.uow.deadlines.submitted(kind, period.code, [ctx.me.unit_id])
            open_ = not done and takes_reports(period, due, ctx.today)
            state = (
                ctx.t("deadline.state_done")
                if done
                else ctx.t("deadline.state_waiting")
                if open_
                else ctx.t("calendar.deadline_from", opens=window(period, due)[0].strftime("%d/%m/%Y"))
            )
            lines.append(ctx.t("deadline.team_line", report=report, due=due.strftime("%d/%m/%Y"), state=state))
            if open_:
                buttons.append(ctx.button("deadline.done_for", DeadlineDone(kind, period.code), report=report))
        if official:
            buttons += [
                ctx.button("deadline.edit", DeadlineEdit(kind), kind=ctx.t(f"deadline.kind_{kind}")) for kind in KINDS
            ]
            chain_lines, chain_buttons = await self.chain.blocks(ctx)
            lines, buttons = lines + chain_lines, buttons + chain_buttons
        return [Reply("\n".join(lines), rows(*buttons))]

    # --- buttons ---------------------------------------------------------------------------
    async def done(self, ctx: Ctx, data: DeadlineDone) -> list[Reply]:
        kind = known_kind(data.kind)
        if ctx.me.role is not Role.TO_TRUONG:
            raise UserError("deadline.leaders_only")
        env = ctx.deps.push
        period, before = await mark_submitted(ctx.uow, env, ctx.me, kind, data.period, ctx.now)
        values = {"report": period_label(env, kind, period), "team": ctx.me.unit.name}
        by = await ctx.uow.people.get(before.submitted_by_id) if before and before.submitted_by_id else None
        if before is not None and by is not None and by.id != ctx.me.id:  # another leader of the team
            at = ctx.local(before.submitted_at)
            return [
                ctx.say(
                    "report_race.team_done_by", name=by.full_name, time=f"{at:%H:%M}", day=f"{at:%d/%m/%Y}", **values
                )
            ]
        return [ctx.say("deadline.marked_before" if before else "deadline.marked", **values)]

    async def edit_rule(self, ctx: Ctx, data: DeadlineEdit) -> list[Reply]:
        self.edit.begin(ctx, Step.DAY, kind=known_kind(data.kind))
        return await self.edit.ask_day(ctx)

    async def nudge_all(self, ctx: Ctx, data: NudgeAll) -> list[Reply]:
        period = period_of(data.kind, data.period)
        _, waiting, _ = await status(ctx.uow, ctx.me, data.kind, period)
        return await self._nudge(ctx, data.kind, period, [t.id for t in waiting])

    async def nudge_team(self, ctx: Ctx, data: NudgeTeam) -> list[Reply]:
        return await self._nudge(ctx, data.kind, period_of(data.kind, data.period), [data.team_id])

    async def _nudge(self, ctx: Ctx, kind: str, period: Period, teams: list[int]) -> list[Reply]:
        told = await nudge(ctx.uow, ctx.deps.push, ctx.me, kind, period, teams, ctx.now)
        return [ctx.say("deadline.nudged" if told else "deadline.nudged_before", count=told)]

    async def status(self, ctx: Ctx, data: DeadlineStatus) -> list[Reply]:
        kind, period = data.kind, period_of(data.kind, data.period)
        env = ctx.deps.push
        done, waiting, leaders = await status(ctx.uow, ctx.me, kind, period)
        rules = await rules_of(ctx.uow, ctx.me.unit)
        due = due_date(period, *rules[kind])
        lines = [
            ctx.t(
                "deadline.status_title",
                report=period_label(env, kind, period),
                due=due.strftime("%d/%m/%Y"),
                done=len(done),
                total=len(done) + len(waiting),
            )
        ]
        for team in waiting[:SHOW]:
            names = ", ".join(p.full_name for p in leaders.get(team.id, [])) or ctx.t("deadline.no_leader")
            lines.append(ctx.t("deadline.waiting_line", team=team.name, leaders=names))
        if len(waiting) > SHOW:
            lines.append(ctx.t("deadline.and_more", count=len(waiting) - SHOW))
        if not waiting:
            return [Reply("\n".join([*lines, ctx.t("deadline.all_done")]))]
        code = period.code
        buttons = [ctx.button("deadline.nudge_all", NudgeAll(kind, code), count=len(waiting))]
        buttons += [
            Button.of(ctx.t("deadline.nudge_one", team=shorten(t.name, 40)), NudgeTeam(kind, code, t.id))
            for t in waiting[:NUDGE_BUTTONS]
        ]
        return [Reply("\n".join(lines), rows(*buttons))]
