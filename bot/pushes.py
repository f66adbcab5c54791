"""Wiring of reminders and pushes for the composition root: settings → policy,
and the clock + dispatcher running beside the channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from bot.channels.base import Sender
from bot.clock import Leadership, PushClock, run_as_leader
from bot.dispatcher import Dispatcher
from bot.heartbeat import Heartbeat
from bot.ratelimit import PtbLimiter, SendLimiter
from bot.settings import Settings
from handlers.common.outbox import WEEKDAYS, Kind, PushPolicy, QuietHours, parse_clock, parse_offsets
from handlers.kit.engine import Engine
from storage.db import Database

log = logging.getLogger(__name__)


def push_policy(settings: Settings) -> PushPolicy:
    """REMINDER_OFFSETS, QUIET_HOURS, STALE_CASE_DAYS, STALE_DIGEST, DEADLINE_REMINDER_DAYS,
    HELP_ESCALATE_DAYS."""
    try:
        day, _, at = settings.stale_digest.strip().lower().partition(" ")
        days = tuple(sorted({int(d) for d in settings.deadline_reminder_days.split(",") if d.strip()}, reverse=True))
        if any(d < 0 for d in days) or settings.stale_case_days < 1 or settings.help_escalate_days < 1:
            raise ValueError("days must not be negative")
        return PushPolicy(
            reminder_offsets=parse_offsets(settings.reminder_offsets),
            quiet=QuietHours.parse(settings.quiet_hours),
            stale_days=settings.stale_case_days,
            deadline_days=days,
            digest_weekday=WEEKDAYS.index(day[:3]),
            digest_time=parse_clock(at or "08:00"),
            escalate_days=settings.help_escalate_days,
        )
    except ValueError as err:
        log.error("reminder settings are not valid (%s); see README, Configuration", err)
        raise SystemExit(2) from None


def telegram_limiter(settings: Settings) -> tuple[SendLimiter, PtbLimiter]:
    """One budget for everything the process sends to Telegram (DISPATCH_RATE, DISPATCH_CHAT_INTERVAL)."""
    limiter = SendLimiter(settings.dispatch_rate, chat_interval=settings.dispatch_chat_interval)
    return limiter, PtbLimiter(limiter)


@contextlib.asynccontextmanager
async def start_pushes(
    settings: Settings,
    engine: Engine,
    db: Database,
    senders: Mapping[str, Sender],
    limiters: Mapping[str, SendLimiter],
    heartbeat: Heartbeat | None = None,
) -> AsyncIterator[Dispatcher]:
    env = engine.deps.push  # built once, with the settings' policy, by the composition root
    rate = max(settings.dispatch_rate, settings.paid_broadcast_rate if settings.paid_broadcast else 0)
    concurrency = max(8, min(256, int(rate)))
    paid = frozenset({Kind.BROADCAST}) if settings.paid_broadcast else frozenset()
    dispatcher = Dispatcher(
        db,
        senders,
        env=env,
        clock=engine.deps.clock,
        limiters=limiters,
        concurrency=concurrency,
        batch=max(50, int(rate)),
        paid_kinds=paid,
    )
    clock = PushClock(
        db,
        env,
        dispatcher,
        clock=engine.deps.clock,
        heartbeat=heartbeat,
        retention_years=settings.party_retention_years,
        jobs=engine.jobs,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_as_leader(Leadership(db), clock, stop, retry=settings.leader_retry_seconds))
    try:
        yield dispatcher
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 15)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("outbox: dispatcher did not stop in time; unsent rows are recovered at next start")
