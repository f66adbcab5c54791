"""Pushes outside a conversation: the policy (offsets, quiet hours) and the use case that
turns "say this to these people at that time" into delivery rows.

Every delivery has a unique key chosen by its creator (e.g. `tr:5:1:rem:3d:42`), so running
a creator twice, or on two workers, never sends anything twice. The dispatcher
(bot/dispatcher.py) sends the rows; nothing here talks to a platform.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from content.catalog import Catalog
from handlers.kit.core import Attachment, Button, FileRef, Reply
from storage.db import UnitOfWork
from storage.models import Person, Push, PushFile, Role


class Kind:
    """What a push is; the kind decides who may mute it and how it is counted."""

    BROADCAST = "broadcast"
    TRAINING_INVITE = "training_invite"
    TRAINING_REMINDER = "training_reminder"
    TRAINING_CHANGED = "training_changed"
    TRAINING_CANCELLED = "training_cancelled"
    DEADLINE = "deadline"
    NUDGE = "deadline_nudge"
    STALE = "stale_digest"
    UNREACHABLE = "unreachable"


# Automatic reminders: a person may mute these (/nhacnho). What an official sends by hand,
# invitations, changes and cancellations always arrive.
MUTABLE = frozenset({Kind.TRAINING_REMINDER, Kind.DEADLINE, Kind.STALE})
MAX_PUSH_TEXT = 3500  # one Telegram message (4096) with room to spare
MAX_CAPTION = 1000  # a file carries its text as a caption (Telegram: 1024)

DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".ppt", ".pptx", ".txt")
MAX_FILE = 20 * 1024 * 1024

_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$", re.I)
_HHMM = re.compile(r"^\s*(\d{1,2})[:h](\d{2})?\s*$", re.I)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_offsets(text: str) -> tuple[dt.timedelta, ...]:
    """ "3d,2h" → (3 days, 2 hours), longest first. Raises ValueError on anything else."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = _OFFSET.match(part)
        if not m or int(m.group(1)) == 0:
            raise ValueError(f"not an offset like 3d, 2h or 30m: {part!r}")
        out.append(dt.timedelta(**{_UNITS[m.group(2).lower()]: int(m.group(1))}))
    return tuple(sorted(set(out), reverse=True))


def parse_clock(text: str) -> dt.time:
    m = _HHMM.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
        raise ValueError(f"not a time of day like 07:00: {text!r}")
    return dt.time(int(m.group(1)), int(m.group(2) or 0))


