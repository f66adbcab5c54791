"""Pushes in the console chat: a reminder or an announcement for any persona is printed as it
is sent, so trying the bot on one machine shows the outbox at work (/vai to answer it). A file
it carries is saved as the console saves the files of its replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.channels.console import ConsoleChannel
from bot.channels.render import numbered
from handlers.kit.core import Reply


class ConsoleSender:
    channel = "console"

    def __init__(
        self, console: ConsoleChannel, remember: Callable[[str, str, Reply], Awaitable[None]] | None = None
    ) -> None:
        self._console = console
        self._remember = remember

    async def send(self, external_id: str, reply: Reply) -> None:
        console = self._console
        persona = await console.label(external_id)
        console.write(
            "\n" + console.t("reminders.console_push", persona=persona) + "\n" + numbered(reply, console.catalog)
        )
        if reply.file is not None:
            console.write(console.keep(reply.file))
        if self._remember is not None:
            await self._remember(self.channel, external_id, reply)
