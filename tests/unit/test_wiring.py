"""The composition root wires every slice's recurring jobs to the clock (bot/app.py → Slice.jobs)."""

from __future__ import annotations

from bot.app import build_engine
from handlers.cases.stale import stale_digest_job
from handlers.deadlines.chain_reminders import chain_reminder_job
from handlers.deadlines.usecases import deadline_job
from handlers.stats.stale_block import officials_stale_job
from handlers.stats.targets_block import officials_targets_job
from handlers.support.escalation import escalate_job


def test_the_clock_gets_every_recurring_job_once():
    jobs = build_engine(None).jobs  # type: ignore[arg-type] - building wires, it does not touch the store
    assert sorted(j.__name__ for j in jobs) == sorted(
        j.__name__
        for j in (
            deadline_job,
            chain_reminder_job,
            stale_digest_job,
            officials_stale_job,
            officials_targets_job,
            escalate_job,
        )
    )
    assert len(set(jobs)) == len(jobs)
