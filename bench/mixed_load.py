"""Mixed load on one process and a SQLite store: people chatting while an announcement goes out.

Usage: python bench/mixed_load.py [--people 300] [--recipients 10000] [--scale 6] [--cases 100000]
                            [--communes 100] [--json]

One province as bench/stats.py builds it (100 communes, 2,000 teams, --cases cases over
2022-2026), plus --people mediators in the first commune's teams who chat with the engine at
once, each with human pauses: logging a case (/vuviec → «Hôm nay» → «Tranh chấp dân sự» →
«Các bên yêu cầu» → parties → «Bỏ qua» → summary → «Xong» → «Xác nhận»), asking a legal
question (/hoidap …) or looking at their figures (/thongke). Meanwhile an announcement to
--recipients people of another ward goes out through the outbox and the real dispatcher,
python-telegram-bot and the Telegram push sender, against the fake Bot API server (its own
process, as in bench/broadcast.py) refusing with 429 beyond its rate; and the province's
official exports the first commune's yearly XLSX and asks for the province-wide /thongke.

Time runs --scale times faster than life: every pause is divided by it and the Bot API's rate
(30 messages a second) multiplied by it, so the default run takes about a minute; but the
server's work is not scaled, so the process carries people × scale people chatting at a human
pace and an announcement at 30 × scale a second (JSON: people_at_human_pace, announcement.limit).
--scale 1 is the load as it would be. The chatting lasts --duration seconds or until the
announcement has gone out, whichever is later; then each person leaves at their next pause.
The people's turns go straight to Engine.handle (no python-telegram-bot in front of them).

Prints JSON: server-side turn latency (time inside Engine.handle) p50/p95/p99 per kind
(log_case, qa, stats, export, province_stats), the announcement's rate and its ratio to the
rate limit, duplicates and losses, and the goals with met/missed (the turn goals on the
people's turns; the official's are reported apart). To tell what saturates first: writer_wait
(each wait for SQLite's one writer, storage.db.OneWriter) and loop_lag (how late a 10 ms sleep
wakes, i.e. the CPU's backlog); writer_hold: how long each unit of work kept that writer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select  # noqa: E402

from bench.broadcast import FIRST_CHAT, TOKEN, dispatch, serve  # noqa: E402
from bench.stats import COMMUNES, Province, add_cases, build_units  # noqa: E402
from bot.app import build_engine  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram_push import TelegramPushSender  # noqa: E402
from bot.dispatcher import Dispatcher  # noqa: E402
from bot.ratelimit import PtbLimiter, SendLimiter  # noqa: E402
from handlers.broadcasts.views import create_broadcast  # noqa: E402
from handlers.common.outbox import PushEnv, PushPolicy, QuietHours  # noqa: E402
from storage.crypto import PartyCipher  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Account, Case, Person, Role, Unit, UnitKind  # noqa: E402  # noqa: E402
from storage.schema import Base  # noqa: E402
from tests.support import Chat  # noqa: E402

TELEGRAM_RATE = 30.0  # messages a second per bot
PEOPLE_KINDS = ("log_case", "qa", "stats")  # the turn goals hold for these: the official's are reported apart
KINDS = (*PEOPLE_KINDS, "export", "province_stats")
GOALS = {"turn_p95_ms": 50, "turn_p99_ms": 200, "ratio": 0.95}
CASE_STEPS = [
    ("send", "/vuviec"),
    ("press", "Hôm nay"),
    ("press", "Tranh chấp dân sự"),
    ("press", "Các bên yêu cầu"),
    ("send", "Nguyễn Văn An; Trần Thị Bình"),
    ("press", "Bỏ qua"),
    ("send", "Tranh chấp lối đi chung giữa hai hộ liền kề"),
    ("press", "Xong"),
    ("press", "Xác nhận"),
]
QUESTIONS = (
    "/hoidap thù lao hòa giải viên",
    "/hoidap hòa giải thành có hiệu lực không",
    "/hoidap ai được làm hòa giải viên",
    "/hoidap tranh chấp đất đai có phải hòa giải ở cơ sở không",
    "/hoidap hỗ trợ khi hòa giải viên bị tai nạn",
)
# Human pauses in seconds of real life: before each turn (reading, tapping, typing on a phone),
# between one thing and the next, and the province official's between their requests.
TURN_PAUSE, REST_PAUSE, OFFICIAL_PAUSE = (4.0, 20.0), (20.0, 90.0), (20.0, 60.0)


class Leave(Exception):
    """The load is over: the person stops chatting."""


class Load:
    """What every chatter shares: latencies per kind, failures, the stop signal, the time scale."""

    def __init__(self, scale: float, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.latency: dict[str, list[float]] = {k: [] for k in KINDS}
        self.failed: dict[str, int] = {k: 0 for k in KINDS}
        self.stop = asyncio.Event()
        self.cases_confirmed = 0
        self.writer_waits: list[float] = []
        self.writer_holds: list[float] = []
        self.loop_lags: list[float] = []

    async def pause(self, span: tuple[float, float]) -> None:
        """A human pause; when the load is over, the person leaves (mid-conversation too)."""
        try:
            await asyncio.wait_for(self.stop.wait(), self.rng.uniform(*span) / self.scale)
        except TimeoutError:
            return
        raise Leave

    async def turn(self, chat: Chat, kind: str, how: str, value: str) -> str:
        started = time.perf_counter()
        replies = await (
            chat.send(value)
            if how == "send"
            else chat.payload(value)
            if how == "payload"
            else chat.payload(chat.button(value).payload)
        )
        self.latency[kind].append(time.perf_counter() - started)
        text = "\n".join(r.text for r in replies)
        if not replies or "trục trặc" in text:
            self.failed[kind] += 1
        return text


async def log_case(load: Load, chat: Chat) -> None:
    for how, value in CASE_STEPS:
        await load.pause(TURN_PAUSE)
        try:
            await load.turn(chat, "log_case", how, value)
        except AssertionError:  # the button is not there: the flow went elsewhere
            load.failed["log_case"] += 1
            await chat.send("/huy")
            return
    load.cases_confirmed += 1


async def chatter(load: Load, chat: Chat) -> None:
    try:
        await load.pause((0, REST_PAUSE[1]))
        await chat_on(load, chat)
    except Leave:
        pass


async def chat_on(load: Load, chat: Chat) -> None:
    while True:
        pick = load.rng.random()
        if pick < 0.5:
            await log_case(load, chat)
        elif pick < 0.8:
            await load.pause(TURN_PAUSE)
            await load.turn(chat, "qa", "send", load.rng.choice(QUESTIONS))
        else:
            await load.pause(TURN_PAUSE)
            await load.turn(chat, "stats", "send", "/thongke")
        await load.pause(REST_PAUSE)


async def official(load: Load, chat: Chat, ward_id: int) -> None:
    """The province's official: a ward's yearly XLSX, then the province's figures, and again."""
    first = True
    while True:
        try:
            await load.pause((OFFICIAL_PAUSE[0] / 4, OFFICIAL_PAUSE[0] / 2) if first else OFFICIAL_PAUSE)
        except Leave:
            if not first:
                return
        await load.turn(chat, "export", "payload", f"rp:x:{ward_id}:2025:0")
        try:
            await load.pause(OFFICIAL_PAUSE)
        except Leave:
            if not first:
                return
        await load.turn(chat, "province_stats", "send", "/thongke 2025")
        first = False


