"""Telegram through python-telegram-bot: Update → Turn, Reply → messages with inline keyboards."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, BaseRateLimiter, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.channels.base import Rejected, RetryLater, Unconfirmed, Unreachable
from bot.channels.order import PerChatProcessor
from bot.channels.render import split_text
from bot.ratelimit import maybe_carried_out
from content.catalog import Catalog
from handlers.kit.core import FileRef, Reply, Turn
from handlers.kit.engine import Engine
from handlers.kit.registry import EVERYONE

log = logging.getLogger(__name__)
TELEGRAM_LIMIT = 4096
InlineAnswers = Callable[[str], list[tuple[str, str, str]]]


def to_turn(update: Update) -> Turn | None:
    """The channel-neutral turn of an update, or None for what the bot ignores."""
    chat, user = update.effective_chat, update.effective_user
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    key = str(update.update_id)
    if update.callback_query is not None:
        return Turn(
            "telegram",
            str(user.id),
            name,
            payload=update.callback_query.data or "",
            update_key=key,
            slash_commands=True,
        )
    if update.message is not None:
        file = file_ref(update.message)
        text = update.message.text if file is None else update.message.caption
        return Turn("telegram", str(user.id), name, text=text, update_key=key, file=file, slash_commands=True)
    return None


def file_ref(message) -> FileRef | None:
    """A document or photo the user sent, by Telegram's file_id (the bot can send it on by id)."""
    if message.document is not None:
        doc = message.document
        return FileRef("telegram", doc.file_id, doc.file_name or "document", "document", doc.file_size or 0)
    if message.photo:
        photo = message.photo[-1]
        return FileRef("telegram", photo.file_id, "photo.jpg", "image", photo.file_size or 0)
    return None


def webhook_key(data: object, bot) -> str:
    """The update id of a webhook body that is a Telegram update object (checked by parsing
    it as the handler will); ValueError, naming no content, for anything else."""
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        raise ValueError("not an update object")
    try:
        Update.de_json(data, bot)
    except Exception as exc:  # noqa: BLE001 - any shape python-telegram-bot cannot read
        raise ValueError(f"not a valid update ({type(exc).__name__})") from None
    return str(data["update_id"])


def inbox_handler(app: Application) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """How the inbox (bot/inbox.py) hands a kept webhook update back: through the
    application's update processor (one chat in order, its concurrency limit), returning
    when the update has been handled."""

    async def handle(payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))

    return handle


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in reply.buttons]
    )


