"""Two bot processes on one PostgreSQL behind the webhook: the mixed load, and throughput.

Usage: python bench/two_workers.py [--people 300] [--recipients 10000] [--scale 6] [--cases 20000]
                                   [--duration 60] [--users 150] [--seconds 20] [--json]

Starts a throwaway PostgreSQL (tests/pg.py), the fake Bot API server (tests/fakes/fake_telegram.py,
in this process) answering every send after 100 ms, and two real `python -m bot run` processes in
webhook mode on that store, as in tests/e2e/test_two_workers.py. This process stands for Telegram
and its users: each update a user makes is POSTed to the workers' webhooks in turn (alternating);
only the holder of the clock's advisory lock runs the dispatcher.

1. Mixed load: --people mediators (Telegram accounts seeded in one commune of a province with
   --cases cases) chat at human pace divided by --scale (as in bench/mixed_load.py: logging a case
   through its buttons, asking a legal question, /thongke), the province's official asks for the
   province's /thongke, while an announcement to --recipients people goes out through the
   leader's dispatcher at DISPATCH_RATE = 30 × scale. Turn latency: from the POST of the update to
   the arrival of its first reply at the Bot API (before its 100 ms), i.e. the server's time
   (inbox write, turn, commit); p50/p95/p99 per kind. Announcement: rate, ratio to the limit,
   duplicates and losses (each recipient's deliveries counted at the fake).
2. Throughput: --users users, each sending /thongke again as soon as its reply arrives, for
   --seconds, first to one worker only, then alternating between both; turns a second each
   way and their ratio (goal ≥ 1.6). The workers' DISPATCH_RATE is 1,000 here, so that the
   Bot API's latency, not the flood limit, is what turns wait on.
Prints JSON with the goals met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from bench.mixed_load import CASE_STEPS, QUESTIONS, REST_PAUSE, TURN_PAUSE, percentiles  # noqa: E402
from storage.crypto import PartyCipher  # noqa: E402
from tests.e2e.botprocess import TOKEN, BotProcess  # noqa: E402
from tests.e2e.test_webhook_mode import free_port, wait_healthy  # noqa: E402
from tests.fakes.fake_telegram import FakeTelegramServer  # noqa: E402
from tests.pg import PgServer  # noqa: E402

LATENCY = 0.1  # the Bot API's answer time
SECRET = "bench-two-workers-secret"
PUBLIC = "https://bench.example/telegram"
FIRST_PERSON_CHAT, FIRST_RECIPIENT_CHAT, OFFICIAL_CHAT = 100_000, 2_000_000, 99_999
GOALS = {"turn_p95_ms": 50, "turn_p99_ms": 200, "ratio": 0.95, "throughput_ratio": 1.6}


class Telegram:
    """The fake Bot API with a 100 ms answer, and when each chat's sends arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.server = FakeTelegramServer(token=TOKEN, faults=self._arrived, slow_seconds=LATENCY)
        self.waiters: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future]] = {}

    def _arrived(self, method: str, params: dict) -> str | None:
        if not method.startswith("send"):
            return None
        chat = int(params.get("chat_id", 0))
        with self.lock:
            self.arrivals[chat].append(time.monotonic())
            waiter = self.waiters.pop(chat, None)
        if waiter is not None:
            waiter[0].call_soon_threadsafe(lambda f=waiter[1]: f.done() or f.set_result(None))
        return "timeout"  # answered after slow_seconds, and carried out

    async def first_after(self, chat: int, before: int, within: float) -> float | None:
        """When the chat's send number `before` arrived (waiting for it), or None."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + within
        while True:
            with self.lock:
                if len(self.arrivals[chat]) > before:
                    return self.arrivals[chat][before]
                future = loop.create_future()
                self.waiters[chat] = (loop, future)
            try:
                await asyncio.wait_for(future, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return None

    def count(self, chat: int) -> int:
        with self.lock:
            return len(self.arrivals[chat])


class Balancer:
    """Telegram's side of the webhook: each update to the next worker in turn."""

    def __init__(self, tg: Telegram, urls: list[str]) -> None:
        self.tg, self.urls, self.next = tg, urls, 0
        # a connection per update, as Telegram's webhook calls come: a kept-alive one the server
        # closed meanwhile would lose the update
        self.client = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=400, max_keepalive_connections=0)
        )
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.failed = 0
        self.why: dict[str, int] = defaultdict(int)  # failures by cause: what to fix differs

    def fail(self, why: str) -> None:
        self.failed += 1
        self.why[why] += 1

    async def turn(
        self, kind: str, chat: int, *, text: str | None = None, data: str | None = None, message_id: int | None = None
    ) -> int | None:
        """Post one update and wait for its first reply; the index of the turn's first message."""
        server = self.tg.server
        before = self.tg.count(chat)
        seen = len(server.sent(chat))
        update_id = server.push_text(chat, text) if text is not None else server.push_callback(chat, data, message_id)
        update = server.take_update(update_id)
        url = self.urls[self.next % len(self.urls)]
        self.next += 1
        started = time.monotonic()
        try:
            answer = await self.client.post(
                url + "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
        except httpx.HTTPError as err:
            self.fail(type(err).__name__)
            return None
        if answer.status_code != 200:
            self.fail(f"http_{answer.status_code}")
            return None
        first = await self.tg.first_after(chat, before, 30)
        if first is None:
            self.fail("no_reply_in_30s")
            return None
        self.latency[kind].append(first - started)
        return seen


async def button(server: FakeTelegramServer, chat: int, seen: int | None, label: str) -> tuple[str, int] | None:
    """The button under the turn's messages (which land 100 ms after they were sent)."""
    deadline = time.monotonic() + 3
    while seen is not None and time.monotonic() < deadline:
        for message in reversed(server.sent(chat)[seen:]):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for b in row:
                    if label in b["text"]:
                        return b["callback_data"], message["message_id"]
        await asyncio.sleep(0.05)
    return None


class People:
    def __init__(self, lb: Balancer, scale: float) -> None:
        self.lb, self.scale, self.rng = lb, scale, random.Random(11)
        self.stop = asyncio.Event()
        self.cases_confirmed = 0

    async def pause(self, span: tuple[float, float]) -> bool:
        try:
            await asyncio.wait_for(self.stop.wait(), self.rng.uniform(*span) / self.scale)
        except TimeoutError:
            return True
        return False

    async def log_case(self, chat: int) -> None:
        shown: int | None = None
        for how, value in CASE_STEPS:
            if not await self.pause(TURN_PAUSE):
                return
            if how == "send":
                shown = await self.lb.turn("log_case", chat, text=value)
                continue
            found = await button(self.lb.tg.server, chat, shown, value)
            if found is None:
                self.lb.fail("no_button")
                await self.lb.turn("log_case", chat, text="/huy")
                return
            shown = await self.lb.turn("log_case", chat, data=found[0], message_id=found[1])
        self.cases_confirmed += 1

    async def chatter(self, chat: int) -> None:
        if not await self.pause((0, REST_PAUSE[1])):
            return
        while True:
            pick = self.rng.random()
            if pick < 0.5:
                await self.log_case(chat)
            elif await self.pause(TURN_PAUSE):
                if pick < 0.8:
                    await self.lb.turn("qa", chat, text=self.rng.choice(QUESTIONS))
                else:
                    await self.lb.turn("stats", chat, text="/thongke")
            if not await self.pause(REST_PAUSE):
                return

    async def official(self) -> None:
        while await self.pause((20.0, 60.0)):
            await self.lb.turn("province_stats", OFFICIAL_CHAT, text="/thongke 2025")


async def seed(url: str, key: str, people: int, recipients: int, cases: int) -> int:
    """A province (bench/country.py's generator at its size), the chatters, the announcement's ward."""
    import asyncpg

    from bench.country import (
        ACCOUNT_COLUMNS,
        CASE_COLUMNS,
        NOW,
        PERSON_COLUMNS,
        UNIT_COLUMNS,
        Country,
        case_rows,
        units_and_people,
    )

    c = Country(0.0)
    c.communes, c.teams, c.people, c.cases = 34, 680, 4000, cases
    units, persons, _ = units_and_people(c)
    team = c.team_rows[0]
    ward = len(units) + 1
    units.append((ward, c.provinces[0], "xa", "Phường Thông Báo", f"/1/{c.provinces[0]}/{ward}/", False, NOW, None))
    accounts = []
    for i in range(people + recipients):
        pid = len(persons) + 1
        unit, role = (team[0], "hoa_giai_vien") if i < people else (ward, "hoa_giai_vien")
        persons.append((pid, f"Hòa giải viên {i}", "nam", False, role, unit, True, NOW, None, None, None))
        chat = FIRST_PERSON_CHAT + i if i < people else FIRST_RECIPIENT_CHAT + i - people
        accounts.append((len(accounts) + 1, "telegram", str(chat), pid, "", False, NOW))
    province_official = next(p[0] for p in persons if p[5] == c.provinces[0])
    accounts.append((len(accounts) + 1, "telegram", str(OFFICIAL_CHAT), province_official, "", False, NOW))
    pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await pg.execute("TRUNCATE units, people, accounts CASCADE")
        await pg.copy_records_to_table("units", records=units, columns=UNIT_COLUMNS)
        await pg.copy_records_to_table("people", records=persons, columns=PERSON_COLUMNS)
        await pg.copy_records_to_table("accounts", records=accounts, columns=ACCOUNT_COLUMNS)
        for rows, mediators in case_rows(c, PartyCipher(key), random.Random(5)):
            await pg.copy_records_to_table("cases", records=rows, columns=CASE_COLUMNS)
            await pg.copy_records_to_table("case_mediators", records=mediators, columns=("case_id", "person_id"))
        for table in ("units", "people", "accounts", "cases"):
            await pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    finally:
        await pg.close()
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage import rollups

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(rollups.rebuild)
    await engine.dispose()
    return ward


async def announce(url: str, key: str, ward: int) -> int:
    from zoneinfo import ZoneInfo

    from content.catalog import load_catalog
    from handlers.broadcasts.views import create_broadcast
    from handlers.common.outbox import PushEnv, PushPolicy, QuietHours
    from storage.db import Database

    db = Database(url, PartyCipher(key))
    env = PushEnv(load_catalog(), ZoneInfo("Asia/Ho_Chi_Minh"), PushPolicy(quiet=QuietHours.parse("off")))
    try:
        async with db.uow() as uow:
            unit = await uow.units.get(ward)
            _, count = await create_broadcast(
                uow, env, sender=None, unit=unit, text="Thông báo thử tải.", now=dt.datetime.now(dt.UTC)
            )
            await uow.commit()
    finally:
        await db.dispose()
    return count


def start_workers(
    tmp: Path, tg: Telegram, url: str, key: str, rate: float, *, migrated: bool = False
) -> list[BotProcess]:
    """Two workers; one after the other on a new store (the first migrates it), else both at once."""
    workers = []
    for name in ("a", "b"):
        port = free_port()
        (tmp / name).mkdir(exist_ok=True)
        proc = BotProcess(
            tmp / name,
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": tg.server.base_url,
                "ZALO_BOT_TOKEN": "",
                "WEBHOOK_URL": PUBLIC,
                "WEBHOOK_SECRET": SECRET,
                "WEB_HOST": "127.0.0.1",
                "WEB_PORT": str(port),
                "DATABASE_URL": url,
                "DATA_KEY": key,
                "QUIET_HOURS": "off",
                "DISPATCH_RATE": str(rate),
                "LOG_LEVEL": "WARNING",
            },
        )
        proc.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
        workers.append(proc)
        proc.start()
        if not migrated:
            wait_healthy(proc.url, proc, timeout=180)
    if migrated:
        for proc in workers:
            wait_healthy(proc.url, proc, timeout=180)  # type: ignore[attr-defined]
    return workers


