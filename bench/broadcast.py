"""Measure the outbox dispatcher: one announcement to N people through the real dispatcher,
python-telegram-bot and the Telegram push sender, against the local fake Bot API server
answering 429 (with retry_after) beyond R messages a second overall and 1 a second per chat.

    python bench/broadcast.py --recipients 10000 --limit 30 [--json]

The fake server runs in a process of its own (so that it does not share our interpreter);
the store is a fresh SQLite file. Prints: recipients, delivered, duplicates, lost, seconds
(from the first claim to the last answer), rate (delivered / seconds), ceiling (R), ratio
(rate / R), and refused_429 (how often the server had to say "too many requests").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.app import build_engine  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram_push import TelegramPushSender  # noqa: E402
from bot.dispatcher import Dispatcher  # noqa: E402
from bot.ratelimit import PtbLimiter, SendLimiter  # noqa: E402
from content.catalog import load_catalog  # noqa: E402
from handlers.broadcasts.views import create_broadcast  # noqa: E402
from handlers.common.outbox import PushEnv, PushPolicy, QuietHours  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Account, Delivery, DeliveryStatus, Person, Role, UnitKind  # noqa: E402  # noqa: E402

TOKEN = "123456:BENCH"
FIRST_CHAT = 5_000_000


def serve(conn, limit: float) -> None:
    """The fake server's process: report the URL, then answer count requests until told to stop."""
    from tests.fakes.fake_telegram import FakeTelegramServer

    with FakeTelegramServer(token=TOKEN, global_limit_per_sec=limit, per_chat_limit_per_sec=1) as server:
        conn.send(server.base_url)
        while (msg := conn.recv()) != "stop":
            n = msg
            counts = [server.delivered_count(FIRST_CHAT + i) for i in range(n)]
            refused = sum(1 for r in server.refused if r.code == 429)
            conn.send((counts, refused, len(server.rejected)))


async def dispatch(db: Database, dispatcher: Dispatcher) -> float:
    """Drain the outbox until nothing is pending; the seconds it took."""
    start = time.monotonic()
    while True:
        await dispatcher.drain()
        async with db.uow() as uow:
            left = await uow.session.scalar(
                select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING).limit(1)
            )
        if left is None:
            return time.monotonic() - start
        await asyncio.sleep(0.05)  # a retry_after is waiting


async def seed(db: Database, n: int, now: dt.datetime) -> int:
    async with db.uow() as uow:
        prov = await uow.units.add(UnitKind.TINH, "Tỉnh Bench", None, now)
        ward = await uow.units.add(UnitKind.XA, "Phường Bench", prov, now)
        team = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ Bench", ward, now)
        await uow.session.execute(
            insert(Person),
            [
                {
                    "full_name": f"Người {i}",
                    "role": Role.HOA_GIAI_VIEN,
                    "unit_id": team.id,
                    "active": True,
                    "ethnic_minority": False,
                    "created_at": now,
                }
                for i in range(n)
            ],
        )
        ids = (await uow.session.scalars(select(Person.id).order_by(Person.id))).all()
        await uow.session.execute(
            insert(Account),
            [
                {
                    "channel": "telegram",
                    "external_id": str(FIRST_CHAT + i),
                    "person_id": pid,
                    "display_name": "",
                    "unreachable": False,
                    "last_seen_at": now,
                }
                for i, pid in enumerate(ids)
            ],
        )
        env = PushEnv(load_catalog(), ZoneInfo("Asia/Ho_Chi_Minh"), PushPolicy(quiet=QuietHours.parse("off")))
        _, count = await create_broadcast(uow, env, sender=None, unit=ward, text="Thông báo thử tải.", now=now)
        await uow.commit()
        return count


async def measure(n: int, limit: float, base_url: str, store: Path) -> dict:
    db = Database(f"sqlite+aiosqlite:///{store}")
    await db.create_all()
    now = dt.datetime.now(dt.UTC)
    queued = await seed(db, n, now)
    engine = build_engine(db)
    limiter = SendLimiter(limit, chat_interval=1.0)
    app = TelegramChannel(engine, engine.deps.catalog, token=TOKEN, base_url=base_url).build(
        rate_limiter=PtbLimiter(limiter)
    )
    env = PushEnv(engine.deps.catalog, engine.deps.tz, PushPolicy(quiet=QuietHours.parse("off")))
    async with app:
        dispatcher = Dispatcher(
            db,
            {"telegram": TelegramPushSender(app.bot)},
            env=env,
            clock=lambda: dt.datetime.now(dt.UTC),
            limiters={"telegram": limiter},
            concurrency=max(8, min(128, int(limit))),
            batch=max(50, int(limit)),
        )
        seconds = await dispatch(db, dispatcher)
    await db.dispose()
    return {"queued": queued, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=30.0, help="messages per second the server accepts")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    here, there = mp.Pipe()
    server = mp.Process(target=serve, args=(there, args.limit), daemon=True)
    server.start()
    base_url = here.recv()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(args.recipients, args.limit, base_url, Path(tmp) / "bench.sqlite3"))
    here.send(args.recipients)
    counts, refused, rejected = here.recv()
    here.send("stop")
    server.join(timeout=10)
    delivered = sum(1 for c in counts if c >= 1)
    rate = delivered / result["seconds"]
    report = {
        "recipients": args.recipients,
        "delivered": delivered,
        "duplicates": sum(c - 1 for c in counts if c > 1),
        "lost": sum(1 for c in counts if c == 0),
        "seconds": round(result["seconds"], 2),
        "rate": round(rate, 2),
        "ceiling": args.limit,
        "ratio": round(rate / args.limit, 3),
        "refused_429": refused,
        "rejected": rejected,
    }
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0 if report["lost"] == 0 and report["duplicates"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
