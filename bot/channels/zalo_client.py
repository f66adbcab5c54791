"""Thin async client for the Zalo Bot Platform API (bot-api.zaloplatforms.com).

Calls are ``POST {base_url}/bot{token}/{method}`` with a JSON body; every answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``,
even with HTTP 200. The token is secret: it never appears in our logs, exceptions or repr,
and a filter on the ``httpx`` logger redacts it from httpx's own request log line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import httpx

from bot.channels import render

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000
_KINDS = {"text", "image", "sticker", "voice", "unsupported"}


class ZaloError(Exception):
    """An ``ok: false`` answer or a failed call; ``code`` is the Zalo/HTTP error code."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description

    def __str__(self) -> str:
        return f"Zalo error {self.code}: {self.description}"


class ZaloAuthError(ZaloError):
    """401/404: the token is wrong or was reset."""


class ZaloForbidden(ZaloError):
    """403: e.g. the user never messaged the bot first."""


class ZaloRateLimited(ZaloError):
    """429 "quota exceeded"; ``retry_after`` in seconds when the server said."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(code, description)
        self.retry_after = retry_after


class ZaloServerError(ZaloError):
    """5xx from Zalo."""


class ZaloNetworkError(ZaloError):
    """Transport failure or timeout (code 0); the message is token-free."""


class ZaloTimeout(ZaloNetworkError):
    """The request went out and no answer came in time: Zalo may have carried it out."""


class _NoUpdates(ZaloError):
    """408: getUpdates turns it into None; other methods see a plain ZaloError."""


class _RedactTokens(logging.Filter):
    """Rewrites records of the ``httpx`` logger so no live client's token shows."""

    tokens: Counter[str] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.tokens:
            msg = record.getMessage()
            if any(t in msg for t in self.tokens):
                record.msg, record.args = _redact(msg, self.tokens), ()
        return True


_FILTER = _RedactTokens()
logging.getLogger("httpx").addFilter(_FILTER)


def _redact(text: str, tokens: Any) -> str:
    for token in tokens:
        if token:
            text = text.replace(token, "<token>")
    return text


@dataclass(frozen=True)
class ZaloUpdate:
    event_name: str
    message_id: str
    chat_id: str
    user_id: str
    display_name: str
    text: str | None
    chat_type: str
    date: datetime
    kind: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)


