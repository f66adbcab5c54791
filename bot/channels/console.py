"""The console chat: try the bot with no token, switching persona with /vai."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.channels.render import numbered
from content.catalog import Catalog
from handlers.core import Turn
from handlers.engine import Engine

PERSONAS = ("hgv", "totruong", "canbo", "khach")


class ConsoleChannel:
    def __init__(self, engine: Engine, catalog: Catalog, *, ward: str, db_path: str,
                 stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.engine = engine
        self.t = catalog.t
        self.catalog = catalog
        self.ward = ward
        self.db_path = db_path
        self.stdin = stdin
        self.stdout = stdout
        self.persona = "hgv"

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def run(self) -> None:
        self.write(self.t("console.intro", ward=self.ward, persona=self.t(f"console.persona_{self.persona}")))
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
            self.switch(words[1] if len(words) > 1 else "")
            return
        turn = Turn("console", self.persona, self.t(f"console.persona_{self.persona}"), text=text)
        for reply in await self.engine.handle(turn):
            self.write(numbered(reply, self.catalog))
            if reply.file is not None:
                self.write(f"[{reply.file.filename}, {len(reply.file.data)} bytes]")

    def switch(self, name: str) -> None:
        if name not in PERSONAS:
            self.write(self.t("console.persona_unknown", name=name[:20]))
            return
        self.persona = name
        self.write(self.t("console.persona", persona=self.t(f"console.persona_{name}")))
