"""End to end: an announcement to 1,000 people, the bot SIGKILLed in the middle of sending
and restarted; against the local fake Bot API server (30-style flood limits, 1/s per chat).

The kill comes while the fake server holds the bot's requests in flight (written but not yet
answered), the case that would send twice if the outbox resent what it could not confirm.
Every one of the 1,000 chats must receive the announcement exactly once: counted once the
restarted bot has stopped and the fake has carried out what it held, so a duplicate cannot
come after the count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import time
from collections import Counter

import pytest

from storage.db import Database
from storage.models import Account, Person, Role
from tests.e2e.botprocess import TOKEN, BotProcess, make_world
from tests.fakes.fake_telegram import FakeTelegramServer

pytestmark = pytest.mark.e2e

PEOPLE = 1000
FIRST_CHAT = 810_000
RATE = 200
TEXT = "Họp tổ hòa giải lúc 8 giờ sáng thứ Hai tại nhà văn hóa."


class Hold:
    """The fake server's faults hook: while on, every sendMessage is held, then carried out."""

    def __init__(self) -> None:
        self.on = threading.Event()
        self.held = 0
        self.lock = threading.Lock()

    def __call__(self, method: str, params: dict) -> str | None:
        if method == "sendMessage" and self.on.is_set():
            with self.lock:
                self.held += 1
            return "timeout"
        return None


async def add_people(
    url: str, team_id: int, count: int = PEOPLE, *, channel: str = "telegram", ids: list[str] | None = None
) -> None:
    """`count` mediators in the team, each with one account (chat ids FIRST_CHAT… unless given)."""
    ids = ids or [str(FIRST_CHAT + i) for i in range(count)]
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    async with db.uow() as uow:
        people = [
            Person(full_name=f"Hòa giải viên {i}", role=Role.HOA_GIAI_VIEN, unit_id=team_id, sex="nam", created_at=now)
            for i in range(count)
        ]
        uow.session.add_all(people)
        await uow.session.flush()
        uow.session.add_all(
            [
                Account(channel=channel, external_id=ids[i], person_id=p.id, display_name=p.full_name, last_seen_at=now)
                for i, p in enumerate(people)
            ]
        )
        await uow.commit()
    await db.dispose()


def delivered(server: FakeTelegramServer) -> list[int]:
    return [server.delivered_count(FIRST_CHAT + i) for i in range(PEOPLE)]


def settled(hold: Hold, quiet: float = 0.6, timeout: float = 15.0) -> None:
    """Wait until no new request has come for `quiet` seconds."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        if hold.held != last:
            last, since = hold.held, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.05)
    raise AssertionError(f"the bot kept sending while its requests were held ({hold.held} held)")


def wait_until(check, timeout: float, what: str, server: FakeTelegramServer) -> None:
    """Poll (the server's own wait_for would re-check on every call it answers)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            refused = Counter(r.code for r in server.refused)
            raise AssertionError(
                f"{what}: not within {timeout}s; {sum(delivered(server))} delivered, "
                f"{len(server.calls)} calls, refused {dict(refused)}"
            )
        time.sleep(0.05)


def test_broadcast_to_1000_survives_sigkill_exactly_once(tmp_path):
    hold = Hold()
    with FakeTelegramServer(
        token=TOKEN, global_limit_per_sec=RATE, per_chat_limit_per_sec=1, faults=hold, slow_seconds=4.0
    ) as server:
        path = tmp_path / "e2e.sqlite3"
        bot = BotProcess(
            tmp_path,
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{path}",
                "QUIET_HOURS": "off",
                "DISPATCH_RATE": str(RATE),
            },
        )
        try:
            make_world(bot)
            asyncio.run(add_people(f"sqlite+aiosqlite:///{path}", 4))
            out = bot.cli("broadcast", "--unit", "Phường F", "--text", TEXT)
            assert f"{PEOPLE} người" in out

            bot.start()
            wait_until(lambda: sum(1 for m, _ in server.calls if m == "sendMessage") >= 300, 30, "first 300", server)
            hold.on.set()  # from now on the server answers nothing: requests pile up in flight
            settled(hold)  # until every worker waits for an answer: nothing half-sent
            bot.kill()
            in_flight, reached = hold.held, sum(delivered(server))
            hold.on.clear()
            assert 300 <= reached < PEOPLE and in_flight > 0
            # the server now answers what was in flight (as Telegram would, bot or no bot)
            wait_until(lambda: sum(delivered(server)) == reached + in_flight, 10, "in flight answered", server)

            bot.start()
            wait_until(lambda: min(delivered(server)) >= 1, 40, "everyone after restart", server)
        finally:
            bot.stop()
    counts = delivered(server)  # the bot is gone and the server stopped: nothing more can come
    assert counts == [1] * PEOPLE
    texts = {m["text"] for m in server.sent() if m["chat_id"] >= FIRST_CHAT}
    assert texts == {f"📢 Thông báo của Phường F:\n{TEXT}"}
    db = sqlite3.connect(path)
    statuses = dict(db.execute("select status, count(*) from deliveries group by status").fetchall())
    db.close()
    # in flight at the kill: maybe received, so never resent, and shown to the official as unconfirmed
    assert set(statuses) == {"sent", "uncertain"} and sum(statuses.values()) == PEOPLE
    assert statuses["uncertain"] >= in_flight
    assert server.rejected == []
    assert "Traceback" not in bot.log_text() and TOKEN not in bot.log_text()
