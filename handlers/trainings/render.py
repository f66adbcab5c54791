"""How trainings look on a phone screen, and how typed dates and times are read."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from handlers.common.dates import Problem, calendar_day, search_day
from handlers.common.outbox import PushEnv
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.text import fold
from handlers.trainings.buttons import (
    TrainingAttendance,
    TrainingCancel,
    TrainingEdit,
    TrainingList,
    TrainingNo,
    TrainingTally,
    TrainingYes,
)
from storage.models import Answer, Training, TrainingInvite, TrainingStatus, Unit

_TIME = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*(?:[:h]\s*(\d{2})?|giờ\s*(\d{2})?|gio\s*(\d{2})?)", re.I)


def parse_when(text: str, now: dt.datetime, tz: ZoneInfo) -> dt.datetime | str:
    """ "25/11/2026 08:00", "25/11 8h30", "8:00 25/11" → an aware UTC datetime, else the
    catalog key of what is wrong. A date without a year is the next one to come."""
    date = search_day(text)
    rest = text[: date[0][0]] + " " + text[date[0][1] :] if date else text
    time = _TIME.search(rest)
    if not date or not time:
        return "training.when_bad"
    _, year, month, day = date
    hour = int(time.group(1))
    if hour < 12 and {"chieu", "toi"} & set(fold(text).split()):
        hour += 12
    minute = int(next((g for g in time.groups()[1:] if g), "0"))
    local_now = now.astimezone(tz)
    y = local_now.year if year is None else year
    if not 1 <= y <= 9999 or isinstance(calendar_day(y, month, day, text), Problem):
        return "periods.day_not_in_calendar"
    try:
        moment = dt.datetime(y, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return "training.when_bad"
    if year is None and moment < local_now - dt.timedelta(days=1):
        moment = moment.replace(year=y + 1)
    if moment <= local_now:
        return "training.when_past"
    if moment > local_now + dt.timedelta(days=400):
        return "training.when_far"
    return moment.astimezone(dt.UTC)


def answer_label(ctx: Ctx, invite: TrainingInvite) -> str:
    if invite.attended:
        return ctx.t("training.answer_attended")
    return ctx.t(f"training.answer_{invite.answer.value}")


def training_line(ctx: Ctx, env: PushEnv, training: Training) -> str:
    cancelled = ctx.t("training.cancelled_mark") if training.status is TrainingStatus.CANCELLED else ""
    return ctx.t("training.list_line", when=env.when(training.starts_at), title=training.title, mark=cancelled)


def official_detail(
    ctx: Ctx,
    env: PushEnv,
    training: Training,
    unit: Unit | None,
    tally: list[tuple[Unit, int, int, int, int]],
    *,
    manages: bool,
    invite: TrainingInvite | None,
) -> Reply:
    """An official's screen of a class: its counts in their subtree; the organiser's side
    (check-in code, attendance, change, cancel) when they manage it; their own answer when
    they were invited."""
    invited, yes, no, came = (sum(t[1:][i] for t in tally) for i in range(4))
    lines = [
        ctx.t(
            "training.detail",
            title=training.title,
            when=env.when(training.starts_at),
            place=training.place,
            unit=unit.name if unit else "—",
            invited=invited,
            yes=yes,
            no=no,
            came=came,
        )
    ]
    if not manages:
        lines.append(ctx.t("training.detail_theirs", unit=ctx.me.unit.name))
    if invite is not None:
        lines.append(ctx.t("training.detail_mine", answer=answer_label(ctx, invite)))
    tid = training.id
    back = ctx.button("training.back_to_list", TrainingList())
    if training.status is TrainingStatus.CANCELLED:
        return Reply("\n".join([*lines, ctx.t("training.detail_cancelled")]), rows(back))
    tally_button = ctx.button("training.by_team", TrainingTally(tid))
    if not manages:
        return Reply("\n".join(lines), rows(tally_button, *answer_choices(ctx, training, invite), back))
    lines.append(ctx.t("training.detail_code", code=training.checkin_code))
    return Reply(
        "\n".join(lines),
        rows(
            tally_button,
            ctx.button("training.mark_attendance", TrainingAttendance(tid)),
            ctx.button("training.change", TrainingEdit(tid)),
            ctx.button("training.cancel", TrainingCancel(tid)),
            *answer_choices(ctx, training, invite),
            back,
        ),
    )


def answer_choices(ctx: Ctx, training: Training, invite: TrainingInvite | None) -> list[Button]:
    """The answers one may still give to one's own invitation."""
    if invite is None or invite.attended or training.status is TrainingStatus.CANCELLED:
        return []
    buttons = []
    if invite.answer is not Answer.YES:
        buttons.append(ctx.button("training.btn_yes", TrainingYes(training.id)))
    if invite.answer is not Answer.NO:
        buttons.append(ctx.button("training.btn_no", TrainingNo(training.id)))
    return buttons


def mediator_detail(ctx: Ctx, env: PushEnv, training: Training, invite: TrainingInvite, unit_name: str) -> Reply:
    text = ctx.t(
        "training.my_detail",
        title=training.title,
        when=env.when(training.starts_at),
        place=training.place,
        unit=unit_name,
        answer=answer_label(ctx, invite),
    )
    if training.status is TrainingStatus.CANCELLED:
        return Reply(text + "\n" + ctx.t("training.detail_cancelled"))
    return Reply(text, rows(*answer_choices(ctx, training, invite)))
