"""The webhook server holds (issue 13, finding 7): with the right secret, a body that is not
an update object (a list, a string, null, a wrong shape, deep nesting, bytes that are not
UTF-8) is a 400 with one line in the log and no traceback; a body over 1 MB is refused by
its Content-Length, or as it streams in, without being read whole; the secret is checked
before any of the body is read; an update the store cannot keep is a 503 (the platform
sends it again), never a 200."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3

import httpx
import pytest
from sqlalchemy import text

from bot.heartbeat import Heartbeat, store_health
from bot.inbox import Inbox
from bot.web import WebLimits, build_web_app
from storage.db import Database, make_engine
from tests.security.webhooks import (
    TG_HEADERS,
    ZALO_HEADERS,
    asgi_post,
    bots,
    inbox_rows,
    running,
    tg_update,
    zalo_update,
)
from tests.support import START

MB = 1024 * 1024
DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000  # 200 KB: json.loads raised RecursionError
PATHS = {"telegram": ("/telegram", TG_HEADERS), "zalo": ("/zalo", ZALO_HEADERS)}
SQLITE = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # refused before the store


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def deep_update(channel: str) -> bytes:
    """A real update carrying an object 500 deep (under the recursion limit of json)."""
    update = tg_update(9, "hi") if channel == "telegram" else zalo_update("hi", "deep")
    (update["message"] if channel == "telegram" else update["message"])["x"] = nested(500)
    return json.dumps(update).encode()


HOSTILE = {
    "a JSON list": b"[1, 2, 3]",
    "a JSON string": b'"update"',
    "null": b"null",
    "a number": b"42",
    "an empty object": b"{}",
    "nesting 100,000 deep": DEEP_ARRAY,
    "not UTF-8": b'{"update_id": 1, "x": "\xff\xfe"}',
    "not JSON": b"{not json",
}
WRONG_SHAPE = {
    "telegram": {
        "message as a string": {"update_id": 5, "message": "hello"},
        "a message without its date": {"update_id": 5, "message": {"chat": 1}},
        "update_id a string": {"update_id": "5"},
        "update_id true": {"update_id": True},
        "callback_query a list": {"update_id": 5, "callback_query": []},
        "from a string": {"update_id": 5, "message": {"message_id": 1, "date": 1, "from": "x", "chat": {"id": 1}}},
    },
    "zalo": {
        "message as a string": {"event_name": "message.text.received", "message": "hello"},
        "no ids": {"event_name": "message.text.received", "message": {"text": "hi"}},
        "event_name a number": {"event_name": 7, "message": {}},
        "result a list": {"ok": True, "result": [1]},
        "no event at all": {"update": {"message": "hi"}},
    },
}


def no_traceback(caplog) -> None:
    assert all(r.exc_info is None for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert "Traceback" not in caplog.text


@pytest.fixture
async def web(db, engine):
    async with bots(engine) as b:
        inbox = b.inbox(db)
        async with running(inbox):
            b.web = b.app(db, inbox)
            b.inbox_ = inbox
            yield b


@SQLITE
@pytest.mark.parametrize("channel", ["telegram", "zalo"])
@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_a_body_that_is_not_an_update_is_a_400_without_a_traceback(web, db, caplog, channel, body):
    caplog.set_level(logging.DEBUG)
    path, headers = PATHS[channel]
    status, _ = await asgi_post(web.web, path, headers, [body])
    assert status == 400
    no_traceback(caplog)
    assert "not an update" in caplog.text
    assert await inbox_rows(db) == 0 and web.sent() == 0


@SQLITE
@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_a_wrongly_shaped_update_is_a_400_without_a_traceback(web, db, caplog, channel):
    caplog.set_level(logging.DEBUG)
    path, headers = PATHS[channel]
    for body in [*WRONG_SHAPE[channel].values(), None]:
        raw = deep_update(channel) if body is None else json.dumps(body).encode()
        status, _ = await asgi_post(web.web, path, headers, [raw])
        assert status == 400, body
    no_traceback(caplog)
    assert await inbox_rows(db) == 0 and web.sent() == 0
    assert "hello" not in caplog.text  # what the body said is not logged


@SQLITE
@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_an_8_mb_body_is_refused_by_its_length_before_a_byte_is_read(web, caplog, channel):
    path, headers = PATHS[channel]
    chunks = (b" " * (64 * 1024) for _ in range(128))  # 8 MB, produced only as it is read
    headers = {**headers, "Content-Length": str(8 * MB)}
    status, read = await asgi_post(web.web, path, headers, chunks)
    assert status == 413 and read == 0
    no_traceback(caplog)


@SQLITE
@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_an_8_mb_body_without_a_length_stops_being_read_at_1_mb(web, db, caplog, channel):
    path, headers = PATHS[channel]
    chunks = (b" " * (64 * 1024) for _ in range(128))
    status, read = await asgi_post(web.web, path, headers, chunks)
    assert status == 413 and MB < read <= MB + 64 * 1024
    no_traceback(caplog)
    assert await inbox_rows(db) == 0


async def test_a_body_under_the_cap_is_kept_and_the_cap_can_be_set(web, db, engine):
    update = json.dumps(tg_update(11, "/menu")).encode()
    small = web.app(db, web.inbox_, limits=WebLimits(max_body=len(update) - 1))
    assert (await asgi_post(small, "/telegram", TG_HEADERS, [update]))[0] == 413
    assert (await asgi_post(web.web, "/telegram", TG_HEADERS, [update]))[0] == 200
    await web.inbox_.drained()
    assert len(web.request.sent()) == 1


@SQLITE
@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_without_the_secret_nothing_of_the_body_is_read(web, channel):
    path, _ = PATHS[channel]
    chunks = (b"[" * (64 * 1024) for _ in range(128))
    status, read = await asgi_post(web.web, path, {"Content-Length": str(8 * MB)}, chunks)
    assert status == 403 and read == 0


@SQLITE
async def test_a_content_length_that_is_not_a_number_is_a_400(web, caplog):
    headers = {**ZALO_HEADERS, "Content-Length": "1e9"}
    status, read = await asgi_post(web.web, "/zalo", headers, [b"{}"])
    assert status == 400 and read == 0
    no_traceback(caplog)


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_an_update_the_store_cannot_keep_is_a_503_not_a_200(web, db, caplog, channel):
    """Answered 200, an update the store did not take would be lost: the platform must send
    it again. (The inbox table is gone: every write to it fails.)"""
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE inbox"))
    path, headers = PATHS[channel]
    body = tg_update(21, "/menu") if channel == "telegram" else zalo_update("menu", "lost-1")
    status, _ = await asgi_post(web.web, path, headers, [json.dumps(body).encode()])
    assert status == 503
    no_traceback(caplog)
    assert "not kept" in caplog.text


# --- /healthz ---------------------------------------------------------------------------------
@pytest.fixture
async def any_store(store_url, tmp_path):
    """A SQLite file (another connection can lock it) or a PostgreSQL database."""
    if isinstance(store_url, str):
        url = f"sqlite+aiosqlite:///{tmp_path}/health.sqlite3"
    else:
        url = await store_url.new_database()
    database = Database(url)
    await database.create_all()
    yield database
    await database.dispose()
    if not isinstance(store_url, str):
        await store_url.drop_database(url)


@contextlib.asynccontextmanager
async def store_locked(database: Database):
    """Another process holds the store's write lock (SQLite) or the inbox table (PostgreSQL)."""
    if database.engine.dialect.name == "sqlite":
        other = sqlite3.connect(database.engine.url.database, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    other = make_engine(database.url)
    async with other.connect() as conn:
        await conn.execute(text("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await conn.rollback()
    await other.dispose()


async def get_health(database: Database, heartbeat: Heartbeat, probe_timeout: float = 0.5):
    app = build_web_app(
        inbox=Inbox(database, {}, clock=lambda: START),
        telegram=None,
        telegram_secret="",
        health=store_health(database, heartbeat, probe_timeout=probe_timeout),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        return await c.get("/healthz")


async def test_healthz_fails_while_the_store_takes_no_write(any_store):
    heartbeat = Heartbeat()
    healthy = await get_health(any_store, heartbeat)
    assert healthy.status_code == 200
    assert healthy.json() == {"store": True, "last_tick": None, "leader": False}
    async with store_locked(any_store):
        loop = asyncio.get_running_loop()
        started = loop.time()
        locked = await get_health(any_store, heartbeat)
        assert loop.time() - started < 2  # answered within the probe's time, not the lock's
        assert locked.status_code == 503
        assert locked.json() == {"store": False, "last_tick": None, "leader": False, "problems": ["store_not_writable"]}
    assert (await get_health(any_store, heartbeat, probe_timeout=10)).status_code == 200


async def test_healthz_fails_while_every_turn_fails_and_recovers(db, engine, caplog):
    """A store that answers but where every turn fails (here its conversations table is
    gone): after 5 failed turns in a row /healthz is 503; one turn that works heals it."""
    heartbeat = Heartbeat()
    engine.watchers.append(heartbeat.turn)
    async with bots(engine) as b:
        inbox = b.inbox(db)
        app = b.app(db, inbox, heartbeat)
        async with (
            running(inbox),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client,
        ):
            async with db.engine.begin() as conn:
                await conn.exec_driver_sql("ALTER TABLE conversations RENAME TO conversations_away")
            for i in range(5):
                assert (await client.get("/healthz")).status_code == 200
                body = json.dumps(zalo_update("menu", f"f{i}")).encode()
                assert (await asgi_post(app, "/zalo", ZALO_HEADERS, [body]))[0] == 200
                await inbox.drained()
            failing = await client.get("/healthz")
            assert failing.status_code == 503
            assert failing.json()["problems"] == ["turns_failing"]
            assert len(b.box.sent) == 5  # each user was told something went wrong
            async with db.engine.begin() as conn:
                await conn.exec_driver_sql("ALTER TABLE conversations_away RENAME TO conversations")
            body = json.dumps(zalo_update("menu", "ok")).encode()
            assert (await asgi_post(app, "/zalo", ZALO_HEADERS, [body]))[0] == 200
            await inbox.drained()
            assert (await client.get("/healthz")).status_code == 200


def test_failed_turns_long_ago_do_not_keep_a_worker_out():
    """A load balancer stops sending to a failing worker: its failures must not keep it out
    for ever once its store is back; they count for 5 minutes."""
    now = [1000.0]
    heartbeat = Heartbeat(monotonic=lambda: now[0])
    for _ in range(5):
        heartbeat.turn(False)
    assert heartbeat.turns_failing()
    now[0] += 301
    assert not heartbeat.turns_failing()
    heartbeat.turn(False)
    assert heartbeat.turns_failing()  # still failing: the sixth in a row, just now
    heartbeat.turn(True)
    assert not heartbeat.turns_failing()
