"""Property-based: random updates to the Telegram, Zalo and console adapters (40 runs of up to
8 each by default, 400 with HYPOTHESIS_PROFILE=ci, as .ci/run sets).

Any text (huge, control characters, markup, SQL-looking), forged button data naming other
people's cases and units, stale buttons and unknown update types: no exception reaches the
user (the engine's 'internal error' reply never appears), every message gets an answer, and
no reply carries data of another team.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from telegram import Update

from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_client import ZaloUpdate
from storage.db import Database
from storage.models import Account, Case, Role
from tests.fakes.fake_request import FakeRequest
from tests.support import START, Chat, Clock, build_world, invite_code, make_engine
from tests.unit.test_case_flow import log_case

SECRET_NAME, SECRET_SUMMARY = "Bí Mật Bê", "CHUYỆN RIÊNG TỔ HAI"
HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=12_000),
    st.sampled_from(
        [
            "/vuviec",
            "/cuatoi",
            "/huy",
            "menu",
            "1",
            "2",
            "99",
            "/start",
            "/start ZZZZZZZZ",
            "/dieu 12",
            "/thongke",
            "/baocao",
            "/moi",
            "/lienket",
            "/nhacnho",
            "/hoidap",
            "xác nhận",
            "'; DROP TABLE cases; --",
            "<b>đậm</b>",
            "*_`[]()~>#+-=|{}.!",
            "\x00\x1b[31m\u202e",
            "🤔🙏🏽" * 50,
            "điều 99",
            "/dieu -1",
            "/start " + "A" * 300,
        ]
    ),
)


def forged_payloads(foreign_case: int, foreign_unit: int) -> st.SearchStrategy[str]:
    ids = st.sampled_from([foreign_case, foreign_unit, 0, -1, 10**15])
    actions = st.sampled_from(
        [
            "case:view",
            "case:ok",
            "case:fail",
            "case:fix",
            "case:note",
            "case:end",
            "case:reopen",
            "case:reopenyes",
            "case:hist",
            "case:list",
            "pv:ask",
            "pv:anon",
            "sp:ask",
            "qa:s",
            "qa:d:0",
            "cmd",
            "st:u",
            "tr:yes",
            "tr:no",
            "dl:done",
            "f:beef:date",
            "f:0000:confirm",
        ]
    )
    return st.one_of(
        st.builds(lambda a, i: f"{a}:{i}", actions, ids),
        st.builds(lambda a, i, v: f"{a}:{i}:{v}", actions, ids, st.text(max_size=10)),
        st.text(max_size=80),
    )


class World:
    """One store per adapter run: team A's mediator attacks; team B holds a secret case."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.db = Database("sqlite+aiosqlite://")
        self.clock = Clock(START)
        self.loop.run_until_complete(self._setup())

    async def _setup(self) -> None:
        await self.db.create_all()
        self.world = await build_world(self.db)
        self.engine = make_engine(self.db, self.clock)
        victim = Chat(self.engine, "hgv_b")
        await log_case(victim, summary=SECRET_SUMMARY)
        await victim.press("Sửa")
        await victim.press("Các bên")
        await victim.send(f"{SECRET_NAME}; Người Khác")
        await victim.press("Bỏ qua")  # their addresses
        await victim.press("Xác nhận")
        async with self.db.uow() as uow:
            self.foreign_case = (await uow.session.scalar(select(Case))).id
        code = await invite_code(self.db, Role.HOA_GIAI_VIEN, self.world.team_a)
        for channel, account in (("telegram", "700"), ("zalo", "z700"), ("console", "hgv")):
            async with self.db.uow() as uow:  # the attacker is a team A mediator on every channel
                uow.session.add(
                    Account(
                        channel=channel,
                        external_id=account,
                        person_id=self.world.people["hgv_a"].id,
                        last_seen_at=START,
                    )
                )
                await uow.commit()
        self.code = code

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self.db.dispose())
        self.loop.close()


def assert_clean(texts: list[str], internal_error: str) -> None:
    joined = "\n".join(texts)
    assert SECRET_NAME not in joined and SECRET_SUMMARY not in joined
    assert internal_error not in joined


