"""What every shell command shares (`python -m bot …`): the store, the units and people the
operator names, the files they give or ask for.

A wrong input raises ShellError: one line from the catalog (content/messages/shell.toml) and
exit 2, never a traceback; the store is written only when the command succeeded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.clock import system_clock
from bot.settings import Settings
from bot.store import open_store
from content.catalog import Catalog
from handlers.kit.text import clean, one_line
from storage.crypto import sqlite_file
from storage.db import Database, UnitOfWork
from storage.models import Person, Role, Unit, UnitKind

MAX_READ = 5 * 1024 * 1024  # a CSV of units or trainings; far more than a province needs
MAX_ID = 2**62  # an id SQLite and PostgreSQL can hold; anything longer is no id of ours
MEDIATORS = (Role.HOA_GIAI_VIEN, Role.TO_TRUONG)


class ShellError(Exception):
    """A wrong input at the shell: the catalog key of the one line that says so, and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def prog() -> str:
    """How this shell was started, for the commands a message suggests: `.venv/bin/python -m bot`
    from the project folder, else `python -m bot`."""
    try:
        return f"{Path(sys.executable).relative_to(Path.cwd())} -m bot"
    except ValueError:
        return "python -m bot"


def now() -> dt.datetime:
    """The shell's clock (one place, so tests can pin it)."""
    return system_clock()


def say(t: Catalog, err: ShellError) -> int:
    print(t.t(err.key, prog=prog(), **err.values))
    return 2


def store_url(settings: Settings) -> URL:
    try:
        return make_url(settings.database_url)
    except ArgumentError:
        raise ShellError("shell.bad_url") from None


def _reason(err: BaseException) -> str:
    inner = getattr(err, "orig", None) or err
    text = one_line(str(inner).split("\n(Background")[0]) or type(inner).__name__
    return text[:200]


async def open_db(settings: Settings, *, create: bool = False) -> Database:
    """The store, migrated. A SQLite file that is not there is created only by a command that
    creates (`create`); others say so instead of making an empty store somewhere."""
    url = store_url(settings)
    shown = url.render_as_string(hide_password=True)
    file = sqlite_file(settings.database_url)
    if file is not None and not create and not file.is_file():
        raise ShellError("shell.no_store", path=file)
    try:
        return await open_store(settings)
    except (OSError, SQLAlchemyError, CommandError) as err:
        raise ShellError("shell.store_unreachable", url=shown, reason=_reason(err)) from None


async def check_store(settings: Settings) -> None:
    """Before the bot starts: the store opens (and is made if new), or one line says why not."""
    db = await open_db(settings, create=True)
    await db.dispose()


async def in_store(
    settings: Settings, t: Catalog, body: Callable[[UnitOfWork], Awaitable[int]], *, create: bool = False
) -> int:
    """Run `body` in one unit of work on the store; commit only when it returns 0."""
    try:
        db = await open_db(settings, create=create)
    except ShellError as err:
        return say(t, err)
    try:
        async with db.uow() as uow:
            code = await body(uow)
            if code == 0:
                await uow.commit()
            return code
    except ShellError as err:
        return say(t, err)
    finally:
        await db.dispose()


# --- what the operator names ----------------------------------------------------------------
def typed(text: str) -> str:
    return one_line(clean(text))


async def unit_of(uow: UnitOfWork, key: str, *, missing: str = "shell.unit_missing") -> Unit:
    """A unit by id (`4` or `#4`) or exact name; a name two units share is refused, with ids."""
    name = typed(key)
    wanted = name.lstrip("#")
    if wanted.isdigit() and not (wanted.isascii() and int(wanted) < MAX_ID):
        found = []
    else:
        found = list(await uow.units.find(wanted)) if wanted else []
    if not found:
        raise ShellError(missing, unit=name[:80])
    if len(found) > 1:
        raise ShellError(
            "shell.unit_ambiguous",
            name=name[:80],
            count=len(found),
            first=found[0].id,
            ids=", ".join(f"#{u.id}" for u in found[:10]),
        )
    return found[0]


def operator(unit: Unit) -> Person:
    """Who acts at the shell: an administrator, not stored (no id, so audits carry none)."""
    return Person(full_name="CLI", role=Role.ADMIN, unit_id=unit.id, unit=unit, active=True)


