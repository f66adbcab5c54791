"""The real server (uvicorn on 127.0.0.1, as production runs it) holds against slow and
greedy clients (issue 13, finding 7): a client that never finishes its headers, trickles
them a byte at a time, or never finishes its body is closed after `request_timeout`; an
idle kept-alive connection after `keep_alive`; past `max_connections` a new connection is
closed at once (1,100 slow clients exhausted the file descriptors); an 8 MB body is
refused by its length before it is sent. Each test opens a few connections only."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import pytest

from bot.web import WebLimits
from tests.security.webhooks import (
    ZALO_HEADERS,
    bots,
    inbox_rows,
    running,
    uvicorn_on_localhost,
    zalo_update,
)

pytestmark = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
LIMITS = WebLimits(request_timeout=0.5, keep_alive=0.3, max_connections=3)
SLACK = 1.0  # the loop's and the machine's delays, on a busy 2-core machine


@pytest.fixture
async def server(db, engine, request):
    limits = getattr(request, "param", LIMITS)
    async with bots(engine) as b:
        inbox = b.inbox(db)
        async with running(inbox), uvicorn_on_localhost(b.app(db, inbox, limits=limits), limits) as address:
            b.address, b.inbox_ = address, inbox
            yield b


async def connect(address) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(*address)


async def closed_after(reader: asyncio.StreamReader, within: float) -> float:
    """Seconds until the server closes the connection (all it sends is read and dropped)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(within):
        while await reader.read(65536):
            pass
    return loop.time() - started


async def response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    return status, await reader.readexactly(length)


def request(
    path: str, body: bytes = b"", headers: dict | None = None, method: str = "POST", length: int | None = None
) -> bytes:
    """A request's bytes; `length` declares another Content-Length than the body's."""
    length = len(body) if length is None else length
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: bot",
        f"Content-Length: {length}",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_a_client_that_never_finishes_its_headers_is_closed(server):
    reader, writer = await connect(server.address)
    writer.write(b"POST /zalo HTTP/1.1\r\nHost: bot\r\nX-Bot-Api-Secret-Token: ")
    await writer.drain()
    took = await closed_after(reader, LIMITS.request_timeout + SLACK)
    assert LIMITS.request_timeout * 0.8 <= took
    writer.close()


async def test_a_trickle_of_header_bytes_does_not_keep_it_open(server):
    """Each byte within the timeout used to be enough: the deadline counts from the start."""
    loop = asyncio.get_running_loop()
    reader, writer = await connect(server.address)
    started = loop.time()
    writer.write(b"POST /zalo HTTP/1.1\r\n")
    for _ in range(50):  # one header line every 0.1 s, until the server hangs up
        writer.write(b"X-Slow: 1\r\n")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.1):
                if await reader.read(65536) == b"":
                    break
    else:
        pytest.fail("still open after 5 s of trickling")
    assert loop.time() - started <= LIMITS.request_timeout + SLACK
    writer.close()


async def test_a_body_that_never_arrives_is_closed_and_nothing_kept(server, db, caplog):
    reader, writer = await connect(server.address)
    writer.write(request("/zalo", b'{"event', ZALO_HEADERS, length=1000))
    await writer.drain()
    await closed_after(reader, LIMITS.request_timeout + SLACK)
    writer.close()
    assert await inbox_rows(db) == 0
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)


async def test_an_idle_kept_alive_connection_is_closed(server):
    reader, writer = await connect(server.address)
    writer.write(request("/healthz", method="GET"))
    assert (await response(reader))[0] == 200
    took = await closed_after(reader, LIMITS.keep_alive + SLACK)
    assert LIMITS.keep_alive * 0.8 <= took
    writer.close()


@pytest.mark.parametrize("server", [WebLimits(request_timeout=30, max_connections=3)], indirect=True)
async def test_past_the_cap_new_connections_are_closed_at_once(server, caplog):
    caplog.set_level(logging.WARNING)
    held = [await connect(server.address) for _ in range(3)]  # accepted first, in order
    extra = [await connect(server.address) for _ in range(2)]
    for reader, writer in extra:
        assert await closed_after(reader, SLACK) < SLACK  # not 30 s
        writer.close()
    assert caplog.text.count("too many connections") == 1  # one line, not one per connection
    for _, writer in held:
        writer.close()
    for _ in range(50):  # the server notices the closes: a new connection is served again
        reader, writer = await connect(server.address)
        writer.write(request("/healthz", method="GET"))
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            if (await response(reader))[0] == 200:
                writer.close()
                return
        writer.close()
    pytest.fail("no connection served after the held ones closed")


async def test_an_8_mb_body_is_refused_before_it_is_sent(server, db):
    reader, writer = await connect(server.address)
    writer.write(request("/zalo", b"", ZALO_HEADERS, length=8 * 1024 * 1024))  # no body sent
    await writer.drain()
    assert (await response(reader))[0] == 413
    writer.close()
    assert await inbox_rows(db) == 0


async def test_an_update_through_the_real_server_is_kept_and_answered(server, db):
    reader, writer = await connect(server.address)
    body = json.dumps(zalo_update("menu", "real-1")).encode()
    writer.write(request("/zalo", body, {**ZALO_HEADERS, "Content-Type": "application/json"}))
    assert (await response(reader))[0] == 200
    writer.close()
    await server.inbox_.drained()
    assert len(server.box.sent) == 1 and await inbox_rows(db) == 0
