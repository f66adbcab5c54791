"""Start the real `python -m bot` process for end-to-end tests, and talk to it as a user.

The shell commands that set a test up (units, invites, announcements) run in this process
(tests/cli.py: the same `main`, without starting a Python per command); `cli_process` and
`make_world(..., process=True)` keep the real command line for the test that checks it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.cli import run_bot

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-e2e-secret-token"


class BotProcess:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO", **env}
        self.log = workdir / "bot.log"
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        """`python -m bot args…` in this process, with this bot's environment and folder."""
        done = run_bot(self.workdir, self.env, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def cli_process(self, *args: str) -> str:
        """The same in a real `python -m bot` process."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when a server loses power."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def make_world(bot: BotProcess, *, process: bool = False) -> str:
    """A province → ward → village → team, and a mediators' invite code for the team; through
    real `python -m bot` processes if `process`."""
    cli = bot.cli_process if process else bot.cli
    cli("admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh E")
    cli("admin", "unit", "add", "--kind", "xa", "--name", "Phường F", "--parent", "1")
    cli("admin", "unit", "add", "--kind", "thon", "--name", "Tổ dân phố 3", "--parent", "2")
    cli("admin", "unit", "add", "--kind", "to_hoa_giai", "--name", "Tổ hòa giải số 3", "--parent", "3")
    out = cli("admin", "invite", "--unit", "4", "--role", "hoa_giai_vien")
    return re.search(r"([A-Z0-9]{8})", out).group(1)


class TelegramUser:
    """A person in a private chat with the bot, through the fake Bot API server."""

    def __init__(self, server, chat_id: int, name: str = "Minh") -> None:
        self.server = server
        self.chat_id = chat_id
        self.name = name

    def _expect(self, before: int, fragment: str, timeout: float) -> str:
        def seen(s) -> bool:
            return any(fragment in (m.get("text") or "") for m in s.sent(self.chat_id)[before:])

        self.server.wait_for(seen, timeout)
        return "\n".join(m.get("text") or "" for m in self.server.sent(self.chat_id)[before:])

    def type(self, text: str, expect: str, timeout: float = 20) -> str:
        before = len(self.server.sent(self.chat_id))
        self.server.push_text(self.chat_id, text, first_name=self.name)
        return self._expect(before, expect, timeout)

    def press(self, label: str, expect: str, timeout: float = 20) -> str:
        for message in reversed(self.server.sent(self.chat_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            button = next((b for row in rows for b in row if label in b["text"]), None)
            if button is not None:
                before = len(self.server.sent(self.chat_id))
                self.server.push_callback(self.chat_id, button["callback_data"], message["message_id"])
                return self._expect(before, expect, timeout)
        raise AssertionError(f"no button {label!r} in the chat")


def join_and_log_a_case(user: TelegramUser, code: str) -> None:
    """Join with an invite code (as Minh), then log case 1 through every step of /vuviec."""
    user.type(f"/start {code}", expect="Họ và tên")
    user.press("Dùng tên", expect="Giới tính")
    user.press("Nam", expect="dân tộc thiểu số")
    user.press("Không", expect="Chào mừng Minh")
    user.type("/vuviec", expect="Ngày tiếp nhận")
    user.press("Hôm nay", expect="thuộc loại nào")
    user.press("Tranh chấp dân sự", expect="Vì sao")
    user.press("Các bên yêu cầu", expect="Tên các bên")
    user.type("Nguyễn Văn An; Trần Thị Bình", expect="Địa chỉ")
    user.type("số 5 ngõ Hòe, 0912 345 678; số 7 ngõ Hòe", expect="Tóm tắt")
    user.type("Tranh chấp ranh giới đất vườn", expect="Hòa giải viên nào")
    user.press("Xong", expect="Kiểm tra lại")
    user.press("Xác nhận", expect="-1/20")


def opener(store: Path):
    """Opens values the bot sealed in a SQLite store, with the key file it made beside it."""
    from storage.crypto import PartyCipher, key_file_for

    cipher = PartyCipher(key_file_for(f"sqlite:///{store}").read_bytes().strip())
    return lambda value: cipher.open_text(value) if value is not None else None


def idle(server, timeout: float = 10) -> None:
    """Wait until the fake Telegram server answers no request (a held one is carried out first)."""
    with server._cond:
        assert server._cond.wait_for(lambda: server._in_flight == 0, timeout), "requests still in flight"


def inbox_rows(url: str) -> int:
    """Webhook updates kept but not yet handled (a handled update's row is deleted once its turn,
    replies included, is done)."""
    import asyncio

    from sqlalchemy import text

    from storage.db import Database

    async def count() -> int:
        db = Database(url)
        try:
            async with db.engine.connect() as conn:
                return (await conn.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
        finally:
            await db.dispose()

    return asyncio.run(count())


def handled(url: str, timeout: float = 20) -> None:
    """Wait until every webhook update the bot took is handled: no reply of it is still to come."""
    import time

    deadline = time.monotonic() + timeout
    while (left := inbox_rows(url)) > 0:
        assert time.monotonic() < deadline, f"{left} updates not handled within {timeout}s"
        time.sleep(0.05)
