"""End to end (issue #7): the fake Telegram and Zalo servers fail at random while a mediator
talks to the real bot process and while an announcement goes out to 300 people: nothing
confirmed is lost, nothing is sent twice.

Faults: 429 (retry after 1 s), 500, connections closed unanswered ("drop") and timeouts, on
sendMessage and answerCallbackQuery and on every poll (getUpdates), drawn by a seeded hook
(`Faults`). One request fails at most `STREAK` times in a row, within the bot's retry budget
for a reply (3 attempts on Zalo, 4 on Telegram); what happens beyond it is not asserted here.
FAULT_SEED=n in the environment runs another seed; the committed one puts every kind of fault
on a sendMessage in both conversations (checked).

A "timeout" differs between the fakes, and so does what may be asserted:
- the Telegram fake holds the call for `slow_seconds`, then carries it out, as Telegram does.
  In the conversations it is shorter than the bot's read timeout (TELEGRAM_READ_TIMEOUT, 2.5 s
  here, 5 s by default): a slow answer, waited out. In the broadcast it is longer: the bot
  gives up although the message arrives, the ambiguous case, which the outbox must neither
  send again nor count as sent: "uncertain".
- the Zalo fake hangs, then closes the connection without carrying the call out: a lost
  request, safe to send again.

Every count is taken once the bot process has stopped and the fake has carried out what it
held: nothing more can arrive, so "none twice" is checked, not hoped for after a pause.

What is asserted:
- conversation: every step's replies arrive, and after the scenario the messages between two
  steps are exactly that step's replies, one message each, none twice; the store holds what the
  bot confirmed (the person who joined, the case, its outcome and agreement);
- broadcast: every delivery ends sent or uncertain; the fake recorded each sent one exactly
  once and each uncertain one at most once; the uncertain ones are exactly the Telegram sends
  that timed out; no chat got the announcement twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.botprocess import TOKEN, BotProcess, TelegramUser, make_world, opener
from tests.e2e.test_broadcast_e2e import add_people
from tests.e2e.test_zalo_polling import ZALO_TOKEN, ZaloUser
from tests.fakes.fake_telegram import FakeTelegramServer
from tests.fakes.fake_zalo import FakeZaloServer

pytestmark = pytest.mark.e2e

SEED = int(os.environ.get("FAULT_SEED", "20260701"))
RATE = 0.2  # share of requests that fail (and of those, the share that fail once more)
POLL_RATE = 0.1  # share of polls that fail
STREAK = 2  # the most times in a row one request fails
KINDS = ("429", "500", "drop", "timeout")
AGREEMENT = "Hai bên đồng ý mở lại lối đi rộng 1,5 m."
ANNOUNCEMENT = "Họp tổ hòa giải lúc 8 giờ sáng thứ Hai tại nhà văn hóa."
TELEGRAM_READ_TIMEOUT = 2.5  # the bot's TELEGRAM_READ_TIMEOUT here (5 s by default): held calls wait less
SLOW, TOO_LATE = TELEGRAM_READ_TIMEOUT - 1.5, TELEGRAM_READ_TIMEOUT + 1  # a fake "timeout" hold: waited out, given up
ZALO_HANG = 1.0  # a Zalo "timeout": the connection hangs this long, then closes unanswered


class Faults:
    """The fakes' faults hook, seeded. Each new request to `methods` (a sendMessage to a chat,
    an answerCallbackQuery) meets a plan: with probability `rate` it fails, and again with
    probability `rate`, up to `streak` times, then it goes through. A retry is the same
    (method, chat, text) while its plan lasts. Kinds come from shuffled bags of `kinds`, so
    every kind shows once a method has had as many faults as there are kinds. Plans are drawn
    in the order requests first arrive, per method: in a conversation (one message at a time)
    that order, and so the whole run, is the same every time. Polls repeat while idle, as
    often as timing makes them: each fails with probability `poll_rate`, from its own generator."""

    def __init__(
        self,
        seed: int,
        methods: set[str],
        *,
        rate: float = RATE,
        poll_rate: float = POLL_RATE,
        kinds: tuple[str, ...] = KINDS,
        streak: int = STREAK,
    ) -> None:
        self.methods, self.rate, self.poll_rate, self.kinds, self.streak = methods, rate, poll_rate, kinds, streak
        self.injected: Counter[tuple[str, str]] = Counter()  # (method, kind) → how many
        self.timed_out: list[tuple[str, str]] = []  # (chat, text) of sendMessage calls held by "timeout"
        self._rngs = {m: random.Random(f"{seed}:{m}") for m in sorted(methods)}
        self._bags: dict[str, list[str]] = {m: [] for m in methods}
        self._plans: dict[tuple, list[str]] = {}  # the faults a request in progress has still to meet
        self._lock = threading.Lock()

    def __call__(self, method: str, params: dict) -> str | None:
        if method not in self.methods:
            return None
        with self._lock:
            fault = self._draw(method, params)
            if fault:
                self.injected[(method, fault)] += 1
                if fault == "timeout" and method == "sendMessage":
                    self.timed_out.append((str(params.get("chat_id")), params.get("text")))
            return fault

    def _draw(self, method: str, params: dict) -> str | None:
        rng = self._rngs[method]
        if method == "getUpdates":
            return rng.choice(self.kinds) if rng.random() < self.poll_rate else None
        key = (method, str(params.get("chat_id", "")), params.get("text") or params.get("callback_query_id"))
        plan = self._plans.get(key)
        if plan is None:  # a new request
            plan = self._plans[key] = []
            while len(plan) < self.streak and rng.random() < self.rate:
                plan.append(self._kind(method))
        if not plan:
            del self._plans[key]  # this attempt goes through
            return None
        return plan.pop(0)

    def _kind(self, method: str) -> str:
        bag = self._bags[method]
        if not bag:
            bag.extend(self.kinds)
            self._rngs[method].shuffle(bag)
        return bag.pop()

    def kinds_of(self, method: str) -> set[str]:
        return {k for (m, k) in self.injected if m == method}

    def summary(self) -> dict[str, int]:
        return {f"{m} {k}": n for (m, k), n in sorted(self.injected.items())}


# --- the conversation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    action: str  # "type" a text, or "press" a button (Telegram) / choose a numbered option (Zalo)
    arg: str
    replies: tuple[str, ...]  # one fragment per message the bot answers with


SCENARIO = [
    Step("type", "/start {code}", ("Mã hợp lệ", "Họ và tên")),
    Step("press", "Dùng tên", ("Giới tính",)),
    Step("press", "Nam", ("dân tộc thiểu số",)),
    Step("press", "Không", ("Chào mừng Minh", "Bạn muốn làm gì")),
    Step("type", "/vuviec", ("Ngày tiếp nhận",)),
    Step("press", "Hôm nay", ("thuộc loại nào",)),
    Step("press", "Tranh chấp dân sự", ("Vì sao",)),
    Step("press", "Các bên yêu cầu", ("Tên các bên",)),
    Step("type", "Nguyễn Văn An; Trần Thị Bình", ("Địa chỉ",)),
    Step("type", "số 5 ngõ Hòe, 0912 345 678; số 7 ngõ Hòe", ("Tóm tắt",)),
    Step("type", "Tranh chấp ranh giới đất vườn", ("Hòa giải viên nào",)),
    Step("press", "Xong", ("Kiểm tra lại",)),
    Step("press", "Xác nhận", ("Đã lưu vụ việc số",)),
    Step("type", "/cuatoi", ("trên tổng số 1",)),
    Step("press", "1/20", ("Diễn biến",)),
    Step("press", "Hòa giải thành", ("đã thỏa thuận được gì",)),
    Step("type", AGREEMENT, ("Ngày có kết quả",)),
    Step("press", "Hôm nay", ("Ngày các buổi hòa giải",)),
    Step("press", "Một buổi", ("Hòa giải ở đâu",)),
    Step("press", "Bỏ qua", ("mời ai",)),
    Step("press", "Không mời ai", ("Kiểm tra kết quả",)),
    Step("press", "Xác nhận", ("Thỏa thuận đạt được",)),
]


def unmatched(texts: list[str], fragments: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Pair each expected fragment with one message containing it: (missing, extra)."""
    left, missing = list(texts), []
    for fragment in fragments:
        hit = next((t for t in left if fragment in t), None)
        if hit is None:
            missing.append(fragment)
        else:
            left.remove(hit)
    return missing, left


