"""Running the bot: the console chat, or the chat platforms (polling or one webhook server)
beside the pushes, until a signal stops it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.app import legal_qa
from bot.clock import system_clock
from bot.heartbeat import Heartbeat
from bot.settings import Settings
from handlers.kit.engine import Engine
from storage.db import Database

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.channels.base import Sender
    from bot.channels.zalo import ZaloChannel
    from bot.ratelimit import SendLimiter


log = logging.getLogger(__name__)


async def run_console(settings: Settings, engine: Engine, db: Database) -> None:
    from bot.channels.console import console_for, exports_folder
    from bot.channels.console_push import ConsoleSender
    from bot.pushes import start_pushes

    db_path = db.engine.url.database or ""
    console = await console_for(engine, db_path=db_path, exports=exports_folder(db_path), now=system_clock())
    sender = ConsoleSender(console, engine.remember_pushed)
    async with start_pushes(settings, engine, db, {"console": sender}, {}):
        await console.run()


@dataclass
class Channels:
    """The chat platforms this process serves, and a Sender per platform for pushes."""

    telegram: Application | None = None
    zalo: ZaloChannel | None = None
    senders: dict[str, Sender] = field(default_factory=dict)
    limiters: dict[str, SendLimiter] = field(default_factory=dict)  # flood limits shared with the outbox


async def run_channels(settings: Settings, engine: Engine, db: Database) -> None:
    """Telegram and/or Zalo in one process (polling each, or one webhook server for both)
    until SIGINT or SIGTERM."""
    problems = webhook_problems(settings)
    if problems:
        for problem in problems:
            log.error("%s", problem)
        raise SystemExit(2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    heartbeat = Heartbeat()
    engine.watchers.append(heartbeat.turn)  # /healthz fails while turns keep failing
    async with contextlib.AsyncExitStack() as stack:
        channels = Channels()
        if settings.telegram_token:
            await stack.enter_async_context(start_telegram(settings, engine, channels))
        if settings.zalo_token:
            await stack.enter_async_context(start_zalo(settings, engine, channels))
        from bot.pushes import start_pushes

        await stack.enter_async_context(
            start_pushes(settings, engine, db, channels.senders, channels.limiters, heartbeat)
        )
        if settings.webhook_url:
            await serve_webhook(settings, db, stop, channels, heartbeat)
            return
        polling = []
        if channels.telegram is not None:
            log.info("telegram: long polling")
            updater = channels.telegram.updater
            if updater is None:  # the application is built with PTB's default updater
                raise RuntimeError("the Telegram application has no updater to poll with")
            await updater.start_polling(drop_pending_updates=False, error_callback=_poll_failed)
            stack.push_async_callback(updater.stop)
        if channels.zalo is not None:
            log.info("zalo: polling")
            polling.append(asyncio.create_task(channels.zalo.run_polling(stop)))
        await stop.wait()
        await asyncio.gather(*polling)


def webhook_problems(settings: Settings) -> list[str]:
    if not settings.webhook_url:
        return []
    problems = []
    if settings.telegram_token and not settings.webhook_secret:
        problems.append("WEBHOOK_URL is set: set WEBHOOK_SECRET too (Telegram sends it with every update)")
    zalo_secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
    if settings.zalo_token and not 8 <= len(zalo_secret) <= 256:
        problems.append("WEBHOOK_URL is set: set ZALO_WEBHOOK_SECRET (8 to 256 characters) for Zalo's webhook")
    return problems


@contextlib.asynccontextmanager
async def start_telegram(settings: Settings, engine: Engine, channels: Channels) -> AsyncIterator[None]:
    from bot.channels.telegram import TelegramChannel
    from bot.channels.telegram_push import TelegramPushSender
    from bot.pushes import telegram_limiter

    channel = TelegramChannel(
        engine,
        engine.deps.catalog,
        token=settings.telegram_token,
        base_url=settings.telegram_api_base_url,
        inline=legal_qa().inline,
    )
    limiter, ptb_limiter = telegram_limiter(settings)
    app = channel.build(rate_limiter=ptb_limiter, read_timeout=settings.telegram_read_timeout)
    async with app:
        await channel.on_start(app)
        await app.start()
        channels.telegram = app
        channels.senders["telegram"] = TelegramPushSender(app.bot)
        channels.limiters["telegram"] = limiter
        if settings.paid_broadcast:  # announcements' own budget (allow_paid_broadcast)
            from bot.ratelimit import PAID_SUFFIX, SendLimiter

            channels.limiters["telegram" + PAID_SUFFIX] = SendLimiter(
                settings.paid_broadcast_rate, chat_interval=settings.dispatch_chat_interval
            )
        try:
            yield
        finally:
            await app.stop()


@contextlib.asynccontextmanager
async def start_zalo(settings: Settings, engine: Engine, channels: Channels) -> AsyncIterator[None]:
    from bot.channels.zalo import ZaloChannel, ZaloSender
    from bot.channels.zalo_client import ZaloAuthError, ZaloBotClient, ZaloError
    from bot.ratelimit import SendLimiter

    async with ZaloBotClient(settings.zalo_token, settings.zalo_api_base_url, timeout=15.0) as client:
        try:
            me = await client.get_me()
            log.info("zalo: serving as %s", me.get("account_name", "?") if isinstance(me, dict) else "?")
        except ZaloAuthError:
            log.error("zalo: ZALO_BOT_TOKEN was refused; copy it again from Zalo Bot Manager")
            raise SystemExit(2) from None
        except ZaloError as err:
            log.warning("zalo: getMe failed (%s); carrying on, calls will be retried", err.code)
        limiter = SendLimiter(settings.zalo_send_rate, chat_interval=0.5)  # replies and pushes share it
        channels.limiters["zalo"] = limiter
        channels.zalo = ZaloChannel(
            engine, engine.deps.catalog, client, poll_timeout=settings.zalo_poll_timeout, limiter=limiter
        )

        async def remember(external_id: str, reply) -> None:
            await engine.remember_pushed("zalo", external_id, reply)

        channels.senders["zalo"] = ZaloSender(channels.zalo, remember=remember)
        yield


async def serve_webhook(
    settings: Settings, db: Database, stop: asyncio.Event, channels: Channels, heartbeat: Heartbeat
) -> None:
    from bot.channels.telegram import inbox_handler
    from bot.inbox import Handler, Inbox
    from bot.web import TELEGRAM_PATH, ZALO_PATH, build_web_app, web_server

    base = settings.webhook_url.rstrip("/")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    zalo_secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
    if channels.telegram is not None:
        await channels.telegram.bot.set_webhook(url=base + TELEGRAM_PATH, secret_token=secret or None)
        log.info("telegram: webhook registered at %s (secret: WEBHOOK_SECRET)", base + TELEGRAM_PATH)
    if channels.zalo is not None:
        await register_zalo_webhook(channels.zalo, base + ZALO_PATH, zalo_secret)

    handlers: dict[str, Handler] = {"zalo": channels.zalo.handle_payload} if channels.zalo is not None else {}
    if channels.telegram is not None:
        handlers["telegram"] = inbox_handler(channels.telegram)
    inbox = Inbox(db, handlers, clock=system_clock)  # updates kept before their 200 (bot/inbox.py)
    web = build_web_app(
        inbox=inbox,
        telegram=channels.telegram,
        telegram_secret=secret,
        health=health_check(db, heartbeat),
        zalo=channels.zalo,
        zalo_secret=zalo_secret,
    )
    server = web_server(web, settings.web_host, settings.web_port)
    log.info("web: listening on %s:%s (/telegram, /zalo, /healthz)", settings.web_host, settings.web_port)
    inbox_stop = asyncio.Event()
    handling = asyncio.create_task(inbox.run(inbox_stop))
    serving = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await serving
    inbox_stop.set()  # turns under way finish; what is left is handled at the next start
    await handling


def _poll_failed(err: Exception) -> None:
    """PTB retries a failed getUpdates with backoff; one line instead of a traceback."""
    log.warning("telegram: getUpdates failed (%s); retrying", type(err).__name__)


def health_check(db: Database, heartbeat: Heartbeat) -> Callable[[], Awaitable[dict]]:
    """/healthz: the store answers and takes a write, turns are not all failing, and when the
    scheduler clock last ticked (None = not yet); see bot/heartbeat.py."""
    from bot.heartbeat import store_health

    return store_health(db, heartbeat, clock=system_clock)


async def register_zalo_webhook(zalo: ZaloChannel, url: str, secret: str) -> None:
    from bot.channels.zalo_client import ZaloError

    try:
        await zalo.client.set_webhook(url, secret)
        log.info("zalo: webhook registered at %s (secret: ZALO_WEBHOOK_SECRET)", url)
    except ZaloError as err:
        log.error(
            "zalo: webhook not registered (%s); register %s with the secret ZALO_WEBHOOK_SECRET in Zalo Bot Manager",
            err.code,
            url,
        )
