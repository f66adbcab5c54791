"""The report chain above the teams: a commune (or district) reports to the unit above it (its
province, or district), by the day that unit set; the caller's unit of work commits.

A rule set on a receiving unit applies to the units reporting to it, unless a receiving unit
nearer them has its own. There is no default day: Thông tư 03/2019/TT-BTP prints each level's
deadline on the biểu and in its Phụ lục II, which we do not hold; until the province sets a
day, a report has no due day and is never late. «Đã gửi» keeps the workbook the bot made for
the unit and period at that moment, sealed, so the province downloads what was sent, not a
report that later corrections would change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from content.deadlines import KINDS, check_day
from handlers.common.outbox import Kind, PushEnv, Recipient, enqueue, new_push
from handlers.common.periods import Period, from_code
from handlers.deadlines.buttons import ChainSend
from handlers.deadlines.usecases import due_date, listed, period_label, window
from handlers.kit.core import Button
from handlers.kit.errors import UserError
from storage.db import UnitOfWork
from storage.models import Person, Unit
from storage.models.deadlines import UnitReport
from storage.report_chain import REPORTERS
from storage.rollups import lineage_ids

# Without a day set, a report is taken from the day after its period ends (for LATE days).
ANCHOR = {"half": (7, 1), "year": (1, 1)}

Days = dict[str, tuple[int, int] | None]


@dataclass(frozen=True)
class Workbook:
    name: str
    data: bytes
    cases: int


MakeWorkbook = Callable[[Unit, Period], Awaitable[Workbook]]


async def days_for(uow: UnitOfWork, receiver: Unit) -> Days:
    """The day of each kind by which the units reporting to `receiver` send (None: not set)."""
    ids = lineage_ids(receiver.path)
    rules = {(r.unit_id, r.kind): (r.due_month, r.due_day) for r in await uow.chain.rules_for(ids)}
    out: Days = {}
    for kind in KINDS:
        out[kind] = next((rules[(u, kind)] for u in reversed(ids) if (u, kind) in rules), None)
    return out


def due_of(days: Days, kind: str, period: Period) -> dt.date | None:
    day = days.get(kind)
    return due_date(period, *day) if day is not None else None


def opens_closes(days: Days, kind: str, period: Period) -> tuple[dt.date, dt.date]:
    return window(period, due_date(period, *(days.get(kind) or ANCHOR[kind])))


def periods_now(days: Days, today: dt.date) -> list[tuple[str, Period, dt.date | None]]:
    """What /hanbaocao shows for the chain: per kind the period due next, and earlier ones
    still taking «Đã gửi»; the due day None where no day is set."""
    anchored = {kind: days.get(kind) or ANCHOR[kind] for kind in KINDS}
    return [(kind, period, due_of(days, kind, period)) for kind, period, _ in listed(anchored, today)]


def is_late(due: dt.date | None, day: dt.date) -> bool:
    return due is not None and day > due


async def set_rule(uow: UnitOfWork, official: Person, kind: str, month: int, day: int, now: dt.datetime) -> None:
    if kind not in KINDS:
        raise UserError("deadline.bad_kind")
    try:
        check_day(month, day)
    except ValueError:
        raise UserError("deadline.bad_day") from None
    await uow.chain.set_rule(official.unit_id, kind, month, day, official.id, now)


async def receiver_of(uow: UnitOfWork, official: Person) -> Unit:
    if official.unit.kind not in REPORTERS:
        raise UserError("chain.reporters_only")
    receiver = await uow.chain.receiver(official.unit)
    if receiver is None:
        raise UserError("chain.no_receiver", unit=official.unit.name)
    return receiver


def checked_period(kind: str, code: str) -> Period:
    period = from_code(code)
    if kind not in KINDS or period is None or period.kind != kind or (kind == "half" and period.part != 1):
        raise UserError("error.stale_button")
    return period


def topic(kind: str, period: Period, unit_id: int) -> str:
    return f"rc:{kind}:{period.code}:{unit_id}"


@dataclass(frozen=True)
class Sent:
    report: UnitReport
    receiver: Unit
    due: dt.date | None
    first: bool
    data: bytes
    by_other: Person | None = None  # who recorded it, when not the one tapping now


async def _recorded(uow: UnitOfWork, official: Person, found: UnitReport, receiver: Unit, due: dt.date | None) -> Sent:
    kept = await uow.chain.with_file(official, found.id)
    by = await uow.people.get(found.sent_by_id) if found.sent_by_id is not None else None
    other = by if by is not None and by.id != official.id else None
    return Sent(found, receiver, due, False, kept[0].xlsx if kept else b"", other)


async def mark_sent(
    uow: UnitOfWork, env: PushEnv, official: Person, kind: str, code: str, now: dt.datetime, make: MakeWorkbook
) -> Sent:
    """A commune official's «Đã gửi»: recorded once with the workbook made now; nudges and
    reminders still waiting for the unit stop. A second tap, or another official's tap at the
    same moment, gives back what was recorded, and by whom."""
    period = checked_period(kind, code)
    receiver = await receiver_of(uow, official)
    days = await days_for(uow, receiver)
    due = due_of(days, kind, period)
    found = (await uow.chain.sent(kind, period.code, [official.unit_id])).get(official.unit_id)
    if found is not None:
        return await _recorded(uow, official, found, receiver, due)
    today = now.astimezone(env.tz).date()
    opens, closes = opens_closes(days, kind, period)
    if today < opens:
        raise UserError("chain.not_yet", report=period_label(env, kind, period), opens=opens.strftime("%d/%m/%Y"))
    if today > closes:
        raise UserError("chain.bad_period")
    book = await make(official.unit, period)
    report = UnitReport(
        unit_id=official.unit_id,
        kind=kind,
        period=period.code,
        sent_by_id=official.id,
        sent_at=now,
        cases=book.cases,
        file_name=book.name[:120],
        xlsx=book.data,
    )
    if not await uow.chain.add_once(report):  # another official of the unit recorded it meanwhile
        found = (await uow.chain.sent(kind, period.code, [official.unit_id]))[official.unit_id]
        return await _recorded(uow, official, found, receiver, due)
    await uow.outbox.cancel([topic(kind, period, official.unit_id)])
    return Sent(report, receiver, due, True, book.data)


@dataclass(frozen=True)
class Standing:
    due: dt.date | None
    sent: list[tuple[Unit, UnitReport]]
    waiting: list[Unit]


async def status(uow: UnitOfWork, official: Person, kind: str, period: Period) -> Standing:
    """The units reporting straight to the official's unit: who has sent, who not yet."""
    units = await uow.chain.reporting_to(official, official.unit)
    if not units:
        raise UserError("chain.no_reporters", unit=official.unit.name)
    sent = await uow.chain.sent(kind, period.code, [u.id for u in units])
    due = due_of(await days_for(uow, official.unit), kind, period)
    return Standing(due, [(u, sent[u.id]) for u in units if u.id in sent], [u for u in units if u.id not in sent])


