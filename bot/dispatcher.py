"""The outbox dispatcher: sends due deliveries through each channel's Sender.

A delivery goes pending → claimed (taken atomically, in batches) → sending (recorded, inside
the channel's rate-limit slot, just before the platform is called) → sent. A 429 or a
transient fault puts it back to pending after retry_after or a growing backoff; a 403 marks
the account unreachable (another reachable account of the person is tried, else their
officials are told); a 400 fails it; what is past its use expires. A send the platform did
not answer in time (`Unconfirmed`) becomes uncertain; so do sending rows after a crash, while
claimed rows go back to pending: a message that may have reached the platform is never sent
twice. Only one dispatcher runs per store (the clock's leader).

All of the dispatcher's reads and writes go through one StateWriter: one session, changes
committed in groups, so recording "sending" costs well under a millisecond at 100 messages
a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.channels.base import Rejected, RetryLater, Sender, Unconfirmed, Unreachable
from bot.outbox_batch import Coalesced
from bot.ratelimit import ADMITTED, PAID, PAID_SUFFIX, SendLimiter
from bot.state_writer import StateWriter
from handlers.common.outbox import PushEnv, StoredFile, reply_of, tell_officials_unreachable
from handlers.kit.core import Attachment, Reply
from storage.db import Database, UnitOfWork
from storage.models import DeliveryStatus as S

log = logging.getLogger(__name__)
BACKOFF = (0, 5, 30, 120, 600, 1800)  # seconds, by attempt; a 429's retry_after is the floor
MAX_ATTEMPTS = 8


@dataclass
class Job:
    id: int
    person_id: int
    text: str
    buttons: list
    file_id: int | None
    mutable: bool
    expires_at: dt.datetime | None
    attempts: int
    muted: bool = False
    active: bool = True
    channel: str | None = None
    external_id: str | None = None
    paid: bool = False  # a paid broadcast (allow_paid_broadcast): its own, higher budget


class Dispatcher:
    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        *,
        env: PushEnv,
        clock: Callable[[], dt.datetime],
        limiters: Mapping[str, SendLimiter] | None = None,
        concurrency: int = 32,
        batch: int = 200,
        lease: dt.timedelta = dt.timedelta(minutes=10),
        idle_seconds: float = 5.0,
        paid_kinds: frozenset[str] = frozenset(),
    ) -> None:
        self.db = db
        self.senders = senders
        self.env = env
        self.clock = clock
        self.limiters = dict(limiters or {})
        self.concurrency = concurrency
        self.batch = batch
        self.lease = lease
        self.idle_seconds = idle_seconds
        self.paid_kinds = paid_kinds  # push kinds sent as paid broadcasts where a ":paid" limiter exists
        self.worker = uuid.uuid4().hex[:16]
        self.writer = StateWriter(db)
        self._starting: Coalesced[tuple[int, str, str], set[int]] = Coalesced(
            self.writer, lambda u, rows: u.outbox.start_sending_many(rows, self.worker), urgent=True
        )
        self._sent: Coalesced[int, None] = Coalesced(
            self.writer, lambda u, ids: u.outbox.finish_many(ids, S.SENT, self.clock())
        )
        self._wake = asyncio.Event()
        self._running = False
        self._stop = asyncio.Event()  # set: finish what is being sent, start nothing new
        self._files: dict[int, Attachment] = {}

    # --- lifecycle ---------------------------------------------------------------------------
    async def recover(self) -> tuple[int, int]:
        """At start, as the only dispatcher: whatever a dead one left behind."""
        now = self.clock()
        back, lost = await self.writer.do(lambda u: u.outbox.recover(now, stale_only=False))
        if back or lost:
            log.info("outbox: %d claimed deliveries back to pending, %d in-flight marked uncertain", back, lost)
        return back, lost

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        self._running = True
        self._stop.clear()  # run again after a stop (the clock's lock lost, then regained)
        watcher = asyncio.create_task(self._watch(stop))
        try:
            await self.recover()
            while not stop.is_set():
                try:
                    await self.drain()
                except Exception as exc:  # noqa: BLE001 - keep dispatching; the rows stay in the store
                    log.error("outbox: drain failed: %s", type(exc).__name__, exc_info=exc)
                self._wake.clear()
                waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
                await asyncio.wait(waiters, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED)
                for w in waiters:
                    w.cancel()
            await self.writer.do(lambda u: u.outbox.release(self.worker))
        finally:
            watcher.cancel()
            self._running = False
            await self.writer.close()

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stop.set()

    async def drain(self) -> int:
        """Send everything due now, including what sending makes due (a notice to an
        official, another account to try); returns how many deliveries were handled."""
        handled = 0
        try:
            while True:
                await self.writer.do(self._housekeeping)
                round_ = await self._round()
                handled += round_
                if not round_ or self._stop.is_set():
                    return handled
        finally:
            if not self._running:
                await self.writer.close()

    async def _housekeeping(self, u: UnitOfWork) -> None:
        now = self.clock()
        await u.outbox.expire(now)
        await u.outbox.recover(now, stale_only=True)

    async def _round(self) -> int:
        queue: asyncio.Queue[Job | None] = asyncio.Queue(self.batch)
        workers = [asyncio.create_task(self._work(queue)) for _ in range(self.concurrency)]
        handled = 0
        try:
            while not self._stop.is_set() and (jobs := await self._claim()):
                for job in jobs:
                    await queue.put(job)
                handled += len(jobs)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        return handled

    async def _claim(self) -> list[Job]:
        now = self.clock()
        quiet = self.env.policy.quiet.contains(now.astimezone(self.env.tz))

        async def claim(u: UnitOfWork) -> list[Job]:
            ids = await u.outbox.claim(self.worker, now, now + self.lease, self.batch, urgent_only=quiet)
            if not ids:
                return []
            rows = await u.outbox.claimed(ids)
            people = sorted({d.person_id for d, _ in rows})
            muted = await u.outbox.muted_among(people)
            active = await u.outbox.active_among(people)
            accounts = await u.outbox.accounts_for(people)
            return [
                Job(
                    d.id,
                    d.person_id,
                    d.text or p.text,
                    p.buttons,
                    p.file_id,
                    d.mutable,
                    d.expires_at,
                    d.attempts,
                    muted=d.person_id in muted,
                    active=d.person_id in active,
                    channel=getattr(accounts.get(d.person_id), "channel", None),
                    external_id=getattr(accounts.get(d.person_id), "external_id", None),
                    paid=p.kind in self.paid_kinds,
                )
                for d, p in rows
            ]

        return await self.writer.do(claim)

    # --- sending ---------------------------------------------------------------------------------
    async def _work(self, queue: asyncio.Queue[Job | None]) -> None:
        while (job := await queue.get()) is not None:
            if self._stop.is_set():
                continue  # stays claimed: handed back by release() as we stop
            try:
                await self._deliver(job)
            except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
                log.error("outbox: delivery %d failed: %s", job.id, type(exc).__name__, exc_info=exc)

    async def _deliver(self, job: Job) -> None:
        now = self.clock()
        if job.expires_at is not None and now >= job.expires_at:
            return await self._finish(job, S.EXPIRED)
        if not job.active:
            return await self._finish(job, S.CANCELLED, "person no longer active")
        if job.mutable and job.muted:
            return await self._finish(job, S.SKIPPED)
        channel, account = job.channel, job.external_id  # both set when the person has an account
        sender = self.senders.get(channel) if channel is not None else None
        if channel is None or account is None or sender is None:
            why = "no reachable account" if channel is None or account is None else f"no {channel} sender running"
            return await self._finish(job, S.UNREACHABLE, why)
        reply = await self._reply(job)
        if reply is None:
            return await self._finish(job, S.FAILED, "its file is no longer stored")
        paid = self.limiters.get(channel + PAID_SUFFIX) if job.paid else None
        limiter = paid or self.limiters.get(channel)
        outcome: Exception | None = None
        async with limiter.slot(account) if limiter else contextlib.nullcontext():
            if job.id not in await self._starting((job.id, channel, account)):
                return None  # cancelled or recovered meanwhile: must not be sent
            token, paying = ADMITTED.set(limiter is not None), PAID.set(paid is not None)
            try:
                await sender.send(account, reply)
            except (RetryLater, Unreachable, Rejected, Unconfirmed) as err:
                outcome = err
            except Exception as err:  # noqa: BLE001 - unknown: treat as transient
                log.error("outbox: delivery %d: unexpected %s", job.id, type(err).__name__, exc_info=err)
                outcome = RetryLater(60, type(err).__name__)
            finally:
                ADMITTED.reset(token)
                PAID.reset(paying)
        await self._record(job, outcome, channel, account)
        return None

    async def _reply(self, job: Job) -> Reply | None:
        """The message of a delivery; None when the push's file is no longer stored."""
        file_id, file = job.file_id, None
        if file_id is not None:
            file = self._files.get(file_id)
            if file is None:
                stored = await self.writer.do(lambda u: u.outbox.file(file_id))
                if stored is None:
                    return None
                file = self._files[file_id] = StoredFile(stored.filename, stored.data, stored.kind, stored.ref or "")
        return reply_of(job.text, job.buttons, file)

    async def _finish(self, job: Job, status: S, error: str | None = None) -> None:
        now = self.clock()
        await self.writer.do(lambda u: u.outbox.finish(job.id, status, now, error))

    async def _record(self, job: Job, outcome: Exception | None, channel: str, account: str) -> None:
        now = self.clock()
        if outcome is None:
            return await self._sent(job.id)
        if isinstance(outcome, Unconfirmed):
            log.info("outbox: delivery %d: no answer from %s; uncertain, not sent again", job.id, channel)
            return await self._finish(job, S.UNCERTAIN, "no answer from the platform")
        if isinstance(outcome, Rejected):
            log.warning("outbox: delivery %d refused by %s: %s", job.id, channel, outcome)
            return await self._finish(job, S.FAILED, f"refused: {outcome}")
        if isinstance(outcome, RetryLater):
            attempts = job.attempts + 1
            at = now + dt.timedelta(seconds=max(outcome.after, BACKOFF[min(attempts, len(BACKOFF)) - 1]))
            if attempts >= MAX_ATTEMPTS:
                return await self._finish(job, S.FAILED, f"gave up: {outcome}")
            if job.expires_at is not None and at >= job.expires_at:
                return await self._finish(job, S.EXPIRED, str(outcome))
            await self.writer.do(lambda u: u.outbox.retry(job.id, at, attempts, str(outcome)))
            return None

        # Unreachable: this account blocked the bot. Another account of theirs, else tell the officials.
        async def blocked(u: UnitOfWork) -> None:
            await u.outbox.block_account(channel, account)
            if await u.accounts.for_delivery(job.person_id) is not None:
                await u.outbox.retry(job.id, now, job.attempts, "account unreachable; trying another")
            else:
                await u.outbox.finish(job.id, S.UNREACHABLE, now, "blocked the bot")
                await tell_officials_unreachable(u, self.env, job.person_id, now)

        log.info("outbox: delivery %d: %s account unreachable", job.id, channel)
        await self.writer.do(blocked)
        return None
