"""A strict fake Telegram Bot API server for tests and benchmarks.

    with FakeTelegramServer() as tg:      # the bot: base_url=f"{tg.base_url}/bot"
        tg.push_text(42, "/start")
        [reply] = tg.wait_sent(42, 1)
        tg.push_callback(42, reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        assert tg.rejected == []

It serves `{base_url}/bot<TOKEN>/<method>` from a background thread on 127.0.0.1, checks
every call against the Bot API spec (see telegram_spec.py) and answers like Telegram:
400 for a malformed call (kept in `rejected`), 401 for a wrong token, 404 for an unknown
method, and on request 403 / 429 / 500 / slow / dropped answers (kept in `refused`).
Standalone: `python -m tests.fakes.fake_telegram --port 0 --token X`.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import re
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from tests.fakes.telegram_spec import (
    DEFAULT_SPEC_PATH,
    BotApiSpec,
    SpecError,
    UploadedFile,
    check_rules,
    parse_request,
    visible_text,
)

__all__ = ["FakeTelegramServer", "Rejection", "Refusal", "UploadedFile", "DEFAULT_SPEC_PATH"]

Fault = Callable[[str, dict[str, Any]], str | None]
_FAULTS = {"429", "500", "403", "timeout", "drop"}
_DROP = object()
_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]+)?")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class Rejection(NamedTuple):
    """A call Telegram would refuse as malformed (400), unauthorised (401) or unknown (404)."""

    method: str
    params: dict[str, Any]
    description: str


class Refusal(NamedTuple):
    """A well-formed call answered with an error on purpose: 403, 429, 500, or 0 (dropped)."""

    method: str
    params: dict[str, Any]
    code: int
    description: str


class _ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def payload(self) -> dict[str, Any]:
        body = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class FakeTelegramServer:
    """A Bot API server on 127.0.0.1 for one bot token; thread-safe, usable from sync and async.

    Options (all off by default): `global_limit_per_sec` / `per_chat_limit_per_sec` answer
    sends over a sliding-window limit with 429 and retry_after; `blocked_chats` answer 403;
    `faults(method, params)` may return "429", "500", "403", "drop" (close the connection
    unanswered) or "timeout" (answer after `slow_seconds`; the call is still carried out).
    Without the spec file (`spec_checked` is False) only the prose rules are enforced.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        spec_path: str | Path = DEFAULT_SPEC_PATH,
        bot_username: str = "hoagiai_test_bot",
        port: int = 0,
        global_limit_per_sec: float | None = None,
        per_chat_limit_per_sec: float | None = None,
        faults: Fault | None = None,
        blocked_chats: set[int] | None = None,
        slow_seconds: float = 6.0,
    ):
        self.token, self._port = token, port
        self.spec = BotApiSpec.load(spec_path)
        self.spec_checked = self.spec is not None
        bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "Trợ lý Hòa giải", "username": bot_username}
        self.global_limit_per_sec, self.per_chat_limit_per_sec = (global_limit_per_sec, per_chat_limit_per_sec)
        self.faults, self.slow_seconds = faults, slow_seconds
        self.blocked_chats: set[int] = set(blocked_chats or ())
        self.calls: list[tuple[str, dict[str, Any]]] = []  # accepted calls
        self.rejected: list[Rejection] = []  # malformed calls: a bug in the bot
        self.refused: list[Refusal] = []  # errors we were asked to give
        self.conflicts = 0  # long polls ended by a newer getUpdates (409), e.g. on PTB shutdown
        self.webhook_url = ""
        self.base_url = ""  # "http://127.0.0.1:PORT" once started
        self._in_flight = 0  # requests being answered
        self._cond = threading.Condition(threading.RLock())  # guards everything below
        self._stopping = threading.Event()
        self._updates: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self._update_ids, self._ids = itertools.count(1), itertools.count(1)
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._last_bot_message: dict[int, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._open_queries: set[str] = set()
        self._sent: list[dict[str, Any]] = []
        self._sent_by_chat: dict[int, list[dict[str, Any]]] = {}
        self._delivered: Counter[int] = Counter()
        self._windows: dict[Any, deque[float]] = {}
        self._commands: dict[str, list] = {}
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeTelegramServer:
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", self._port), _Handler)
        self._httpd.fake = self
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-telegram", kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Answer pending long polls (empty) and slow calls, then close every connection."""
        if self._httpd is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._in_flight == 0, timeout=2)
        self._httpd.shutdown()
        for conn in list(self._connections):  # idle keep-alive connections
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeTelegramServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- test side: incoming updates ------------------------------------------------------

    def push_text(self, chat_id: int, text: str, first_name: str = "Test", username: str | None = None) -> int:
        """A user writes `text` to the bot in a private chat."""
        with self._cond:
            user = {"id": chat_id, "is_bot": False, "first_name": first_name}
            if username:
                user["username"] = username
            self._users[chat_id] = user
            message = self._new_message(chat_id, user, text=text)
            command = _BOT_COMMAND.match(text)
            if command:
                length = len(command.group().encode("utf-16-le")) // 2
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            return self.push_update({"message": message})

    def push_callback(self, chat_id: int, data: str, message_id: int | None = None, check_button: bool = True) -> int:
        """The user presses the button carrying `data` under a message the bot sent."""
        with self._cond:
            message_id = message_id or self._last_bot_message.get(chat_id)
            message = self._messages.get((chat_id, message_id or 0))
            if message is None:
                raise LookupError(f"the bot sent no message {message_id} to chat {chat_id}")
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if check_button and data not in [b.get("callback_data") for row in rows for b in row]:
                raise ValueError(f"message {message_id} in chat {chat_id} has no button {data!r}")
            query_id = str(next(self._ids))
            self._open_queries.add(query_id)
            return self.push_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(chat_id),
                        "chat_instance": str(chat_id),
                        "message": copy.deepcopy(message),
                        "data": data,
                    }
                }
            )

    def push_inline_query(self, user_id: int, query: str) -> int:
        with self._cond:
            query_id = str(next(self._ids))
            self._open_queries.add(query_id)
            return self.push_update(
                {"inline_query": {"id": query_id, "from": self._user(user_id), "query": query, "offset": ""}}
            )

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue any raw update; an update_id is assigned unless given."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def take_update(self, update_id: int) -> dict[str, Any]:
        """Take a queued update off the queue: in webhook mode the test POSTs it to the bot."""
        with self._cond:
            update = next(u for u in self._updates if u["update_id"] == update_id)
            self._updates.remove(update)
            return copy.deepcopy(update)

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # ---- test side: what the bot did ------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """sendMessage / sendDocument / sendPhoto / editMessageText calls, oldest first:
        {method, chat_id, message_id, text (or caption), parse_mode, reply_markup[, file]}."""
        with self._cond:
            sent = self._sent if chat_id is None else self._sent_by_chat.get(chat_id, [])
            return [dict(s) for s in sent]

    def delivered_count(self, chat_id: int) -> int:
        """How many messages (not edits) reached `chat_id`."""
        with self._cond:
            return self._delivered[chat_id]

    def wait_for(self, predicate: Callable[[FakeTelegramServer], bool], timeout: float = 10) -> None:
        """Block until `predicate(server)` holds; re-checked after every call and push."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    last = [(s["method"], s["chat_id"], (s["text"] or "")[:80]) for s in self._sent[-5:]]
                    raise TimeoutError(
                        f"condition not met within {timeout}s; last sent: {last}; rejected: "
                        f"{[r.description for r in self.rejected[-3:]]}; "
                        f"pending updates: {len(self._updates)}"
                    )
                self._cond.wait(min(remaining, 0.5))

    def wait_sent(self, chat_id: int, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """Wait until `count` messages were sent (or edited) in `chat_id`; return them all."""
        self.wait_for(lambda s: len(s._sent_by_chat.get(chat_id, ())) >= count, timeout)
        return self.sent(chat_id)

    # ---- HTTP side ------------------------------------------------------------------------

    def _dispatch(self, path: str, query: str, content_type: str, body: bytes) -> Any:
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        method, params = (m.group(2) if m else path), {}
        try:
            if not m or m.group(1) != self.token:
                raise _ApiError(401 if m else 404, "Unauthorized" if m else "Not Found")
            if self.spec:
                method = self.spec.canonical_method(method) or method
                if method not in self.spec.methods:
                    raise _ApiError(404, "Not Found")
            try:
                params = parse_request(self.spec, method, query, content_type, body)
            except ValueError as exc:
                raise _ApiError(400, f"Bad Request: can't parse request: {exc}") from exc
            problem = check_rules(method, params)
            if problem is None and self.spec:
                try:
                    self.spec.validate(method, params)
                except SpecError as exc:
                    problem = str(exc)
            if problem:
                raise _ApiError(400, f"Bad Request: {problem}")
            if self._fault(method, params) is _DROP:
                return _DROP
            with self._cond:
                self._admit(method, params)
                result = getattr(self, f"_api_{method}", self._api_default)(params)
                self.calls.append((method, params))
                self._cond.notify_all()
            return 200, {"ok": True, "result": result}
        except _ApiError as exc:
            with self._cond:
                if exc.code in (400, 401, 404) or "webhook" in exc.description:
                    self.rejected.append(Rejection(method, params, exc.description))
                elif exc.description.startswith("Conflict: terminated"):
                    self.conflicts += 1  # a newer poll won; also on every PTB shutdown
                else:
                    self.refused.append(Refusal(method, params, exc.code, exc.description))
                self._cond.notify_all()
            return exc.code, exc.payload()
        except Exception as exc:  # a bug here, in a faults hook, or a field no spec required
            with self._cond:
                self.rejected.append(Rejection(method, params, f"fake server error: {exc!r}"))
                self._cond.notify_all()
            return 500, _ApiError(500, f"Internal Server Error: {exc!r}").payload()

    def _fault(self, method: str, params: dict[str, Any]) -> object:
        fault = self.faults(method, params) if self.faults else None
        if fault is None:
            return None
        if fault not in _FAULTS:
            raise ValueError(f"unknown fault {fault!r}; use one of {sorted(_FAULTS)}")
        if fault == "timeout":
            self._stopping.wait(self.slow_seconds)  # then carried out, as Telegram would
            return None
        if fault == "drop":
            with self._cond:
                self.refused.append(Refusal(method, params, 0, "dropped connection"))
                self._cond.notify_all()
            return _DROP
        raise {
            "429": _ApiError(429, "Too Many Requests: retry after 1", 1),
            "500": _ApiError(500, "Internal Server Error"),
            "403": _ApiError(403, "Forbidden: bot was blocked by the user"),
        }[fault]

    def _admit(self, method: str, params: dict[str, Any]) -> None:
        """Blocked chats and flood limits (sliding windows), checked under the lock."""
        chat_id = _as_chat_id(params.get("chat_id"))
        if method.startswith(("send", "edit", "copy", "forward")) and chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        is_send = method.startswith(("send", "copyMessage", "forwardMessage"))
        if not is_send or method == "sendChatAction":
            return
        limits = [
            (key, rate)
            for key, rate in (("*", self.global_limit_per_sec), (chat_id, self.per_chat_limit_per_sec))
            if rate
        ]
        now = time.monotonic()
        for key, rate in limits:
            window = max(1.0, 1.0 / rate)  # capacity = rate * window, at least one message
            stamps = self._windows.setdefault(key, deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= max(1, int(rate * window)):
                retry = max(1, math.ceil(stamps[0] + window - now))
                raise _ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        for key, _ in limits:
            self._windows[key].append(now)

    # ---- Bot API methods (called with the lock held) --------------------------------------

    def _api_default(self, params: dict[str, Any]) -> Any:
        return True

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = params.get("offset", 0), min(max(params.get("limit", 100), 1), 100)
        if "allowed_updates" in params:
            self._allowed_updates = set(params["allowed_updates"]) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # an older long poll ends with 409, as on Telegram
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + max(params.get("timeout", 0), 0)
        while True:
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            if self._allowed_updates:
                self._updates = [u for u in self._updates if set(u) & self._allowed_updates]
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0 or self._stopping.is_set():
                return copy.deepcopy(self._updates[:limit])
            self._cond.wait(remaining)

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = params["url"]
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _commands_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope", {"type": "default"})
        return json.dumps([scope, params.get("language_code", "")], sort_keys=True)

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self._commands[self._commands_key(params)] = params["commands"]
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list:
        return self._commands.get(self._commands_key(params), [])

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        text = visible_text(params["text"], params.get("parse_mode"))
        message = self._new_message(chat_id, self.bot_user, text=text, **self._inline_markup(params))
        return self._record_sent("sendMessage", params, message)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendDocument", params, "document")

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendPhoto", params, "photo")

    def _send_file(self, method: str, params: dict[str, Any], kind: str) -> dict[str, Any]:
        chat_id, file = self._chat_id(params), params.get(kind)
        uploaded = isinstance(file, UploadedFile)
        info = {
            "file_id": file if isinstance(file, str) else f"file-{next(self._ids)}",
            "file_unique_id": f"u{next(self._ids)}",
        }
        if uploaded:
            info["file_size"] = len(file.content)
        if kind == "photo":
            content: dict[str, Any] = {"photo": [{**info, "width": 640, "height": 480}]}
        elif uploaded:
            content = {"document": {**info, "file_name": file.filename, "mime_type": file.content_type}}
        else:
            content = {"document": info}
        if "caption" in params:
            content["caption"] = visible_text(params["caption"], params.get("parse_mode"))
        content.update(self._inline_markup(params))
        message = self._new_message(chat_id, self.bot_user, **content)
        return self._record_sent(method, params, message, file=file)

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        return self._edit(params, text=visible_text(params["text"], params.get("parse_mode")))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return self._edit(params)

    def _edit(self, params: dict[str, Any], **content: Any) -> Any:
        if "inline_message_id" in params:
            return True
        key = (self._chat_id(params), params.get("message_id"))
        message = self._messages.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        if "text" in content and "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        updated = {k: v for k, v in message.items() if k != "reply_markup"}
        updated.update(content, **self._inline_markup(params))
        if {**updated, "edit_date": 0} == {**message, "edit_date": 0}:
            raise _ApiError(400, f"Bad Request: {_NOT_MODIFIED}")
        updated["edit_date"] = int(time.time())
        self._messages[key] = updated
        if "text" in content:
            self._record_sent("editMessageText", params, updated, delivered=False)
        return copy.deepcopy(updated)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        if self._messages.pop((self._chat_id(params), params["message_id"]), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return self._answer_query(params["callback_query_id"])

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        return self._answer_query(params["inline_query_id"])

    def _answer_query(self, query_id: str) -> bool:
        if query_id not in self._open_queries:
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(query_id)
        return True

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        gifts = "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
        return {
            **self._chat(self._chat_id(params)),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts.split(), False),
        }

    # ---- helpers (lock held) --------------------------------------------------------------

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = _as_chat_id(params.get("chat_id"))
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _user(self, user_id: int) -> dict[str, Any]:
        return self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Test"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        user = self._user(chat_id)
        return {"id": chat_id, "type": "private", **{k: v for k, v in user.items() if k in ("first_name", "username")}}

    def _new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Message ids count per chat, shared by the user's and the bot's messages."""
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = {
            "message_id": next(ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
            **content,
        }
        self._messages[(chat_id, message["message_id"])] = message
        if sender is self.bot_user:
            self._last_bot_message[chat_id] = message["message_id"]
        return message

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any]:
        """Telegram echoes an inline keyboard in the Message, never a reply keyboard."""
        markup = params.get("reply_markup")
        inline = isinstance(markup, dict) and "inline_keyboard" in markup
        return {"reply_markup": markup} if inline else {}

    def _record_sent(
        self, method: str, params: dict[str, Any], message: dict[str, Any], delivered: bool = True, **extra: Any
    ) -> dict[str, Any]:
        chat_id = message["chat"]["id"]
        record = {
            "method": method,
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "text": params.get("text", params.get("caption")),
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            **extra,
        }
        self._sent.append(record)
        self._sent_by_chat.setdefault(chat_id, []).append(record)
        if delivered:
            self._delivered[chat_id] += 1
        return copy.deepcopy(message)


def _as_chat_id(value: Any) -> Any:
    """Telegram accepts a chat id as a number or as a numeric string."""
    return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops connects from a pool opening many at once
    fake: FakeTelegramServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (killed bot, dropped fault) is not our problem


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the benchmark sends 10,000 messages
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        self.server.fake._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        with fake._cond:
            fake._in_flight += 1
        try:
            self._answer(fake)
        finally:
            with fake._cond:
                fake._in_flight -= 1
                fake._cond.notify_all()

    def _answer(self, fake: FakeTelegramServer) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = fake._dispatch(url.path, url.query, self.headers.get("Content-Type", ""), body)
        if answer is _DROP:
            self.close_connection = True
            return
        status, payload = answer
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Telegram Bot API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="hoagiai_test_bot")
    parser.add_argument("--spec", default=str(DEFAULT_SPEC_PATH))
    args = parser.parse_args(argv)
    server = FakeTelegramServer(args.token, spec_path=args.spec, bot_username=args.username, port=args.port).start()
    print(server.base_url, flush=True)
    print(
        f"spec checks {'on' if server.spec_checked else 'off'}; type '<chat_id> <text>' to write to the bot as a user",
        flush=True,
    )
    threading.Thread(target=_echo_sent, args=(server,), daemon=True).start()
    try:
        for line in sys.stdin:
            chat_id, _, text = line.strip().partition(" ")
            if chat_id.lstrip("-").isdigit() and text:
                server.push_text(int(chat_id), text)
        threading.Event().wait()  # stdin closed: serve until killed
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _echo_sent(server: FakeTelegramServer) -> None:
    for seen in itertools.count(1):
        server.wait_for(lambda s, n=seen: len(s.sent()) >= n, timeout=10**9)
        sent = server.sent()[seen - 1]
        print(f"<- {sent['chat_id']} {sent['method']}: {sent['text']}", flush=True)


if __name__ == "__main__":
    main()