def seed(
    path: Path, cipher: PartyCipher, people: int, recipients: int, cases: int, communes: int = COMMUNES
) -> tuple[int, list[str]]:
    """The province (bench/stats.py), the chatters in its first commune, the announcement's ward."""
    sync = create_engine(f"sqlite:///{path}")
    sync.dialect.pii_cipher = cipher
    Base.metadata.create_all(sync)
    prov = Province()
    build_units(sync, prov, communes)
    add_cases(sync, prov, cases, random.Random(5))
    now = dt.datetime.now(dt.UTC)
    teams = [t for t in prov.teams if t[0] in prov.ward_teams]
    with sync.begin() as conn:
        province_id = conn.scalar(select(Unit.id).where(Unit.kind == UnitKind.TINH))
        ward = conn.execute(
            insert(Unit).values(
                parent_id=province_id,
                kind=UnitKind.XA,
                name="Phường Thông Báo",
                path="",
                ethnic_area=False,
                created_at=now,
            )
        ).inserted_primary_key[0]
        path_of = f"/{province_id}/{ward}/"
        conn.execute(Unit.__table__.update().where(Unit.id == ward).values(path=path_of))
        first_person = (conn.scalar(select(func.max(Person.id))) or 0) + 1
        rows = [
            dict(
                id=first_person + i,
                full_name=f"Hòa giải viên {i}",
                role=Role.HOA_GIAI_VIEN,
                unit_id=teams[i % len(teams)][0],
                sex="nam",
                active=True,
                ethnic_minority=False,
                created_at=now,
            )
            for i in range(people)
        ]
        rows += [
            dict(
                id=first_person + people + i,
                full_name=f"Người nhận {i}",
                role=Role.HOA_GIAI_VIEN,
                unit_id=ward,
                sex="nu",
                active=True,
                ethnic_minority=False,
                created_at=now,
            )
            for i in range(recipients)
        ]
        conn.execute(insert(Person), rows)
        accounts = [
            dict(
                channel="bench",
                external_id=f"p{i}",
                person_id=first_person + i,
                display_name="",
                unreachable=False,
                last_seen_at=now,
            )
            for i in range(people)
        ]
        accounts += [
            dict(
                channel="telegram",
                external_id=str(FIRST_CHAT + i),
                person_id=first_person + people + i,
                display_name="",
                unreachable=False,
                last_seen_at=now,
            )
            for i in range(recipients)
        ]
        conn.execute(insert(Account), accounts)
    sync.dispose()
    return ward, [f"p{i}" for i in range(people)]


