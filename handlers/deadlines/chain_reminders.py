"""Reminders up the report chain, as teams get before their day: the officials of a commune (or
district) whose report for the period is not yet marked sent are told 7, 2 and 0 days (the
policy's `deadline_days`) before the day the unit it reports to set. No day set, no reminder:
the Ministry's dates are not held (see chain.py). Each reminder has a key, so the clock may run
this often; «Đã gửi» calls off what is still waiting (the topic is the nudge's). The push kind
is DEADLINE, so /nhacnho mutes it like the teams' reminders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from content.deadlines import KINDS
from handlers.common.outbox import Kind, PushEnv, Recipient, enqueue, new_push
from handlers.common.periods import Period
from handlers.deadlines.chain import send_button, topic
from handlers.deadlines.usecases import current, day_end, morning, period_label, takes_reports, window
from storage.db import UnitOfWork
from storage.models import Person, Unit
from storage.report_chain import receiver_of
from storage.rollups import lineage_ids

Rules = dict[tuple[int, str], tuple[int, int]]
# (kind, period code, due day, offset, receiver id) → the waiting units' officials
Groups = dict[tuple[str, str, dt.date, int, int], dict[int, list[Person]]]


def day_for(rules: Rules, receiver: Unit, kind: str) -> tuple[int, int] | None:
    """The day set by the receiver, or by the nearest unit above it that set one."""
    return next((rules[(u, kind)] for u in reversed(lineage_ids(receiver.path)) if (u, kind) in rules), None)


def _offset(offsets: list[int], left: int) -> int | None:
    return None if left < 0 else next((o for o in offsets if o >= left), None)


async def chain_reminder_job(uow: UnitOfWork, env: PushEnv, now: dt.datetime) -> int:
    """Today's reminders to the officials of units that have not sent their report up (clock:
    often; running again, or after a restart, adds nothing). Returns the deliveries made."""
    today = now.astimezone(env.tz).date()
    offsets = sorted(env.policy.deadline_days)
    rules: Rules = {(r.unit_id, r.kind): (r.due_month, r.due_day) for r in await uow.chain.all_rules()}
    near = {u for (u, k), md in rules.items() if _offset(offsets, (current(k, *md, today)[1] - today).days) is not None}
    if not near:
        return 0  # most days of the year: no day near, nothing more to read
    setters = await uow.chain.units(sorted(near))
    officials = await uow.chain.reporting_officials([u.path for u in setters.values()])
    above = await uow.chain.units(sorted({a for p in officials for a in lineage_ids(p.unit.path)[:-1]}))
    groups: Groups = defaultdict(lambda: defaultdict(list))
    periods: dict[str, Period] = {}
    for person in officials:
        to = receiver_of(person.unit, above)
        for kind in KINDS:
            md = day_for(rules, to, kind) if to is not None else None
            if to is None or md is None:
                continue
            period, due = current(kind, *md, today)
            offset = _offset(offsets, (due - today).days)
            if offset is not None:
                groups[(kind, period.code, due, offset, to.id)][person.unit_id].append(person)
                periods[period.code] = period
    made = 0
    for (kind, code, due, offset, to_id), units in groups.items():
        sent = await uow.chain.sent(kind, code, list(units))
        waiting = {u: people for u, people in units.items() if u not in sent}
        keys = {
            p.id: reminder_key(kind, periods[code], u, offset, p.id) for u, people in waiting.items() for p in people
        }
        made_before = await uow.outbox.queued_keys(list(keys.values()))
        for people in waiting.values():
            fresh = [p for p in people if keys[p.id] not in made_before]
            if fresh:  # a push only for who has not had this reminder: the clock runs this often
                made += await _remind(uow, env, fresh, above[to_id], kind, periods[code], due, offset, now)
    return made


def reminder_key(kind: str, period: Period, unit_id: int, offset: int, person_id: int) -> str:
    return f"{topic(kind, period, unit_id)}:remind{offset}:{person_id}"


async def _remind(
    uow: UnitOfWork,
    env: PushEnv,
    people: list[Person],
    to: Unit,
    kind: str,
    period: Period,
    due: dt.date,
    offset: int,
    now: dt.datetime,
) -> int:
    today = now.astimezone(env.tz).date()
    left = (due - today).days
    open_ = takes_reports(period, due, today)
    key = "chain_remind.push_today" if left == 0 else "chain_remind.push"
    text = env.t(
        key if open_ else "chain_remind.push_early",
        unit=people[0].unit.name,
        report=period_label(env, kind, period),
        to=to.name,
        due=due.strftime("%d/%m/%Y"),
        days=left,
        opens=window(period, due)[0].strftime("%d/%m/%Y"),
    )
    buttons = send_button(env, kind, period) if open_ else ()
    push = await new_push(uow, Kind.DEADLINE, text, now, buttons=buttons)
    where = topic(kind, period, people[0].unit_id)
    rows = [
        Recipient(
            p.id,
            reminder_key(kind, period, p.unit_id, offset, p.id),
            where,
            morning(env, today, now),
            day_end(env, due),
        )
        for p in people
    ]
    return await enqueue(uow, push, rows, env=env, now=now)
