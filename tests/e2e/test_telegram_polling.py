"""End to end: the real bot process in polling mode against a local fake Bot API server.

A mediator joins with a code and logs a case; the process is SIGKILLed in the middle of a
second case and restarted: the first case is in the store, the second flow resumes. Its
world is made by real `python -m bot admin …` processes, the shell's path (the other e2e
tests make theirs in-process).
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.botprocess import (
    TOKEN,
    BotProcess,
    TelegramUser,
    join_and_log_a_case,
    make_world,
    opener,
)
from tests.fakes.fake_telegram import FakeTelegramServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def server():
    with FakeTelegramServer(token=TOKEN) as fake:
        yield fake
    if not fake.spec_checked:
        print("note: ../shared/reference/telegram-bot-api.json absent; Bot API calls not checked against the spec")


@pytest.fixture
def bot(tmp_path, server):
    proc = BotProcess(
        tmp_path,
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
            "LOG_LEVEL": "DEBUG",  # the most talkative level: still no token, no personal data
        },
    )
    yield proc
    proc.stop()


def test_join_log_kill_restart_resume(tmp_path, server, bot):
    code = make_world(bot, process=True)
    bot.start()
    user = TelegramUser(server, chat_id=70001, name="Minh")

    join_and_log_a_case(user, code)

    user.type("/vuviec", expect="Ngày tiếp nhận")
    user.press("Hôm qua", expect="thuộc loại nào")
    user.press("Hôn nhân", expect="Vì sao")
    user.press("Tổ trưởng phân công", expect="Tên các bên")
    bot.kill()

    db = sqlite3.connect(tmp_path / "e2e.sqlite3")
    assert db.execute("select parties like 'v1:%' from cases").fetchall() == [(1,)]  # encrypted at rest
    [(seq, category, summary)] = db.execute("select seq, category, summary from cases").fetchall()
    assert summary.startswith("v1:")  # sealed at rest, like the draft below
    assert (seq, category, opener(tmp_path / "e2e.sqlite3")(summary)) == (1, "dan_su", "Tranh chấp ranh giới đất vườn")
    assert db.execute("select flow, step from conversations").fetchall() == [("case", "parties")]
    db.close()

    bot.start()
    user.type("Lê Văn Cường; Phạm Thị Dung", expect="Địa chỉ")
    user.press("Bỏ qua", expect="Tóm tắt")
    user.type("Vợ chồng mâu thuẫn về việc nuôi con", expect="Hòa giải viên nào")
    user.press("Xong", expect="Tổ trưởng phân công")
    user.press("Xác nhận", expect="-2/20")

    db = sqlite3.connect(tmp_path / "e2e.sqlite3")
    rows = db.execute("select seq, category, source from cases order by seq").fetchall()
    db.close()
    assert rows == [(1, "dan_su", "yeu_cau"), (2, "hon_nhan", "phan_cong")]
    assert server.rejected == []
    log = bot.log_text()
    assert "DEBUG" in log  # the scan below read a debug-level log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    for personal in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "0912 345 678", "ngõ Hòe", "Minh"):
        assert personal not in log, personal
    assert "Traceback" not in log
