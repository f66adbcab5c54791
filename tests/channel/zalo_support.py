"""Driving the Zalo adapter against the fake Zalo server, one update at a time."""

from __future__ import annotations

import re

from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_client import ZaloBotClient
from tests.fakes.fake_zalo import FakeZaloServer

ZALO_TOKEN = "4321:zalo-test-secret"
CHOICE = re.compile(r"^(\d+)\. (.+)$", re.M)


def choices(text: str) -> dict[str, int]:
    """The numbered choices of one rendered message: label → number."""
    return {label: int(n) for n, label in CHOICE.findall(text)}


class ZaloUser:
    """A person chatting with the bot on Zalo: each message is fetched with getUpdates and
    handled by the adapter, exactly as the polling loop does."""

    def __init__(
        self,
        fake: FakeZaloServer,
        client: ZaloBotClient,
        channel: ZaloChannel,
        user_id: str = "a1b2c3d4e5f6a7b8c9d0",
        name: str = "Lan Lê",
    ) -> None:
        self.fake = fake
        self.client = client
        self.channel = channel
        self.user_id = user_id
        self.name = name
        self.seen = 0  # messages already read by the test

    async def _pump(self) -> list[str]:
        update = await self.client.get_updates(timeout=1)
        assert update is not None, "the fake server had no update"
        await self.channel.handle_update(update)
        return self.new_texts()

    def new_texts(self) -> list[str]:
        sent = self.fake.sent(self.user_id)
        texts = [m["text"] for m in sent[self.seen :]]
        self.seen = len(sent)
        self.last = texts
        return texts

    async def type(self, text: str) -> str:
        self.fake.push_text(self.user_id, text, display_name=self.name)
        return "\n".join(await self._pump())

    async def send_event(self, kind: str) -> str:
        self.fake.push_event(self.user_id, kind, display_name=self.name)
        return "\n".join(await self._pump())

    async def choose(self, label: str) -> str:
        """Type the number of the first option whose label contains `label`."""
        for message in reversed(self.fake.sent(self.user_id)):
            options = choices(message["text"] or "")
            if options:
                number = next((n for lab, n in options.items() if label in lab), None)
                assert number is not None, f"no option {label!r} in {list(options)}"
                return await self.type(str(number))
        raise AssertionError("no numbered choices in the chat")
