"""Many users writing at once while Telegram takes its time to answer each call.

Usage: python bench/concurrency.py [--users 50] [--latency-ms 150] [--json]

Each of --users people sends two messages; every Bot API call (the fake request object)
answers after --latency-ms, as a round trip from Vietnam to api.telegram.org may. The bot
runs as in production (Application.start, updates through its queue, real SQLite store),
once with python-telegram-bot's one-update-at-a-time processing and once with ours
(bot/channels/order.py: users side by side, one user's updates in order). Prints JSON: the
time until every reply was sent, and the slowest user's wait for their first answer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from tests.fakes.fake_request import FakeRequest  # noqa: E402

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


class SlowRequest(FakeRequest):
    def __init__(self, latency: float) -> None:
        super().__init__(spec_path=Path("/nonexistent"))
        self.latency = latency
        self.answered: dict[int, float] = {}  # chat id -> when its first reply was sent

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        await asyncio.sleep(self.latency)
        result = await super().do_request(url, method, request_data, *args, **kwargs)
        if url.endswith("/sendMessage") and request_data is not None:
            self.answered.setdefault(int(request_data.parameters["chat_id"]), time.perf_counter())
        return result


async def run(users: int, latency: float, workdir: Path, *, ours: bool) -> dict[str, float]:
    import bot.channels.telegram as telegram
    from bot.app import build_engine
    from storage.db import Database
    from storage.migrate import upgrade_async
    from tests.support import Clock, build_world

    url = f"sqlite+aiosqlite:///{workdir}/concurrency-{ours}.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    await build_world(db, NOW)
    engine = build_engine(db, clock=Clock(NOW))
    request = SlowRequest(latency)
    channel = telegram.TelegramChannel(engine, engine.deps.catalog, token="1:B", base_url="http://fake")
    processor = telegram.PerChatProcessor
    if not ours:
        telegram.PerChatProcessor = lambda: False  # python-telegram-bot's default: one update at a time
    try:
        app = channel.build(
            request=request, updates_request=FakeRequest(spec_path=Path("/nonexistent")), rate_limit=False
        )
    finally:
        telegram.PerChatProcessor = processor
    sends = lambda: len(request.sent())  # noqa: E731
    async with app:
        await app.start()
        t0 = time.perf_counter()
        n = 0
        for text in ("/start", "/help"):
            for uid in range(1, users + 1):
                n += 1
                chat = {"id": uid, "type": "private", "first_name": "U"}
                msg = {
                    "message_id": n,
                    "date": 1_790_000_000,
                    "text": text,
                    "chat": chat,
                    "from": {"id": uid, "is_bot": False, "first_name": "U"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
                }
                await app.update_queue.put(Update.de_json({"update_id": n, "message": msg}, app.bot))
        await request.wait_until(lambda: sends() >= 2 * users, seconds=600)
        took = time.perf_counter() - t0
        await app.stop()
    await db.dispose()
    return {"all_replies_s": round(took, 2), "slowest_first_answer_s": round(max(request.answered.values()) - t0, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    with tempfile.TemporaryDirectory() as tmp:
        one_at_a_time = asyncio.run(run(args.users, latency, Path(tmp), ours=False))
        side_by_side = asyncio.run(run(args.users, latency, Path(tmp), ours=True))
    result = {
        "users": args.users,
        "updates": 2 * args.users,
        "api_latency_ms": args.latency_ms,
        "one_at_a_time": one_at_a_time,
        "per_user_order": side_by_side,
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
