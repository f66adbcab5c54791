"""Composition root: the one place where settings become objects and get wired together."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.settings import Settings
from content.catalog import load_catalog
from handlers.cases.views import Cases
from handlers.core import Deps
from handlers.engine import Engine
from handlers.invites import Invites
from handlers.onboarding import Onboarding
from storage.db import Database
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_engine(db: Database, *, timezone: str = "Asia/Ho_Chi_Minh",
                 clock: Callable[[], dt.datetime] = system_clock, bot_username: str = "",
                 invite_days: int = 14) -> Engine:
    deps = Deps(catalog=load_catalog(), clock=clock, tz=ZoneInfo(timezone), bot_username=bot_username,
                invite_days=invite_days)
    engine: Engine | None = None
    onboarding = Onboarding(lambda: engine.command_list)
    engine = Engine(db, deps, [onboarding.slice(), Cases().slice(), Invites().slice()])
    return engine


async def open_store(settings: Settings) -> Database:
    await upgrade_async(settings.database_url)
    return Database(settings.database_url)


async def run(settings: Settings) -> None:
    db = await open_store(settings)
    engine = build_engine(db, timezone=settings.timezone, bot_username=settings.telegram_bot_username,
                          invite_days=settings.invite_days)
    try:
        if settings.telegram_token:
            await run_telegram(settings, engine, db)
        else:
            await run_console(settings, engine, db)
    finally:
        await db.dispose()


async def run_console(settings: Settings, engine: Engine, db: Database) -> None:
    from bot.channels.console import ConsoleChannel
    from bot.demo import seed_demo

    await seed_demo(db, system_clock())
    async with db.uow() as uow:
        wards = [u for u in await uow.units.all() if u.kind.value == "xa"]
    console = ConsoleChannel(engine, engine.deps.catalog, ward=wards[0].name if wards else "—",
                             db_path=db.engine.url.database or "")
    await console.run()


async def run_telegram(settings: Settings, engine: Engine, db: Database) -> None:
    from bot.channels.telegram import TelegramChannel

    channel = TelegramChannel(engine, engine.deps.catalog, token=settings.telegram_token,
                              base_url=settings.telegram_api_base_url)
    app = channel.build()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await channel.on_start(app)
        await app.start()
        if settings.webhook_url:
            await serve_webhook(settings, app, db, stop)
        else:
            log.info("telegram: long polling")
            await app.updater.start_polling(drop_pending_updates=False)
            await stop.wait()
            await app.updater.stop()
        await app.stop()


async def serve_webhook(settings: Settings, app, db: Database, stop: asyncio.Event) -> None:
    import uvicorn

    from bot.web import TELEGRAM_PATH, build_web_app

    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    url = settings.webhook_url.rstrip("/") + TELEGRAM_PATH
    await app.bot.set_webhook(url=url, secret_token=secret or None)
    log.info("telegram: webhook registered at %s", url)

    async def health() -> dict:
        return {"store": await db.ping()}

    web = build_web_app(telegram=app, telegram_secret=secret, health=health)
    server = uvicorn.Server(uvicorn.Config(web, host=settings.web_host, port=settings.web_port,
                                           log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await serving