def send_button(env: PushEnv, kind: str, period: Period) -> tuple[tuple[Button, ...], ...]:
    return ((Button.of(env.t("chain.btn_sent"), ChainSend(kind, period.code)),),)


def due_text(env: PushEnv, due: dt.date | None) -> str:
    return env.t("chain.due_on", due=due.strftime("%d/%m/%Y")) if due else env.t("chain.no_due")


async def nudge(
    uow: UnitOfWork,
    env: PushEnv,
    official: Person,
    kind: str,
    period: Period,
    unit_ids: Sequence[int],
    now: dt.datetime,
) -> int:
    """One tap: the officials of these units (reporting to the official's unit, not yet sent)
    are reminded, each at most once a day. Returns how many will be told."""
    state = await status(uow, official, kind, period)
    allowed = {u.id: u for u in state.waiting if u.id in set(unit_ids)}
    today = now.astimezone(env.tz).date()
    opens, closes = opens_closes(await days_for(uow, official.unit), kind, period)
    if today > closes:
        raise UserError("chain.bad_period")
    buttons = send_button(env, kind, period) if today >= opens else ()
    day = now.astimezone(env.tz).strftime("%Y%m%d")
    people: dict[int, list[Person]] = defaultdict(list)
    for person in await uow.chain.officials(list(allowed)):
        people[person.unit_id].append(person)
    made = 0
    for unit_id, officials in people.items():
        unit = allowed[unit_id]
        text = env.t(
            "chain.nudge_push" if buttons else "chain.nudge_push_early",
            name=official.full_name,
            sender=official.unit.name,
            unit=unit.name,
            report=period_label(env, kind, period),
            due=due_text(env, state.due),
            opens=opens.strftime("%d/%m/%Y"),
        )
        push = await new_push(uow, Kind.NUDGE, text, now, buttons=buttons, created_by=official)
        where = topic(kind, period, unit.id)
        rows = [
            Recipient(p.id, f"{where}:nudge{day}:{p.id}", where, now, now + dt.timedelta(days=7)) for p in officials
        ]
        made += await enqueue(uow, push, rows, env=env, now=now)
    return made
