"""Check-in at a class: by the code the organiser reads out, or marked by the organiser.

A person checks in by code only while the class is on (Training.checkin_open: from 30 minutes
before it starts until it ends). Every wrong code is recorded; after MAX_MISSES for a class,
that class no longer takes this person's code and the organiser marks them by hand, so the
9,000 codes cannot be tried. The caller's unit of work commits (wrong tries included).
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Sequence

from handlers.common.outbox import PushEnv
from handlers.kit.errors import UserError
from storage.db import UnitOfWork
from storage.models import MAX_MISSES, Answer, Person, Training, TrainingInvite

CODE = re.compile(r"[0-9]{4}")
NEAR = dt.timedelta(days=1)  # classes this close are named when check-in is not open


def read_code(text: str) -> str | None:
    """What follows /diemdanh as a code ("48 31" is 4831), or None when it is not one."""
    code = "".join(text.split())
    return code if CODE.fullmatch(code) else None


def _hhmm(env: PushEnv, moment: dt.datetime) -> str:
    return moment.astimezone(env.tz).strftime("%H:%M")


def _not_on(env: PushEnv, near: Sequence[tuple[TrainingInvite, Training]], now: dt.datetime) -> UserError:
    """Why no class takes a code now: one starts later, one has ended, or there is none."""
    coming = [t for _, t in near if t.checkin_opens_at > now]
    if coming:
        t = coming[0]
        return UserError(
            "calendar.checkin_not_yet", title=t.title, when=env.when(t.starts_at), opens=_hhmm(env, t.checkin_opens_at)
        )
    over = [t for _, t in near if t.ends_at < now]
    if over:
        t = over[-1]
        return UserError("calendar.checkin_over", title=t.title, ends=_hhmm(env, t.ends_at))
    return UserError("training.checkin_none")


async def check_in(uow: UnitOfWork, env: PushEnv, person: Person, code: str, now: dt.datetime) -> Training:
    """A mediator types the code read out at the class: attended."""
    near = await uow.trainings.starting_between(person.id, now - NEAR, now + NEAR)
    on = [(i, t) for i, t in near if t.checkin_open(now)]
    if not on:
        raise _not_on(env, near, now)
    misses = await uow.trainings.misses(person.id, [t.id for _, t in on])
    tries = [(i, t) for i, t in on if misses.get(t.id, 0) < MAX_MISSES]
    if not tries:
        raise UserError("calendar.checkin_locked", title=on[0][1].title, max=MAX_MISSES)
    for invite, training in tries:
        if hmac.compare_digest(training.checkin_code.encode(), code.encode()):
            invite.attended, invite.attended_at = True, now
            if invite.answer is Answer.PENDING:
                invite.answer, invite.answered_at = Answer.YES, now
            return training
    for _, training in tries:
        await uow.trainings.add_miss(training.id, person.id, now)
    left = max(MAX_MISSES - misses.get(t.id, 0) - 1 for _, t in tries)
    if left == 0:
        raise UserError("calendar.checkin_locked", title=tries[0][1].title, max=MAX_MISSES)
    raise UserError("calendar.checkin_bad_code", left=left)


async def toggle_attended(
    uow: UnitOfWork, env: PushEnv, official: Person, invite_id: int, now: dt.datetime
) -> tuple[TrainingInvite, Training]:
    """The organiser marks someone present (or not): from the moment check-in opens, never
    before, so a class that has not taken place counts for nobody."""
    found = await uow.trainings.invite_by_id(invite_id)
    if found is None or await uow.trainings.managed(official, found[1].id) is None:
        raise UserError("training.not_found")
    invite, training = found
    if not invite.attended and now < training.checkin_opens_at:
        raise UserError("calendar.mark_too_early", opens=env.when(training.checkin_opens_at))
    invite.attended = not invite.attended
    invite.attended_at = now if invite.attended else None
    return invite, training
