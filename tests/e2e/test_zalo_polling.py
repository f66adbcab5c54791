"""End to end: the real bot process in Zalo polling mode against the local fake Zalo server.

The fake behaves as the platform notes say: one update per getUpdates, 408 when idle, and
errors as ok:false with HTTP 200. A mediator joins with a code and logs a case by typing
numbers; the process is SIGKILLed in the middle of a second case and restarted: the first
case is in the store, and the second flow resumes where it stopped.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from tests.e2e.botprocess import BotProcess, make_world, opener
from tests.fakes.fake_zalo import FakeZaloServer

pytestmark = pytest.mark.e2e

ZALO_TOKEN = "987654:ZALO-e2e-secret-token"
POLL = 1  # seconds per long poll, so a poll abandoned by a killed process ends quickly
CHOICE = re.compile(r"^(\d+)\. (.+)$", re.M)


class ZaloUser:
    def __init__(self, server: FakeZaloServer, user_id: str, name: str) -> None:
        self.server = server
        self.user_id = user_id
        self.name = name

    def _expect(self, before: int, fragment: str, timeout: float) -> str:
        def seen(m) -> bool:
            return m["chat_id"] == self.user_id and fragment in (m.get("text") or "")

        self.server.wait_for(seen, timeout, start=before)
        return "\n".join(m["text"] for m in self.server.sent(self.user_id))

    def type(self, text: str, expect: str, timeout: float = 20) -> str:
        before = len(self.server.sent())
        self.server.push_text(self.user_id, text, display_name=self.name)
        return self._expect(before, expect, timeout)

    def send_event(self, kind: str, expect: str, timeout: float = 20) -> str:
        before = len(self.server.sent())
        self.server.push_event(self.user_id, kind, display_name=self.name)
        return self._expect(before, expect, timeout)

    def choose(self, label: str, expect: str, timeout: float = 20) -> str:
        """Type the number of an option of the last numbered list the bot sent."""
        for message in reversed(self.server.sent(self.user_id)):
            options = CHOICE.findall(message["text"] or "")
            if options:
                number = next((n for n, lab in options if label in lab), None)
                assert number is not None, f"no option {label!r} in {options}"
                return self.type(number, expect, timeout)
        raise AssertionError("no numbered choices in the chat")


@pytest.fixture
def server():
    with FakeZaloServer(ZALO_TOKEN) as fake:
        yield fake


@pytest.fixture
def bot(tmp_path, server):
    proc = BotProcess(
        tmp_path,
        {
            "TELEGRAM_BOT_TOKEN": "",
            "ZALO_BOT_TOKEN": ZALO_TOKEN,
            "ZALO_API_BASE_URL": server.base_url,
            "ZALO_POLL_TIMEOUT": str(POLL),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
        },
    )
    yield proc
    proc.stop()


def test_join_log_kill_restart_resume_on_zalo(tmp_path, server, bot):
    code = make_world(bot)
    bot.start()
    user = ZaloUser(server, "6ede9afa66b88fe6d6a9", "Minh")

    user.type(f"start {code}", expect="Họ và tên")
    user.choose("Dùng tên", expect="Giới tính")
    user.type("nam", expect="dân tộc thiểu số")
    user.choose("Không", expect="Chào mừng Minh")
    user.send_event("sticker", expect="chỉ đọc được tin nhắn chữ")

    user.type("vuviec", expect="Ngày tiếp nhận")
    user.choose("Hôm nay", expect="thuộc loại nào")
    user.choose("Tranh chấp dân sự", expect="Vì sao")
    user.choose("Các bên yêu cầu", expect="Tên các bên")
    user.type("Nguyễn Văn An; Trần Thị Bình", expect="Địa chỉ")
    user.type("bo qua", expect="Tóm tắt")
    user.type("Tranh chấp ranh giới đất vườn", expect="Hòa giải viên nào")
    user.choose("Xong", expect="Kiểm tra lại")
    user.choose("Xác nhận", expect="-1/20")

    user.type("/vuviec", expect="Ngày tiếp nhận")
    user.choose("Hôm qua", expect="thuộc loại nào")
    user.choose("Hôn nhân", expect="Vì sao")
    user.choose("Tổ trưởng phân công", expect="Tên các bên")
    bot.kill()

    db = sqlite3.connect(tmp_path / "e2e.sqlite3")
    [(seq, category, summary)] = db.execute("select seq, category, summary from cases").fetchall()
    assert (seq, category, opener(tmp_path / "e2e.sqlite3")(summary)) == (1, "dan_su", "Tranh chấp ranh giới đất vườn")
    assert db.execute("select flow, step from conversations").fetchall() == [("case", "parties")]
    db.close()

    # Zalo polling has no acknowledgement: the killed process's last long poll is still open
    # on the server and would swallow the next message. Production uses the webhook.
    time.sleep(POLL + 0.5)
    bot.start()
    user.type("Lê Văn Cường; Phạm Thị Dung", expect="Địa chỉ")
    user.choose("Bỏ qua", expect="Tóm tắt")
    user.type("Vợ chồng mâu thuẫn về việc nuôi con", expect="Hòa giải viên nào")
    user.choose("Xong", expect="Tổ trưởng phân công")
    user.choose("Xác nhận", expect="-2/20")

    db = sqlite3.connect(tmp_path / "e2e.sqlite3")
    rows = db.execute("select seq, category, source from cases order by seq").fetchall()
    accounts = db.execute("select channel, external_id from accounts").fetchall()
    db.close()
    assert rows == [(1, "dan_su", "yeu_cau"), (2, "hon_nhan", "phan_cong")]
    assert accounts == [("zalo", user.user_id)]
    assert all(len(m["text"]) <= 2000 for m in server.sent())
    log = bot.log_text()
    assert ZALO_TOKEN not in log and ZALO_TOKEN.split(":")[1] not in log
    assert "Traceback" not in log and "zalo: polling" in log
