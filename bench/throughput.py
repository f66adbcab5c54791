"""Throughput of the full stack against bare python-telegram-bot, and RSS on a big store.

Usage: python bench/throughput.py [--conversations N] [--cases 1000000] [--floor-turns 2000] [--json]

1. Case-logging conversations through the whole bot in one process: PTB Application with a
   fake request object (no network), our engine, a real SQLite file store.
2. The same number of updates through a bare PTB Application whose handler echoes the text.
3. A separate process running the bot engine on a store holding --cases cases: its peak RSS
   after a few turns (listing cases, logging one).
Prints JSON: updates/s of both (time inside Application.process_update; building the test
updates is not counted for either), their ratio, p95 turn latency, RSS in MB, and
`ratio_without_store`: the same conversations with the engine replaying canned replies, i.e.
what PTB and our channel layer alone allow (sendMessage with a keyboard, answerCallbackQuery).
4. `store_floor_ms`: the least any turn must ask of the store (record the update id, read the
   conversation, write it back, commit) on the same SQLite file through sqlite3 alone,
   SQLAlchemy Core (sync, one connection) and SQLAlchemy Core over aiosqlite (our driver),
   and `ratio_ceiling`: the best ratio a full stack with that store path could reach, i.e.
   bare PTB's turn time over (our channel layer's turn time + that floor).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402

from tests.fakes.fake_request import FakeRequest  # noqa: E402

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
STEPS = [
    ("text", "/vuviec"),
    ("press", "Hôm nay"),
    ("press", "Tranh chấp dân sự"),
    ("press", "Các bên yêu cầu"),
    ("text", "Nguyễn Văn An; Trần Thị Bình"),
    ("press", "Bỏ qua"),
    ("text", "Tranh chấp lối đi chung"),
    ("press", "Xong"),
    ("press", "Xác nhận"),
]


class Driver:
    def __init__(self, app: Application, request: FakeRequest) -> None:
        self.app, self.request = app, request
        self.ids = itertools.count(1)

    def _message(self, uid: int, text: str) -> dict:
        msg = {
            "message_id": next(self.ids),
            "date": 1_790_000_000,
            "text": text,
            "chat": {"id": uid, "type": "private", "first_name": "U"},
            "from": {"id": uid, "is_bot": False, "first_name": "U"},
        }
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return msg

    def update(self, uid: int, kind: str, value: str) -> Update:
        if kind == "text":
            raw = {"update_id": next(self.ids), "message": self._message(uid, value)}
        else:
            data = self._button(uid, value)
            raw = {
                "update_id": next(self.ids),
                "callback_query": {
                    "id": str(next(self.ids)),
                    "chat_instance": "1",
                    "data": data,
                    "from": {"id": uid, "is_bot": False, "first_name": "U"},
                    "message": self._message(uid, "…"),
                },
            }
        return Update.de_json(raw, self.app.bot)

    def _button(self, uid: int, label: str) -> str:
        for params in reversed(self.request.sent()):
            if int(params["chat_id"]) == uid and "reply_markup" in params:
                for row in params["reply_markup"]["inline_keyboard"]:
                    for b in row:
                        if label in b["text"]:
                            return b["callback_data"]
        raise LookupError(label)


async def full_stack(conversations: int, workdir: Path, *, canned: bool = False) -> tuple[float, list[float], int]:
    """Updates/s measured as time spent inside Application.process_update, as for bare PTB.
    `canned`: the engine answers from replies recorded in the first conversation, without the
    store: the cost of PTB and our channel layer alone (the ceiling of the ratio)."""
    from bot.app import build_engine
    from bot.channels.telegram import TelegramChannel
    from storage.db import Database
    from storage.migrate import upgrade_async
    from tests.support import Clock, build_world

    url = f"sqlite+aiosqlite:///{workdir}/throughput.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    world = await build_world(db, NOW)
    users = await _join_users(db, world, conversations)
    engine = build_engine(db, clock=Clock(NOW))
    if canned:
        _can(engine)
    request = FakeRequest(spec_path=Path("/nonexistent"))
    channel = TelegramChannel(engine, engine.deps.catalog, token="1:B", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(spec_path=Path("/nonexistent")), rate_limit=False)
    driver = Driver(app, request)
    latencies: list[float] = []

    async with app:
        for uid in users:
            for kind, value in STEPS:
                update = driver.update(uid, kind, value)
                t0 = time.perf_counter()
                await app.process_update(update)
                latencies.append(time.perf_counter() - t0)
    await db.dispose()
    return sum(latencies), latencies, len(latencies)


def _can(engine) -> None:
    """Record the replies of the first len(STEPS) turns, then replay them in order."""
    real, recorded, turns = engine.handle, [], itertools.count()

    async def handle(turn):
        i = next(turns)
        if i < len(STEPS):
            recorded.append(await real(turn))
        return recorded[i % len(STEPS)]

    engine.handle = handle


async def _join_users(db, world, n: int) -> list[int]:
    from storage.models import Account, Person, Role

    uids = []
    async with db.uow() as uow:
        for i in range(n):
            p = await uow.people.add(
                Person(full_name=f"Hòa giải viên {i}", role=Role.HOA_GIAI_VIEN, unit_id=world.team_a.id, created_at=NOW)
            )
            uid = 800_000 + i
            uow.session.add(Account(channel="telegram", external_id=str(uid), person_id=p.id, last_seen_at=NOW))
            uids.append(uid)
        await uow.commit()
    return uids


async def bare_ptb(updates: int) -> float:
    request = FakeRequest(spec_path=Path("/nonexistent"))
    app = (
        Application.builder()
        .token("1:B")
        .request(request)
        .get_updates_request(FakeRequest(spec_path=Path("/nonexistent")))
        .build()
    )

    async def echo(update, context):
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text)

    app.add_handler(MessageHandler(filters.ALL, echo))
    driver = Driver(app, request)
    batch = [driver.update(900_000 + i % 50, "text", f"tin nhắn {i}") for i in range(updates)]
    total = 0.0
    async with app:
        for update in batch:
            t0 = time.perf_counter()
            await app.process_update(update)
            total += time.perf_counter() - t0
    return total


FLOOR_SQL = (
    "INSERT INTO seen_updates (key, at) VALUES (:k, :at) ON CONFLICT DO NOTHING",
    "SELECT * FROM conversations WHERE account_id = :a",
    "UPDATE conversations SET step = :s, data = :d, updated_at = :at WHERE account_id = :a",
)


def store_floor(path: Path, turns: int = 2000) -> dict[str, float]:
    """ms per minimal turn (see the module's docstring) on a migrated SQLite file."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.db import _sqlite_pragmas
    from storage.migrate import upgrade

    upgrade(f"sqlite+aiosqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO accounts (id, channel, external_id, display_name, unreachable, last_seen_at) "
        "VALUES (1, 'bench', '1', 'B', 0, ?)",
        (NOW.isoformat(),),
    )
    con.execute(
        "INSERT INTO conversations (account_id, data, choices, updated_at) VALUES (1, '{}', '{}', ?)",
        (NOW.isoformat(),),
    )
    con.commit()
    con.close()
    data = json.dumps({"tok": "ab12", "date": "2026-11-22", "category": "dan_su", "names": ["A", "B"]})
    keys = itertools.count()

    def params(i: int) -> tuple[dict, ...]:
        return (
            {"k": f"bench:{next(keys)}", "at": NOW.isoformat()},
            {"a": 1},
            {"s": f"s{i % 9}", "d": data, "at": NOW.isoformat(), "a": 1},
        )

    result = {}
    con = sqlite3.connect(path, isolation_level=None)
    _sqlite_pragmas(con, None)
    t0 = time.perf_counter()
    for i in range(turns):
        ins, sel, upd = params(i)
        con.execute("BEGIN")
        con.execute(FLOOR_SQL[0], ins)
        con.execute(FLOOR_SQL[1], sel).fetchall()
        con.execute(FLOOR_SQL[2], upd)
        con.execute("COMMIT")
    result["sqlite3"] = (time.perf_counter() - t0) / turns * 1000
    con.close()

    ins_q, sel_q, upd_q = (text(q) for q in FLOOR_SQL)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        _sqlite_pragmas(conn.connection.dbapi_connection, None)
        t0 = time.perf_counter()
        for i in range(turns):
            ins, sel, upd = params(i)
            conn.execute(ins_q, ins)
            conn.execute(sel_q, sel).all()
            conn.execute(upd_q, upd)
            conn.commit()
        result["sqlalchemy_sync"] = (time.perf_counter() - t0) / turns * 1000
    engine.dispose()

    async def over_aiosqlite() -> float:
        aengine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        async with aengine.connect() as conn:
            t0 = time.perf_counter()
            for i in range(turns):
                ins, sel, upd = params(i)
                await conn.execute(ins_q, ins)
                (await conn.execute(sel_q, sel)).all()
                await conn.execute(upd_q, upd)
                await conn.commit()
            took = time.perf_counter() - t0
        await aengine.dispose()
        return took / turns * 1000

    result["sqlalchemy_aiosqlite"] = asyncio.run(over_aiosqlite())
    return {k: round(v, 3) for k, v in result.items()}


def build_big_store(path: Path, cases: int) -> None:
    """A store with `cases` cases spread over 2,000 teams, written with plain sqlite3 for speed."""
    from storage.migrate import upgrade

    upgrade(f"sqlite+aiosqlite:///{path}")
    con = sqlite3.connect(path)
    now = NOW.isoformat()
    con.execute(
        "INSERT INTO units (id, parent_id, kind, name, path, ethnic_area, created_at) "
        "VALUES (1, NULL, 'tinh', 'Tỉnh lớn', '/1/', 0, ?)",
        (now,),
    )
    teams = list(range(2, 2002))
    con.executemany(
        "INSERT INTO units (id, parent_id, kind, name, path, ethnic_area, created_at) "
        "VALUES (?, 1, 'to_hoa_giai', ?, ?, 0, ?)",
        [(t, f"Tổ {t}", f"/1/{t}/", now) for t in teams],
    )
    con.executemany(
        "INSERT INTO people (id, full_name, role, unit_id, active, ethnic_minority, created_at) "
        "VALUES (?, ?, 'hoa_giai_vien', ?, 1, 0, ?)",
        [(t, f"HGV {t}", t, now) for t in teams],
    )
    con.execute(
        "INSERT INTO accounts (channel, external_id, person_id, display_name, unreachable, last_seen_at) "
        "VALUES ('console', 'rss', 2, 'HGV', 0, ?)",
        (now,),
    )
    rng = random.Random(7)
    rows = (
        (
            i,
            (t := teams[i % len(teams)]),
            f"/1/{t}/",
            2016 + i % 10,
            i // len(teams) + 1,
            f"{2016 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            rng.choice(["dan_su", "hon_nhan", "mau_thuan"]),
            "yeu_cau",
            '{"names": ["A", "B"], "contact": ""}',
            "Tóm tắt vụ việc",
            "dang_hoa_giai",
            t,
            now,
            now,
        )
        for i in range(1, cases + 1)
    )
    con.executemany(
        "INSERT INTO cases (id, team_id, unit_path, year, seq, received_on, category, source, parties, "
        "summary, status, created_by_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.executemany(
        "INSERT INTO case_mediators (case_id, person_id) VALUES (?, ?)",
        ((i, teams[i % len(teams)]) for i in range(1, cases + 1)),
    )
    con.commit()
    con.close()


async def rss_child(path: Path) -> None:
    """Run inside the child process: a few real turns on the big store, then report peak RSS."""
    from bot.app import build_engine
    from handlers.kit.core import Turn
    from storage.db import Database
    from tests.support import Clock

    db = Database(f"sqlite+aiosqlite:///{path}")
    engine = build_engine(db, clock=Clock(NOW))
    for text in [
        "/cuatoi",
        "menu",
        "/vuviec",
        "1",
        "2",
        "1",
        "A Văn; B Thị",
        "1",
        "Tranh chấp nhỏ",
        "/huy",
        "/hoidap thù lao hòa giải viên",
    ]:
        await engine.handle(Turn("console", "rss", "HGV", text=text))
    await db.dispose()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--floor-turns", type=int, default=2000, help="minimal turns per store path (item 4)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        asyncio.run(rss_child(args.rss_child))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        total, latencies, updates = asyncio.run(full_stack(args.conversations, work))
        bare = asyncio.run(bare_ptb(updates))
        canned, _, _ = asyncio.run(full_stack(args.conversations, work / "canned", canned=True))
        floor = store_floor(work / "floor.sqlite3", args.floor_turns)
        store = work / "big.sqlite3"
        t0 = time.perf_counter()
        build_big_store(store, args.cases)
        built = time.perf_counter() - t0
        child = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(store)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        rss = int(child.stdout.strip().splitlines()[-1])
    ours, theirs = updates / total, updates / bare
    result = {
        "updates": updates,
        "full_stack_updates_per_s": round(ours, 1),
        "bare_ptb_updates_per_s": round(theirs, 1),
        "ratio": round(ours / theirs, 3),
        "ratio_without_store": round(updates / canned / theirs, 3),
        "store_floor_ms": floor,
        "ratio_ceiling": {
            path: round((bare / updates) / (canned / updates + ms / 1000), 3) for path, ms in floor.items()
        },
        "turn_latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 2),
            "p95": round(statistics.quantiles(latencies, n=20)[18] * 1000, 2),
        },
        "store_cases": args.cases,
        "store_build_s": round(built, 1),
        "rss_mb_with_store": rss,
        "targets": {"ratio": ">= 0.3", "rss_mb": "<= 200"},
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
