"""The 2025-style merge of two communes on Telegram's fake, end to end: the province's official
opens /donvi, merges Xã Hai into Xã Một and confirms; Xã Một's /thongke is then the sum of both,
a mediator of Xã Hai opens an old case by its number (told apart from Xã Một's, T1 → T1B), and
Xã Hai's official sees the merged commune. Every call the bot makes is checked against the Bot
API spec."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from bot.channels.telegram import TelegramChannel
from storage.db import Database
from storage.models import Account, AuditEntry, Case, Person
from storage.rollups import rebuild
from tests.channel.telegram_chats import Driver
from tests.fakes.fake_request import FakeRequest
from tests.support import Clock, make_engine
from tests.unit.test_reorganise import Two, build_two


async def store(clock: Clock) -> tuple[Database, Two, dict[str, int]]:
    """Two communes (build_two) whose province official, two commune officials and Xã Hai's
    mediator use Telegram."""
    db = Database("sqlite+aiosqlite://")
    await db.create_all()
    two = await build_two(db)
    one_id, two_id = two.communes["Xã Một"], two.communes["Xã Hai"]
    accounts = {
        "prov": ("prov", 630001),
        "official_one": (f"off_{one_id}", 630002),
        "official_two": (f"off_{two_id}", 630003),
        "mediator_two": (f"hgv_{two.teams['Xã Hai']}_0", 630004),
    }
    async with db.uow() as uow:  # cases as the bot files them (build_two's kinds are shorthand)
        await uow.session.execute(update(Case).values(category="dan_su", source="yeu_cau"))
        await uow.session.run_sync(lambda s: rebuild(s.connection()))
        await uow.commit()
    async with db.uow() as uow:  # the same people, on Telegram (the account used last)
        for test_id, chat in accounts.values():
            account = await uow.session.scalar(
                select(Account).where(Account.channel == "test", Account.external_id == test_id)
            )
            uow.session.add(
                Account(
                    channel="telegram",
                    external_id=str(chat),
                    person_id=account.person_id,
                    display_name=account.display_name,
                    last_seen_at=clock.now + dt.timedelta(minutes=1),
                )
            )
        await uow.commit()
    return db, two, {who: chat for who, (_, chat) in accounts.items()}


def total(text: str) -> int:
    found = re.search(r"(\d+) vụ việc", text)
    assert found, text
    return int(found.group(1))


async def test_two_communes_merged_on_telegram():
    clock = Clock()
    db, two, chats = await store(clock)
    engine = make_engine(db, clock)
    request = FakeRequest()
    channel = TelegramChannel(engine, engine.deps.catalog, token="123456:TEST", base_url="http://fake")
    app = channel.build(request=request, updates_request=FakeRequest(), rate_limit=False)
    async with app:
        tg = Driver(app, request, chats)
        one = total(await tg.type("prov", "/thongke 2026 Xã Một"))
        other = total(await tg.type("prov", "/thongke 2026 Xã Hai"))
        assert (one, other) == (3, 2)
        assert "Xã Hai" in await tg.type("official_two", "/thongke 2026")

        # the province's official merges Xã Hai into Xã Một, after a confirm screen
        await tg.type("prov", "/donvi")
        assert any("Xã Hai" in label for label in tg.labels("prov"))
        seen = await tg.choose("prov", "Xã Hai")
        assert "Mang theo: 2 vụ việc, 2 người" in seen
        await tg.choose("prov", "Gộp vào đơn vị khác")
        seen = await tg.choose("prov", "Xã Một")
        assert "Gộp «Xã Hai» vào «Xã Một»? «Xã Hai» sẽ không còn." in seen
        seen = await tg.choose("prov", "Xác nhận")
        assert "Đã gộp «Xã Hai» vào «Xã Một»." in seen and "mã T1 nay là T1B" in seen

        # Xã Một's tally is now the sum of both; Xã Hai is no longer there to count
        merged = await tg.type("official_one", "/thongke 2026")
        assert "Xã Một" in merged.split("\n")[0] and total(merged) == one + other == 5

        # a mediator of Xã Hai opens an old case by its number
        listed = await tg.type("mediator_two", "/cuatoi")
        assert "T1B-1/2026" in listed and "T1-1/2026" not in listed.replace("T1B-", "")
        assert sorted(label for label in tg.labels("mediator_two") if "/2026" in label) == ["T1B-1/2026", "T1B-2/2026"]
        case = await tg.choose("mediator_two", "T1B-1/2026")
        assert "T1B-1/2026" in case and "Tranh chấp lối đi" in case

        # Xã Hai's official now works in the merged commune
        seen = await tg.type("official_two", "/thongke 2026")
        assert seen.split("\n")[0] == merged.split("\n")[0] and total(seen) == 5
    assert request.rejected == []
    async with db.uow() as uow:
        entry = await uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit_merge"))
        prov = await uow.session.scalar(select(Person).where(Person.full_name == "Cán Bộ Tỉnh"))
        assert entry.person_id == prov.id and entry.detail["cases"] == 2
        assert await uow.units.get(two.communes["Xã Hai"]) is None
    await db.dispose()