async def mixed(tg: Telegram, urls: list[str], args, url: str, key: str, ward: int, limit: float) -> dict:
    lb = Balancer(tg, urls)
    people = People(lb, args.scale)
    chats = [FIRST_PERSON_CHAT + i for i in range(args.people)]
    for _ in urls:  # each worker once through every kind of turn: imports, the Q&A index, caches
        for text in ("/thongke", QUESTIONS[0], "/vuviec", "/huy"):
            await lb.turn("warm", chats[0], text=text)
        await lb.turn("warm", OFFICIAL_CHAT, text="/thongke 2025")
    tasks = [asyncio.create_task(people.chatter(c)) for c in chats] + [asyncio.create_task(people.official())]
    queued = await announce(url, key, ward)
    started = time.monotonic()
    recipients = [FIRST_RECIPIENT_CHAT + i for i in range(args.recipients)]
    give_up = started + 3 * queued / limit + 60
    while sum(1 for r in recipients if tg.count(r)) < queued and time.monotonic() < give_up:  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # counted at the fake, in its threads
    with tg.lock:
        times = [t for r in recipients for t in tg.arrivals[r]]
    seconds = max(times) - min(times) + 1 / limit if times else 0.0
    await asyncio.sleep(max(0.0, args.duration - (time.monotonic() - started)))
    people.stop.set()
    await asyncio.gather(*tasks)
    await lb.client.aclose()
    counts = [tg.count(r) for r in recipients]
    delivered = sum(1 for n in counts if n)
    rate = delivered / seconds if seconds else 0.0
    lb.latency.pop("warm", None)
    return {
        "turns": {k: percentiles(v) for k, v in lb.latency.items()},
        "people_turns": percentiles([x for k in ("log_case", "qa", "stats") for x in lb.latency[k]]),
        "failed_turns": lb.failed,
        "failed_by": dict(lb.why),
        "cases_confirmed": people.cases_confirmed,
        "announcement": {
            "recipients": args.recipients,
            "queued": queued,
            "delivered": delivered,
            "duplicates": sum(n - 1 for n in counts if n > 1),
            "lost": sum(1 for n in counts if n == 0),
            "seconds": round(seconds, 2),
            "rate": round(rate, 2),
            "limit": limit,
            "ratio": round(rate / limit, 3),
        },
    }


