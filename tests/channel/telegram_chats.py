"""Several people on Telegram's fake, in process: what they type and tap goes through the
channel's Application; what the bot sent each chat is read back from the fake request."""

from __future__ import annotations

import itertools

from telegram import Update

from tests.fakes.fake_request import FakeRequest


class Driver:
    """Types and taps as several people on Telegram; reads what the bot sent each chat."""

    def __init__(self, app, request: FakeRequest, chats: dict[str, int]) -> None:
        self.app, self.request, self.chats = app, request, chats
        self.ids = itertools.count(1)
        self.seen = 0

    def _user(self, who: str) -> tuple[dict, dict]:
        uid = self.chats[who]
        return {"id": uid, "is_bot": False, "first_name": who}, {"id": uid, "type": "private", "first_name": who}

    async def _update(self, kind: str, body: dict) -> None:
        await self.app.process_update(Update.de_json({"update_id": next(self.ids), kind: body}, self.app.bot))

    async def type(self, who: str, text: str) -> str:
        user, chat = self._user(who)
        message = {"message_id": next(self.ids), "date": 1_790_000_000, "chat": chat, "from": user, "text": text}
        await self._update("message", message)
        return self.texts(who)

    def labels(self, who: str) -> list[str]:
        """The buttons of the last message with a keyboard this chat was sent."""
        mine = [p for p in self.request.sent() if p["chat_id"] == self.chats[who] and "reply_markup" in p]
        return [b["text"] for row in mine[-1]["reply_markup"]["inline_keyboard"] for b in row] if mine else []

    async def choose(self, who: str, label: str) -> str:
        mine = [p for p in self.request.sent() if p["chat_id"] == self.chats[who] and "reply_markup" in p]
        button = next(b for row in mine[-1]["reply_markup"]["inline_keyboard"] for b in row if label in b["text"])
        user, chat = self._user(who)
        await self._update(
            "callback_query",
            {
                "id": str(next(self.ids)),
                "from": user,
                "chat_instance": "1",
                "data": button["callback_data"],
                "message": {"message_id": 1, "date": 1_790_000_000, "chat": chat, "from": user, "text": "…"},
            },
        )
        return self.texts(who)

    def texts(self, who: str) -> str:
        """What this chat was sent since the last look."""
        sent = self.request.sent()
        out = "\n".join(p["text"] for p in sent[self.seen :] if p["chat_id"] == self.chats[who])
        self.seen = len(sent)
        return out
