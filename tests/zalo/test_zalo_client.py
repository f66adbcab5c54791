"""ZaloBotClient against the fake Zalo Bot Platform server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.channels.zalo_client import (
    ZaloAuthError,
    ZaloBotClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloServerError,
    ZaloTimeout,
    ZaloUpdate,
    parse_update,
    split_text,
)
from tests.fakes.fake_zalo import FakeZaloServer

TOKEN = "1234:zalo-secret"
USER = "6ede9afa66b88fe6d6a9"


@pytest.fixture
def fake() -> Iterator[FakeZaloServer]:
    with FakeZaloServer(TOKEN, hang_seconds=2.0) as server:
        yield server


@pytest.fixture
async def client(fake: FakeZaloServer) -> AsyncIterator[ZaloBotClient]:
    async with ZaloBotClient(TOKEN, fake.base_url, timeout=2.0) as c:
        yield c


async def test_get_me(client: ZaloBotClient) -> None:
    me = await client.get_me()
    assert me["id"] == "1234"
    assert me["account_name"].startswith("Bot")


async def test_pushed_text_arrives_as_update(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    message_id = fake.push_text(USER, "Xin chào", display_name="Ted")
    update = await client.get_updates(timeout=1)
    assert isinstance(update, ZaloUpdate)
    assert update.event_name == "message.text.received"
    assert update.kind == "text"
    assert update.text == "Xin chào"
    assert update.message_id == message_id
    assert int(message_id, 16) >= 0
    assert (update.chat_id, update.user_id, update.display_name) == (USER, USER, "Ted")
    assert update.chat_type == "PRIVATE"
    assert update.date.tzinfo is not None and update.date >= before
    assert fake.pending_updates() == 0


async def test_updates_come_one_per_call(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    fake.push_text(USER, "một")
    fake.push_event(USER, "sticker")
    first = await client.get_updates(timeout=1)
    second = await client.get_updates(timeout=1)
    assert first is not None and first.text == "một"
    assert second is not None and second.kind == "sticker" and second.text is None


@pytest.mark.parametrize("idle_status", [200, 408])
async def test_idle_poll_returns_none(idle_status: int) -> None:
    with FakeZaloServer(TOKEN, idle_http_status=idle_status) as fake:
        async with ZaloBotClient(TOKEN, fake.base_url, timeout=2.0) as client:
            assert await client.get_updates(timeout=0) is None
            fake.push_text(USER, "sau đó")
            update = await client.get_updates(timeout=0)
            assert update is not None and update.text == "sau đó"


async def test_long_text_split_into_two_messages(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    fake.push_text(USER, "hi")
    words = [f"từ{i}" for i in range(600)]
    text = " ".join(words)
    assert 2000 < len(text) <= 4000
    results = await client.send_message(USER, text)
    sent = fake.wait_sent(USER, 2)
    assert len(results) == len(sent) == 2
    assert all(r["message_id"] for r in results)
    assert all(1 <= len(m["text"]) <= 2000 for m in sent)
    assert " ".join(m["text"] for m in sent) == text
    assert sent[0]["text"].split()[-1] in words  # cut between words


def test_split_text_boundaries() -> None:
    para = "a" * 1500
    chunks = split_text(f"{para}\n\n{'b' * 800}")
    assert chunks == [para, "b" * 800]
    assert split_text("x" * 4500) == ["x" * 2000, "x" * 2000, "x" * 500]
    assert split_text("   \n ") == []
    assert split_text("ngắn") == ["ngắn"]


async def test_send_rejects_empty_message(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    fake.push_text(USER, "hi")
    with pytest.raises(ValueError):
        await client.send_message(USER, "  ")
    assert fake.sent() == []


async def test_ok_false_with_http_200_raises(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    with pytest.raises(ZaloForbidden) as info:  # never messaged the bot
        await client.send_message("stranger", "chào")
    assert info.value.code == 403
    fake.push_text(USER, "hi")
    with pytest.raises(ZaloError) as info:
        await client._call("sendMessage", {"chat_id": USER, "text": "x" * 2001})
    assert info.value.code == 400
    assert fake.sent() == []


async def test_wrong_token_raises_auth_error(fake: FakeZaloServer) -> None:
    async with ZaloBotClient("1234:wrong", fake.base_url, timeout=2.0) as bad:
        with pytest.raises(ZaloAuthError) as info:
            await bad.get_me()
    assert info.value.code == 401


@pytest.mark.parametrize("as_http_status", [False, True])
async def test_rate_limited(as_http_status: bool) -> None:
    with FakeZaloServer(TOKEN, rate_limit_per_sec=2, errors_as_http_status=as_http_status) as fake:
        fake.push_text(USER, "hi")
        async with ZaloBotClient(TOKEN, fake.base_url, timeout=2.0) as client:
            await client.send_message(USER, "1")
            await client.send_message(USER, "2")
            with pytest.raises(ZaloRateLimited) as info:
                await client.send_message(USER, "3")
    assert info.value.code == 429
    assert "quota" in info.value.description
    assert [m["text"] for m in fake.sent()] == ["1", "2"]


async def test_only_users_who_wrote_first_can_be_sent_to(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    with pytest.raises(ZaloForbidden):
        await client.send_message(USER, "Chào anh")
    fake.know(USER)  # as if they had written before (an account made by an official)
    await client.send_message(USER, "Chào anh")
    assert [m["text"] for m in fake.sent(USER)] == ["Chào anh"] and fake.pending_updates() == 0


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        ("429", ZaloRateLimited, 429),
        ("500", ZaloServerError, 500),
        ("drop", ZaloNetworkError, 0),
        ("timeout", ZaloNetworkError, 0),
        ("slow", ZaloTimeout, 0),
    ],
)
async def test_faults_map_to_errors(fault: str, error: type[ZaloError], code: int) -> None:
    with FakeZaloServer(TOKEN, faults=lambda m, p: fault if m == "getMe" else None) as fake:
        async with ZaloBotClient(TOKEN, fake.base_url, timeout=0.5) as client:
            with pytest.raises(error) as info:
                await client.get_me()
            assert await client.get_updates(timeout=0) is None  # other calls unaffected
    assert info.value.code == code
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


async def test_unreachable_server_is_network_error() -> None:
    with FakeZaloServer(TOKEN) as fake:
        base_url = fake.base_url
    async with ZaloBotClient(TOKEN, base_url, timeout=1.0) as client:
        with pytest.raises(ZaloNetworkError) as info:
            await client.get_me()
    assert TOKEN not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


async def test_token_never_logged_or_shown(fake: FakeZaloServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    fake.push_text(USER, "hi")
    errors: list[ZaloError] = []
    async with ZaloBotClient(TOKEN, fake.base_url, timeout=2.0) as client:
        assert TOKEN not in repr(client) and "zalo-secret" not in repr(client)
        await client.get_me()
        await client.get_updates(timeout=0)
        await client.get_updates(timeout=0)
        await client.send_message(USER, "chào")
        try:
            await client.send_message("stranger", "chào")
        except ZaloError as exc:
            errors.append(exc)
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx did log
    assert any("getMe" in r.getMessage() for r in caplog.records)
    assert "zalo-secret" not in caplog.text
    assert all("zalo-secret" not in r.getMessage() for r in caplog.records)
    assert errors and all("zalo-secret" not in f"{e} {e!r}" for e in errors)


def test_parse_update_wrapped_and_flat() -> None:
    flat = {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": USER, "display_name": "Ted", "is_bot": False},
            "chat": {"id": USER, "chat_type": "PRIVATE"},
            "text": "Xin chào",
            "message_id": "2d758cb5e222177a4e35",
            "date": 1750316131602,
        },
    }
    wrapped = {"ok": True, "result": flat}
    a, b = parse_update(flat), parse_update(wrapped)
    assert a is not None and a == b
    assert a.date == datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=UTC)
    assert (a.kind, a.text, a.message_id) == ("text", "Xin chào", "2d758cb5e222177a4e35")
    image = parse_update({**flat, "event_name": "message.image.received"})
    assert image is not None and image.kind == "image" and image.text is None
    unsupported = parse_update({**flat, "event_name": "message.unsupported.received"})
    assert unsupported is not None and unsupported.kind == "unsupported"
    other = parse_update({**flat, "event_name": "user.joined"})
    assert other is not None and other.kind == "other"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "text",
        [],
        {},
        {"ok": False, "error_code": 408},
        {"ok": True, "result": None},
        {"event_name": "message.text.received"},
        {"event_name": "message.text.received", "message": "hi"},
        {"event_name": 5, "message": {"message_id": "a", "chat": {"id": "b"}}},
        {"event_name": "message.text.received", "message": {"chat": {"id": "b"}}},
        {
            "event_name": "message.text.received",
            "message": {"message_id": "a", "chat": {"id": "b"}, "date": 1e30},
        },
    ],
)
def test_parse_update_garbage_returns_none(garbage: object) -> None:
    assert parse_update(garbage) is None  # type: ignore[arg-type]


async def test_set_webhook_validates_secret(fake: FakeZaloServer, client: ZaloBotClient) -> None:
    with pytest.raises(ValueError):
        await client.set_webhook("https://example.org/zalo", "1234567")
    with pytest.raises(ValueError):
        await client.set_webhook("https://example.org/zalo", "s" * 257)
    assert not any(m == "setWebhook" for m, _ in fake.calls)
    info = await client.set_webhook("https://example.org/zalo", "12345678")
    assert info["url"] == "https://example.org/zalo"
    assert (await client.get_webhook_info())["url"] == "https://example.org/zalo"
    assert (await client.delete_webhook())["url"] == ""
