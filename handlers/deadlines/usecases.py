"""Report deadlines: which day a team reports for a period, the reminders at 7, 2 and 0 days,
«Đã nộp», and the official's nudge. The caller's unit of work commits.

A rule (kind, day/month) set on a unit applies to every team under it unless a unit nearer
the team has its own; without any, the defaults of content/report_deadlines.toml apply.
Delivery topics are per team and period (`dl:half:2026H1:<team>`), so «Đã nộp» stops every
reminder and nudge still waiting for that team. «Đã nộp» is offered and taken only while the
period takes reports (`window`: it has ended, and the due day is less than 120 days past);
a reminder sent before that carries no button and says from which day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from content.deadlines import KINDS, check_day, default_deadlines
from handlers.common.outbox import Kind, PushEnv, Recipient, enqueue, new_push
from handlers.common.periods import Period, from_code, half, year
from handlers.deadlines.buttons import DeadlineDone
from handlers.kit.core import Button
from handlers.kit.errors import UserError
from storage.db import UnitOfWork
from storage.models import Person, Unit
from storage.models.deadlines import ReportSubmission
from storage.rollups import lineage_ids

LATE = dt.timedelta(days=120)  # «Đã nộp» is still taken this long after the due day
EARLY = dt.timedelta(days=14)  # a report due before its period ends is taken this long before


def period_for(kind: str, y: int) -> Period:
    return half(y, 1) if kind == "half" else year(y)


def _day(y: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(y, month, day)
    except ValueError:  # 29/02 in a common year
        return dt.date(y, month, 28)


def due_date(period: Period, month: int, day: int) -> dt.date:
    """The due day of a period: the first such day after the period's middle."""
    middle = period.start + (period.end - period.start) / 2
    due = _day(period.end.year, month, day)
    return due if due >= middle else _day(period.end.year + 1, month, day)


def window(period: Period, due: dt.date) -> tuple[dt.date, dt.date]:
    """The days a team leader may mark the period's report «Đã nộp»: from the day after the
    period ends (or, when a unit wants it by a day before that, from two weeks before that
    day) until 120 days after the due day. Both the button and its tap ask this."""
    opens = period.end + dt.timedelta(days=1) if due > period.end else due - EARLY
    return opens, due + LATE


def takes_reports(period: Period, due: dt.date, today: dt.date) -> bool:
    opens, closes = window(period, due)
    return opens <= today <= closes


def effective(rules: dict[tuple[int, str], tuple[int, int]], path: str, kind: str) -> tuple[int, int]:
    for unit_id in reversed(lineage_ids(path)):
        if (unit_id, kind) in rules:
            return rules[(unit_id, kind)]
    return default_deadlines()[kind]


async def rule_map(uow: UnitOfWork, unit_ids: Sequence[int] | None = None) -> dict[tuple[int, str], tuple[int, int]]:
    rules = await (uow.deadlines.rules_for(unit_ids) if unit_ids is not None else uow.deadlines.all_rules())
    return {(r.unit_id, r.kind): (r.due_month, r.due_day) for r in rules}


async def rules_of(uow: UnitOfWork, unit: Unit) -> dict[str, tuple[int, int]]:
    rules = await rule_map(uow, lineage_ids(unit.path))
    return {kind: effective(rules, unit.path, kind) for kind in KINDS}


def current(kind: str, month: int, day: int, today: dt.date) -> tuple[Period, dt.date]:
    """The period whose report is due next (or was due in the last two weeks)."""
    for y in (today.year - 1, today.year, today.year + 1):
        period = period_for(kind, y)
        due = due_date(period, month, day)
        if due >= today - dt.timedelta(days=14):
            return period, due
    raise AssertionError("unreachable")


