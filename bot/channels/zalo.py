"""Zalo through the Zalo Bot Platform: ZaloUpdate → Turn, Replies → numbered text messages.

Zalo has no buttons: a reply's choices are rendered as a numbered list, and the engine maps a
typed number (or the option's words) back to the payload. Updates come from the polling loop
(`run_polling`, development) or from the webhook (bot/web.py, production); both end in
`handle_update`. `ZaloSender` sends outside a turn (reminders), mapping errors for the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot.channels.base import Rejected, RetryLater, Unconfirmed, Unreachable
from bot.channels.order import ChatLocks
from bot.channels.render import numbered
from bot.channels.zalo_client import (
    ZaloAuthError,
    ZaloBotClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloServerError,
    ZaloTimeout,
    ZaloUpdate,
    parse_update,
)
from content.catalog import Catalog
from handlers.kit.core import Reply, Turn
from handlers.kit.engine import Engine

if TYPE_CHECKING:
    from bot.ratelimit import SendLimiter

log = logging.getLogger(__name__)

CHANNEL = "zalo"
WITHHELD = {"unsupported", "other"}  # content Zalo keeps from bots (legal reasons), unknown events
RETRIES = 2  # extra attempts for a reply in a turn after a 429/5xx/network fault
MAX_RETRY_WAIT = 5.0


def to_turn(update: ZaloUpdate) -> Turn | None:
    """The channel-neutral turn of an update, or None for what the bot ignores (groups, bots)."""
    sender = update.raw.get("message", {}).get("from", {}) if isinstance(update.raw, dict) else {}
    if update.chat_type != "PRIVATE" or (isinstance(sender, dict) and sender.get("is_bot") is True):
        return None
    text = update.text if update.kind == "text" else None
    return Turn(
        CHANNEL, update.chat_id, update.display_name, text=text, update_key=f"{update.event_name}:{update.message_id}"
    )


def webhook_update(data: object) -> tuple[str, dict[str, Any]] | None:
    """The key and the update of a webhook body that is a Zalo update: flat, or wrapped as
    getUpdates answers (`{"ok": true, "result": {...}}`). None for what needs no turn (other
    events, groups, an `ok: false` answer); ValueError, naming no content, for anything else."""
    if not isinstance(data, dict):
        raise ValueError("not an update object")
    if "event_name" not in data and ("result" in data or "ok" in data):
        if data.get("ok") is False:
            return None
        data = data.get("result")
        if not isinstance(data, dict):
            raise ValueError("not an update object")
    event = data.get("event_name")
    if not isinstance(event, str) or not event:
        raise ValueError("no event_name")
    update = parse_update(data)
    if update is None:
        if event.startswith("message."):
            raise ValueError("a message event without its message")
        return None
    if to_turn(update) is None:
        return None
    return f"{update.event_name}:{update.message_id}", data


def render(replies: Sequence[Reply], catalog: Catalog) -> list[str]:
    """Messages to send. Only the last reply with choices is numbered: it is the one the
    engine remembers, so a typed number always means what the user sees last."""
    numbered_at = max((i for i, r in enumerate(replies) if r.buttons), default=-1)
    texts: list[str] = []
    for i, reply in enumerate(replies):
        texts.append(numbered(reply, catalog) if i == numbered_at else reply.text)
        if reply.file is not None:
            texts.append(catalog.t("zalo.file_unavailable", filename=reply.file.filename))
    return [t for t in texts if t.strip()]


class ZaloChannel:
    channel = CHANNEL

    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        client: ZaloBotClient,
        *,
        poll_timeout: int = 30,
        max_backoff: float = 30.0,
        limiter: SendLimiter | None = None,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.client = client
        self.limiter = limiter  # the send budget shared with the outbox; replies go first
        self.poll_timeout = poll_timeout
        self.max_backoff = max_backoff
        self._chats = ChatLocks()  # turns of one chat in order (webhook deliveries may arrive together)

    # --- one update ------------------------------------------------------------------
    async def handle_payload(self, payload: dict[str, Any]) -> None:
        """A webhook update kept in the inbox (bot/inbox.py), as the webhook received it."""
        update = parse_update(payload)
        if update is not None:
            await self.handle_update(update)

    async def handle_update(self, update: ZaloUpdate) -> None:
        """Answer one update; never raises (the polling loop and the webhook rely on it)."""
        turn = to_turn(update)
        if turn is None:
            return
        try:
            async with self._chats.hold(update.chat_id):
                replies = await self.engine.handle(turn)
                await self.deliver(update.chat_id, self._explain(update, replies))
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the loop or the webhook
            log.error("zalo: update not handled: %s", type(exc).__name__, exc_info=exc)

    def _explain(self, update: ZaloUpdate, replies: list[Reply]) -> list[Reply]:
        """Content Zalo withheld is not "not text": say so, keep the rest (the question again)."""
        if update.kind in WITHHELD and replies and replies[0].text == self.catalog.t("error.unsupported"):
            return [Reply(self.catalog.t("zalo.withheld")), *replies[1:]]
        return replies

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send a turn's replies; a reply that cannot go out is logged, not raised."""
        for text in render(replies, self.catalog):
            for attempt in range(RETRIES + 1):
                try:
                    async with self._slot():
                        await self.client.send_message(chat_id, text)
                    break
                except ZaloForbidden:
                    log.warning("zalo: the chat no longer accepts messages from the bot")
                    return
                except ZaloTimeout:  # it may have arrived: not sent again; the next ones still go
                    log.warning("zalo: no answer in time to a reply; it may have arrived and is not sent again")
                    break
                except (ZaloRateLimited, ZaloServerError, ZaloNetworkError) as err:
                    if attempt == RETRIES:
                        log.warning("zalo: reply not sent after %d attempts: %s", attempt + 1, err.code)
                        return
                    wait = getattr(err, "retry_after", None) or 2.0**attempt
                    await asyncio.sleep(min(wait, MAX_RETRY_WAIT))
                except ZaloError as err:
                    log.warning("zalo: reply refused: %s", err.code)
                    return

    def _slot(self) -> contextlib.AbstractAsyncContextManager:
        if self.limiter is None:
            return contextlib.nullcontext()
        return self.limiter.slot(priority=True)

    # --- polling (development) -----------------------------------------------------------
    async def run_polling(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set: 408 means nothing new; faults back off, never crash.
        A poll in progress is abandoned at stop; an update being handled is finished first."""
        with contextlib.suppress(ZaloError):
            await self.client.delete_webhook()  # polling and a webhook exclude each other
        stopping = asyncio.create_task(stop.wait())
        failures = 0
        try:
            while not stop.is_set():
                poll = asyncio.create_task(self.client.get_updates(timeout=self.poll_timeout))
                await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not poll.done():
                    poll.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ZaloError):
                        await poll
                    break
                try:
                    update = poll.result()
                except Exception as exc:  # noqa: BLE001 - every fault becomes a pause
                    failures += 1
                    await self._pause(stop, stopping, self._backoff(exc, failures))
                    continue
                failures = 0
                if update is not None:
                    await self.handle_update(update)
        finally:
            stopping.cancel()
            await asyncio.gather(stopping, return_exceptions=True)

    def _backoff(self, exc: BaseException, failures: int) -> float:
        if isinstance(exc, ZaloAuthError):
            log.error("zalo: the token was refused (%s); check ZALO_BOT_TOKEN", exc.code)
            return max(self.max_backoff, 60.0)
        if isinstance(exc, ZaloRateLimited) and exc.retry_after:
            return min(float(exc.retry_after), 300.0)
        if not isinstance(exc, ZaloError):
            log.error("zalo: polling failed: %s", type(exc).__name__, exc_info=exc)
        return min(2.0 ** (failures - 1), self.max_backoff)

    @staticmethod
    async def _pause(stop: asyncio.Event, stopping: asyncio.Task, seconds: float) -> None:
        if not stop.is_set():
            await asyncio.wait({stopping}, timeout=seconds)


class ZaloSender:
    """Sends outside a turn (reminders, broadcasts), mapping Zalo's errors for the outbox.

    `remember(external_id, reply)` is told about a sent reply with choices, so that a number
    typed in answer maps to them (Zalo has no buttons to carry the payloads)."""

    channel = CHANNEL

    def __init__(
        self,
        zalo: ZaloChannel,
        *,
        transient_backoff: float = 5.0,
        remember: Callable[[str, Reply], Awaitable[None]] | None = None,
    ) -> None:
        self._zalo = zalo
        self._backoff = transient_backoff
        self._remember = remember

    async def send(self, external_id: str, reply: Reply) -> None:
        try:
            for text in render([reply], self._zalo.catalog):
                await self._zalo.client.send_message(external_id, text)
        except ZaloRateLimited as err:
            raise RetryLater(err.retry_after or self._backoff, "zalo quota") from None
        except ZaloForbidden:
            raise Unreachable("forbidden") from None
        except ZaloTimeout:
            raise Unconfirmed("zalo: no answer") from None
        except (ZaloServerError, ZaloNetworkError):
            raise RetryLater(self._backoff, "network") from None
        except ZaloAuthError:
            raise RetryLater(max(self._backoff, 60.0), "token refused") from None
        except ZaloError as err:
            raise Rejected(f"zalo {err.code}") from None
        if reply.buttons and self._remember is not None:
            await self._remember(external_id, reply)