def test_console_survives_random_input():
    w = World()
    out: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    console = ConsoleChannel(w.engine, w.engine.deps.catalog, ward="x", db_path="x", stdout=Sink())
    console.persona = "hgv"
    internal = w.engine.deps.catalog.t("error.internal")

    @settings(deadline=None, suppress_health_check=list(HealthCheck))  # examples: the profile (conftest)
    @given(
        st.lists(st.one_of(HOSTILE_TEXT, forged_payloads(w.foreign_case, w.world.team_b.id)), min_size=1, max_size=8)
    )
    def run(inputs: list[str]) -> None:
        for text in inputs:
            before = len(out)
            w.run(console.say(text))
            assert len(out) > before, f"no answer to {text[:40]!r}"
            assert_clean(out[before:], internal)

    try:
        run()
    finally:
        w.close()


def test_telegram_survives_random_updates():
    w = World()
    request = FakeRequest()
    channel = TelegramChannel(w.engine, w.engine.deps.catalog, token="1:T", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    w.run(app.initialize())
    ids = itertools.count(1)
    internal = w.engine.deps.catalog.t("error.internal")
    user = {"id": 700, "is_bot": False, "first_name": "A"}
    chat = {"id": 700, "type": "private", "first_name": "A"}

    def message(text: str) -> dict:
        msg = {"message_id": next(ids), "date": 1_790_000_000, "chat": chat, "from": user, "text": text}
        if text.startswith("/") and len(text) > 1:
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"message": msg}

    def callback(data: str) -> dict:
        return {
            "callback_query": {
                "id": str(next(ids)),
                "from": user,
                "chat_instance": "1",
                "data": data[:64],
                "message": message("…")["message"],
            }
        }

    others = st.sampled_from(
        [
            {"edited_message": message("sửa")["message"]},
            {
                "message": {
                    "message_id": 1,
                    "date": 1_790_000_000,
                    "chat": chat,
                    "from": user,
                    "sticker": {
                        "file_id": "s",
                        "file_unique_id": "s",
                        "type": "regular",
                        "width": 1,
                        "height": 1,
                        "is_animated": False,
                        "is_video": False,
                    },
                }
            },
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": 1_790_000_000,
                    "old_chat_member": {"status": "member", "user": user},
                    "new_chat_member": {"status": "kicked", "user": user, "until_date": 0},
                }
            },
            {"inline_query": {"id": "iq", "from": user, "query": "thù lao", "offset": ""}},
        ]
    )
    update = st.one_of(
        HOSTILE_TEXT.map(message), forged_payloads(w.foreign_case, w.world.team_b.id).map(callback), others
    )

    @settings(deadline=None, suppress_health_check=list(HealthCheck))  # examples: the profile (conftest)
    @given(st.lists(update, min_size=1, max_size=8))
    def run(updates: list[dict]) -> None:
        for raw in updates:
            before = len(request.sent())
            w.run(app.process_update(Update.de_json({"update_id": next(ids), **raw}, app.bot)))
            texts = [p.get("text", "") for p in request.sent()[before:]]
            if "callback_query" in raw or ("message" in raw and "text" in raw["message"]):
                assert texts, f"no answer to {raw}"
            assert_clean(texts, internal)
        assert request.rejected == []

    try:
        run()
    finally:
        w.run(app.shutdown())
        w.close()


def test_zalo_survives_random_events():
    w = World()
    sent: list[str] = []

    class Client:
        async def send_message(self, chat_id: str, text: str) -> list[dict]:  # the real one splits at 2,000
            assert text.strip()
            sent.append(text)
            return [{}]

    zalo = ZaloChannel(w.engine, w.engine.deps.catalog, Client())
    ids = itertools.count(1)
    internal = w.engine.deps.catalog.t("error.internal")

    def event(kind: str, text: str | None) -> ZaloUpdate:
        return ZaloUpdate(
            event_name=f"message.{kind}.received",
            message_id=f"m{next(ids)}",
            chat_id="z700",
            user_id="z700",
            display_name="A",
            text=text,
            chat_type="PRIVATE",
            date=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
            kind=kind,
        )

    update = st.one_of(
        HOSTILE_TEXT.map(lambda t: event("text", t)),
        forged_payloads(w.foreign_case, w.world.team_b.id).map(lambda t: event("text", t)),
        st.sampled_from(["image", "sticker", "voice", "unsupported"]).map(lambda k: event(k, None)),
    )

    @settings(deadline=None, suppress_health_check=list(HealthCheck))  # examples: the profile (conftest)
    @given(st.lists(update, min_size=1, max_size=8))
    def run(updates: list[ZaloUpdate]) -> None:
        for u in updates:
            before = len(sent)
            w.run(zalo.handle_update(u))
            assert len(sent) > before, f"no answer to {u.kind} {str(u.text)[:40]!r}"
            assert_clean(sent[before:], internal)

    try:
        run()
    finally:
        w.close()