def kind_name(t: Catalog, kind: UnitKind) -> str:
    return t.t(f"unit_kind.{kind.value}")


async def team_of(uow: UnitOfWork, t: Catalog, key: str) -> Unit:
    unit = await unit_of(uow, key)
    if unit.kind is not UnitKind.TO_HOA_GIAI:
        raise ShellError("shell.not_team", name=unit.name, kind=kind_name(t, unit.kind))
    return unit


def day_of(moment: dt.datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y") if moment else "?"


async def mediator_of(uow: UnitOfWork, t: Catalog, person_id: int, tz: tzinfo) -> Person:
    """A mediator in office, by id; who it is otherwise (left, an official, nobody) is said."""
    person = await uow.people.get(person_id) if 0 < person_id < MAX_ID else None
    if person is None:
        raise ShellError("shell.person_missing", id=person_id)
    if not person.active:
        raise ShellError(
            "shell.person_left",
            id=person.id,
            name=person.full_name,
            day=day_of(person.left_at, tz),
            point=person.left_reason or "?",
        )
    if person.role not in MEDIATORS:
        raise ShellError(
            "shell.person_not_mediator", id=person.id, name=person.full_name, role=t.t(f"role.{person.role.value}")
        )
    return person


async def no_namesake(uow: UnitOfWork, t: Catalog, unit: Unit, name: str) -> None:
    """Refuse a second person of that name in office in the unit (a command run twice), unless
    the operator says it is someone else (--same-name)."""
    wanted = unicodedata.normalize("NFC", name).casefold()
    q = select(Person).where(Person.unit_id == unit.id, Person.active.is_(True)).order_by(Person.id)
    for person in await uow.session.scalars(q):
        if unicodedata.normalize("NFC", person.full_name).casefold() == wanted:
            raise ShellError(
                "shell.person_exists",
                name=person.full_name,
                unit=unit.name,
                id=person.id,
                role=t.t(f"role.{person.role.value}"),
            )


def name_of(text: str, *, limit: int, key: str) -> str:
    """A name as the chat takes one: cleaned, one line, 2 to `limit` characters with a letter."""
    name = typed(text)
    if not 2 <= len(name) <= limit or not any(ch.isalpha() for ch in name):
        raise ShellError(key, limit=limit)
    return name


def text_of(text: str, *, least: int, limit: int, key: str) -> str:
    value = typed(text)
    if not least <= len(value) <= limit:
        raise ShellError(key, least=least, limit=limit)
    return value


def count_of(value: int | None, *, most: int, key: str) -> int | None:
    if value is not None and not 1 <= value <= most:
        raise ShellError(key, most=most)
    return value


# --- files ----------------------------------------------------------------------------------
def read_text(path: Path) -> str:
    try:
        if path.is_dir():
            raise ShellError("shell.file_is_folder", path=path)
        if path.stat().st_size > MAX_READ:
            raise ShellError("shell.file_too_big", path=path, most=MAX_READ // (1024 * 1024))
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ShellError("shell.file_missing", path=path) from None
    except UnicodeDecodeError:
        raise ShellError("shell.file_not_utf8", path=path) from None
    except OSError as err:
        reason = err.strerror or _reason(err)
        raise ShellError("shell.file_unreadable", path=path, reason=reason) from None


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file (UTF-8, with or without BOM), every cell cleaned."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [[typed(cell) for cell in row] for row in reader]
    except csv.Error as err:
        raise ShellError("shell.csv_broken", path=path, line=reader.line_num, reason=str(err)) from None


def check_out(path: Path) -> None:
    """A file can be written there (said before any work is done)."""
    if path.is_dir():
        raise ShellError("shell.out_is_folder", path=path)
    if not path.parent.is_dir():
        raise ShellError("shell.out_folder_missing", folder=path.parent)


def write_file(path: Path, data: bytes) -> None:
    """Write an export readable by its owner only (it may hold personal data)."""
    check_out(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
    except OSError as err:
        reason = err.strerror or _reason(err)
        raise ShellError("shell.out_failed", path=path, reason=reason) from None
