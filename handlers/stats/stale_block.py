"""Cases still being mediated after STALE_CASE_DAYS, for officials: counted per team in /thongke
(the teams with most first) and in a weekly message to each commune's officials, sent with the
mediators' weekly digest (handlers/cases/stale.py). Counts and case numbers only, never a party."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from handlers.cases.stale import KEEP, digest_time
from handlers.common.outbox import Kind, PushEnv, PushPolicy, Recipient, enqueue, new_push
from handlers.common.periods import Period
from handlers.kit.core import Button, Ctx, Reply
from handlers.kit.payload import pack
from handlers.kit.registry import Cmd
from handlers.stats.coverage import SHOWN_TEAMS as COVERAGE_SHOWN
from handlers.stats.coverage import CoverageView, coverage_lines, coverage_of
from handlers.stats.render import before_hint
from storage.coverage import StaleCase, StaleTeam, desk_of
from storage.db import UnitOfWork
from storage.models import Person, Unit
from storage.rollups import lineage_ids

T = Callable[..., str]
NUMBERS = 3  # case numbers shown per team, the oldest first
SHOWN_TEAMS = 5  # on the /thongke screen
DIGEST_TEAMS = 15  # in the weekly message


def stale_days(ctx: Ctx) -> int:
    """STALE_CASE_DAYS as the composition root set it (the push policy's default otherwise)."""
    env = getattr(ctx.deps, "push", None)
    return env.policy.stale_days if env is not None else PushPolicy().stale_days


def team_line(t: T, row: StaleTeam) -> str:
    numbers = ", ".join(row.numbers) + (", …" if row.count > len(row.numbers) else "")
    return t("stale_desk.team_line", team=row.team.name, count=row.count, numbers=numbers)


def stale_lines(t: T, teams: list[StaleTeam], days: int, shown: int = SHOWN_TEAMS) -> list[str]:
    return summary_lines(t, sum(r.count for r in teams), len(teams), teams[:shown], days)


def summary_lines(t: T, total: int, teams: int, top: list[StaleTeam], days: int) -> list[str]:
    """The stale cases: how many, the teams with most (`top`), and how many teams more."""
    if not total:
        return [t("stale_desk.none", days=days)]
    lines = [t("stale_desk.title", days=days, count=total)]
    lines += [team_line(t, r) for r in top]
    if teams > len(top):
        lines.append(t("stale_desk.more_teams", count=teams - len(top)))
    return lines


async def desk_blocks(ctx: Ctx, unit: Unit, period: Period, coverage: CoverageView | None = None) -> list[str]:
    """/thongke's «Tập huấn» block and, for officials, the stale cases of the unit now."""
    cov = coverage or await coverage_of(
        ctx.uow, ctx.me, unit, period, now=ctx.now, tz=ctx.deps.tz, shown=COVERAGE_SHOWN
    )
    lines = coverage_lines(ctx.t, cov)
    if ctx.me.role.is_official:
        days = stale_days(ctx)
        before = ctx.now.astimezone(ctx.deps.tz).date() - dt.timedelta(days=days)
        total, teams, top = await desk_of(ctx.uow).stale_summary(ctx.me, unit, before, NUMBERS, SHOWN_TEAMS)
        lines += summary_lines(ctx.t, total, teams, top, days)
    return lines


async def with_desk_blocks(
    ctx: Ctx, unit: Unit | None, period: Period, reply: Reply, coverage: CoverageView | None = None
) -> Reply:
    """The /thongke screen with the plan desk's blocks placed before its closing hint."""
    if unit is None or ctx.person is None:
        return reply
    return before_hint(ctx, reply, "\n".join(await desk_blocks(ctx, unit, period, coverage)))


# --- the weekly message to commune officials ---------------------------------------------------
def _digest(env: PushEnv, unit: Unit, cases: list[StaleCase], teams: dict[int, Unit]) -> str:
    rows: dict[int, StaleTeam] = {}
    for c in cases:
        row = rows.setdefault(c.team_id, StaleTeam(teams[c.team_id]))
        row.count += 1
        if len(row.numbers) < NUMBERS:
            row.numbers.append(c.number)
    ordered = sorted(rows.values(), key=lambda r: (-r.count, r.team.name, r.team.id))
    lines = [env.t("stale_desk.digest_title", days=env.policy.stale_days, unit=unit.name, count=len(cases))]
    lines += stale_lines(env.t, ordered, env.policy.stale_days, DIGEST_TEAMS)[1:]
    lines.append(env.t("stale_desk.digest_hint"))
    return "\n".join(lines)


async def officials_stale_job(uow: UnitOfWork, env: PushEnv, now: dt.datetime) -> int:
    """Run by the clock with the mediators' digest: once this week's digest time has passed, each
    commune official whose commune has stale cases gets one message (once a week: the key)."""
    at = digest_time(env, now)
    if now < at:
        return 0
    iso = at.astimezone(env.tz).isocalendar()
    topic = f"stale-officials:{iso.year}W{iso.week:02d}"
    if await uow.outbox.topic_exists(topic):
        return 0
    desk = desk_of(uow)
    officials: dict[int, list[Person]] = defaultdict(list)
    for person in await desk.commune_officials():
        officials[person.unit_id].append(person)
    today = now.astimezone(env.tz).date()
    by_unit: dict[int, list[StaleCase]] = defaultdict(list)
    for case in await desk.stale_cases(today - dt.timedelta(days=env.policy.stale_days)):
        for unit_id in lineage_ids(case.unit_path):
            if unit_id in officials:
                by_unit[unit_id].append(case)
    if not by_unit:
        return 0
    named = await desk.units(list(by_unit) + list({c.team_id for cs in by_unit.values() for c in cs}))
    buttons = ((Button(env.t("stale_desk.open"), pack(Cmd("thongke"))),),)
    push = await new_push(
        uow, Kind.STALE, env.t("stale_desk.generic", days=env.policy.stale_days), now, buttons=buttons
    )
    rows = [
        Recipient(p.id, f"{topic}:{p.id}", topic, now, now + KEEP, _digest(env, named[uid], cases, named))
        for uid, cases in by_unit.items()
        for p in officials[uid]
    ]
    return await enqueue(uow, push, rows, env=env, now=now)
