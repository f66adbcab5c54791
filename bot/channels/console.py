"""The console chat: try the bot with no token, switching persona with /vai.

Each persona is a console account (`hgv`, `totruong`, `canbo`, `khach`); what it is comes
from the store, so the banner tells the truth on the demo data and on a real store alike.
Files the bot sends (a report's XLSX and CSV, a chart's PNG, an announcement's document)
are saved in a folder only their owner can read, named in the chat.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.channels.render import numbered
from content.catalog import Catalog
from handlers.kit.core import Attachment, Reply, Turn
from handlers.kit.engine import Engine
from storage.models import Case, Person, Unit
from storage.private_files import private_dir

PERSONAS = ("hgv", "totruong", "canbo", "khach")


@dataclass(frozen=True)
class StoreFacts:
    """What the banner says about the store the console chats on."""

    demo: bool
    ward: str
    units: int
    people: int
    cases: int


class ConsoleChannel:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        *,
        ward: str = "",
        db_path: str = "",
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        exports: Path | None = None,
        demo: bool = False,
    ) -> None:
        self.engine = engine
        self.t = catalog.t
        self.catalog = catalog
        self.ward = ward
        self.db_path = db_path
        self.stdin = stdin
        self.stdout = stdout
        self.exports = exports  # None: files are described, not saved (tests of other things)
        self.demo = demo
        self.persona = "hgv"

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def run(self) -> None:
        self.write(await self.banner())
        while True:
            self.stdout.write("\n> ")
            self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line or line.strip() in ("/thoat", "/exit", "/quit"):
                self.write(self.t("console.bye", path=self.db_path))
                return
            await self.say(line.rstrip("\n"))

    async def say(self, text: str) -> None:
        words = text.split()
        if words and words[0] in ("/vai", "vai"):
            await self.switch(words[1] if len(words) > 1 else "")
            return
        turn = Turn("console", self.persona, await self.display_name(self.persona), text=text)
        for reply in await self.engine.handle(turn):
            self.show(reply)

    def show(self, reply: Reply) -> None:
        self.write(numbered(reply, self.catalog))
        if reply.file is not None:
            self.write(self.keep(reply.file))

    async def switch(self, name: str) -> None:
        if name not in PERSONAS:
            self.write(self.t("console.persona_unknown", name=name[:20]))
            return
        self.persona = name
        self.write(self.t("console.persona", persona=await self.label(name)))

    # --- who each persona is, from the store -----------------------------------------------
    async def _person(self, persona: str) -> Person | None:
        async with self.engine.db.uow() as uow:
            account = await uow.accounts.get("console", persona)
            if account is None or account.person_id is None:
                return None
            return await uow.people.get(account.person_id)

    async def label(self, persona: str) -> str:
        person = await self._person(persona)
        if person is None:
            return self.t("console_store.persona_guest", id=persona)
        role = self.t(f"role.{person.role.value}")
        key = "console_store.persona_person" if person.active else "console_store.persona_left"
        return self.t(key, name=person.full_name, role=role, unit=person.unit.name)

    async def display_name(self, persona: str) -> str:
        """The name a platform would send: the person's own, or none for a guest (who types it)."""
        person = await self._person(persona)
        return person.full_name if person is not None else ""

    async def facts(self) -> StoreFacts:
        async with self.engine.db.uow() as uow:
            s = uow.session
            units = await s.scalar(select(func.count(Unit.id))) or 0
            people = await s.scalar(select(func.count(Person.id))) or 0
            cases = await s.scalar(select(func.count(Case.id))) or 0
        return StoreFacts(self.demo, self.ward, units, people, cases)

    async def banner(self) -> str:
        facts = await self.facts()
        where = self.db_path or "—"
        if facts.demo:
            head = self.t("console_store.head_demo", ward=facts.ward, path=where, cases=facts.cases)
        else:
            head = self.t(
                "console_store.head_store", path=where, units=facts.units, people=facts.people, cases=facts.cases
            )
        roles = "\n".join([self.t("console_store.role_line", id=p, label=await self.label(p)) for p in PERSONAS])
        files = (
            self.t("console_store.files", folder=self.exports)
            if self.exports is not None
            else self.t("console_store.files_off")
        )
        return self.t(
            "console_store.intro", head=head, persona=await self.label(self.persona), roles=roles, files=files
        )

    # --- files ---------------------------------------------------------------------------------
    def keep(self, file: Attachment) -> str:
        """Save a file the bot sent (0600, in a 0700 folder); the line says where."""
        size = _size(len(file.data))
        if self.exports is None:
            return self.t("console_store.file_not_saved", name=file.filename, size=size)
        try:
            path = _save(private_dir(self.exports), file.filename, file.data)
        except OSError as err:
            reason = err.strerror or type(err).__name__
            return self.t("console_store.file_failed", name=file.filename, reason=reason)
        return self.t("console_store.file_saved", name=path.name, size=size, path=path)


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.0f} KB"


def _save(folder: Path, filename: str, data: bytes) -> Path:
    """A new file in `folder` (never over an older one: «bao-cao-2.xlsx» and so on)."""
    name = re.sub(r"[\\/\x00-\x1f]", "_", Path(filename).name).lstrip(".") or "tep"
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    for n in range(1, 1000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{dot}{suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return candidate
    raise FileExistsError(folder)


async def console_for(
    engine: Engine, *, db_path: str, exports: Path, now, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> ConsoleChannel:
    """The console on this store: an empty store gets the demo data first (bot/demo.py)."""
    from bot.demo import demo_ward, seed_demo

    await seed_demo(engine.db, now)
    ward = await demo_ward(engine.db)
    return ConsoleChannel(
        engine,
        engine.deps.catalog,
        ward=ward or "",
        db_path=db_path,
        stdin=stdin,
        stdout=stdout,
        exports=exports,
        demo=ward is not None,
    )


def exports_folder(db_path: str) -> Path:
    """Beside a SQLite store (./data/exports for the default one); ./data/exports otherwise."""
    if db_path and db_path != ":memory:":
        return Path(db_path).parent / "exports"
    return Path("data") / "exports"
