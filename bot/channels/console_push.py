"""Pushes in the console chat: a reminder or an announcement for any persona is printed as it
is sent, so trying the bot on one machine shows the outbox at work (/vai to answer it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.channels.render import numbered
from content.catalog import Catalog
from handlers.core import Reply


class ConsoleSender:
    channel = "console"

    def __init__(self, write: Callable[[str], None], catalog: Catalog,
                 remember: Callable[[str, str, Reply], Awaitable[None]] | None = None) -> None:
        self._write = write
        self._catalog = catalog
        self._remember = remember

    async def send(self, external_id: str, reply: Reply) -> None:
        persona = self._catalog.t(f"console.persona_{external_id}") if self._catalog.has(
            f"console.persona_{external_id}") else external_id
        self._write("\n" + self._catalog.t("reminders.console_push", persona=persona) + "\n" + numbered(reply, self._catalog))
        if reply.file is not None:
            self._write(f"[{reply.file.filename}, {len(reply.file.data)} bytes]")
        if self._remember is not None:
            await self._remember(self.channel, external_id, reply)
