"""The channel-neutral conversation types: a Turn in, Replies out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from content.catalog import Catalog
from handlers.kit.errors import UserError
from handlers.kit.events import Events
from handlers.kit.payload import pack

if TYPE_CHECKING:
    from handlers.common.outbox import PushEnv
    from storage.db import UnitOfWork
    from storage.models import Account, Conversation, Person


@dataclass(frozen=True)
class FileRef:
    """A file a user sent, as the platform keeps it (not downloaded): e.g. a Telegram file_id."""

    channel: str
    file_id: str
    filename: str
    kind: str = "document"  # "document" | "image"
    size: int = 0


@dataclass(frozen=True)
class Turn:
    channel: str  # "telegram" | "zalo" | "console"
    account_id: str
    display_name: str = ""
    text: str | None = None  # with a file: its caption
    payload: str | None = None  # button data, routed by prefix
    update_key: str | None = None  # platform id of the update, to drop redeliveries
    file: FileRef | None = None  # a document or photo; a flow step `file_<step>` takes it
    slash_commands: bool = False  # the channel lists /commands itself: bare words are not commands


@dataclass(frozen=True)
class Button:
    label: str
    payload: str

    @classmethod
    def of(cls, label: str, data: object) -> Button:
        """A button with a label of its own (a case number, a name) and a declared payload."""
        return cls(label, pack(data))


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    kind: str = "document"  # "document" | "image"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    file: Attachment | None = None

    def choices(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    items = list(buttons)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


@dataclass
class Deps:
    """What handlers need, built once in the composition root (bot/app.py)."""

    catalog: Catalog
    clock: Callable[[], dt.datetime]
    tz: ZoneInfo
    push: PushEnv  # what pushes are rendered and timed with (catalog, zone, reminder policy)
    bot_username: str = ""
    invite_days: int = 14
    events: Events = field(default_factory=Events)  # reactions across slices (handlers/kit/events.py)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ctx:
    """Everything a handler step sees for one turn, inside one unit of work."""

    turn: Turn
    uow: UnitOfWork
    deps: Deps
    account: Account
    conv: Conversation
    person: Person | None
    now: dt.datetime

    @property
    def me(self) -> Person:
        """The person of this turn where the route admits members only (a command's or a button's
        roles): a guest reaching it is told to join first, never a crash."""
        if self.person is None:
            raise UserError("error.join_first")
        return self.person

    def t(self, key: str, **values: Any) -> str:
        return self.deps.catalog.t(key, **values)

    def say(self, key: str, buttons: Sequence[Sequence[Button]] = (), /, **values: Any) -> Reply:
        return Reply(self.t(key, **values), tuple(tuple(r) for r in buttons))

    def ask(self, key: str, *choices: tuple[str, object], **values: Any) -> Reply:
        """A question with one button per (label key, payload), one button a row: «Hủy lớp?» → Có / Quay lại."""
        return self.say(key, rows(*(self.button(label, data) for label, data in choices)), **values)

    def button(self, key: str, data: object, **values: Any) -> Button:
        """A button labelled from the catalog; `data` is a declared payload (handlers/kit/payload.py)."""
        return Button(self.t(key, **values), data if isinstance(data, str) else pack(data))

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.deps.tz).date()

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.deps.tz)
