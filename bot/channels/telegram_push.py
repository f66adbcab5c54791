"""Pushes to Telegram as exactly one Bot API call each.

A pushed reply with a file goes as the document (or photo) with the text as its caption and
the buttons under it, so a retry can never repeat half of a message, and one chat never gets
two messages within a second. A file is uploaded once per process; later recipients get the
file_id Telegram returned. Errors are mapped by TelegramSender (429 → RetryLater after
retry_after, 403 → Unreachable, 400 → Rejected, network/5xx → RetryLater).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from telegram import InputFile

from bot.channels.render import split_text
from bot.channels.telegram import TELEGRAM_LIMIT, TelegramSender, keyboard
from bot.ratelimit import PAID
from handlers.kit.core import Reply

CAPTION_LIMIT = 1024


class OneCallPerPush:
    """Stands where TelegramSender expects a channel: `send(bot, chat_id, replies)`."""

    def __init__(self) -> None:
        self._file_ids: dict[str, str] = {}  # sha256 of the bytes → Telegram's file_id
        self._uploads: dict[str, asyncio.Lock] = {}

    async def send(self, bot, chat_id: int | str, replies: Sequence[Reply]) -> None:
        paid = {"allow_paid_broadcast": True} if PAID.get() else {}  # the dispatcher's paid budget
        for reply in replies:
            markup = keyboard(reply)
            if reply.file is None:
                await bot.send_message(chat_id, split_text(reply.text, TELEGRAM_LIMIT)[0], reply_markup=markup, **paid)
                continue
            ref = getattr(reply.file, "ref", "")
            if ref.startswith("telegram:"):  # a file an official sent us in chat: on by its file_id
                await self._send_file(bot, chat_id, reply.text, reply.file.kind, ref.removeprefix("telegram:"), markup)
                continue
            digest = hashlib.sha256(reply.file.data).hexdigest()
            if digest in self._file_ids:
                await self._send_file(bot, chat_id, reply.text, reply.file.kind, self._file_ids[digest], markup)
                continue
            async with self._uploads.setdefault(digest, asyncio.Lock()):  # the first one uploads
                document = self._file_ids.get(digest) or InputFile(reply.file.data, filename=reply.file.filename)
                self._file_ids[digest] = await self._send_file(
                    bot, chat_id, reply.text, reply.file.kind, document, markup
                )

    @staticmethod
    async def _send_file(bot, chat_id: int | str, text: str, kind: str, document, markup) -> str:
        caption = split_text(text, CAPTION_LIMIT)[0] if text else None
        paid = {"allow_paid_broadcast": True} if PAID.get() else {}
        if kind == "image":
            message = await bot.send_photo(chat_id, document, caption=caption, reply_markup=markup, **paid)
            return message.photo[-1].file_id
        message = await bot.send_document(chat_id, document, caption=caption, reply_markup=markup, **paid)
        return message.document.file_id


class TelegramPushSender(TelegramSender):
    """The outbox's Sender for Telegram."""

    def __init__(self, bot, *, transient_backoff: float = 5.0) -> None:
        super().__init__(OneCallPerPush(), bot, transient_backoff=transient_backoff)