async def announce(db: Database, env: PushEnv, ward_id: int) -> int:
    async with db.uow() as uow:
        ward = await uow.units.get(ward_id)
        _, count = await create_broadcast(
            uow, env, sender=None, unit=ward, text="Thông báo thử tải.", now=dt.datetime.now(dt.UTC)
        )
        await uow.commit()
    return count


async def run(
    path: Path, cipher: PartyCipher, args, base_url: str, limit: float, ward_id: int, accounts: list[str]
) -> dict:
    db = Database(f"sqlite+aiosqlite:///{path}", cipher)
    engine = build_engine(db)
    env = PushEnv(engine.deps.catalog, ZoneInfo("Asia/Ho_Chi_Minh"), PushPolicy(quiet=QuietHours.parse("off")))
    limiter = SendLimiter(limit, chat_interval=1.0)
    app = TelegramChannel(engine, engine.deps.catalog, token=TOKEN, base_url=base_url).build(
        rate_limiter=PtbLimiter(limiter)
    )
    load = Load(args.scale, seed=11)
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
        warm = Chat(engine, "province", channel="bench")  # imports and caches warm before measuring
        await warm.payload(f"rp:x:{ward_id}:2025:0")
        for text in ("/thongke 2025", QUESTIONS[0], "/thongke"):
            await Chat(engine, accounts[0], channel="bench").send(text)
        watch(db, load)
        chatters = [asyncio.create_task(chatter(load, Chat(engine, a, channel="bench"))) for a in accounts]
        chatters.append(asyncio.create_task(loop_lag(load)))
        chatters.append(asyncio.create_task(official(load, Chat(engine, "province", channel="bench"), ward_id)))
        queued = await announce(db, env, ward_id)
        started = time.monotonic()
        seconds = await dispatch(db, dispatcher)
        await asyncio.sleep(max(0.0, args.duration - (time.monotonic() - started)))
        load.stop.set()
        await asyncio.gather(*chatters)
    async with db.uow() as uow:
        cases = await uow.session.scalar(select(func.count(Case.id)))
    await db.dispose()
    return {"load": load, "queued": queued, "seconds": seconds, "cases_in_store": cases}


