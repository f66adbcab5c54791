"""An update answered 200 is never lost (issue 13, finding 7): the webhook keeps it in the
store's inbox before it answers, and the turn runs from there. A process that dies after
the 200 (before, during or after the turn) leaves the row; the next start handles it, and
the engine's seen_updates answers a redelivered or re-run update once. Telegram and Zalo."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from sqlalchemy import select

from bot.inbox import MAX_ATTEMPTS, Inbox
from storage.inbox import InboxRepo, InboxUpdate
from storage.models import SeenUpdate
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

ZALO_USER = "6ede9afa66b88fe6d6a9"


class LogSeen(logging.Handler):
    """Sets `event` when a log line containing `text` is written."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


def updates() -> list[tuple[str, dict, dict]]:
    return [("/telegram", TG_HEADERS, tg_update(31, "/menu")), ("/zalo", ZALO_HEADERS, zalo_update("menu", "kept-1"))]


async def post_all(app, posts) -> list[int]:
    return [(await asgi_post(app, path, headers, [json.dumps(body).encode()]))[0] for path, headers, body in posts]


def after_the_lease(db, clock, inbox: Inbox) -> None:
    """On PostgreSQL several workers share the store: a dead worker's rows are taken over
    once their lease has run out. A SQLite store has one process: its rows are taken at start."""
    if db.engine.dialect.name == "postgresql":
        clock.advance(seconds=inbox.lease.total_seconds() + 1)


async def test_a_crash_after_the_200_loses_nothing(db, engine, clock):
    async with bots(engine) as b:
        crashed = b.inbox(db)  # its worker never ran: the process died right after answering
        assert await post_all(b.app(db, crashed), updates()) == [200, 200]
        assert await inbox_rows(db) == 2 and b.sent() == 0

        restarted = b.inbox(db)
        after_the_lease(db, clock, restarted)
        async with running(restarted):
            await restarted.drained()
        assert [m["chat_id"] for m in b.request.sent()] == [777001]
        assert [chat for chat, _ in b.box.sent] == [ZALO_USER]
        assert await inbox_rows(db) == 0


async def test_a_crash_between_the_turn_and_forgetting_the_row_answers_once(db, engine, clock):
    """The turn committed and replied, the process died before deleting the row: the row
    is handled again at start, and seen_updates keeps it from being answered twice."""
    async with bots(engine) as b:
        first = b.inbox(db)
        app = b.app(db, first)
        async with running(first):
            assert await post_all(app, updates()) == [200, 200]
            await first.drained()
        assert b.sent() == 2
        async with db.uow() as uow:  # as if the delete had not happened
            for path, _, body in updates():
                channel = path.strip("/")
                key = (
                    str(body["update_id"])
                    if channel == "telegram"
                    else f"{body['event_name']}:{body['message']['message_id']}"
                )
                await InboxRepo(uow.session).put(channel, key, body, first.owner, clock())
            await uow.commit()

        restarted = b.inbox(db)
        after_the_lease(db, clock, restarted)
        async with running(restarted):
            await restarted.drained()
        assert b.sent() == 2 and await inbox_rows(db) == 0


async def test_redeliveries_are_kept_once_and_answered_once(db, engine):
    async with bots(engine) as b:
        inbox = b.inbox(db)
        app = b.app(db, inbox)
        assert await post_all(app, updates() * 3) == [200] * 6  # while the first waits
        assert await inbox_rows(db) == 2
        async with running(inbox):
            await inbox.drained()
            assert await post_all(app, updates()) == [200, 200]  # after it was answered
            await inbox.drained()
        assert b.sent() == 2
        async with db.uow() as uow:
            keys = set((await uow.session.scalars(select(SeenUpdate.key))).all())
        assert keys == {"telegram:31", "zalo:message.text.received:kept-1"}


async def test_what_the_users_typed_is_encrypted_in_the_inbox(db, engine):
    async with bots(engine) as b:
        inbox = b.inbox(db)
        secret = "Nguyễn Văn Bí Mật 0912345678"
        posts = [
            ("/telegram", TG_HEADERS, tg_update(41, secret)),
            ("/zalo", ZALO_HEADERS, zalo_update(secret, "enc-1")),
        ]
        assert await post_all(b.app(db, inbox), posts) == [200, 200]
        async with db.engine.connect() as conn:
            raw = (await conn.exec_driver_sql("SELECT payload FROM inbox")).scalars().all()
        assert len(raw) == 2 and all(p.startswith("v1:") and "Bí Mật" not in p for p in raw)