def listed(rules: dict[str, tuple[int, int]], today: dt.date) -> list[tuple[str, Period, dt.date]]:
    """What /hanbaocao shows, in date order: for each kind the period due next, and an earlier
    one while it still takes «Đã nộp» (a late report)."""
    out = []
    for kind in KINDS:
        period, due = current(kind, *rules[kind], today)
        out.append((kind, period, due))
        for y in range(today.year - 2, period.start.year):
            earlier = period_for(kind, y)
            late_due = due_date(earlier, *rules[kind])
            if takes_reports(earlier, late_due, today):
                out.append((kind, earlier, late_due))
    return sorted(out, key=lambda e: (e[2], e[1].start))


async def set_rule(
    uow: UnitOfWork, unit: Unit, kind: str, month: int, day: int, person: Person | None, now: dt.datetime
) -> None:
    if kind not in KINDS:
        raise UserError("deadline.bad_kind")
    try:
        check_day(month, day)
    except ValueError:
        raise UserError("deadline.bad_day") from None
    await uow.deadlines.set_rule(unit.id, kind, month, day, person.id if person else None, now)


def topic(kind: str, period: Period, team_id: int) -> str:
    return f"dl:{kind}:{period.code}:{team_id}"


def done_button(env: PushEnv, kind: str, period: Period) -> tuple[tuple[Button, ...], ...]:
    return ((Button.of(env.t("deadline.btn_done"), DeadlineDone(kind, period.code)),),)


def offer(
    env: PushEnv, kind: str, period: Period, due: dt.date, today: dt.date
) -> tuple[tuple[tuple[Button, ...], ...], dict[str, str]]:
    """A push's «Đã nộp» button when the period takes reports today; else no button, and the
    day it will (for the `calendar.*_early` sentence)."""
    if takes_reports(period, due, today):
        return done_button(env, kind, period), {}
    return (), {"opens": window(period, due)[0].strftime("%d/%m/%Y")}


def period_label(env: PushEnv, kind: str, period: Period) -> str:
    return env.t(f"deadline.period_{kind}", year=period.start.year)


def morning(env: PushEnv, day: dt.date, now: dt.datetime) -> dt.datetime:
    at = dt.datetime.combine(day, env.policy.morning, tzinfo=env.tz).astimezone(dt.UTC)
    return max(at, now)


def day_end(env: PushEnv, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=env.tz).astimezone(dt.UTC)


async def deadline_job(uow: UnitOfWork, env: PushEnv, now: dt.datetime) -> int:
    """Today's reminders to team leaders whose team has not reported (clock: hourly; each
    reminder has a key, so running again, or after a restart, adds nothing)."""
    today = now.astimezone(env.tz).date()
    offsets = sorted(env.policy.deadline_days)
    rules = await rule_map(uow)
    days = {(kind, md) for kind, md in default_deadlines().items()} | {(k, md) for (_, k), md in rules.items()}
    if not any(0 <= (current(kind, *md, today)[1] - today).days <= offsets[-1] for kind, md in days):
        return 0  # most days of the year: no deadline near, nothing to read
    leaders = await uow.deadlines.leaders()
    teams: dict[int, list[Person]] = defaultdict(list)
    for p in leaders:
        teams[p.unit_id].append(p)
    due_now: dict[tuple[str, str, dt.date, int], list[int]] = defaultdict(list)  # (kind, period, due, offset)
    periods: dict[str, Period] = {}
    for team_id, people in teams.items():
        path = people[0].unit.path
        for kind in KINDS:
            period, due = current(kind, *effective(rules, path, kind), today)
            left = (due - today).days
            offset = next((o for o in offsets if o >= left), None)
            if left < 0 or offset is None:
                continue
            due_now[(kind, period.code, due, offset)].append(team_id)
            periods[period.code] = period
    made = 0
    for (kind, code, due, offset), team_ids in due_now.items():
        period = periods[code]
        done = await uow.deadlines.submitted(kind, code, team_ids)
        waiting = [t for t in team_ids if t not in done]
        if not waiting:
            continue
        left = (due - today).days
        buttons, early = offer(env, kind, period, due, today)
        key = "calendar.push_early" if early else "deadline.push_today" if left == 0 else "deadline.push"
        text = env.t(key, report=period_label(env, kind, period), due=due.strftime("%d/%m/%Y"), days=left, **early)
        rows = [
            Recipient(
                p.id,
                f"{topic(kind, period, t)}:{offset}:{p.id}",
                topic(kind, period, t),
                morning(env, today, now),
                day_end(env, due),
            )
            for t in waiting
            for p in teams[t]
        ]
        made_before = await uow.outbox.queued_keys([r.key for r in rows])
        fresh = [r for r in rows if r.key not in made_before]
        if fresh:  # a push only for who has not had this reminder: the clock runs this often
            push = await new_push(uow, Kind.DEADLINE, text, now, buttons=buttons)
            made += await enqueue(uow, push, fresh, env=env, now=now)
    return made


