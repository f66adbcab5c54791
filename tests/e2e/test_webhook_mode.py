"""End to end: the real process in webhook mode with both tokens — one web server for
Telegram's and Zalo's webhooks and /healthz; each platform is told where to post.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.e2e.botprocess import TOKEN, BotProcess, handled
from tests.fakes.fake_telegram import FakeTelegramServer
from tests.fakes.fake_zalo import FakeZaloServer

pytestmark = pytest.mark.e2e

ZALO_TOKEN = "987654:ZALO-webhook-secret-token"
PUBLIC = "https://bot.example.test"
TG_SECRET = "tg-webhook-secret-123456"
ZALO_SECRET = "zalo-webhook-secret-123456"
ZALO_USER = "6ede9afa66b88fe6d6a9"
TG_CHAT = 70002


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def telegram():
    with FakeTelegramServer(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def zalo():
    with FakeZaloServer(ZALO_TOKEN) as fake:
        yield fake


@pytest.fixture
def bot(tmp_path, telegram, zalo):
    port = free_port()
    proc = BotProcess(
        tmp_path,
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "ZALO_BOT_TOKEN": ZALO_TOKEN,
            "ZALO_API_BASE_URL": zalo.base_url,
            "WEBHOOK_URL": PUBLIC,
            "WEBHOOK_SECRET": TG_SECRET,
            "ZALO_WEBHOOK_SECRET": ZALO_SECRET,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
        },
    )
    proc.url = f"http://127.0.0.1:{port}"
    yield proc
    proc.stop()


def wait_healthy(url: str, bot: BotProcess, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bot.proc.poll() is None, bot.log_text()
        try:
            answer = httpx.get(url + "/healthz", timeout=2)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(bot.log_text())


def zalo_update(text: str, message_id: str) -> dict:
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": ZALO_USER, "display_name": "Ted", "is_bot": False},
            "chat": {"id": ZALO_USER, "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id,
            "date": 1750316131602,
        },
    }


def test_both_platforms_through_one_web_server(bot, telegram, zalo):
    bot.start()
    health = wait_healthy(bot.url, bot)
    assert health["store"] is True and set(health) == {"store", "last_tick", "leader"}
    assert telegram.webhook_url == PUBLIC + "/telegram"
    assert zalo.webhook["url"] == PUBLIC + "/zalo"
    assert ("setWebhook", {"url": PUBLIC + "/zalo", "secret_token": ZALO_SECRET}) in zalo.calls

    # Zalo: the platform only lets the bot answer people who wrote first
    zalo.push_text(ZALO_USER, "(registers the user with the fake)")
    zalo_headers = {"X-Bot-Api-Secret-Token": ZALO_SECRET}
    for _ in range(2):  # a redelivery
        answer = httpx.post(
            bot.url + "/zalo", json={"ok": True, "result": zalo_update("menu", "m1")}, headers=zalo_headers, timeout=5
        )
        assert answer.status_code == 200
    zalo.wait_sent(ZALO_USER, 1, timeout=10)
    refused = httpx.post(
        bot.url + "/zalo", json=zalo_update("menu", "m2"), headers={"X-Bot-Api-Secret-Token": "nope-nope"}, timeout=5
    )
    assert refused.status_code == 403

    # Telegram
    update_id = telegram.push_text(TG_CHAT, "/menu", first_name="Minh")
    update = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "text": "/menu",
            "chat": {"id": TG_CHAT, "type": "private", "first_name": "Minh"},
            "from": {"id": TG_CHAT, "is_bot": False, "first_name": "Minh"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    answer = httpx.post(
        bot.url + "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=5
    )
    assert answer.status_code == 200
    [reply] = telegram.wait_sent(TG_CHAT, 1, timeout=10)
    assert "reply_markup" in reply

    handled(f"sqlite+aiosqlite:///{bot.workdir}/e2e.sqlite3")  # both Zalo deliveries' turns are done
    bot.stop()
    assert bot.proc.returncode == 0
    assert len(zalo.sent(ZALO_USER)) == 1 and "1. " in zalo.sent(ZALO_USER)[0]["text"]  # the redelivery: once
    log = bot.log_text()
    assert f"zalo: webhook registered at {PUBLIC}/zalo" in log
    assert f"telegram: webhook registered at {PUBLIC}/telegram" in log
    for secret in (TOKEN, ZALO_TOKEN, TG_SECRET, ZALO_SECRET, ZALO_TOKEN.split(":")[1]):
        assert secret not in log
    assert "Traceback" not in log


def test_webhook_mode_without_the_zalo_secret_stops_with_the_reason(tmp_path, zalo):
    bot = BotProcess(
        tmp_path,
        {
            "TELEGRAM_BOT_TOKEN": "",
            "ZALO_BOT_TOKEN": ZALO_TOKEN,
            "ZALO_API_BASE_URL": zalo.base_url,
            "WEBHOOK_URL": PUBLIC,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
        },
    )
    bot.start()
    assert bot.proc.wait(timeout=30) != 0
    assert "ZALO_WEBHOOK_SECRET" in bot.log_text() and "Traceback" not in bot.log_text()
