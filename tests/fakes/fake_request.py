"""An in-process fake of Telegram's HTTP side for python-telegram-bot's Application.

Every call is checked against the Bot API spec (../shared/reference/telegram-bot-api.json)
where that file exists, through the same validator as the fake HTTP server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from tests.fakes.telegram_spec import DEFAULT_SPEC_PATH, BotApiSpec, SpecError, UploadedFile, check_rules

BOT = {"id": 4242, "is_bot": True, "first_name": "Trợ lý Hòa giải", "username": "hoagiai_test_bot"}


class FakeRequest(BaseRequest):
    def __init__(self, spec_path=DEFAULT_SPEC_PATH) -> None:
        self.spec = BotApiSpec.load(spec_path)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.rejected: list[tuple[str, str]] = []
        self.files: list[tuple[str, UploadedFile]] = []  # what was uploaded, by method
        self._ids = itertools.count(1000)
        self._changed: asyncio.Condition | None = None  # made in the loop of the first wait

    async def wait_until(self, ready: Callable[[], bool], seconds: float = 10.0) -> None:
        """Until `ready()` holds, woken by every call the fake takes (no polling)."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(ready)

    async def _took_a_call(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for m, params in self.calls if m == method]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        params.update(self._files(request_data))
        error = self._validate(api_method, params)
        if error:
            self.rejected.append((api_method, error))
            return 400, json.dumps({"ok": False, "error_code": 400, "description": error}).encode()
        self.calls.append((api_method, {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}))
        self.files.extend((api_method, v) for v in params.values() if isinstance(v, UploadedFile))
        result = json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()
        await self._took_a_call()
        return 200, result

    @staticmethod
    def _files(request_data: RequestData | None) -> dict[str, UploadedFile]:
        """Uploaded files, as multipart parts: a document's field holds "attach://<part>"."""
        if request_data is None or not request_data.contains_files:
            return {}
        parts = {
            name: UploadedFile(value[0], value[1] if isinstance(value[1], bytes) else value[1].read())
            for name, value in request_data.multipart_data.items()
        }
        named = {}
        for key, value in request_data.parameters.items():
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in parts:
                named[key] = parts[value[9:]]
        return {**parts, **named} if named else parts

    def _validate(self, method: str, params: dict[str, Any]) -> str | None:
        if self.spec is not None:
            if self.spec.canonical_method(method) is None:
                return "Not Found: method not found"
            try:
                self.spec.validate(method, params)
            except SpecError as err:
                return str(err)
        return check_rules(method, params)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return []
        if method in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText"):
            chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Người dùng"}
            message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "from": BOT}
            if "text" in params:
                message["text"] = params["text"]
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        return True
