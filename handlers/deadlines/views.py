"""/hanbaocao and the `dl:` buttons: rules, who has reported, nudges, «Đã nộp»."""

from __future__ import annotations

from content.deadlines import KINDS
from handlers.common.dates import Problem, read_day_month
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.common.periods import from_code
from handlers.deadlines.usecases import (
    DeadlineError,
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
from handlers.kit.flow import Flow
from handlers.kit.registry import OFFICIALS, Command, Slice, role_of
from handlers.kit.text import shorten
from storage.models import Role

WHO = frozenset({Role.TO_TRUONG, Role.CAN_BO, Role.ADMIN})
SHOW = 15
NUDGE_BUTTONS = 8


def env_of(ctx: Ctx, policy: PushPolicy) -> PushEnv:
    return PushEnv(ctx.deps.catalog, ctx.deps.tz, policy)


class EditRuleFlow(Flow):
    name = "dl_edit"

    async def ask_day(self, ctx: Ctx) -> list[Reply]:
        kind = ctx.conv.data["kind"]
        return [ctx.say("deadline.ask_day", kind=ctx.t(f"deadline.kind_{kind}"), unit=ctx.person.unit.name)]

    async def text_day(self, ctx: Ctx, text: str) -> list[Reply]:
        due = read_day_month(text)
        if isinstance(due, Problem):
            return [ctx.say(due.key, **due.values), *await self.ask_day(ctx)]
        kind = ctx.conv.data["kind"]
        try:
            await set_rule(ctx.uow, ctx.person.unit, kind, *due, ctx.person, ctx.now)
        except DeadlineError as err:
            return [ctx.say(err.key), *await self.ask_day(ctx)]
        self.end(ctx)
        return [ctx.say("deadline.rule_saved", kind=ctx.t(f"deadline.kind_{kind}"),
                        day=f"{due[1]:02d}/{due[0]:02d}", unit=ctx.person.unit.name)]


class Deadlines:
    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy
        self.edit = EditRuleFlow()

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("hanbaocao", self.deadlines_command, WHO, "help.hanbaocao", "menu.hanbaocao",
                              menu_rank=45)],
            actions={"dl": self.deadline_button},
            flows=[self.edit],
        )

    async def deadlines_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        env = env_of(ctx, self.policy)
        rules = await rules_of(ctx.uow, ctx.person.unit)
        lines, buttons = [], []
        if role_of(ctx) in OFFICIALS:
            lines.append(ctx.t("deadline.rules_title", unit=ctx.person.unit.name))
        else:
            lines.append(ctx.t("deadline.team_title", unit=ctx.person.unit.name))
        for kind, period, due in listed(rules, ctx.today):
            report = period_label(env, kind, period)
            if role_of(ctx) in OFFICIALS:
                lines.append(ctx.t("deadline.rule_line", report=report, due=due.strftime("%d/%m/%Y")))
                buttons.append(ctx.button("deadline.see_status", f"dl:st:{kind}:{period.code}", report=report))
                continue
            done = await ctx.uow.deadlines.submitted(kind, period.code, [ctx.person.unit_id])
            open_ = not done and takes_reports(period, due, ctx.today)
            state = (ctx.t("deadline.state_done") if done else ctx.t("deadline.state_waiting") if open_
                     else ctx.t("calendar.deadline_from", opens=window(period, due)[0].strftime("%d/%m/%Y")))
            lines.append(ctx.t("deadline.team_line", report=report, due=due.strftime("%d/%m/%Y"), state=state))
            if open_:
                buttons.append(ctx.button("deadline.done_for", f"dl:done:{kind}:{period.code}", report=report))
        if role_of(ctx) in OFFICIALS:
            buttons += [ctx.button("deadline.edit", f"dl:edit:{kind}", kind=ctx.t(f"deadline.kind_{kind}"))
                        for kind in KINDS]
        return [Reply("\n".join(lines), rows(*buttons))]

    async def deadline_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None:
            return [ctx.say("error.join_first")]
        action, args = parts[0], parts[1:]
        if not args or args[0] not in KINDS:
            return [ctx.say("error.stale_button")]
        kind = args[0]
        env = env_of(ctx, self.policy)
        try:
            if action == "done":
                if ctx.person.role is not Role.TO_TRUONG or len(args) < 2:
                    return [ctx.say("deadline.leaders_only")]
                period, first = await mark_submitted(ctx.uow, env, ctx.person, kind, args[1], ctx.now)
                key = "deadline.marked" if first else "deadline.marked_before"
                return [ctx.say(key, report=period_label(env, kind, period), team=ctx.person.unit.name)]
            if role_of(ctx) not in OFFICIALS:
                return [ctx.say("error.not_for_role")]
            if action == "edit":
                self.edit.begin(ctx, "day", kind=kind)
                return await self.edit.ask_day(ctx)
            period = from_code(args[1]) if len(args) > 1 else None
            if period is None or period.kind != kind:
                return [ctx.say("error.stale_button")]
            if action == "st":
                return await self._status(ctx, env, kind, period)
            if action in ("nudge", "nt"):
                _, waiting, _ = await status(ctx.uow, ctx.person, kind, period)
                teams = [t.id for t in waiting]
                if action == "nt":
                    teams = [int(a) for a in args[2:3] if a.isdecimal() and int(a) in teams]
                told = await nudge(ctx.uow, env, ctx.person, kind, period, teams, ctx.now)
                return [ctx.say("deadline.nudged" if told else "deadline.nudged_before", count=told)]
        except DeadlineError as err:
            return [ctx.say(err.key, **err.values)]
        return [ctx.say("error.stale_button")]

    async def _status(self, ctx: Ctx, env: PushEnv, kind: str, period) -> list[Reply]:
        done, waiting, leaders = await status(ctx.uow, ctx.person, kind, period)
        rules = await rules_of(ctx.uow, ctx.person.unit)
        due = due_date(period, *rules[kind])
        lines = [ctx.t("deadline.status_title", report=period_label(env, kind, period), due=due.strftime("%d/%m/%Y"),
                       done=len(done), total=len(done) + len(waiting))]
        for team in waiting[:SHOW]:
            names = ", ".join(p.full_name for p in leaders.get(team.id, [])) or ctx.t("deadline.no_leader")
            lines.append(ctx.t("deadline.waiting_line", team=team.name, leaders=names))
        if len(waiting) > SHOW:
            lines.append(ctx.t("deadline.and_more", count=len(waiting) - SHOW))
        if not waiting:
            return [Reply("\n".join([*lines, ctx.t("deadline.all_done")]))]
        code = period.code
        buttons = [ctx.button("deadline.nudge_all", f"dl:nudge:{kind}:{code}", count=len(waiting))]
        buttons += [Button(ctx.t("deadline.nudge_one", team=shorten(t.name, 40)), f"dl:nt:{kind}:{code}:{t.id}")
                    for t in waiting[:NUDGE_BUTTONS]]
        return [Reply("\n".join(lines), rows(*buttons))]