def _markable(env: PushEnv, kind: str, code: str, month: int, day: int, today: dt.date) -> Period:
    period = from_code(code)
    if kind not in KINDS or period is None or period.kind != kind or (kind == "half" and period.part != 1):
        raise UserError("deadline.bad_period")
    opens, closes = window(period, due_date(period, month, day))
    if today < opens:
        raise UserError(
            "calendar.deadline_not_yet", report=period_label(env, kind, period), opens=opens.strftime("%d/%m/%Y")
        )
    if today > closes:
        raise UserError("deadline.bad_period")
    return period


async def mark_submitted(
    uow: UnitOfWork, env: PushEnv, leader: Person, kind: str, code: str, now: dt.datetime
) -> tuple[Period, ReportSubmission | None]:
    """A team leader's «Đã nộp»: recorded once; every reminder still waiting stops. Returns the
    submission recorded before (by this leader or another, maybe at the same moment), or None
    when this tap recorded it."""
    rules = await rules_of(uow, leader.unit)
    period = _markable(env, kind, code, *rules.get(kind, (12, 31)), now.astimezone(env.tz).date())
    if await uow.deadlines.submit(leader.unit_id, kind, period.code, leader.id, now):
        await uow.outbox.cancel([topic(kind, period, leader.unit_id)])
        return period, None
    return period, (await uow.deadlines.submitted(kind, period.code, [leader.unit_id]))[leader.unit_id]


async def status(
    uow: UnitOfWork, official: Person, kind: str, period: Period
) -> tuple[list[Unit], list[Unit], dict[int, list[Person]]]:
    """Teams under the official's unit: (reported, not yet), and the leaders of each team."""
    teams = list(await uow.deadlines.teams_under(official.unit.path))
    done = await uow.deadlines.submitted(kind, period.code, [t.id for t in teams])
    leaders: dict[int, list[Person]] = defaultdict(list)
    for p in await uow.deadlines.leaders([t.id for t in teams]):
        leaders[p.unit_id].append(p)
    return [t for t in teams if t.id in done], [t for t in teams if t.id not in done], leaders


async def nudge(
    uow: UnitOfWork,
    env: PushEnv,
    official: Person,
    kind: str,
    period: Period,
    team_ids: Sequence[int],
    now: dt.datetime,
) -> int:
    """One tap: the leaders of these teams (not yet reported, under the official) are reminded,
    at most once a day. Returns how many leaders will be told."""
    _, waiting, leaders = await status(uow, official, kind, period)
    allowed = {t.id for t in waiting} & set(team_ids)
    due = due_date(period, *(await rules_of(uow, official.unit))[kind])
    buttons, early = offer(env, kind, period, due, now.astimezone(env.tz).date())
    text = env.t(
        "calendar.nudge_early" if early else "deadline.nudge_push",
        name=official.full_name,
        report=period_label(env, kind, period),
        due=due.strftime("%d/%m/%Y"),
        **early,
    )
    push = await new_push(uow, Kind.NUDGE, text, now, buttons=buttons, created_by=official)
    day = now.astimezone(env.tz).strftime("%Y%m%d")
    rows = [
        Recipient(
            p.id, f"{topic(kind, period, t)}:nudge{day}:{p.id}", topic(kind, period, t), now, now + dt.timedelta(days=7)
        )
        for t in sorted(allowed)
        for p in leaders[t]
    ]
    return await enqueue(uow, push, rows, env=env, now=now)
