"""DB_POOL_SIZE and DB_MAX_OVERFLOW: the connections a worker may hold on PostgreSQL."""

from __future__ import annotations

import inspect

import pytest
from cryptography.fernet import Fernet

from bot.cli import main as cli_main
from bot.inbox import Inbox
from bot.settings import Settings
from bot.store import open_store
from storage.db import MAX_OVERFLOW, POOL_SIZE, Database


@pytest.fixture
async def pg_url(pg_server):
    url = await pg_server.new_database()
    yield url
    await pg_server.drop_database(url)


async def test_a_worker_holds_the_connections_its_settings_give(pg_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "2")
    db = await open_store(Settings(_env_file=None))
    try:
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 2)  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def test_by_default_room_for_the_webhooks_turns_and_its_own_writes(pg_url):
    db = Database(pg_url)
    try:
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow) == (POOL_SIZE, MAX_OVERFLOW)  # type: ignore[attr-defined]
        turns = inspect.signature(Inbox).parameters["concurrency"].default  # at once in the webhook
        assert POOL_SIZE + MAX_OVERFLOW >= turns + 10  # and room for the webhook, the clock, the dispatcher
    finally:
        await db.dispose()


def test_a_pool_of_no_connection_stops_the_start_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("DB_POOL_SIZE", "0")
    assert cli_main(["run"]) == 2
    out = capsys.readouterr().out
    assert "DB_POOL_SIZE" in out and "Traceback" not in out
