"""The webhook server (Starlette, run by uvicorn): platform webhooks and /healthz.

A webhook body is checked before anything trusts it: the secret (constant time), its size
(Content-Length, then the bytes as they stream in: over `max_body` is 413 and nothing more is
read), that it is JSON no deeper than `max_depth`, and that it is an update object of its
platform; anything else is a 400 with one line in the log and no traceback. The update is
then kept in the store's inbox (bot/inbox.py) and only then answered 200; if the store
cannot take it, 503, and the platform sends it again.

Connections are guarded too (`serve`): a request must arrive whole, headers and body,
within `request_timeout`; an idle kept-alive connection is closed after `keep_alive`; past
`max_connections` open at once, a new connection is closed at once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.ext import Application
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.channels import telegram as tg
from bot.channels import zalo as zl
from bot.channels.zalo import ZaloChannel
from bot.inbox import Inbox

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram"
ZALO_PATH = "/zalo"
# a body's key and the update to keep, None for what needs no turn; ValueError: not an update
KeyOf = Callable[[Any], "tuple[str, dict[str, Any]] | None"]


@dataclass(frozen=True)
class WebLimits:
    max_body: int = 1024 * 1024  # bytes; Telegram's updates are a few KB
    max_depth: int = 64  # nesting of JSON objects and arrays; a real update has about 10
    request_timeout: float = 10.0  # seconds for a request's headers and body to arrive
    keep_alive: float = 5.0  # seconds an idle kept-alive connection stays open
    max_connections: int = 256  # open at once; well under the usual 1,024 file descriptors
    max_header: int = 16 * 1024  # bytes of a request line and headers


class NotAnUpdate(ValueError):
    """The body is not something to keep; the message names no content."""


class TooLarge(Exception):
    pass


def secret_ok(given: str | None, expected: str) -> bool:
    """Constant-time comparison; an empty expected secret accepts nothing."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (TooLarge) by its Content-Length or as soon as more than `limit`
    bytes have streamed in: a large body is never read whole."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise NotAnUpdate("a Content-Length that is not a number")
        if int(declared) > limit:
            raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def parse_json(body: bytes, max_depth: int) -> Any:
    try:
        data = json.loads(body)
    except RecursionError:
        raise NotAnUpdate("JSON nested too deeply") from None
    except ValueError:  # also UnicodeDecodeError
        raise NotAnUpdate("not JSON") from None
    if too_deep(data, max_depth):
        raise NotAnUpdate("JSON nested too deeply")
    return data


def too_deep(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest deeper than `limit` (no recursion, any size)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


def build_web_app(
    *,
    inbox: Inbox,
    telegram: Application | None,
    telegram_secret: str,
    health: Callable[[], Awaitable[dict]],
    zalo: ZaloChannel | None = None,
    zalo_secret: str = "",
    limits: WebLimits = WebLimits(),
) -> Starlette:
    async def keep(request: Request, channel: str, secret_header: str, secret: str, key_of: KeyOf) -> Response:
        if not secret_ok(request.headers.get(secret_header), secret):
            log.warning("%s webhook: refused a request with a wrong or missing secret", channel)
            return Response(status_code=403)
        try:
            data = parse_json(await read_body(request, limits.max_body), limits.max_depth)
            kept = key_of(data)
        except TooLarge:
            log.warning("%s webhook: refused a body over %d bytes", channel, limits.max_body)
            return Response(status_code=413)
        except ValueError as why:
            log.warning("%s webhook: refused a body that is not an update (%s)", channel, why)
            return Response(status_code=400)
        except ClientDisconnect:
            log.warning("%s webhook: the sender went away before its body arrived", channel)
            return Response(status_code=400)
        if kept is None:  # nothing to answer (another event, a group), no reason to redeliver
            return Response(status_code=200)
        try:
            await inbox.put(channel, *kept)
        except Exception as exc:  # noqa: BLE001 - not kept: the platform must send it again
            log.error("%s webhook: update not kept, answered 503 (%s)", channel, type(exc).__name__)
            return Response(status_code=503)
        return Response(status_code=200)

    async def telegram_webhook(request: Request) -> Response:
        if telegram is None:
            return Response(status_code=404)
        return await keep(
            request,
            "telegram",
            "X-Telegram-Bot-Api-Secret-Token",
            telegram_secret,
            lambda data: (tg.webhook_key(data, telegram.bot), data),
        )

    async def zalo_webhook(request: Request) -> Response:
        if zalo is None:
            return Response(status_code=404)
        return await keep(request, "zalo", "X-Bot-Api-Secret-Token", zalo_secret, zl.webhook_update)

    async def healthz(request: Request) -> Response:
        report = await health()
        ok = report.get("store") and not report.get("problems")
        return JSONResponse(report, status_code=200 if ok else 503)

    return Starlette(
        routes=[
            Route(TELEGRAM_PATH, telegram_webhook, methods=["POST"]),
            Route(ZALO_PATH, zalo_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


# --- the connections ----------------------------------------------------------------------
def web_server(app: Starlette, host: str, port: int, limits: WebLimits = WebLimits()) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        http=guarded_protocol(limits),
        timeout_keep_alive=limits.keep_alive,  # type: ignore[arg-type]  # uvicorn takes a float
        h11_max_incomplete_event_size=limits.max_header,
    )
    return uvicorn.Server(config)


def guarded_protocol(limits: WebLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol with two guards it lacks: a request must arrive whole within
    `request_timeout` (from the connection, or from the first byte after an idle keep-alive),
    and a connection past `max_connections` is closed as soon as it is made."""

    warned: dict[str, float] = {}  # one line a minute at most: a flood must not flood the log

    class Guarded(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def _warn(self, message: str) -> None:
            if self.loop.time() - warned.get(message, -60.0) >= 60.0:
                warned[message] = self.loop.time()
                log.warning("%s", message)

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                self._warn("web: too many connections open; new ones are closed")
                transport.close()
                return
            self._watch()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._unwatch()
            super().connection_lost(exc)

        def _watch(self) -> None:
            """Armed while a request is awaited or arriving, never reset by a trickle."""
            arriving = self.conn.their_state in (h11.IDLE, h11.SEND_BODY)
            if self.transport.is_closing() or not arriving:
                self._unwatch()
            elif self._deadline is None:
                self._deadline = self.loop.call_later(limits.request_timeout, self._too_slow)

        def _unwatch(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self._warn("web: closed connections that sent no whole request in time")
                self.transport.close()

    return Guarded
