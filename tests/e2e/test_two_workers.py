"""End to end (#7): two bot processes in webhook mode on one PostgreSQL, as behind a load
balancer. A person's updates arrive alternately at each and the conversation carries on; a
redelivered update is answered once, even when both get it; an announcement goes to each
person once, sent only by the holder of the clock's advisory lock; when that worker is
SIGKILLed the other takes the lock over (it retries every LEADER_RETRY_SECONDS: 30 s by
default, 1 s here) and sends the next one. Replies are counted once every update the workers
took is handled (the inbox is empty), announcements once every delivery is sent and the fake
answers nothing, the last one once the survivor has stopped: not after a pause.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from bot.clock import LOCK_KEY
from storage.crypto import PartyCipher
from storage.db import Database
from storage.models import Case
from tests.e2e.botprocess import TOKEN, BotProcess, TelegramUser, handled, idle, join_and_log_a_case, make_world
from tests.e2e.test_broadcast_e2e import FIRST_CHAT, PEOPLE, add_people, delivered, wait_until
from tests.e2e.test_webhook_mode import PUBLIC, TG_SECRET, free_port, wait_healthy
from tests.fakes.fake_telegram import FakeTelegramServer

pytestmark = pytest.mark.e2e

DATA_KEY = Fernet.generate_key().decode()  # every worker of one store shares it
LEADS = "outbox: this process runs the clock and the dispatcher"
CHAT = 70007
LEADER_RETRY = 1.0  # seconds between a follower's tries for the clock's lock (30 by default)
TAKEOVER = LEADER_RETRY + 14.0  # the killed leader's session ends, the follower's next try takes it
SEND_ALL = 60.0  # then 1,000 messages at DISPATCH_RATE 200/s (5 s), with room for a busy machine


@pytest.fixture
def pg_url(pg_server):
    url = asyncio.run(pg_server.new_database())
    yield url
    asyncio.run(pg_server.drop_database(url))


@pytest.fixture
def telegram():
    with FakeTelegramServer(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def workers(tmp_path, telegram, pg_url):
    made = []
    for name in ("a", "b"):
        port = free_port()
        (tmp_path / name).mkdir()
        proc = BotProcess(
            tmp_path / name,
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "ZALO_BOT_TOKEN": "",
                "WEBHOOK_URL": PUBLIC,
                "WEBHOOK_SECRET": TG_SECRET,
                "WEB_HOST": "127.0.0.1",
                "WEB_PORT": str(port),
                "DATABASE_URL": pg_url,
                "DATA_KEY": DATA_KEY,
                "QUIET_HOURS": "off",
                "DISPATCH_RATE": "200",
                "LEADER_RETRY_SECONDS": str(LEADER_RETRY),
            },
        )
        proc.name, proc.url = name, f"http://127.0.0.1:{port}"
        made.append(proc)
    yield made
    for proc in made:
        proc.stop()


def start_together(workers: list[BotProcess]) -> None:
    """Both at once on a fresh database: they migrate it one after the other."""
    for proc in workers:
        proc.start()
    for proc in workers:
        wait_healthy(proc.url, proc)


def post(worker: BotProcess, update: dict) -> None:
    answer = httpx.post(
        worker.url + "/telegram", json=update, timeout=5, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    assert answer.status_code == 200, (worker.name, answer.status_code)


class LoadBalancer:
    """Stands in for the fake server in TelegramUser: each update the user makes is taken off
    the fake's queue and POSTed to the next worker in turn, as Telegram does to a webhook."""

    def __init__(self, server: FakeTelegramServer, workers: list[BotProcess]) -> None:
        self.server = server
        self.workers = workers
        self.served: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.server, name)

    def push_text(self, *args, **kwargs) -> int:
        return self._forward(self.server.push_text(*args, **kwargs))

    def push_callback(self, *args, **kwargs) -> int:
        return self._forward(self.server.push_callback(*args, **kwargs))

    def _forward(self, update_id: int) -> int:
        worker = self.workers[len(self.served) % len(self.workers)]
        post(worker, self.server.take_update(update_id))
        self.served.append(worker.name)
        return update_id


