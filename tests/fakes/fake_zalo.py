"""A fake Zalo Bot Platform server (see /work/shared/reference/zalo-bot-api.md) for tests.

Runs ``http.server.ThreadingHTTPServer`` on 127.0.0.1 in a background thread::

    with FakeZaloServer() as zalo:
        zalo.push_text("u1", "Xin chào")
        ...  # point the bot at zalo.base_url with zalo.token
        zalo.wait_sent("u1", 1)

Standalone: ``python -m tests.fakes.fake_zalo --port 0``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Fault = Literal["429", "500", "timeout", "drop"] | None
FaultHook = Callable[[str, dict[str, Any]], Fault]

EVENTS = {k: f"message.{k}.received" for k in ("text", "image", "sticker", "voice", "unsupported")}
SEND_METHODS = {"sendMessage", "sendPhoto", "sendSticker", "sendChatAction"}
METHODS = SEND_METHODS | {"getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo"}
MAX_TEXT = 2000


class _Reply(Exception):
    def __init__(self, code: int, description: str, http_status: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.http_status = code, description, http_status


class FakeZaloServer:
    """Behaves like bot-api.zaloplatforms.com for one bot.

    - errors are ``ok:false`` with HTTP 200 (``errors_as_http_status=True`` uses the code
      as HTTP status instead); the idle getUpdates answer is HTTP 200 + ok:false 408, or a
      plain HTTP 408 with ``idle_http_status=408``;
    - ``faults(method, params)`` may return "429", "500", "timeout" (hang for
      ``hang_seconds``, then close without carrying it out), "slow" (carry it out, then
      hang before answering: the client may give up on a message that did arrive) or
      "drop" (close the connection without answering).
    """

    def __init__(
        self,
        token: str = "1234:zalo-secret",
        *,
        rate_limit_per_sec: float | None = None,
        faults: FaultHook | None = None,
        idle_http_status: int = 200,
        errors_as_http_status: bool = False,
        hang_seconds: float = 5.0,
        port: int = 0,
    ) -> None:
        self.token = token
        self.rate_limit_per_sec = rate_limit_per_sec
        self.faults = faults
        self.idle_http_status = idle_http_status
        self.errors_as_http_status = errors_as_http_status
        self.hang_seconds = hang_seconds
        self.webhook: dict[str, Any] = {"url": "", "updated_at": 0}
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every authorised call
        self._port = port
        self._cond = threading.Condition()
        self._updates: deque[dict[str, Any]] = deque()
        self._sent: list[dict[str, Any]] = []
        self._known: set[str] = set()
        self._send_times: deque[float] = deque()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeZaloServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-zalo", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeZaloServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # incoming side ---------------------------------------------------------------------
    def push_text(self, user_id: str, text: str, display_name: str = "Test") -> str:
        """Queue a text message from ``user_id``; returns its message_id."""
        return self._push(user_id, "text", display_name, text)

    def push_event(self, user_id: str, event_name: str, display_name: str = "Test") -> str:
        """Queue a non-text event: "image", "sticker", "voice", "unsupported" or a full name."""
        return self._push(user_id, event_name, display_name, None)

    def push_raw(self, update: dict[str, Any]) -> None:
        """Queue an arbitrary update payload as getUpdates' result (for malformed input)."""
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def _push(self, user_id: str, event: str, display_name: str, text: str | None) -> str:
        message_id = secrets.token_hex(10)
        message: dict[str, Any] = {
            "from": {"id": user_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
            "message_id": message_id,
            "date": int(time.time() * 1000),
        }
        if text is not None:
            message["text"] = text
        update = {"event_name": EVENTS.get(event, event), "message": message}
        with self._cond:
            self._known.add(user_id)
            self._updates.append(update)
            self._cond.notify_all()
        return message_id

    def know(self, *user_ids: str) -> None:
        """These users have messaged the bot before: it may send to them (no update is queued)."""
        with self._cond:
            self._known.update(user_ids)

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # outgoing side ---------------------------------------------------------------------
    def sent(self, chat_id: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (sendMessage/sendPhoto/sendSticker), oldest first."""
        with self._cond:
            return [dict(m) for m in self._sent if chat_id is None or m["chat_id"] == chat_id]

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0, start: int = 0
    ) -> dict[str, Any]:
        """First sent message (from index ``start``) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self._sent[start:]:
                    if predicate(m):
                        return dict(m)
                left = deadline - time.monotonic()
                if left <= 0:
                    last = [(m["chat_id"], m["text"]) for m in self._sent[-5:]]
                    raise TimeoutError(f"no matching message in {timeout}s; last sent: {last}")
                self._cond.wait(left)

    def wait_sent(self, chat_id: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until ``chat_id`` received at least ``count`` messages; returns them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                mine = [dict(m) for m in self._sent if m["chat_id"] == chat_id]
                if len(mine) >= count:
                    return mine
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [m["text"] for m in mine]
                    raise TimeoutError(f"{chat_id!r} got {len(mine)}/{count} messages in {timeout}s: {texts}")
                self._cond.wait(left)

    # request handling ------------------------------------------------------------------
    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": self.token.split(":", 1)[0],
                "account_name": "Bot Tro ly Hoa giai",
                "account_type": "BASIC",
                "can_join_groups": False,
            }
        if method == "getUpdates":
            return self._get_update(params)
        if method in ("setWebhook", "deleteWebhook", "getWebhookInfo"):
            return self._webhook(method, params)
        return self._send(method, params)

    def _get_update(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            timeout = max(0.0, float(params.get("timeout", 30)))
        except (TypeError, ValueError):
            raise _Reply(400, "Bad Request: invalid timeout") from None
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._updates:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    raise _Reply(408, "Request Timeout: no new updates", self.idle_http_status)
                self._cond.wait(left)
            return self._updates.popleft()

    def _webhook(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "setWebhook":
            url, secret = params.get("url"), params.get("secret_token")
            if not isinstance(url, str) or not url.startswith("https://"):
                raise _Reply(400, "Bad Request: url must be a public HTTPS URL")
            if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
                raise _Reply(400, "Bad Request: secret_token must be 8-256 characters")
            self.webhook = {"url": url, "updated_at": int(time.time() * 1000)}
        elif method == "deleteWebhook":
            self.webhook = {"url": "", "updated_at": int(time.time() * 1000)}
        return dict(self.webhook)

    def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            raise _Reply(400, "Bad Request: chat_id is required")
        text: Any = None
        if method == "sendMessage":
            text = params.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
                raise _Reply(400, f"Bad Request: text must be 1-{MAX_TEXT} characters")
        elif method == "sendPhoto":
            text = params.get("caption", "")
            if not isinstance(params.get("photo"), str) or not params["photo"]:
                raise _Reply(400, "Bad Request: photo is required")
            if not isinstance(text, str) or len(text) > MAX_TEXT:
                raise _Reply(400, f"Bad Request: caption longer than {MAX_TEXT} characters")
        elif method == "sendChatAction" and params.get("action") != "typing":
            raise _Reply(400, "Bad Request: unsupported action")
        with self._cond:
            if chat_id not in self._known:
                raise _Reply(403, "Forbidden: the user has not messaged this bot")
            self._check_rate()
            if method == "sendChatAction":
                return True
            record = {
                "method": method,
                "chat_id": chat_id,
                "text": text,
                "message_id": secrets.token_hex(10),
                "date": int(time.time() * 1000),
            }
            if method != "sendMessage":
                record.update({k: v for k, v in params.items() if k != "chat_id"})
            self._sent.append(record)
            self._cond.notify_all()
            return {"message_id": record["message_id"], "date": record["date"]}

    def _check_rate(self) -> None:
        if not self.rate_limit_per_sec:
            return
        now = time.monotonic()
        while self._send_times and now - self._send_times[0] >= 1.0:
            self._send_times.popleft()
        if len(self._send_times) >= self.rate_limit_per_sec:
            raise _Reply(429, "Too Many Requests: quota exceeded")
        self._send_times.append(now)

    def _hang(self) -> None:
        self._stopping.wait(self.hang_seconds)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeZaloServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if fake._stopping.is_set():  # a kept-alive connection must not outlive stop()
            self.close_connection = True
            return
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        try:
            if len(parts) != 2 or not parts[0].startswith("bot"):
                raise _Reply(404, "Not Found")
            token, method = parts[0][3:], parts[1]
            if not secrets.compare_digest(token.encode(), fake.token.encode()):
                raise _Reply(401, "Unauthorized: invalid token")
            if method not in METHODS:
                raise _Reply(404, f"Not Found: method {method} does not exist")
            try:
                params = json.loads(raw) if raw.strip() else {}
            except ValueError:
                raise _Reply(400, "Bad Request: body is not JSON") from None
            if not isinstance(params, dict):
                raise _Reply(400, "Bad Request: body must be a JSON object")
            with fake._cond:
                fake.calls.append((method, params))
            fault = fake.faults(method, params) if fake.faults else None
            if fault == "drop":
                self.close_connection = True
                return
            if fault == "timeout":
                fake._hang()
                self.close_connection = True
                return
            if fault == "429":
                raise _Reply(429, "Too Many Requests: quota exceeded")
            if fault == "500":
                raise _Reply(500, "Internal Server Error", 500)
            result = fake._dispatch(method, params)
            if fault == "slow":
                fake._hang()
        except _Reply as r:
            status = r.http_status or (r.code if fake.errors_as_http_status else 200)
            body = {"ok": False, "error_code": r.code, "description": r.description}
            return self._answer(status, body)
        self._answer(200, {"ok": True, "result": result})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client went away (e.g. its own timeout)
            self.close_connection = True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Zalo Bot Platform server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="1234:zalo-secret")
    parser.add_argument("--rate-limit", type=float, default=None)
    args = parser.parse_args(argv)
    fake = FakeZaloServer(args.token, rate_limit_per_sec=args.rate_limit, port=args.port)
    with fake:
        print(f"fake Zalo listening on {fake.base_url} (token {args.token})", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