def watch(db: Database, load: Load) -> None:
    """Time every wait for SQLite's one writer (storage.db.OneWriter): turns and the dispatcher queue there."""
    enter, leave, held = db.writer.enter, db.writer.leave, [0.0]

    async def timed_enter() -> bool:
        started = time.perf_counter()
        entered = await enter()
        if entered:  # not a unit of work inside another of the same task, which goes on without waiting
            held[0] = time.perf_counter()
            load.writer_waits.append(held[0] - started)
        return entered

    def timed_leave() -> None:
        load.writer_holds.append(time.perf_counter() - held[0])
        leave()

    db.writer.enter, db.writer.leave = timed_enter, timed_leave


async def loop_lag(load: Load) -> None:
    """How late a 10 ms sleep wakes: the event loop's (the CPU's) backlog."""
    while not load.stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        load.loop_lags.append(max(0.0, time.perf_counter() - started - 0.01))


def percentiles(values: list[float], count: str = "turns") -> dict[str, float | int]:
    if not values:
        return {count: 0}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {
        count: len(values),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300, help="people chatting at once")
    parser.add_argument("--recipients", type=int, default=10_000, help="people the announcement goes to")
    parser.add_argument("--scale", type=float, default=6.0, help="time runs this many times faster than life")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the province before the run")
    parser.add_argument(
        "--duration",
        type=float,
        default=60.0,
        help="seconds the people chat at least (longer if the announcement takes longer)",
    )
    parser.add_argument("--communes", type=int, default=COMMUNES, help="communes in the province (20 teams each)")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    limit = TELEGRAM_RATE * args.scale
    here, there = mp.Pipe()
    server = mp.Process(target=serve, args=(there, limit), daemon=True)
    server.start()
    base_url = here.recv()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mixed.sqlite3"
        t0 = time.perf_counter()
        cipher = PartyCipher.ephemeral()
        ward_id, accounts = seed(path, cipher, args.people, args.recipients, args.cases, args.communes)
        if not args.json:
            print(f"store seeded in {time.perf_counter() - t0:.1f} s; running…", file=sys.stderr)
        result = asyncio.run(run(path, cipher, args, base_url, limit, ward_id, accounts))
    here.send(args.recipients)
    counts, refused, rejected = here.recv()
    here.send("stop")
    server.join(timeout=10)
    load: Load = result["load"]
    delivered = sum(1 for c in counts if c >= 1)
    rate = delivered / result["seconds"]
    turns = {k: percentiles(v) for k, v in load.latency.items()}
    overall = percentiles([x for k in PEOPLE_KINDS for x in load.latency[k]])
    announcement = {
        "recipients": args.recipients,
        "queued": result["queued"],
        "delivered": delivered,
        "duplicates": sum(c - 1 for c in counts if c > 1),
        "lost": sum(1 for c in counts if c == 0),
        "seconds": round(result["seconds"], 2),
        "rate": round(rate, 2),
        "limit": limit,
        "ratio": round(rate / limit, 3),
        "refused_429": refused,
        "rejected": rejected,
    }
    goals = {
        "turn_p95_le_50ms": overall.get("p95_ms", 0) <= GOALS["turn_p95_ms"],
        "turn_p99_le_200ms": overall.get("p99_ms", 0) <= GOALS["turn_p99_ms"],
        "ratio_ge_0_95": announcement["ratio"] >= GOALS["ratio"],
        "no_duplicates": announcement["duplicates"] == 0,
        "none_lost": announcement["lost"] == 0,
    }
    report = {
        "store": "sqlite",
        "people": args.people,
        "scale": args.scale,
        "people_at_human_pace": round(args.people * args.scale),
        "province_cases": args.cases,
        "cases_in_store": result["cases_in_store"],
        "cases_confirmed": load.cases_confirmed,
        "failed_turns": load.failed,
        "turns": turns,
        "people_turns": overall,
        "announcement": announcement,
        "writer_wait": percentiles(load.writer_waits, "waits"),
        "writer_hold": percentiles(load.writer_holds, "holds"),
        "loop_lag": percentiles(load.loop_lags, "samples"),
        "goals": {k: "met" if v else "missed" for k, v in goals.items()},
    }
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0 if announcement["lost"] == 0 and announcement["duplicates"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
