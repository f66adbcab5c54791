"""The fake Telegram server, driven by a real python-telegram-bot Bot (and raw HTTP)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from tests.fakes.fake_telegram import DEFAULT_SPEC_PATH, FakeTelegramServer

CHAT = 4242


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"Nút {d}", callback_data=d)] for d in data])


def needs_spec(server: FakeTelegramServer) -> None:
    if not server.spec_checked:
        pytest.skip(f"Bot API spec not found at {DEFAULT_SPEC_PATH}: strict spec checks untested")


@pytest.fixture
def tg():
    with FakeTelegramServer() as server:
        yield server


@pytest.fixture
async def bot(tg):
    async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as bot:
        yield bot


def post(tg: FakeTelegramServer, method: str, **json: object) -> httpx.Response:
    return httpx.post(f"{tg.base_url}/bot{tg.token}/{method}", json=json, timeout=5)


async def test_get_me_answers_the_configured_bot():
    with FakeTelegramServer(bot_username="other_bot") as tg:
        async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as bot:
            me = await bot.get_me()
    assert (me.username, me.is_bot, me.id) == ("other_bot", True, 123456)


async def test_send_message_with_inline_keyboard_is_recorded(tg, bot):
    message = await bot.send_message(CHAT, "Chọn vụ việc", reply_markup=keyboard("case:open:1"))

    [sent] = tg.sent(CHAT)
    assert sent["method"] == "sendMessage" and sent["text"] == "Chọn vụ việc"
    assert sent["message_id"] == message.message_id
    button = sent["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "Nút case:open:1", "callback_data": "case:open:1"}
    assert message.reply_markup == keyboard("case:open:1")
    assert tg.delivered_count(CHAT) == 1 and tg.rejected == []


async def test_callback_data_is_limited_to_64_bytes(tg, bot):
    await bot.send_message(CHAT, "vừa đủ", reply_markup=keyboard("đ" * 32))  # 64 bytes

    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(CHAT, "quá dài", reply_markup=keyboard("đ" * 32 + "x"))
    assert [r.description for r in tg.rejected] == ["Bad Request: BUTTON_DATA_INVALID"]
    assert [s["text"] for s in tg.sent()] == ["vừa đủ"]


async def test_more_than_100_buttons_are_rejected(tg, bot):
    await bot.send_message(CHAT, "100 nút", reply_markup=keyboard(*map(str, range(100))))

    with pytest.raises(BadRequest, match="(?i)reply markup is too long"):
        await bot.send_message(CHAT, "101 nút", reply_markup=keyboard(*map(str, range(101))))
    assert [s["text"] for s in tg.sent()] == ["100 nút"]


async def test_text_only_button_and_bad_markup_are_rejected(tg, bot):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("chỉ có chữ")]])
    with pytest.raises(BadRequest, match="(?i)text buttons are unallowed"):
        await bot.send_message(CHAT, "x", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await bot.send_message(CHAT, "Điều 3. Nguyên tắc", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match='(?i)end tag corresponding to start tag "b"'):
        await bot.send_message(CHAT, "<b>đậm", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(CHAT, "a" * 4097)
    await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(tg.rejected) == 4 and tg.delivered_count(CHAT) == 1


async def test_unknown_method_is_not_found(tg, bot):
    needs_spec(tg)
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert tg.rejected[-1][::2] == ("noSuchMethod", "Not Found")


async def test_wrong_token_is_unauthorized(tg):
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=f"{tg.base_url}/bot") as other:
            await other.get_me()
    assert tg.rejected[-1].description == "Unauthorized" and tg.calls == []


def test_missing_and_mistyped_fields_are_rejected(tg):
    needs_spec(tg)
    empty = post(tg, "sendMessage", chat_id=CHAT)
    assert empty.status_code == 400
    assert empty.json() == {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
    assert "field document is required" in post(tg, "sendDocument", chat_id=CHAT).text
    mistyped = post(tg, "sendMessage", chat_id=CHAT, text="x", disable_notification="yes")
    assert "disable_notification must be of type Boolean" in mistyped.text
    no_text = post(
        tg, "sendMessage", chat_id=CHAT, text="x", reply_markup={"inline_keyboard": [[{"callback_data": "a"}]]}
    )
    assert no_text.status_code == 400
    commands = post(tg, "setMyCommands", commands=[{"command": "start"}])
    assert "commands[0].description is required" in commands.text
    assert len(tg.rejected) == 5 and tg.sent() == []


async def test_get_updates_re_returns_unconfirmed_updates(tg, bot):
    first = tg.push_text(CHAT, "/vuviec mới", first_name="Lan")
    tg.push_text(CHAT, "xin chào")

    updates = await bot.get_updates()
    again = await bot.get_updates()  # a restarted bot sees what was not confirmed
    assert [u.update_id for u in again] == [u.update_id for u in updates] == [first, first + 1]
    command = updates[0].message
    assert command.parse_entities() == {command.entities[0]: "/vuviec"}
    assert command.from_user.first_name == "Lan" and command.chat.type == "private"

    assert await bot.get_updates(offset=first + 1) != [] and tg.pending_updates() == 1
    assert await bot.get_updates(offset=first + 2) == () and tg.pending_updates() == 0


async def test_long_poll_wakes_on_a_new_update_and_a_newer_poll_ends_it(tg, bot):
    asyncio.get_running_loop().call_later(0.2, tg.push_text, CHAT, "đến rồi")
    started = time.monotonic()
    [update] = await bot.get_updates(timeout=5)
    assert update.message.text == "đến rồi" and time.monotonic() - started < 3

    async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as second:
        poll = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=5))
        await asyncio.sleep(0.2)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict):
            await poll
    assert tg.conflicts == 1


async def test_polling_while_a_webhook_is_set_conflicts(tg, bot):
    await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == () and (await bot.get_webhook_info()).url == ""
    assert [r.method for r in tg.rejected] == ["getUpdates"]


def test_stop_ends_a_pending_long_poll_quickly():
    tg = FakeTelegramServer().start()
    url = f"{tg.base_url}/bot{tg.token}/getUpdates"
    answers = []
    poller = threading.Thread(target=lambda: answers.append(httpx.post(url, json={"timeout": 30}, timeout=40).json()))
    poller.start()
    tg.wait_for(lambda s: s._poll_generation == 1, timeout=5)
    started = time.monotonic()
    tg.stop()
    poller.join(timeout=5)
    assert time.monotonic() - started < 2 and answers == [{"ok": True, "result": []}]


async def test_callback_carries_the_bot_message_and_must_be_answered_once(tg, bot):
    sent = await bot.send_message(CHAT, "Đóng vụ việc?", reply_markup=keyboard("case:close:7"))
    tg.push_callback(CHAT, "case:close:7")
    with pytest.raises(ValueError, match="no button"):
        tg.push_callback(CHAT, "case:close:8")

    [update] = await bot.get_updates()
    query = update.callback_query
    assert query.data == "case:close:7" and query.message.message_id == sent.message_id
    assert query.message.text == "Đóng vụ việc?" and query.message.reply_markup is not None
    assert await query.answer() is True
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await query.answer()


async def test_edit_text_follows_telegram_rules(tg, bot):
    sent = await bot.send_message(CHAT, "Bản nháp", reply_markup=keyboard("ok"))
    edited = await bot.edit_message_text("Đã lưu", chat_id=CHAT, message_id=sent.message_id)

    assert edited.text == "Đã lưu" and edited.reply_markup is None  # no markup: keyboard gone
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text("Đã lưu", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=CHAT, message_id=999)
    assert [s["method"] for s in tg.sent(CHAT)] == ["sendMessage", "editMessageText"]
    assert tg.delivered_count(CHAT) == 1


async def test_uploaded_document_keeps_bytes_and_filename(tg, bot):
    content = bytes(range(256)) + b"\r\n--boundary\r\n"
    message = await bot.send_document(CHAT, content, filename="Báo cáo 6 tháng.pdf", caption="Mẫu báo cáo")

    [sent] = tg.sent(CHAT)
    assert sent["file"].content == content and sent["file"].filename == "Báo cáo 6 tháng.pdf"
    assert sent["text"] == "Mẫu báo cáo" and message.document.file_name == "Báo cáo 6 tháng.pdf"


async def test_flood_limit_answers_429_with_retry_after(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22.2+: retry_after as a timedelta
    with FakeTelegramServer(per_chat_limit_per_sec=1) as tg:
        async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as bot:
            await bot.send_message(CHAT, "một")
            with pytest.raises(RetryAfter) as flood:
                await bot.send_message(CHAT, "hai")
            assert flood.value.retry_after.total_seconds() >= 1
            await bot.send_message(CHAT + 1, "chat khác")  # the limit is per chat
        raw = post(tg, "sendMessage", chat_id=CHAT, text="ba").json()
    retry_after = raw["parameters"]["retry_after"]
    assert raw["error_code"] == 429 and isinstance(retry_after, int) and retry_after >= 1
    assert raw["description"] == f"Too Many Requests: retry after {retry_after}"
    assert [r.code for r in tg.refused] == [429, 429] and tg.delivered_count(CHAT) == 1


def test_global_limit_counts_all_chats():
    with FakeTelegramServer(global_limit_per_sec=3) as tg:
        codes = [post(tg, "sendMessage", chat_id=chat, text="x").status_code for chat in range(5)]
    assert codes == [200, 200, 200, 429, 429] and len(tg.sent()) == 3


async def test_blocked_chat_is_forbidden():
    with FakeTelegramServer(blocked_chats={CHAT}) as tg:
        async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as bot:
            with pytest.raises(Forbidden, match="(?i)blocked by the user"):
                await bot.send_message(CHAT, "nhắc lịch")
    assert tg.refused[0][2:] == (403, "Forbidden: bot was blocked by the user")
    assert tg.delivered_count(CHAT) == 0


async def test_injected_faults():
    plan = iter(["500", "drop", "timeout", None])
    with FakeTelegramServer(
        faults=lambda method, params: next(plan) if method == "sendMessage" else None, slow_seconds=0.5
    ) as tg:
        async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as bot:
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await bot.send_message(CHAT, "1")
            with pytest.raises(NetworkError):
                await bot.send_message(CHAT, "2")
            with pytest.raises(TimedOut):
                await bot.send_message(CHAT, "3", read_timeout=0.1)
            await bot.send_message(CHAT, "4")
        await asyncio.to_thread(tg.wait_sent, CHAT, 2, 5)
    assert [r.code for r in tg.refused] == [500, 0]
    assert sorted(s["text"] for s in tg.sent(CHAT)) == ["3", "4"]  # the slow one went out too


async def test_real_application_polls_and_routes_commands_and_buttons(tg):
    async def start(update, context):
        await update.message.reply_text("Chào bạn", reply_markup=keyboard("menu:1"))

    async def pressed(update, context):
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"Đã chọn {update.callback_query.data}")

    app = Application.builder().token(tg.token).base_url(f"{tg.base_url}/bot").build()
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(pressed)])
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=5)
        await app.start()
        tg.push_text(CHAT, "/start")
        await asyncio.to_thread(tg.wait_sent, CHAT, 1, 5)
        tg.push_callback(CHAT, "menu:1")
        sent = await asyncio.to_thread(tg.wait_sent, CHAT, 2, 5)
        await app.updater.stop()
        await app.stop()
    assert [s["text"] for s in sent] == ["Chào bạn", "Đã chọn menu:1"]
    assert tg.pending_updates() == 0 and tg.rejected == [] and tg.refused == []


def test_wait_for_timeout_names_the_last_messages(tg):
    post(tg, "sendMessage", chat_id=CHAT, text="tin cuối")
    with pytest.raises(TimeoutError, match="tin cuối"):
        tg.wait_for(lambda s: False, timeout=0.1)


def test_runs_standalone():
    repo = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fake_telegram", "--port", "0", "--token", "7:X"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        me = httpx.get(f"{base_url}/bot7:X/getMe", timeout=5).json()
        assert base_url.startswith("http://127.0.0.1:") and me["result"]["id"] == 7
    finally:
        process.kill()
        process.wait(timeout=5)


async def test_without_the_spec_it_still_serves_and_checks_keyboards(tmp_path):
    with FakeTelegramServer(spec_path=tmp_path / "absent.json") as tg:
        async with Bot(tg.token, base_url=f"{tg.base_url}/bot") as bot:
            await bot.send_message(CHAT, "123", reply_markup=keyboard("case:1"))
            assert await bot.do_api_request("noSuchMethod") is True
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(CHAT, "x", reply_markup=keyboard(""))
    assert tg.spec_checked is False
    assert tg.sent(CHAT)[0]["text"] == "123" and tg.sent(CHAT)[0]["chat_id"] == CHAT