def _as_id(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _object(value: Any) -> dict[str, Any]:
    """A JSON object field, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def parse_update(payload: Any) -> ZaloUpdate | None:
    """Parse a wrapped (``{"ok": true, "result": {...}}``) or flat update; None if unusable."""
    try:
        if isinstance(payload, dict) and "result" in payload and "event_name" not in payload:
            if payload.get("ok") is False:
                return None
            payload = payload["result"]
        if not isinstance(payload, dict):
            return None
        event = payload.get("event_name")
        msg = payload.get("message")
        if not isinstance(event, str) or not event or not isinstance(msg, dict):
            return None
        sender = _object(msg.get("from"))
        chat = _object(msg.get("chat"))
        user_id = _as_id(sender.get("id"))
        chat_id = _as_id(chat.get("id")) or user_id
        message_id = _as_id(msg.get("message_id"))
        if chat_id is None or message_id is None:
            return None
        parts = event.split(".")
        kind = parts[1] if len(parts) == 3 and parts[0] == "message" else "other"
        kind = kind if kind in _KINDS else "other"
        text = msg.get("text") if kind == "text" and isinstance(msg.get("text"), str) else None
        stamp = msg.get("date")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            date = datetime.fromtimestamp(stamp / 1000, tz=UTC)
        else:
            date = datetime.now(UTC)
        name = sender.get("display_name")
        return ZaloUpdate(
            event_name=event,
            message_id=message_id,
            chat_id=chat_id,
            user_id=user_id or chat_id,
            display_name=name if isinstance(name, str) else "",
            text=text,
            chat_type=str(chat.get("chat_type") or "PRIVATE"),
            date=date,
            kind=kind,
            raw=payload,
        )
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Zalo's 2,000-character parts (the splitter itself is shared: bot.channels.render)."""
    return render.split_text(text, limit)


class ZaloBotClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 40.0,
    ) -> None:
        if not token:
            raise ValueError("token is required")
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._closed = False
        _FILTER.tokens[token] += 1

    def __repr__(self) -> str:
        return f"ZaloBotClient(base_url={self._base_url!r}, token=<redacted>)"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._own_http:
            await self._http.aclose()
        _FILTER.tokens[self._token] -= 1
        if _FILTER.tokens[self._token] <= 0:
            del _FILTER.tokens[self._token]

    async def _call(self, method: str, params: Mapping[str, Any] | None = None, *, wait: float | None = None) -> Any:
        url = f"{self._base_url}/bot{self._token}/{method}"
        log.debug("zalo call %s", method)
        failure: ZaloNetworkError | None = None  # raised below, outside the except
        try:
            resp = await self._http.post(url, json=dict(params or {}), timeout=wait or self._timeout)
        except httpx.HTTPError as exc:  # raised outside so the original (with URL) is dropped
            detail = _redact(f"{type(exc).__name__}: {exc}".rstrip(": "), [self._token])
            kind = ZaloTimeout if isinstance(exc, httpx.ReadTimeout) else ZaloNetworkError
            failure = kind(0, f"{method}: {detail}")
        if failure is not None:
            log.warning("zalo %s failed: %s", method, failure.description)
            raise failure
        try:
            body = resp.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True and resp.status_code < 400:
            return body.get("result")
        code, desc, retry_after = resp.status_code, resp.reason_phrase or "error", None
        if isinstance(body, dict):
            if isinstance(body.get("error_code"), int):
                code = body["error_code"]
            desc = str(body.get("description") or desc)
            params = body.get("parameters")
            extra = params if isinstance(params, dict) else body
            retry_after = extra.get("retry_after")
        elif resp.status_code < 400:
            code, desc = resp.status_code, "malformed answer (no JSON object with 'ok')"
        if retry_after is None:
            retry_after = resp.headers.get("Retry-After")
        raise self._error(method, code, _redact(desc, [self._token]), retry_after)

    @staticmethod
    def _error(method: str, code: int, desc: str, retry_after: Any) -> ZaloError:
        if code == 408:
            log.debug("zalo %s: 408 %s", method, desc)
            return _NoUpdates(code, desc)
        log.warning("zalo %s failed: %s %s", method, code, desc)
        if code in (401, 404):
            return ZaloAuthError(code, desc)
        if code == 403:
            return ZaloForbidden(code, desc)
        if code == 429:
            try:
                wait = float(retry_after) if retry_after is not None else None
            except (TypeError, ValueError):
                wait = None
            return ZaloRateLimited(code, desc, wait)
        if 500 <= code < 600:
            return ZaloServerError(code, desc)
        return ZaloError(code, desc)

    async def get_me(self) -> dict[str, Any]:
        return await self._call("getMe")

    async def get_updates(self, timeout: int = 30) -> ZaloUpdate | None:  # noqa: ASYNC109
        """Long-poll for ONE update; None when nothing came (408) or it was unparseable."""
        try:
            result = await self._call("getUpdates", {"timeout": timeout}, wait=max(self._timeout, timeout + 10.0))
        except _NoUpdates:
            return None
        update = parse_update(result)
        if update is None and result:
            log.warning("zalo getUpdates: unparseable update dropped")
        return update

    async def send_message(self, chat_id: str, text: str) -> list[dict[str, Any]]:
        """Send ``text``, split into several messages of ≤ 2000 characters if needed."""
        chunks = split_text(text, MAX_TEXT)
        if not chunks:
            raise ValueError("refusing to send an empty message")
        return [await self._call("sendMessage", {"chat_id": chat_id, "text": c}) for c in chunks]

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        if len(caption) > MAX_TEXT:
            raise ValueError(f"caption longer than {MAX_TEXT} characters")
        params = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return await self._call("sendPhoto", params)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self._call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("secret_token must be 8 to 256 characters long")
        return await self._call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> dict[str, Any]:
        return await self._call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        return await self._call("getWebhookInfo")