def answered(server: FakeTelegramServer, url: str, chat_id: int) -> int:
    """How many messages the chat got, once both workers handled every update they took."""
    handled(url)
    idle(server)
    return len(server.sent(chat_id))


def all_sent(url: str, server: FakeTelegramServer, timeout: float) -> None:
    """Wait until every delivery is sent and the fake answers nothing more."""
    deadline = time.monotonic() + timeout
    while (statuses := asyncio.run(outbox_statuses(url))).keys() != {"sent"}:
        assert time.monotonic() < deadline, statuses
        time.sleep(0.1)
    idle(server)


async def stored(url: str) -> tuple[list[Case], int, list[str]]:
    db = Database(url, PartyCipher(DATA_KEY))
    try:
        async with db.uow() as uow:
            cases = list((await uow.session.scalars(select(Case))).all())
            raw = (await uow.session.execute(text("SELECT parties FROM cases"))).scalars().all()
            seen = await uow.session.scalar(text("SELECT count(*) FROM seen_updates"))
        return cases, seen, list(raw)
    finally:
        await db.dispose()


async def outbox_statuses(url: str) -> dict[str, int]:
    db = Database(url, PartyCipher(DATA_KEY))
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status"))
            return {status: n for status, n in rows}
    finally:
        await db.dispose()


async def lock_holders(url: str) -> list[tuple[str, bool]]:
    """(state, holds a snapshot) of each session holding the clock's advisory lock."""
    db = Database(url, PartyCipher(DATA_KEY))
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT a.state, a.backend_xmin IS NOT NULL FROM pg_locks l"
                    " JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory'"
                    " AND l.granted AND l.classid = 0 AND l.objid = :k"
                ),
                {"k": LOCK_KEY},
            )
            return [tuple(r) for r in rows]
    finally:
        await db.dispose()


