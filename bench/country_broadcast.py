"""An announcement to the whole country through the outbox, free and as a paid broadcast.

Usage: python bench/country_broadcast.py [--recipients 550000] [--paid] [--time-scale 1] [--json]
                                         [--store postgresql|sqlite] [--url postgresql+asyncpg://…]

Seeds --recipients people with a Telegram account each under one national unit (PostgreSQL:
a throwaway server from tests/pg.py, or --url; or a SQLite file), makes one announcement to
all of them (handlers.broadcasts.create_broadcast: one delivery row each), then lets the real
dispatcher send it through python-telegram-bot and the Telegram push sender, against a fake
Bot API in this process (every call checked against the Bot API's spec, as in the tests) that
answers after --latency-ms and refuses with 429 (retry_after 1) beyond its limits: 30
messages a second, or 1,000 a second for calls that carry allow_paid_broadcast=True, and one
a second per chat. With --paid the dispatcher runs as with PAID_BROADCAST=1 (announcements on
their own 1,000/s budget, allow_paid_broadcast on each call).

--time-scale k < 1 runs time k times slower where this machine cannot keep up with the real
rate: both limits (the fake's and the dispatcher's) are multiplied by k, so the ratio to the
limit is measured as it would be and the run lasts 1/k times longer. The seconds it would take
at 30/s and at 1,000/s are given from the measured ratio.

Prints JSON: recipients, delivered, duplicates, lost, paid calls, the rate, the limit in force,
their ratio, 429s, and the time the whole announcement takes (measured, and at full rate).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import json
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.broadcast import dispatch  # noqa: E402
from bot.app import build_engine  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram_push import TelegramPushSender  # noqa: E402
from bot.dispatcher import Dispatcher  # noqa: E402
from bot.ratelimit import PAID_SUFFIX, PtbLimiter, SendLimiter  # noqa: E402
from handlers.broadcasts.views import create_broadcast  # noqa: E402
from handlers.common.outbox import Kind, PushEnv, PushPolicy, QuietHours  # noqa: E402
from storage.crypto import PartyCipher  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.outbox import OutboxRepo  # noqa: E402
from tests.fakes.fake_request import FakeRequest  # noqa: E402

FREE, PAID_RATE = 30.0, 1000.0
FIRST_CHAT = 7_000_000
NOW = dt.datetime(2026, 6, 29, 3, 0, tzinfo=dt.UTC)


class LimitedBotApi(FakeRequest):
    """The Bot API's flood limits on a sliding one-second window: paid calls on their own."""

    def __init__(self, free: float, paid: float, latency: float) -> None:
        super().__init__()
        self.limits = {False: free, True: paid}
        self.latency = latency
        self.windows: dict[bool, deque[float]] = {False: deque(), True: deque()}
        self.last_in_chat: dict[int, float] = {}
        self.delivered: Counter[int] = Counter()
        self.paid_calls = self.refused = 0

    async def do_request(
        self,
        url,
        method,
        request_data=None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ):
        if not url.endswith("/sendMessage"):
            return await super().do_request(url, method, request_data)
        params = request_data.parameters if request_data else {}
        paid, chat, now = bool(params.get("allow_paid_broadcast")), int(params["chat_id"]), time.monotonic()
        window = self.windows[paid]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.limits[paid] or now - self.last_in_chat.get(chat, -9.0) < 1.0:
            self.refused += 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            return 429, json.dumps(body).encode()
        window.append(now)
        self.last_in_chat[chat] = now
        error = self._validate("sendMessage", json.loads(json.dumps(params)))
        if error:
            self.rejected.append(("sendMessage", error))
            return 400, json.dumps({"ok": False, "error_code": 400, "description": error}).encode()
        await asyncio.sleep(self.latency)
        self.delivered[chat] += 1
        self.paid_calls += paid
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "text": params["text"],
            "chat": {"id": chat, "type": "private", "first_name": "Người dùng"},
        }
        return 200, json.dumps({"ok": True, "result": message}).encode()


async def seed(db: Database, url: str, n: int) -> None:
    """One national unit, n people with a Telegram account each."""
    rows_units = [(1, None, "tinh", "Toàn quốc", "/1/", False, NOW, None)]
    people = [
        (i + 1, f"Hòa giải viên {i}", "nam", False, "hoa_giai_vien", 1, True, NOW, None, None, None) for i in range(n)
    ]
    accounts = [(i + 1, "telegram", str(FIRST_CHAT + i), i + 1, "", False, NOW) for i in range(n)]
    from bench.country import ACCOUNT_COLUMNS, PERSON_COLUMNS, UNIT_COLUMNS

    if url.startswith("postgresql"):
        import asyncpg

        pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            for table, rows, cols in (
                ("units", rows_units, UNIT_COLUMNS),
                ("people", people, PERSON_COLUMNS),
                ("accounts", accounts, ACCOUNT_COLUMNS),
            ):
                await pg.copy_records_to_table(table, records=rows, columns=cols)
        finally:
            await pg.close()
    else:
        from sqlalchemy import insert

        from storage.models import Account, Person, Unit

        async with db.engine.begin() as conn:
            for model, rows, cols in (
                (Unit, rows_units, UNIT_COLUMNS),
                (Person, people, PERSON_COLUMNS),
                (Account, accounts, ACCOUNT_COLUMNS),
            ):
                for i in range(0, len(rows), 50_000):
                    await conn.execute(insert(model), [dict(zip(cols, r, strict=True)) for r in rows[i : i + 50_000]])
    del people, accounts
    if url.startswith("postgresql"):
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")


