"""The webhook server (Starlette, run by uvicorn): platform webhooks and /healthz."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_client import parse_update

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram"
ZALO_PATH = "/zalo"


def secret_ok(given: str | None, expected: str) -> bool:
    """Constant-time comparison; an empty expected secret accepts nothing."""
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


def build_web_app(*, telegram: Application | None, telegram_secret: str,
                  health: Callable[[], Awaitable[dict]], zalo: ZaloChannel | None = None,
                  zalo_secret: str = "") -> Starlette:
    async def telegram_webhook(request: Request) -> Response:
        if telegram is None:
            return Response(status_code=404)
        if not secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token"), telegram_secret):
            log.warning("telegram webhook: refused a request with a wrong or missing secret")
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), telegram.bot)
        except ValueError:
            return Response(status_code=400)
        await telegram.update_queue.put(update)
        return Response(status_code=200)

    async def zalo_webhook(request: Request) -> Response:
        if zalo is None:
            return Response(status_code=404)
        if not secret_ok(request.headers.get("X-Bot-Api-Secret-Token"), zalo_secret):
            log.warning("zalo webhook: refused a request with a wrong or missing secret")
            return Response(status_code=403)
        try:
            update = parse_update(await request.json())
        except ValueError:
            return Response(status_code=400)
        if update is None:  # not a message event: nothing to answer, and no reason to redeliver
            return Response(status_code=200)
        # 200 at once; the turn (deduplicated by event and message id) runs right after
        return Response(status_code=200, background=BackgroundTask(zalo.handle_update, update))

    async def healthz(request: Request) -> Response:
        report = await health()
        return JSONResponse(report, status_code=200 if report.get("store") else 503)

    return Starlette(routes=[
        Route(TELEGRAM_PATH, telegram_webhook, methods=["POST"]),
        Route(ZALO_PATH, zalo_webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ])
