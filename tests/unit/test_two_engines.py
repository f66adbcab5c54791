"""Two workers on one store, in-process: two Database objects (two pools, as two processes
have) and two engines. A person's two updates handled at the same moment by both, each
held at the first write until the other has reached its own, are both answered, and the
store keeps one account and one conversation row."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.util import await_only

from handlers.kit.core import Reply, Turn
from storage.crypto import PartyCipher
from storage.db import Database
from storage.models import Account, Conversation, SeenUpdate
from tests.support import Clock, build_world, make_engine

pytestmark = pytest.mark.postgresql

HOLD = 10.0  # seconds a held write waits for the other worker's (both get there at once)


def meet_at_insert(db: Database, table: str, met: asyncio.Barrier) -> None:
    """Hold this store's first INSERT into `table` until the other worker reaches its own: both
    have read that the row is not there yet, and neither has committed."""
    held = False

    def before(_conn, _cursor, statement: str, *_args) -> None:
        nonlocal held
        if not held and statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            held = True
            await_only(asyncio.wait_for(met.wait(), HOLD))

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)


@pytest.fixture
async def two(store_url, tmp_path):
    """Two stores on one database: a SQLite file, or a fresh PostgreSQL database."""
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/two.sqlite3"
        if isinstance(store_url, str)
        else await store_url.new_database(schema=True)
    )
    cipher = PartyCipher.ephemeral()  # every worker of one store shares the key
    first, second = Database(url, cipher), Database(url, cipher)
    await first.create_all()
    yield first, second
    for db in (first, second):
        await db.dispose()
    if not isinstance(store_url, str):
        await store_url.drop_database(url)


async def both(two, clock: Clock, table: str, turns: tuple[Turn, Turn]) -> list[list[Reply]]:
    met = asyncio.Barrier(2)
    for db in two:
        meet_at_insert(db, table, met)
    engines = [make_engine(db, clock) for db in two]
    work = [engine.handle(turn) for engine, turn in zip(engines, turns, strict=True)]
    return await asyncio.wait_for(asyncio.gather(*work), 3 * HOLD)


async def count(db: Database, column, *where) -> int:
    async with db.uow() as uow:
        return await uow.session.scalar(select(func.count(column)).where(*where)) or 0


async def conversations_of(db: Database, external_id: str) -> int:
    async with db.uow() as uow:
        account_id = await uow.session.scalar(select(Account.id).where(Account.external_id == external_id))
    return await count(db, Conversation.account_id, Conversation.account_id == account_id)


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_a_new_persons_two_first_messages_on_two_workers_are_both_answered(two, clock):
    turns = (Turn("telegram", "777", "Người Mới", text="/start"), Turn("telegram", "777", "Người Mới", text="/start"))
    answers = await both(two, clock, "accounts", turns)
    for replies in answers:
        assert "mã mời" in texts(replies) and "trục trặc" not in texts(replies)
    assert await count(two[0], Account.id, Account.external_id == "777") == 1
    assert await conversations_of(two[0], "777") == 1


async def test_a_known_account_without_a_conversation_yet_is_answered_on_both_workers(two, clock):
    await build_world(two[0])  # accounts linked by hand: no conversation row yet
    turns = (Turn("test", "hgv_a", "Hòa Giải A", text="/menu"), Turn("test", "hgv_a", "Hòa Giải A", text="/menu"))
    answers = await both(two, clock, "conversations", turns)
    for replies in answers:
        assert replies and "trục trặc" not in texts(replies)
    assert await conversations_of(two[0], "hgv_a") == 1


async def test_one_update_redelivered_to_both_workers_is_answered_once(two, clock):
    await build_world(two[0])
    turn = Turn("test", "hgv_a", "Hòa Giải A", text="/menu", update_key="42")
    first, second = await both(two, clock, "seen_updates", (turn, turn))
    assert sorted([bool(first), bool(second)]) == [False, True]  # one answers, the other stays silent
    assert "trục trặc" not in texts(first + second)
    assert await count(two[0], SeenUpdate.key, SeenUpdate.key == "test:42") == 1