def _reset_peak() -> None:
    """The peak resident size (VmHWM) starts again from here (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


async def announce(db: Database) -> tuple[int, float, float]:
    """The announcement, as an official makes it: (rows, seconds, MB the process grew to)."""
    env = PushEnv(
        build_engine(db).deps.catalog,
        __import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"),
        PushPolicy(quiet=QuietHours.parse("off")),
    )
    gc.collect()
    _reset_peak()
    t0 = time.perf_counter()
    async with db.uow() as uow:
        nation = await uow.units.get(1)
        _, count = await create_broadcast(
            uow, env, sender=None, unit=nation, text="Thông báo toàn quốc thử tải.", now=dt.datetime.now(dt.UTC)
        )
        await uow.commit()
    seconds = time.perf_counter() - t0
    return count, seconds, _peak_mb()


async def time_claims(db: Database, batch: int) -> tuple[list[float], str]:
    """The dispatcher's claim of `batch` rows among all pending, seven times (rolled back: the
    driver's prepared statement, planned generic from the sixth), and its plan (PostgreSQL)."""
    times, plan = [], ""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    for _ in range(7):
        async with db.engine.connect() as conn:
            t0 = time.perf_counter()
            await OutboxRepo(conn).claim("bench", now, now + dt.timedelta(minutes=5), batch, urgent_only=False)
            times.append(round((time.perf_counter() - t0) * 1000, 1))
            await conn.rollback()
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:
            stmt = OutboxRepo(conn).claim_statement("bench", now, now, batch, urgent_only=False)
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            rows = await conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
            plan = "\n".join(r[0] for r in rows)
            await conn.rollback()
    return times, plan


async def run(url: str, args) -> dict:
    db = Database(url, PartyCipher.ephemeral())
    await db.create_all()
    t0 = time.perf_counter()
    await seed(db, url, args.recipients)
    seeded = time.perf_counter() - t0
    queued, created_s, created_mb = await announce(db)
    claims_ms, claim_plan = await time_claims(db, max(50, int(PAID_RATE if args.paid else FREE)))
    if args.no_send:
        await db.dispose()
        return {
            "recipients": args.recipients,
            "queued": queued,
            "seed_s": round(seeded, 1),
            "create_s": round(created_s, 1),
            "create_rows_per_s": round(queued / created_s),
            "create_peak_mb": round(created_mb),
            "claim_ms": claims_ms,
            "claim_plan": claim_plan,
        }
    free, paid = FREE * args.time_scale, PAID_RATE * args.time_scale
    limit = paid if args.paid else free
    api = LimitedBotApi(free, paid, args.latency_ms / 1000)
    engine = build_engine(db)
    limiter = SendLimiter(free, chat_interval=1.0)
    limiters = {"telegram": limiter}
    if args.paid:
        limiters["telegram" + PAID_SUFFIX] = SendLimiter(paid, chat_interval=1.0)
    app = TelegramChannel(engine, engine.deps.catalog, token="123:BENCH", base_url="http://fake").build(
        rate_limiter=PtbLimiter(limiter), request=api
    )
    env = PushEnv(engine.deps.catalog, engine.deps.tz, PushPolicy(quiet=QuietHours.parse("off")))
    async with app:
        dispatcher = Dispatcher(
            db,
            {"telegram": TelegramPushSender(app.bot)},
            env=env,
            clock=lambda: dt.datetime.now(dt.UTC),
            limiters=limiters,
            concurrency=max(8, min(256, int(limit))),
            batch=max(50, int(limit)),
            paid_kinds=frozenset({Kind.BROADCAST}) if args.paid else frozenset(),
        )
        seconds = await dispatch(db, dispatcher)
    await db.dispose()
    counts = [api.delivered.get(FIRST_CHAT + i, 0) for i in range(args.recipients)]
    delivered = sum(1 for c in counts if c)
    rate = delivered / seconds
    ratio = rate / limit
    return {
        "store": url.split("+")[0].split(":")[0],
        "recipients": args.recipients,
        "queued": queued,
        "delivered": delivered,
        "duplicates": sum(c - 1 for c in counts if c > 1),
        "lost": sum(1 for c in counts if c == 0),
        "paid": args.paid,
        "paid_calls": api.paid_calls,
        "time_scale": args.time_scale,
        "limit": limit,
        "seconds": round(seconds, 1),
        "rate": round(rate, 1),
        "ratio": round(ratio, 3),
        "refused_429": api.refused,
        "rejected": len(api.rejected),
        "seed_s": round(seeded, 1),
        "create_s": round(created_s, 1),
        "create_rows_per_s": round(queued / created_s),
        "create_peak_mb": round(created_mb),
        "claim_ms": claims_ms,
        "claim_plan": claim_plan,
        "would_take_at_30_per_s_h": round(args.recipients / (FREE * min(1.0, ratio)) / 3600, 2),
        "would_take_at_1000_per_s_min": round(args.recipients / (PAID_RATE * min(1.0, ratio)) / 60, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipients", type=int, default=550_000)
    ap.add_argument("--paid", action="store_true", help="as with PAID_BROADCAST=1")
    ap.add_argument("--time-scale", type=float, default=1.0, help="limits × this (< 1: time runs slower)")
    ap.add_argument("--latency-ms", type=float, default=50.0, help="the fake Bot API's answer time")
    ap.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--url", default="", help="an empty PostgreSQL database (default: a throwaway server)")
    ap.add_argument("--no-send", action="store_true", help="time creating the rows and claiming only")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args(argv)
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.store == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp}/broadcast.sqlite3"
        elif args.url:
            url = args.url
        else:
            from tests.pg import PgServer

            server = PgServer().start()
            url = asyncio.run(server.new_database())
        try:
            report = asyncio.run(run(url, args))
        finally:
            if server is not None:
                server.stop()
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0 if report.get("lost", 0) == 0 and report.get("duplicates", 0) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
