"""Helpers of the webhook tests: Telegram's and Zalo's channels on fakes, the web app over an
inbox, a raw ASGI call that counts the bytes the app read, and a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterable

from sqlalchemy import func, select

from bot.channels.telegram import TelegramChannel, inbox_handler
from bot.channels.zalo import ZaloChannel
from bot.heartbeat import Heartbeat
from bot.inbox import Inbox
from bot.runtime import health_check
from bot.web import WebLimits, build_web_app, web_server
from storage.db import Database
from storage.inbox import InboxUpdate
from tests.channel.test_webhooks import TG_SECRET, ZALO_SECRET, SentBox, tg_update, zalo_update
from tests.fakes.fake_request import FakeRequest

__all__ = ["TG_SECRET", "ZALO_SECRET", "SentBox", "tg_update", "zalo_update"]
TG_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
ZALO_HEADERS = {"X-Bot-Api-Secret-Token": ZALO_SECRET}


class Bots:
    """Both platforms on fakes: what Telegram was asked to send, what Zalo sent."""

    def __init__(self, engine, telegram, request: FakeRequest, zalo: ZaloChannel, box: SentBox) -> None:
        self.engine = engine
        self.telegram = telegram
        self.request = request
        self.zalo = zalo
        self.box = box

    def handlers(self) -> dict:
        return {"telegram": inbox_handler(self.telegram), "zalo": self.zalo.handle_payload}

    def inbox(self, db: Database, **kw) -> Inbox:
        return Inbox(db, self.handlers(), clock=self.engine.deps.clock, **kw)

    def app(self, db: Database, inbox: Inbox, heartbeat: Heartbeat | None = None, **kw):
        return build_web_app(
            inbox=inbox,
            telegram=self.telegram,
            telegram_secret=TG_SECRET,
            health=health_check(db, heartbeat or Heartbeat()),
            zalo=self.zalo,
            zalo_secret=ZALO_SECRET,
            **kw,
        )

    def sent(self) -> int:
        return len(self.request.sent()) + len(self.box.sent)


@contextlib.asynccontextmanager
async def bots(engine) -> AsyncIterator[Bots]:
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    box = SentBox()
    async with app:
        await app.start()
        try:
            yield Bots(engine, app, request, ZaloChannel(engine, engine.deps.catalog, box), box)
        finally:
            await app.stop()


@contextlib.asynccontextmanager
async def running(inbox: Inbox) -> AsyncIterator[Inbox]:
    stop = asyncio.Event()
    task = asyncio.create_task(inbox.run(stop))
    try:
        yield inbox
    finally:
        stop.set()
        await task


async def inbox_rows(db: Database) -> int:
    async with db.uow() as uow:
        return await uow.session.scalar(select(func.count(InboxUpdate.id)))


async def asgi_post(app, path: str, headers: dict[str, str], chunks: Iterable[bytes]) -> tuple[int, int]:
    """POST a body given as chunks straight to the ASGI app: (status, bytes the app read)."""
    pending = iter(chunks)
    read = 0
    statuses: list[int] = []

    async def receive() -> dict:
        nonlocal read
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "server": ("bot", 80),
        "client": ("203.0.113.9", 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await app(scope, receive, send)
    return statuses[0], read


@contextlib.asynccontextmanager
async def uvicorn_on_localhost(app, limits: WebLimits) -> AsyncIterator[tuple[str, int]]:
    """The real server as production runs it, on a socket bound (and listening) before it
    starts, so a client can connect at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = web_server(app, "127.0.0.1", 0, limits)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield sock.getsockname()[:2]
    finally:
        server.should_exit = True
        await serving
        sock.close()