def play(
    steps: list[Step], act: Callable[[Step], None], texts: Callable[[], list[str]], timeout: float = 45
) -> list[int]:
    """Play the steps; each waits for all its replies. Returns where each step's messages start."""
    windows: list[int] = []
    for step in steps:
        windows.append(len(texts()))
        act(step)
        deadline = time.monotonic() + timeout
        while unmatched(texts()[windows[-1] :], step.replies)[0]:
            assert time.monotonic() < deadline, f"{step}: replies missing; got {texts()[windows[-1] :]}"
            time.sleep(0.05)
    return windows


def check_windows(steps: list[Step], windows: list[int], all_texts: list[str]) -> None:
    """Every step's window of messages holds exactly its replies: one message each, none
    missing, none twice (taken once the bot has stopped: a late duplicate is in them)."""
    problems = []
    for step, start, end in zip(steps, windows, [*windows[1:], len(all_texts)], strict=True):
        missing, extra = unmatched(all_texts[start:end], step.replies)
        if missing or extra:
            problems.append(f"{step.action} {step.arg!r}: missing {missing}, extra {[t[:60] for t in extra]}")
    assert not problems, "\n".join(problems)


def check_store(path) -> None:
    """Every step the bot confirmed is in the store: the person, the case and its outcome."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("select full_name, sex, ethnic_minority from people where full_name = 'Minh'").fetchall() == [
            ("Minh", "nam", 0)
        ]
        opened = opener(Path(path))
        rows = db.execute("select seq, category, source, summary, status, agreement from cases").fetchall()
        assert [(*r[:3], opened(r[3]), r[4], opened(r[5])) for r in rows] == [
            (1, "dan_su", "yeu_cau", "Tranh chấp ranh giới đất vườn", "thanh", AGREEMENT)
        ]
        assert db.execute("select kind, status from case_events order by id").fetchall() == [
            ("created", "dang_hoa_giai"),
            ("status", "thanh"),
        ]
        assert db.execute("select flow from conversations where flow is not null").fetchall() == []
    finally:
        db.close()


def bot_process(tmp_path, **env: str) -> BotProcess:
    return BotProcess(
        tmp_path,
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
            "QUIET_HOURS": "off",
            "TELEGRAM_BOT_TOKEN": "",
            **env,
        },
    )


def telegram_bot(tmp_path, server: FakeTelegramServer, **env: str) -> BotProcess:
    return bot_process(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.base_url,
        TELEGRAM_READ_TIMEOUT=str(TELEGRAM_READ_TIMEOUT),
        **env,
    )


def check_log(bot: BotProcess) -> None:
    log = bot.log_text()
    assert TOKEN not in log and ZALO_TOKEN not in log
    for failure in (
        "turn failed",
        "update not handled",
        "handler error",
        "drain failed",
        "unexpected",
        "polling failed",
        "Traceback",
    ):
        assert failure not in log, failure


def run_scenario(bot: BotProcess, server, faults: Faults, act, texts) -> None:
    """Start the bot, play SCENARIO through `act`, stop the bot, then the fake (which carries
    out what it held); then check every step's messages; every kind of fault must have hit."""
    bot.start()
    try:
        windows = play(SCENARIO, act, texts)
    finally:
        bot.stop()
        server.stop()
    print("faults:", faults.summary())
    check_windows(SCENARIO, windows, texts())
    check_coverage(faults)