class TelegramChannel:
    def __init__(
        self, engine: Engine, catalog: Catalog, *, token: str, base_url: str, inline: InlineAnswers | None = None
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.inline = inline

    def build(
        self,
        request: BaseRequest | None = None,
        updates_request: BaseRequest | None = None,
        rate_limit: bool = True,
        rate_limiter: BaseRateLimiter | None = None,
        read_timeout: float | None = None,
    ) -> Application:
        builder = (
            Application.builder()
            .token(self.token)
            .base_url(f"{self.base_url}/bot")
            .base_file_url(f"{self.base_url}/file/bot")
            .concurrent_updates(PerChatProcessor())
        )
        if rate_limit:
            builder = builder.rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
        if request is not None:
            builder = builder.request(request)
        elif read_timeout is not None:  # how long a call may wait for the Bot API's answer
            builder = builder.read_timeout(read_timeout)
        if updates_request is not None:
            builder = builder.get_updates_request(updates_request)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.on_update))
        app.add_error_handler(self._on_error)
        return app

    async def on_start(self, app: Application) -> None:
        """Learn our username (for invite links) and set the Vietnamese command menu."""
        me = await app.bot.get_me()
        self.engine.deps.bot_username = self.engine.deps.bot_username or (me.username or "")
        commands = [c for c in self.engine.command_list if c.roles == EVERYONE or c.menu_key]
        await app.bot.set_my_commands([BotCommand(c.name, self.catalog.t(c.help_key)[:256]) for c in commands])

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.inline_query is not None:
            await self.on_inline_query(update)
            return
        turn, chat = to_turn(update), update.effective_chat
        if turn is None or chat is None:  # to_turn answers only updates from a private chat
            return
        query = update.callback_query
        if query is not None:
            try:
                await query.answer()
            except TelegramError:
                pass  # an old query can no longer be answered; the reply below still goes
        replies = await self.engine.handle(turn)
        await self.send(context.bot, chat.id, replies, past_timeouts=True)

    async def on_inline_query(self, update: Update) -> None:
        """`@bot thù lao hòa giải` in any chat: the best legal answers, ready to share."""
        query = update.inline_query
        if query is None:
            return
        answers = self.inline(query.query) if self.inline and query.query.strip() else []
        results = [
            InlineQueryResultArticle(
                id=key[:64],
                title=title[:100],
                input_message_content=InputTextMessageContent(text[:TELEGRAM_LIMIT]),
                description=text.split("\n\n")[1][:120] if "\n\n" in text else None,
            )
            for key, title, text in answers
        ]
        await query.answer(results, cache_time=300, is_personal=False)

    async def send(self, bot, chat_id: int | str, replies: Sequence[Reply], *, past_timeouts: bool = False) -> None:
        """`past_timeouts` (a turn's replies): a message Telegram did not answer in time may
        have arrived, so it is not sent again, and the turn's next messages still go."""
        for reply in replies:
            parts = split_text(reply.text, TELEGRAM_LIMIT)
            for i, part in enumerate(parts):
                markup = keyboard(reply) if i == len(parts) - 1 else None
                await _one(bot.send_message(chat_id, part, reply_markup=markup), past_timeouts)
            if reply.file is not None:
                ref = getattr(reply.file, "ref", "")  # a file a user sent us in chat: on by its file_id
                data = (
                    ref.removeprefix("telegram:")
                    if ref.startswith("telegram:") and not reply.file.data
                    else InputFile(reply.file.data, filename=reply.file.filename)
                )
                if reply.file.kind == "image":
                    await _one(bot.send_photo(chat_id, data), past_timeouts)
                else:
                    await _one(bot.send_document(chat_id, data), past_timeouts)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        err = context.error
        if isinstance(err, Forbidden):
            log.warning("telegram: chat blocked the bot")
            return
        if isinstance(err, NetworkError):  # retried already (bot/ratelimit.py); nothing to trace
            log.warning("telegram: a reply was not sent: %s", type(err).__name__)
            return
        log.error("telegram handler error: %s", type(err).__name__, exc_info=err)


async def _one(call, past_timeouts: bool) -> None:
    if not past_timeouts:
        await call
        return
    try:
        await call
    except TimedOut:
        log.warning("telegram: no answer in time to a reply; it may have arrived and is not sent again")


class SendsReplies(Protocol):
    """What TelegramSender sends through: TelegramChannel, or the outbox's one-call stand-in."""

    async def send(self, bot: Any, chat_id: int | str, replies: Sequence[Reply]) -> None: ...


class TelegramSender:
    """Sends outside a turn (reminders, broadcasts), mapping Telegram's errors for the outbox."""

    channel = "telegram"

    def __init__(self, channel: SendsReplies, bot, *, transient_backoff: float = 5.0) -> None:
        self._channel = channel
        self._bot = bot
        self._backoff = transient_backoff

    async def send(self, external_id: str, reply: Reply) -> None:
        try:
            await self._channel.send(self._bot, int(external_id), [reply])
        except RetryAfter as err:
            retry = err.retry_after
            raise RetryLater(retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)) from None
        except Forbidden:
            raise Unreachable("forbidden") from None
        except BadRequest as err:
            if "chat not found" in str(err).lower():
                raise Unreachable("chat not found") from None
            raise Rejected(type(err).__name__) from None
        except TimedOut as err:
            if maybe_carried_out(err):  # PtbLimiter says so first when it admitted the send
                raise Unconfirmed("telegram: no answer") from None
            raise RetryLater(self._backoff, "network") from None
        except NetworkError:  # 5xx answers, dropped connections
            raise RetryLater(self._backoff, "network") from None
