"""One person across Telegram and Zalo: /lienket codes, refusals, and where reminders go."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from content.catalog import load_catalog
from handlers.linking import views as linking
from handlers.linking.views import PUSH_CHANNELS, looks_like_link_code, new_link_code
from storage.links import LinkCode
from storage.models import Account, AuditEntry, Conversation, Person, Role
from tests.support import Chat, invite_code


def code_in(chat: Chat) -> str:
    return re.search(r"lienket ([A-Z0-9]{6})\b", chat.text).group(1)


async def accounts_of(db, person_id: int) -> list[tuple[str, str]]:
    async with db.uow() as uow:
        return sorted((a.channel, a.external_id) for a in await uow.accounts.of_person(person_id))


async def join_on_telegram(db, world, engine, user: str = "tg-1") -> tuple[Chat, Person]:
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    chat = Chat(engine, user, channel="telegram", name="Lan")
    await chat.send(f"/start {code}")
    await chat.send("Lê Thị Lan")
    await chat.press("Nữ")
    await chat.press("Không")
    assert "Chào mừng Lê Thị Lan" in chat.text
    async with db.uow() as uow:
        account = await uow.accounts.get("telegram", user)
        return chat, await uow.people.get(account.person_id)


def test_codes_are_short_mixed_and_never_a_plain_word():
    codes = {new_link_code() for _ in range(200)}
    assert all(len(c) == 6 and looks_like_link_code(c) for c in codes)
    assert all(any(ch.isdigit() for ch in c) for c in codes)
    assert not looks_like_link_code("nguyen") and not looks_like_link_code("XINCHAO")
    catalog = load_catalog()
    assert all(catalog.has(f"channel.name.{c}") for c in (*PUSH_CHANNELS, "console"))
    source = Path(linking.__file__).read_text(encoding="utf-8")
    keys = re.findall(r'UserError\("([a-z_.]+)"\)', source)
    assert len(keys) >= 5 and [k for k in keys if not catalog.has(k)] == []


async def test_link_zalo_to_a_person_who_joined_on_telegram(db, world, engine):
    telegram, person = await join_on_telegram(db, world, engine)
    await telegram.send("/lienket")
    assert "Telegram: đang nhắn tin ở đây" in telegram.text
    assert "hết hạn sau 15 phút" in telegram.text
    code = code_in(telegram)

    zalo = Chat(engine, "z-1", channel="zalo", name="Lan Zalo")
    await zalo.send(f"lienket {code.lower()}")  # no slash, lower case: still the code
    assert "Đã liên kết" in zalo.text and "Lê Thị Lan" in zalo.text and "Tổ hòa giải 1" in zalo.text
    assert zalo.button("Ghi vụ việc mới")  # straight to the main menu of their role
    assert await accounts_of(db, person.id) == [("telegram", "tg-1"), ("zalo", "z-1")]

    # the same person on both apps: a case logged on Telegram is theirs on Zalo too
    async with db.uow() as uow:
        assert await uow.people.count() == 7  # six in the world + Lan: one person, two accounts
        entry = await uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "link_account"))
        assert entry.person_id == person.id and entry.detail == {"channel": "zalo"}
        assert await uow.session.scalar(select(LinkCode)) is None  # spent

    other = Chat(engine, "z-2", channel="zalo")
    await other.send(f"lienket {code}")
    assert "không đúng hoặc đã hết hạn" in other.text  # one time only


async def test_the_code_typed_alone_before_joining_and_on_telegram_as_plain_text(db, world, engine):
    helper = Chat(engine, "hgv_a")
    await helper.send("/lienket")
    zalo = Chat(engine, "z-9", channel="zalo")
    await zalo.send(code_in(helper))
    assert "Đã liên kết" in zalo.text and "Hòa Giải A" in zalo.text

    await helper.send("/lienket")
    telegram = Chat(engine, "tg-9", channel="telegram")
    await telegram.send(f"lienket {code_in(helper)}")  # bare words are not commands on Telegram
    assert "Đã liên kết" in telegram.text
    assert len(await accounts_of(db, world.people["hgv_a"].id)) == 3


async def test_expired_code_and_wrong_codes_are_refused_with_the_way_forward(db, world, engine, clock):
    helper = Chat(engine, "hgv_a")
    await helper.send("/lienket")
    code = code_in(helper)
    clock.advance(minutes=16)
    zalo = Chat(engine, "z-3", channel="zalo")
    await zalo.send(f"/lienket {code}")
    assert "đã hết hạn" in zalo.text and "lấy mã mới" in zalo.text

    await helper.send("/lienket")
    fresh = code_in(helper)
    for wrong in ("AB23CD", "ZZ99ZZ", "QW34ER", "TY56UP", "AS78DF"):
        await zalo.send(f"lienket {wrong}")
    await zalo.send(f"lienket {fresh}")
    assert "sai mã nhiều lần" in zalo.text  # a brake on guessing
    clock.advance(hours=1, minutes=1)
    await zalo.send(f"lienket {fresh}")
    assert "sai mã nhiều lần" not in zalo.text


async def test_an_account_of_another_person_is_refused_politely(db, world, engine):
    helper = Chat(engine, "hgv_a")
    await helper.send("/lienket")
    other = Chat(engine, "hgv_b")  # already Hòa Giải B's account
    await other.send(f"/lienket {code_in(helper)}")
    assert "đã gắn với một hồ sơ khác" in other.text and "cán bộ tư pháp" in other.text
    async with db.uow() as uow:
        account = await uow.accounts.get("test", "hgv_b")
        assert account.person_id == world.people["hgv_b"].id

    await helper.send("/lienket")
    await helper.send(f"/lienket {code_in(helper)}")
    assert "đã được liên kết với hồ sơ của bạn" in helper.text


async def test_guest_state_is_dropped_and_guests_are_told_how(db, world, engine):
    guest = Chat(engine, "z-5", channel="zalo")
    await guest.send("lienket")
    assert "gõ «lienket» ở đó để lấy mã" in guest.text and "/start" in guest.text
    await guest.send("menu")
    assert guest.button("Liên kết Telegram – Zalo")
    helper = Chat(engine, "hgv_a")
    await helper.send("/lienket")
    await guest.send(code_in(helper))
    async with db.uow() as uow:
        conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == "z-5"))
        assert conv.flow is None and "cmd:vuviec" in conv.choices["payloads"]


async def test_reminders_go_to_the_chosen_app_else_the_one_used_last(db, world, engine, clock):
    telegram, person = await join_on_telegram(db, world, engine)
    await telegram.send("/lienket")
    clock.advance(minutes=1)
    zalo = Chat(engine, "z-1", channel="zalo")
    await zalo.send(f"lienket {code_in(telegram)}")

    async def delivery() -> str:
        async with db.uow() as uow:
            return (await uow.accounts.for_delivery(person.id)).channel

    assert await delivery() == "zalo"  # used last
    clock.advance(minutes=1)
    await telegram.send("/lienket")
    assert "Nhắc nhở gửi qua: ứng dụng bạn dùng gần nhất." in telegram.text
    assert "Zalo: dùng gần nhất" in telegram.text
    assert await delivery() == "telegram"
    await telegram.press("Nhận nhắc nhở qua Zalo")
    assert "sẽ gửi qua Zalo" in telegram.text
    assert await delivery() == "zalo"  # chosen, though Telegram was used last

    async with db.uow() as uow:
        account = await uow.accounts.get("zalo", "z-1")
        account.unreachable = True  # blocked the bot on Zalo
        await uow.commit()
    assert await delivery() == "telegram"
    async with db.uow() as uow:  # only the apps this process serves
        assert await uow.accounts.for_delivery(person.id, channels=["zalo"]) is None

    clock.advance(minutes=1)
    await zalo.send("lienket")  # typed in Zalo: the choice is shown, auto is offered
    assert "Nhắc nhở gửi qua: Zalo." in zalo.text
    await zalo.send("2")
    assert "ứng dụng bạn dùng gần nhất" in zalo.text
    async with db.uow() as uow:
        assert (await uow.people.get(person.id)).preferred_channel is None


async def test_preference_for_an_app_without_an_account_is_refused(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.payload("link:pref:zalo")
    assert "chưa liên kết tài khoản Zalo" in chat.text
    await chat.payload("link:pref:fax")
    async with db.uow() as uow:
        assert (await uow.people.get(world.people["hgv_a"].id)).preferred_channel is None