async def test_an_update_that_keeps_killing_the_process_is_dropped(db, engine, clock, caplog):
    """A row claimed MAX_ATTEMPTS times and never done (each time the process died with it)
    is dropped at the next claim, with a line in the log, instead of killing every start."""
    async with bots(engine) as b:
        assert await post_all(b.app(db, b.inbox(db)), updates()[1:]) == [200]
        for _ in range(MAX_ATTEMPTS):  # each start claimed it, then died
            dying = b.inbox(db)
            after_the_lease(db, clock, dying)
            async with db.uow() as uow:
                assert (
                    len(
                        await InboxRepo(uow.session).claim(
                            dying.owner,
                            clock(),
                            clock() - dying.lease,
                            10,
                            everything=db.engine.dialect.name != "postgresql",
                        )
                    )
                    == 1
                )
                await uow.commit()
        restarted = b.inbox(db)
        after_the_lease(db, clock, restarted)
        async with running(restarted):
            await restarted.drained()
        assert b.sent() == 0 and await inbox_rows(db) == 0
        assert "dropped (claimed too often)" in caplog.text


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite: one process
async def test_rows_of_a_live_worker_are_left_to_it(db, engine, clock):
    """With several workers (PostgreSQL), a row another worker has just kept is its own
    until its lease runs out; then whichever worker sweeps first takes it, once."""
    async with bots(engine) as b:
        other = b.inbox(db)
        assert await post_all(b.app(db, other), updates()) == [200, 200]
        handled: list[str] = []

        def counted(channel, handler):
            async def handle(payload):
                handled.append(channel)
                await handler(payload)

            return handle

        handlers = {channel: counted(channel, h) for channel, h in b.handlers().items()}
        mine, third = (Inbox(db, handlers, clock=clock) for _ in range(2))
        async with running(mine), running(third):
            await asyncio.gather(mine.drained(), third.drained())
            assert handled == [] and await inbox_rows(db) == 2  # the other worker may be alive
            clock.advance(seconds=mine.lease.total_seconds() + 1)
            mine.wake()
            third.wake()
            await asyncio.gather(mine.drained(), third.drained())
        assert sorted(handled) == ["telegram", "zalo"] and b.sent() == 2
        assert await inbox_rows(db) == 0


async def test_the_store_failing_under_the_worker_is_one_line_and_it_carries_on(db, engine, caplog):
    async with bots(engine) as b:
        inbox = b.inbox(db)
        app = b.app(db, inbox)
        assert await post_all(app, updates()[:1]) == [200]
        async with db.engine.begin() as conn:  # the worker's claim fails
            await conn.exec_driver_sql("ALTER TABLE inbox RENAME TO inbox_away")
        failed = LogSeen("inbox: the store failed")
        logging.getLogger("bot.inbox").addHandler(failed)
        stop = asyncio.Event()
        task = asyncio.create_task(inbox.run(stop))
        await asyncio.wait_for(failed.event.wait(), 10)
        logging.getLogger("bot.inbox").removeHandler(failed)
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE inbox_away RENAME TO inbox")
        inbox.wake()
        await inbox.drained()
        stop.set()
        await task
        assert b.sent() == 1
        assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.ERROR)


async def test_the_rows_are_kept_in_order_and_nothing_else(db, engine):
    async with bots(engine) as b:
        inbox = b.inbox(db)
        posts = [("/zalo", ZALO_HEADERS, zalo_update(t, f"o{i}")) for i, t in enumerate("abc")]
        assert await post_all(b.app(db, inbox), posts) == [200] * 3
        async with db.uow() as uow:
            rows = (await uow.session.scalars(select(InboxUpdate).order_by(InboxUpdate.id))).all()
        assert [r.key for r in rows] == [f"message.text.received:o{i}" for i in range(3)]
        assert [r.payload["message"]["text"] for r in rows] == ["a", "b", "c"]