@dataclass(frozen=True)
class QuietHours:
    """Local hours when non-urgent pushes wait; start == end switches them off."""

    start: dt.time = dt.time(21, 0)
    end: dt.time = dt.time(7, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        if text.strip().lower() in ("", "off", "none", "0"):
            return cls(dt.time(0), dt.time(0))
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"quiet hours look like 21:00-07:00: {text!r}")
        return cls(parse_clock(start), parse_clock(end))

    def contains(self, local: dt.datetime) -> bool:
        t = local.timetz().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def _window(self, local: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """(start, end) of the quiet window containing `local`."""
        tz, day = local.tzinfo, local.date()
        if self.start > self.end and local.timetz().replace(tzinfo=None) < self.end:
            day -= dt.timedelta(days=1)
        start = dt.datetime.combine(day, self.start, tzinfo=tz)
        end_day = day + dt.timedelta(days=1) if self.start > self.end else day
        return start, dt.datetime.combine(end_day, self.end, tzinfo=tz)

    def place(
        self, due: dt.datetime, tz: ZoneInfo, *, now: dt.datetime, before: dt.datetime | None = None
    ) -> dt.datetime | None:
        """When a non-urgent push due at `due` may go: `due` itself outside quiet hours,
        else the morning after; if that is too late (not before `before`), the evening
        before; None when neither works."""
        local = due.astimezone(tz)
        if not self.contains(local):
            return due
        start, end = self._window(local)
        if before is None or end < before:
            return end.astimezone(dt.UTC)
        evening = (start - dt.timedelta(minutes=1)).astimezone(dt.UTC)
        return evening if now <= evening < before else None


@dataclass(frozen=True)
class PushPolicy:
    """The settings that shape reminders (see README's configuration table)."""

    reminder_offsets: tuple[dt.timedelta, ...] = (dt.timedelta(days=3), dt.timedelta(hours=2))
    quiet: QuietHours = field(default_factory=QuietHours)
    stale_days: int = 30
    deadline_days: tuple[int, ...] = (7, 2, 0)
    morning: dt.time = dt.time(7, 30)  # when day-based reminders (deadlines) go out
    digest_weekday: int = 0  # Monday
    digest_time: dt.time = dt.time(8, 0)
    escalate_days: int = 5  # a help request unanswered this long moves up to the province


@dataclass(frozen=True)
class PushEnv:
    """What use cases outside a turn (clock jobs, the dispatcher, the CLI) need to render."""

    catalog: Catalog
    tz: ZoneInfo
    policy: PushPolicy

    def t(self, key: str, **values) -> str:
        return self.catalog.t(key, **values)

    def when(self, moment: dt.datetime) -> str:
        local = moment.astimezone(self.tz)
        weekday = self.t(f"outbox.weekday_{local.weekday()}")
        return self.t("outbox.when", time=local.strftime("%H:%M"), weekday=weekday, date=local.strftime("%d/%m/%Y"))


@dataclass(frozen=True)
class Recipient:
    person_id: int
    key: str
    topic: str
    due_at: dt.datetime
    expires_at: dt.datetime | None = None
    text: str | None = None  # a personal text instead of the push's


@dataclass(frozen=True)
class StoredFile(Attachment):
    """A push's file: its bytes, or a platform reference ("telegram:<file_id>") to send it by."""

    ref: str = ""


def file_ok(file: FileRef) -> bool:
    """Documents and images an official may send on (an image, or a known document type)."""
    kind_ok = file.kind == "image" or file.filename.lower().endswith(DOCUMENT_SUFFIXES)
    return kind_ok and file.size <= MAX_FILE


async def keep_file(uow: UnitOfWork, file: dict, now: dt.datetime) -> PushFile:
    """A file received in chat (kept in the flow's data as a dict of its FileRef), for pushes."""
    return await uow.outbox.add_file_ref(
        file["filename"], file["kind"], f"{file['channel']}:{file['file_id']}", int(file.get("size") or 0), now
    )


def buttons_json(buttons: Sequence[Sequence[Button]]) -> list:
    return [[[b.label, b.payload] for b in row] for row in buttons]


def reply_of(text: str, buttons: list, file=None) -> Reply:
    rows = tuple(tuple(Button(label, payload) for label, payload in row) for row in buttons or [])
    return Reply(text, rows, file)


async def new_push(
    uow: UnitOfWork,
    kind: str,
    text: str,
    now: dt.datetime,
    *,
    buttons: Sequence[Sequence[Button]] = (),
    file: PushFile | None = None,
    created_by: Person | None = None,
    unit=None,
) -> Push:
    push = Push(
        kind=kind,
        text=text,
        buttons=buttons_json(buttons),
        file_id=file.id if file else None,
        unit_id=unit.id if unit else None,
        unit_path=unit.path if unit else None,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
    )
    return await uow.outbox.add_push(push)


async def enqueue(
    uow: UnitOfWork,
    push: Push,
    recipients: Sequence[Recipient],
    *,
    urgent: bool = False,
    env: PushEnv | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Delivery rows for these recipients (an existing key is left alone); with `env`,
    non-urgent rows due in quiet hours move out of them. Returns how many rows are new."""
    rows = []
    for r in recipients:
        due = r.due_at
        if env is not None and not urgent:
            placed = env.policy.quiet.place(due, env.tz, now=now or due, before=r.expires_at)
            if placed is None:  # no time outside quiet hours before it expires
                continue
            due = placed
        if r.expires_at is not None and due >= r.expires_at:
            continue
        rows.append(
            {
                "push_id": push.id,
                "person_id": r.person_id,
                "key": r.key,
                "topic": r.topic,
                "text": r.text,
                "urgent": urgent,
                "mutable": push.kind in MUTABLE,
                "due_at": due,
                "next_attempt_at": due,
                "expires_at": r.expires_at,
            }
        )
    return await uow.outbox.add_deliveries(rows)


async def push_to(
    uow: UnitOfWork,
    env: PushEnv,
    person_id: int,
    kind: str,
    text: str,
    now: dt.datetime,
    *,
    key: str,
    topic: str,
    expires_at: dt.datetime,
    buttons: Sequence[Sequence[Button]] = (),
    created_by: Person | None = None,
) -> int:
    """One message to one person, due now (quiet hours as the policy says): a push and its delivery."""
    push = await new_push(uow, kind, text, now, buttons=buttons, created_by=created_by)
    return await enqueue(uow, push, [Recipient(person_id, key, topic, now, expires_at)], env=env, now=now)


async def enqueue_under(
    uow: UnitOfWork,
    push: Push,
    paths: Sequence[str],
    *,
    topic: str,
    due: dt.datetime,
    expires_at: dt.datetime | None,
    exclude: Person | None = None,
    urgent: bool = False,
    env: PushEnv | None = None,
    now: dt.datetime | None = None,
    page: int = 5000,
) -> int:
    """enqueue() for everyone active at or under these unit paths (`exclude` aside), one row
    each keyed `<topic>:<person id>`, all due at the same moment: placed out of quiet hours
    once, and written by the store `page` people at a time without loading them."""
    if env is not None and not urgent:
        placed = env.policy.quiet.place(due, env.tz, now=now or due, before=expires_at)
        if placed is None:
            return 0
        due = placed
    if expires_at is not None and due >= expires_at:
        return 0
    return await uow.outbox.add_under(
        push,
        paths,
        exclude.id if exclude else None,
        topic,
        due,
        expires_at,
        urgent=urgent,
        mutable=push.kind in MUTABLE,
        page=page,
    )


async def officials_of(uow: UnitOfWork, person: Person) -> list[Person]:
    """The officials nearest above this person's unit (their commune, else higher up)."""
    for unit in reversed(await uow.units.lineage(person.unit)):
        found = [p for p in await uow.outbox.people_at(unit.id, (Role.CAN_BO,)) if p.id != person.id]
        if found:
            return found
    return []


async def tell_officials_unreachable(uow: UnitOfWork, env: PushEnv, person_id: int, now: dt.datetime) -> int:
    """Someone blocked the bot: their officials hear it once a day, so they can call them."""
    person = await uow.people.get(person_id)
    if person is None:
        return 0
    officials = await officials_of(uow, person)
    if not officials:
        return 0
    text = env.t("outbox.unreachable_notice", name=person.full_name, unit=person.unit.name)
    push = await new_push(uow, Kind.UNREACHABLE, text, now)
    day = now.astimezone(env.tz).strftime("%Y%m%d")
    return await enqueue(
        uow,
        push,
        [
            Recipient(
                o.id, f"unreach:{person.id}:{day}:{o.id}", f"unreach:{person.id}", now, now + dt.timedelta(days=3)
            )
            for o in officials
        ],
        env=env,
        now=now,
    )


async def cancel_topics(uow: UnitOfWork, topics: Sequence[str], person_ids: Sequence[int] | None = None) -> int:
    return await uow.outbox.cancel(topics, person_ids)