def check_coverage(faults: Faults) -> None:
    assert faults.kinds_of("sendMessage") == set(KINDS) or "FAULT_SEED" in os.environ, faults.summary()


def test_telegram_conversation_under_faults(tmp_path):
    """Join, log a case, record its outcome; sends, button answers and polls fail at random."""
    faults = Faults(SEED, {"sendMessage", "answerCallbackQuery", "getUpdates"})
    with FakeTelegramServer(token=TOKEN, faults=faults, slow_seconds=SLOW) as server:
        bot = telegram_bot(tmp_path, server)
        code = make_world(bot)
        user = TelegramUser(server, chat_id=70001, name="Minh")

        def act(step: Step) -> None:
            do = user.type if step.action == "type" else user.press
            do(step.arg.format(code=code), expect=step.replies[-1], timeout=45)

        def texts() -> list[str]:
            return [m["text"] or "" for m in server.sent(user.chat_id) if m["method"] == "sendMessage"]

        run_scenario(bot, server, faults, act, texts)
    assert server.rejected == []
    check_store(tmp_path / "e2e.sqlite3")
    check_log(bot)


def test_zalo_conversation_under_faults(tmp_path):
    """The same by typing numbers on Zalo; sends and polls fail at random."""
    faults = Faults(SEED, {"sendMessage", "getUpdates"})
    with FakeZaloServer(ZALO_TOKEN, faults=faults, hang_seconds=ZALO_HANG) as server:
        bot = bot_process(tmp_path, ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=server.base_url, ZALO_POLL_TIMEOUT="1")
        code = make_world(bot)
        user = ZaloUser(server, "6ede9afa66b88fe6d6a9", "Minh")

        def act(step: Step) -> None:
            do = user.type if step.action == "type" else user.choose
            do(step.arg.format(code=code), expect=step.replies[-1], timeout=45)

        def texts() -> list[str]:
            return [m["text"] or "" for m in server.sent(user.user_id)]

        run_scenario(bot, server, faults, act, texts)
    check_store(tmp_path / "e2e.sqlite3")
    check_log(bot)


