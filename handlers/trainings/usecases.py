"""Training use cases: create (with invitations and reminders), answer, change, cancel (check-in
and attendance: handlers/trainings/checkin.py). The caller's unit of work commits.

Delivery keys carry the training's version, so a change re-plans reminders without ever
repeating one; topics group what a decline, a change or a cancellation stops:
`tr:<id>:inv` invitations, `tr:<id>:v<version>:rem` reminders, `tr:<id>:chg` change notices.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from handlers.common.outbox import Kind, PushEnv, Recipient, enqueue, new_push
from handlers.kit.core import Button
from handlers.kit.errors import UserError
from handlers.trainings.audience import INVITED_ROLES, invitable, invitees
from handlers.trainings.buttons import TrainingNo, TrainingYes
from storage.access import unit_visible
from storage.db import UnitOfWork
from storage.models import Answer, Person, PushFile, Training, TrainingInvite, TrainingStatus, Unit

MIN_GAP = dt.timedelta(hours=1)  # a reminder this close to the invitation adds nothing
MAX_TITLE = 200
MAX_PLACE = 300


def new_code() -> str:
    """A class's check-in code: 4 digits, easy to read out and type on an old phone; guessing
    is held off by the limit on wrong tries (handlers/trainings/checkin.py), not by length."""
    return str(1000 + secrets.randbelow(9000))


def topic_inv(t: Training) -> str:
    return f"tr:{t.id}:inv"


def topic_rem(t: Training, version: int | None = None) -> str:
    return f"tr:{t.id}:v{version or t.version}:rem"


def topic_chg(t: Training) -> str:
    return f"tr:{t.id}:chg"


def offset_label(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def answer_buttons(env: PushEnv, training: Training) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button.of(env.t("training.btn_yes"), TrainingYes(training.id)),),
        (Button.of(env.t("training.btn_no"), TrainingNo(training.id)),),
    )


def _details(env: PushEnv, training: Training, unit_name: str) -> dict[str, str]:
    return {"title": training.title, "when": env.when(training.starts_at), "place": training.place, "unit": unit_name}


async def _file(uow: UnitOfWork, training: Training) -> PushFile | None:
    return await uow.outbox.file(training.file_id) if training.file_id else None


def _urgent(env: PushEnv, training: Training, now: dt.datetime) -> bool:
    """A notice that cannot wait for the morning without coming too late goes at once."""
    return env.policy.quiet.place(now, env.tz, now=now, before=training.starts_at) is None


async def create_training(
    uow: UnitOfWork,
    env: PushEnv,
    *,
    organiser: Person | None,
    unit: Unit,
    title: str,
    starts_at: dt.datetime,
    place: str,
    scope: Sequence[Unit],
    now: dt.datetime,
    file: PushFile | None = None,
) -> tuple[Training, int]:
    """The training, its invitations (one per person `invitees` finds) and their reminders."""
    if starts_at <= now:
        raise UserError("training.when_past")
    if organiser is not None and not all(unit_visible(organiser, u.path) for u in (unit, *scope)):
        raise UserError("training.outside_unit")
    people = await invitees(uow, unit, scope)
    if not people:
        raise UserError("training.nobody_in_scope")
    training = await uow.trainings.add(
        Training(
            unit_id=unit.id,
            unit_path=unit.path,
            title=title[:MAX_TITLE],
            starts_at=starts_at,
            place=place[:MAX_PLACE],
            scope=[u.id for u in scope],
            status=TrainingStatus.SCHEDULED,
            checkin_code=new_code(),
            version=1,
            file_id=file.id if file else None,
            created_by_id=organiser.id if organiser else None,
            created_at=now,
            updated_at=now,
        )
    )
    await uow.trainings.add_invites(training, people)
    ids = [p.id for p in people]
    await _invite(uow, env, training, unit.name, ids, now)
    await _plan_reminders(uow, env, training, unit.name, ids, now)
    return training, len(people)


async def invite_to_upcoming(uow: UnitOfWork, env: PushEnv, person: Person, now: dt.datetime, *, joined: bool) -> int:
    """A mediator or an official who joins the bot, or moves to another unit, after a training
    covering their unit was created: invited like the others (the invitation now, the reminders
    at their time). `joined`: also told of trainings they were listed for before they could be
    reached."""
    if person.role not in INVITED_ROLES or not person.active:
        return 0
    told = 0
    for training in await uow.trainings.upcoming_covering(person.unit.path, now):
        if not invitable(person, training.unit_path):
            continue
        listed = await uow.trainings.invite(training.id, person.id) is not None
        if not listed:
            await uow.trainings.add_invites(training, [person])
        elif not joined:
            continue
        unit_name = await _unit_name(uow, training)
        told += await _invite(uow, env, training, unit_name, [person.id], now, "joined" if listed else "inv")
        await _plan_reminders(uow, env, training, unit_name, [person.id], now)
    return told


async def _invite(
    uow: UnitOfWork,
    env: PushEnv,
    training: Training,
    unit_name: str,
    person_ids: Sequence[int],
    now: dt.datetime,
    why: str = "inv",
) -> int:
    text = env.t("training.invite_push", **_details(env, training, unit_name))
    push = await new_push(
        uow,
        Kind.TRAINING_INVITE,
        text,
        now,
        buttons=answer_buttons(env, training),
        file=await _file(uow, training),
        unit=None,
    )
    rows = [
        Recipient(
            pid, f"tr:{training.id}:v{training.version}:{why}:{pid}", topic_inv(training), now, training.starts_at
        )
        for pid in person_ids
    ]
    return await enqueue(uow, push, rows, urgent=_urgent(env, training, now), env=env, now=now)


async def _plan_reminders(
    uow: UnitOfWork, env: PushEnv, training: Training, unit_name: str, person_ids: Sequence[int], now: dt.datetime
) -> int:
    if not person_ids:
        return 0
    text = env.t("training.reminder_push", **_details(env, training, unit_name))
    buttons = ((Button.of(env.t("training.btn_no"), TrainingNo(training.id)),),)
    push = await new_push(uow, Kind.TRAINING_REMINDER, text, now, buttons=buttons)
    rows = []
    for offset in env.policy.reminder_offsets:
        due = training.starts_at - offset
        if due < now + MIN_GAP:
            continue
        label = offset_label(offset)
        rows += [
            Recipient(
                pid,
                f"tr:{training.id}:v{training.version}:rem:{label}:{pid}",
                topic_rem(training),
                due,
                training.starts_at,
            )
            for pid in person_ids
        ]
    return await enqueue(uow, push, rows, env=env, now=now)


async def answer(
    uow: UnitOfWork,
    env: PushEnv,
    person: Person,
    training_id: int,
    *,
    yes: bool,
    now: dt.datetime,
    reason: str | None = None,
) -> tuple[TrainingInvite, Training]:
    """Someone answers their own invitation (nobody else's: it is looked up by person)."""
    found = await uow.trainings.invite(training_id, person.id)
    if found is None:
        raise UserError("training.not_invited")
    invite, training = found
    if training.status is TrainingStatus.CANCELLED:
        raise UserError("training.is_cancelled")
    if training.ends_at < now:
        raise UserError("training.is_over")
    invite.answer = Answer.YES if yes else Answer.NO
    invite.reason = None if yes else reason
    invite.answered_at = now
    if yes:
        await uow.outbox.revive(topic_rem(training), person.id, now)
        await _plan_reminders(uow, env, training, await _unit_name(uow, training), [person.id], now)
    else:
        await uow.outbox.cancel([topic_rem(training)], [person.id])
    return invite, training


async def _unit_name(uow: UnitOfWork, training: Training) -> str:
    unit = await uow.units.get(training.unit_id)
    return unit.name if unit else ""


async def change_training(
    uow: UnitOfWork,
    env: PushEnv,
    training: Training,
    now: dt.datetime,
    *,
    starts_at: dt.datetime | None = None,
    place: str | None = None,
) -> int:
    """New time or place: everyone invited hears it; reminders are planned afresh. A new time
    undoes the check-ins made for the old one (those people are told to check in again).
    Returns how many people are told."""
    if training.status is TrainingStatus.CANCELLED:
        raise UserError("training.is_cancelled")
    if starts_at is not None and starts_at <= now:
        raise UserError("training.when_past")
    await uow.outbox.cancel([topic_rem(training)])
    moved = starts_at is not None and starts_at != training.starts_at
    cleared = set(await uow.trainings.clear_attendance(training.id)) if moved else set()
    training.version += 1
    training.starts_at = starts_at or training.starts_at
    training.place = (place or training.place)[:MAX_PLACE]
    training.updated_at = now
    told = await uow.outbox.reached(topic_inv(training))
    await uow.outbox.cancel([topic_inv(training), topic_chg(training)])
    invites = await uow.trainings.invites(training.id)
    everyone = [p.id for _, p in invites]
    unit_name = await _unit_name(uow, training)
    await _invite(uow, env, training, unit_name, [pid for pid in everyone if pid not in told], now)
    text = env.t("training.changed_push", **_details(env, training, unit_name))
    push = await new_push(uow, Kind.TRAINING_CHANGED, text, now, buttons=answer_buttons(env, training))
    again = text + "\n" + env.t("calendar.checkin_cleared")  # their check-in was for the old time
    rows = [
        Recipient(
            pid,
            f"tr:{training.id}:v{training.version}:chg:{pid}",
            topic_chg(training),
            now,
            training.starts_at,
            again if pid in cleared else None,
        )
        for pid in everyone
        if pid in told
    ]
    await enqueue(uow, push, rows, urgent=_urgent(env, training, now), env=env, now=now)
    coming = [i.person_id for i, _ in invites if i.answer is not Answer.NO]
    await _plan_reminders(uow, env, training, unit_name, coming, now)
    return len(everyone)


async def cancel_training(uow: UnitOfWork, env: PushEnv, training: Training, now: dt.datetime) -> int:
    """Nothing more about it is sent; those who were told about it hear it is cancelled."""
    if training.status is TrainingStatus.CANCELLED:
        raise UserError("training.is_cancelled")
    training.status = TrainingStatus.CANCELLED
    training.updated_at = now
    told = await uow.outbox.reached(topic_inv(training))
    await uow.outbox.cancel([topic_inv(training), topic_rem(training), topic_chg(training)])
    if not told or training.starts_at <= now:
        return 0
    text = env.t("training.cancelled_push", title=training.title, when=env.when(training.starts_at))
    push = await new_push(uow, Kind.TRAINING_CANCELLED, text, now)
    rows = [
        Recipient(pid, f"tr:{training.id}:end:{pid}", f"tr:{training.id}:end", now, training.starts_at)
        for pid in sorted(told)
    ]
    return await enqueue(uow, push, rows, urgent=_urgent(env, training, now), env=env, now=now)
