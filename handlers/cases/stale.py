"""The weekly digest of stale cases: one message per mediator listing every case of theirs
still being mediated after N days (never one message per case)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from handlers.common.outbox import Kind, PushEnv, Recipient, enqueue, new_push
from handlers.kit.core import Button
from handlers.kit.registry import Cmd
from storage.db import UnitOfWork
from storage.models import Case

SHOW = 15
KEEP = dt.timedelta(days=3)


def digest_time(env: PushEnv, now: dt.datetime) -> dt.datetime:
    """This week's digest moment (local weekday and time of the policy), in UTC."""
    local = now.astimezone(env.tz)
    monday = local.date() - dt.timedelta(days=local.weekday())
    day = monday + dt.timedelta(days=env.policy.digest_weekday)
    return dt.datetime.combine(day, env.policy.digest_time, tzinfo=env.tz).astimezone(dt.UTC)


def _text(env: PushEnv, cases: list[Case], today: dt.date) -> str:
    lines = [env.t("stale.title", days=env.policy.stale_days, count=len(cases))]
    lines += [
        env.t(
            "stale.line",
            number=c.number,
            date=c.received_on.strftime("%d/%m/%Y"),
            category=env.t(f"category.{c.category}"),
            age=(today - c.received_on).days,
        )
        for c in cases[:SHOW]
    ]
    if len(cases) > SHOW:
        lines.append(env.t("stale.more", count=len(cases) - SHOW))
    lines.append(env.t("stale.hint"))
    return "\n".join(lines)


async def stale_digest_job(uow: UnitOfWork, env: PushEnv, now: dt.datetime) -> int:
    """Run by the clock every hour: once this week's digest time has passed, each mediator
    with stale cases gets one message (the key holds the ISO week, so once a week)."""
    at = digest_time(env, now)
    if now < at:
        return 0
    iso = at.astimezone(env.tz).isocalendar()
    week = f"{iso.year}W{iso.week:02d}"
    if await uow.outbox.topic_exists(f"stale:{week}"):
        return 0  # made in one transaction: all of this week's digest is there already
    today = now.astimezone(env.tz).date()
    mine: dict[int, list[Case]] = defaultdict(list)
    for person_id, case in await uow.outbox.stale_cases(today - dt.timedelta(days=env.policy.stale_days)):
        mine[person_id].append(case)
    if not mine:
        return 0
    buttons = ((Button.of(env.t("stale.open"), Cmd("cuatoi")),),)
    push = await new_push(uow, Kind.STALE, env.t("stale.generic", days=env.policy.stale_days), now, buttons=buttons)
    rows = [
        Recipient(pid, f"stale:{week}:{pid}", f"stale:{week}", now, now + KEEP, _text(env, cases, today))
        for pid, cases in mine.items()
    ]
    return await enqueue(uow, push, rows, env=env, now=now)