def test_telegram_reply_answered_too_late_is_not_sent_again(tmp_path):
    """The ambiguous timeout inside a turn: Telegram shows the message, the bot saw no answer.
    It must not send it again, and the turn's next reply still goes."""
    held: list[str] = []

    def hold_first_welcome(method: str, params: dict) -> str | None:
        if method == "sendMessage" and params["text"].startswith("Mã hợp lệ") and not held:
            held.append(params["text"])
            return "timeout"
        return None

    with FakeTelegramServer(token=TOKEN, faults=hold_first_welcome, slow_seconds=TOO_LATE) as server:
        bot = telegram_bot(tmp_path, server)
        code = make_world(bot)
        user = TelegramUser(server, chat_id=70002, name="Minh")
        bot.start()
        try:
            user.type(f"/start {code}", expect="Mã hợp lệ", timeout=20)
            user._expect(0, "Họ và tên", timeout=20)  # the turn went on past the unanswered send
        finally:
            bot.stop()
            server.stop()  # carries out what it held: every message the chat will ever get is in
    texts = [m["text"] for m in server.sent(user.chat_id)]
    assert held and sum(t.startswith("Mã hợp lệ") for t in texts) == 1, texts
    assert any("Họ và tên" in t for t in texts), texts  # the turn's next reply still went


# --- the broadcast ------------------------------------------------------------------------------

TG_PEOPLE, ZALO_PEOPLE = 200, 100
TG_FIRST = 820_000
ZALO_IDS = [f"z{i:06d}" for i in range(ZALO_PEOPLE)]
OPEN = ("pending", "claimed", "sending")


def rows(path) -> list[tuple[str, str, str]]:
    """(status, channel, external id) of every delivery."""
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "select d.status, a.channel, a.external_id from deliveries d join accounts a on a.person_id = d.person_id"
        ).fetchall()
    finally:
        db.close()


def wait_until(check: Callable[[], bool], timeout: float, what: Callable[[], object]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what()
        time.sleep(0.2)


def test_broadcast_to_telegram_and_zalo_under_faults(tmp_path):
    """An announcement to 200 Telegram and 100 Zalo accounts while a fifth of the sends fail."""
    tg_faults, zalo_faults = Faults(SEED, {"sendMessage"}), Faults(SEED + 1, {"sendMessage"})
    path = tmp_path / "e2e.sqlite3"
    text = f"📢 Thông báo của Phường F:\n{ANNOUNCEMENT}"
    with (
        FakeTelegramServer(token=TOKEN, faults=tg_faults, slow_seconds=TOO_LATE) as tg,
        FakeZaloServer(ZALO_TOKEN, faults=zalo_faults, hang_seconds=ZALO_HANG) as zalo,
    ):
        bot = telegram_bot(
            tmp_path,
            tg,
            ZALO_BOT_TOKEN=ZALO_TOKEN,
            ZALO_API_BASE_URL=zalo.base_url,
            ZALO_POLL_TIMEOUT="1",
            DISPATCH_RATE="200",
            ZALO_SEND_RATE="100",
        )
        make_world(bot)
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(add_people(url, 4, TG_PEOPLE, ids=[str(TG_FIRST + i) for i in range(TG_PEOPLE)]))
        asyncio.run(add_people(url, 4, ZALO_PEOPLE, channel="zalo", ids=ZALO_IDS))
        zalo.know(*ZALO_IDS)
        out = bot.cli("broadcast", "--unit", "Phường F", "--text", ANNOUNCEMENT)
        assert f"{TG_PEOPLE + ZALO_PEOPLE} người" in out

        def got() -> Counter:
            counts = Counter(str(m["chat_id"]) for m in tg.sent() if m["method"] == "sendMessage")
            counts.update(m["chat_id"] for m in zalo.sent())
            return counts

        bot.start()
        try:
            wait_until(
                lambda: not any(s in OPEN for s, _, _ in rows(path)), 60, lambda: Counter(s for s, _, _ in rows(path))
            )
        finally:
            bot.stop()
            tg.stop()  # a send held past the bot's patience is carried out now, as Telegram would
            zalo.stop()
    late = {chat for chat, _ in tg_faults.timed_out}
    final, counts = rows(path), got()
    statuses = Counter((status, channel) for status, channel, _ in final)
    report = f"statuses {dict(statuses)}; faults: Telegram {tg_faults.summary()}, Zalo {zalo_faults.summary()}"
    print(report)
    assert {m["text"] for m in tg.sent()} | {m["text"] for m in zalo.sent()} == {text}
    assert [chat for chat, n in counts.items() if n > 1] == [], f"sent twice; {report}"
    assert len(final) == TG_PEOPLE + ZALO_PEOPLE
    for status, channel, chat in final:
        assert status in ("sent", "uncertain"), f"{channel} {chat}: {status}; {report}"
        assert counts[chat] == 1 if status == "sent" else counts[chat] <= 1, f"{channel} {chat}: {status}; {report}"
    uncertain = {chat for status, _, chat in final if status == "uncertain"}
    assert uncertain == late, f"uncertain {sorted(uncertain)}, timed out {sorted(late)}; {report}"
    assert tg_faults.kinds_of("sendMessage") and zalo_faults.kinds_of("sendMessage"), report
    assert tg.rejected == []
    check_log(bot)
