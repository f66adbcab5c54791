"""The «Chỉ tiêu» block of /thongke (officials), and the monthly message telling each official
where their area is behind its targets (a clock job beside the weekly stale-case message, keyed
once per month and official). Numbers from handlers/stats/targets.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from handlers.common import periods
from handlers.common.outbox import Kind, PushEnv, Recipient, enqueue, new_push
from handlers.common.periods import Period
from handlers.kit.core import Button, Ctx, Reply
from handlers.kit.payload import pack
from handlers.kit.registry import Cmd
from handlers.stats.coverage import SHOWN_TEAMS, CoverageView, coverage_of, pct
from handlers.stats.render import before_hint, period_heading
from handlers.stats.stale_block import with_desk_blocks
from handlers.stats.targets import BEHIND_SHOWN, DEFAULTS, Goal, Line, Score, TargetsView, targets_view
from storage.db import UnitOfWork
from storage.models import Measure, Person, Unit
from storage.targets import targets_of

T = Callable[..., str]
MARKS = {True: "✅", False: "⚠️", None: "▫️"}
KEEP = dt.timedelta(days=7)
# --- rendering ----------------------------------------------------------------------------------


def value_text(t: T, score: Score | None) -> str:
    if score is None or not score.of:
        return t("targets.no_data")
    return t("targets.value", share=pct(score.rate), done=score.done, of=score.of)


def goal_text(t: T, measure: Measure, goal: Goal) -> str:
    if goal.value is None:
        return t("targets.no_target")
    return t("targets.goal_days" if measure.in_days else "targets.goal_percent", value=goal.value)


def source_text(t: T, measure: Measure, goal: Goal) -> str:
    """Where a target comes from: the unit that set it, the programme's default, or nothing."""
    if goal.unit_id is not None:
        return t("targets.from_unit", unit=goal.unit_name)
    return t(f"targets.from_default_{measure.value}") if measure in DEFAULTS else t("targets.from_none")


def measure_line(t: T, ln: Line) -> str:
    return t(
        "targets.line",
        mark=MARKS[ln.met],
        measure=t(f"targets.measure_{ln.measure.value}", days=ln.goal.value or "N"),
        value=value_text(t, ln.score),
        goal=goal_text(t, ln.measure, ln.goal),
    )


def behind_line(t: T, ln: Line, shown: int = BEHIND_SHOWN) -> str | None:
    late = ln.behind(shown)
    if not late:
        return None
    parts = [
        t("targets.behind_unit", unit=u.name, share=pct(s.rate))
        + ("" if g.value == ln.goal.value else " " + t("targets.behind_own", goal=goal_text(t, ln.measure, g)))
        for u, g, s in late
    ]
    return t("targets.behind", units=", ".join(parts))


def target_lines(t: T, view: TargetsView, measures: Iterable[Line] | None = None) -> list[str]:
    """/thongke's «Chỉ tiêu» block (or, with `measures`, only those lines)."""
    out = []
    for ln in view.lines if measures is None else measures:
        out.append(measure_line(t, ln))
        more = behind_line(t, ln)
        if more:
            out.append(more)
    return out


async def with_targets_block(
    ctx: Ctx, unit: Unit | None, period: Period, reply: Reply, coverage: CoverageView | None = None
) -> Reply:
    """For officials and read-only overseers, the /thongke screen with the «Chỉ tiêu» block
    before its closing hint (how to set them: officials only)."""
    role = ctx.person.role if ctx.person is not None else None
    if unit is None or ctx.person is None or role is None or not (role.is_official or role.reads_only):
        return reply
    view = await targets_view(ctx.uow, ctx.person, unit, period, now=ctx.now, tz=ctx.deps.tz, coverage=coverage)
    lines = [ctx.t("targets.title"), *target_lines(ctx.t, view)]
    if role.is_official:
        lines.append(ctx.t("targets.set_hint"))
    return before_hint(ctx, reply, "\n".join(lines))


async def with_plan_blocks(ctx: Ctx, unit: Unit | None, period: Period, reply: Reply) -> Reply:
    """/thongke's blocks after the counts: «Tập huấn» (and, for officials, the stale cases), then
    «Chỉ tiêu», the training coverage computed once for both."""
    if unit is None or ctx.person is None:
        return reply
    cov = await coverage_of(ctx.uow, ctx.person, unit, period, now=ctx.now, tz=ctx.deps.tz, shown=SHOWN_TEAMS)
    reply = await with_desk_blocks(ctx, unit, period, reply, cov)
    return await with_targets_block(ctx, unit, period, reply, cov)


# --- the monthly message to officials -----------------------------------------------------------
def digest_moment(env: PushEnv, now: dt.datetime) -> dt.datetime:
    """This month's moment: the 1st at the weekly digest's time (local), in UTC."""
    first = now.astimezone(env.tz).date().replace(day=1)
    return dt.datetime.combine(first, env.policy.digest_time, tzinfo=env.tz).astimezone(dt.UTC)


def digest_period(env: PushEnv, now: dt.datetime) -> Period:
    """The year up to the end of last month (in January: the whole year before)."""
    last_month_end = now.astimezone(env.tz).date().replace(day=1) - dt.timedelta(days=1)
    return periods.year(last_month_end.year)


def digest_text(env: PushEnv, view: TargetsView) -> str:
    behind = view.behind
    lines = [
        env.t("targets.digest_title", unit=view.unit.name, period=period_heading(env.t, view.period), count=len(behind))
    ]
    lines += target_lines(env.t, view, behind)
    lines.append(env.t("targets.digest_hint"))
    return "\n".join(lines)


async def officials_targets_job(uow: UnitOfWork, env: PushEnv, now: dt.datetime) -> int:
    """Run by the clock: once this month's moment has passed, each official whose unit is behind
    on at least one target gets one message (once a month: the key). Computed once per unit."""
    at = digest_moment(env, now)
    if now < at:
        return 0
    month = at.astimezone(env.tz).strftime("%Y-%m")
    topic = f"targets-officials:{month}"
    if await uow.outbox.topic_exists(topic):
        return 0
    by_unit: dict[int, list[Person]] = defaultdict(list)
    for person in await targets_of(uow).officials():
        by_unit[person.unit_id].append(person)
    period = digest_period(env, now)
    texts: dict[int, str] = {}
    for unit_id, people in by_unit.items():
        view = await targets_view(uow, people[0], people[0].unit, period, now=now, tz=env.tz)
        if view.behind:
            texts[unit_id] = digest_text(env, view)
    if not texts:
        return 0
    buttons = ((Button(env.t("targets.open_stats"), pack(Cmd("thongke"))),),)
    push = await new_push(uow, Kind.STALE, env.t("targets.generic"), now, buttons=buttons)
    rows = [
        Recipient(p.id, f"{topic}:{p.id}", topic, now, now + KEEP, text)
        for uid, text in texts.items()
        for p in by_unit[uid]
    ]
    return await enqueue(uow, push, rows, env=env, now=now)