def leader_of(workers: list[BotProcess], timeout: float = 15) -> BotProcess:
    """The one worker whose clock ticks (/healthz last_tick) and that logged taking the lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = {w.name: httpx.get(w.url + "/healthz", timeout=2).json() for w in workers}
        ticking = [w for w in workers if health[w.name]["last_tick"]]
        if ticking:
            assert len(ticking) == 1, "both workers run the clock"
            assert [w.name for w in workers if health[w.name]["leader"]] == [ticking[0].name]
            assert [w.name for w in workers if LEADS in w.log_text()] == [ticking[0].name]
            return ticking[0]
        time.sleep(0.2)
    raise AssertionError("no worker runs the clock")


def clean_logs(workers: list[BotProcess]) -> None:
    for proc in workers:
        log = proc.log_text()
        assert "Traceback" not in log, log
        for secret in (TOKEN, TOKEN.split(":")[1], TG_SECRET, DATA_KEY):
            assert secret not in log


def test_a_conversation_alternating_between_two_workers(workers, telegram, pg_url):
    start_together(workers)
    code = make_world(workers[0])
    balancer = LoadBalancer(telegram, workers)
    user = TelegramUser(balancer, chat_id=CHAT, name="Minh")

    join_and_log_a_case(user, code)
    assert Counter(balancer.served) == {"a": 7, "b": 6}
    assert balancer.served[:4] == ["a", "b", "a", "b"]

    # nothing answered twice, no step repeated or lost
    answered(telegram, pg_url, CHAT)
    texts = [m["text"] or "" for m in telegram.sent(CHAT)]
    assert sum("Đã lưu vụ việc số" in t for t in texts) == 1
    assert sum("Chào mừng Minh" in t for t in texts) == 1
    cases, seen, raw = asyncio.run(stored(pg_url))
    assert [(c.seq, c.category, c.source, c.summary) for c in cases] == [
        (1, "dan_su", "yeu_cau", "Tranh chấp ranh giới đất vườn")
    ]
    assert "Nguyễn Văn An" in str(cases[0].parties) and "0912 345 678" in str(cases[0].parties)
    assert raw[0].startswith("v1:") and "Nguyễn" not in raw[0]  # encrypted with the shared DATA_KEY
    assert seen == 13

    # Telegram redelivers an update (it got no answer in time): to the other worker
    update = telegram.take_update(telegram.push_text(CHAT, "/menu", first_name="Minh"))
    before = len(telegram.sent(CHAT))
    post(workers[0], update)
    once = answered(telegram, pg_url, CHAT) - before
    assert once >= 1
    post(workers[1], update)
    assert answered(telegram, pg_url, CHAT) - before == once

    # ... or to both at the same moment
    update = telegram.take_update(telegram.push_text(CHAT, "/menu", first_name="Minh"))
    before = len(telegram.sent(CHAT))
    both = [threading.Thread(target=post, args=(w, update)) for w in workers]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    assert answered(telegram, pg_url, CHAT) - before == once

    assert telegram.rejected == []
    clean_logs(workers)
    for personal in ("Nguyễn Văn An", "0912 345 678", "ngõ Hòe"):
        assert all(personal not in w.log_text() for w in workers)


def test_an_announcement_goes_once_and_survives_the_leader(workers, telegram, pg_url):
    start_together(workers)
    make_world(workers[0])
    asyncio.run(add_people(pg_url, 4))
    leader = leader_of(workers)
    survivor = next(w for w in workers if w is not leader)
    # the leader's lock session stays open but idle: no transaction pinning VACUUM's horizon
    assert asyncio.run(lock_holders(pg_url)) == [("idle", False)]

    first = "Họp tổ hòa giải lúc 8 giờ sáng thứ Hai."
    second = "Tập huấn Luật Hòa giải ở cơ sở chiều thứ Tư."
    assert f"{PEOPLE} người" in survivor.cli("broadcast", "--unit", "Phường F", "--text", first)
    wait_until(lambda: min(delivered(telegram)) >= 1, 30, "first announcement", telegram)
    all_sent(pg_url, telegram, 30)  # nothing left to send: a second sender's copy would be in
    assert delivered(telegram) == [1] * PEOPLE

    assert LEADS not in survivor.log_text()  # the first went out from the leader alone
    leader.kill()
    killed = time.monotonic()
    assert f"{PEOPLE} người" in survivor.cli("broadcast", "--unit", "Phường F", "--text", second)
    wait_until(lambda: LEADS in survivor.log_text(), TAKEOVER, "the survivor taking the lock", telegram)
    led = time.monotonic() - killed
    wait_until(lambda: min(delivered(telegram)) >= 2, SEND_ALL, "second announcement", telegram)
    took = time.monotonic() - killed
    all_sent(pg_url, telegram, 30)
    assert httpx.get(survivor.url + "/healthz", timeout=2).json()["last_tick"] is not None
    survivor.stop()  # the one sender left is gone: the count is final
    idle(telegram)
    assert delivered(telegram) == [2] * PEOPLE
    assert led < TAKEOVER and took < TAKEOVER + SEND_ALL, (led, took)

    per_chat = Counter((m["chat_id"], m["text"]) for m in telegram.sent() if m["chat_id"] >= FIRST_CHAT)
    assert set(per_chat.values()) == {1} and len(per_chat) == 2 * PEOPLE
    assert {t for _, t in per_chat} == {f"📢 Thông báo của Phường F:\n{first}", f"📢 Thông báo của Phường F:\n{second}"}
    assert asyncio.run(outbox_statuses(pg_url)) == {"sent": 2 * PEOPLE}
    assert LEADS in survivor.log_text()
    assert telegram.rejected == []
    clean_logs(workers)