async def throughput(tg: Telegram, urls: list[str], users: int, seconds: float) -> dict:
    lb = Balancer(tg, urls)
    done = [0]
    stop = time.monotonic() + seconds

    async def user(chat: int) -> None:
        while time.monotonic() < stop:
            if await lb.turn("stats", chat, text="/thongke") is not None:
                done[0] += 1

    started = time.monotonic()
    await asyncio.gather(*(user(FIRST_PERSON_CHAT + i) for i in range(users)))
    elapsed = time.monotonic() - started
    await lb.client.aclose()
    return {
        "workers": len(urls),
        "users": users,
        "turns": done[0],
        "failed": lb.failed,
        "failed_by": dict(lb.why),
        "turns_per_s": round(done[0] / elapsed, 1),
        "turn": percentiles(lb.latency["stats"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=300)
    ap.add_argument("--recipients", type=int, default=10_000)
    ap.add_argument("--scale", type=float, default=6.0, help="time runs this many times faster than life")
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--users", type=int, default=150, help="users at once in the throughput run")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each throughput run")
    ap.add_argument("--url", default="", help="an empty PostgreSQL database (default: a throwaway server)")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args(argv)
    limit = 30.0 * args.scale
    key = Fernet.generate_key().decode()
    pg = None if args.url else PgServer().start()
    tg = Telegram()
    tg.server.start()
    workers: list[BotProcess] = []
    try:
        url = args.url or asyncio.run(pg.new_database())
        with tempfile.TemporaryDirectory() as tmp:
            workers = start_workers(Path(tmp), tg, url, key, limit)
            ward = asyncio.run(seed(url, key, max(args.people, args.users), args.recipients, args.cases))
            urls = [w.url for w in workers]  # type: ignore[attr-defined]
            load = asyncio.run(mixed(tg, urls, args, url, key, ward, limit))
            print(json.dumps(load, ensure_ascii=False), file=sys.stderr, flush=True)  # kept if what follows fails
            for w in workers:
                w.stop()
            workers = start_workers(Path(tmp), tg, url, key, 1000.0, migrated=True)
            urls = [w.url for w in workers]  # type: ignore[attr-defined]
            one = asyncio.run(throughput(tg, urls[:1], args.users, args.seconds))
            two = asyncio.run(throughput(tg, urls, args.users, args.seconds))
    finally:
        for w in workers:
            w.stop()
        tg.server.stop()
        if pg is not None:
            pg.stop()
    ratio = two["turns_per_s"] / one["turns_per_s"] if one["turns_per_s"] else 0.0
    people = load["people_turns"]
    a = load["announcement"]
    goals = {
        "turn_p95_le_50ms": people.get("p95_ms", 0) <= GOALS["turn_p95_ms"],
        "turn_p99_le_200ms": people.get("p99_ms", 0) <= GOALS["turn_p99_ms"],
        "ratio_ge_0_95": a["ratio"] >= GOALS["ratio"],
        "no_duplicates": a["duplicates"] == 0,
        "none_lost": a["lost"] == 0,
        "two_workers_ge_1_6x": ratio >= GOALS["throughput_ratio"],
    }
    report = {
        "store": "postgresql",
        "workers": 2,
        "bot_api_latency_ms": LATENCY * 1000,
        "people": args.people,
        "scale": args.scale,
        "people_at_human_pace": round(args.people * args.scale),
        **load,
        "throughput": {"one_worker": one, "two_workers": two, "ratio": round(ratio, 2)},
        "goals": {k: "met" if v else "missed" for k, v in goals.items()},
    }
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0 if a["lost"] == 0 and a["duplicates"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
