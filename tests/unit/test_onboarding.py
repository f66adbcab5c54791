"""Joining with a code, help per role, the menu, and officials inviting from chat."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers.kit.errors import UserError
from handlers.onboarding.usecases import create_invite
from storage.models import Account, InviteCode, Person, Role
from tests.support import Chat, invite_code


async def test_start_without_code_explains_how_to_get_one(db, world, engine):
    chat = Chat(engine, "newbie")
    await chat.send("/start")
    assert "mã mời" in chat.text and "cán bộ tư pháp" in chat.text


async def test_bad_expired_and_used_up_codes(db, world, engine, clock):
    chat = Chat(engine, "newbie")
    await chat.send("/start ZZZZZZZZ")
    assert "không đúng hoặc đã hết hạn" in chat.text
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a, uses=1)
    clock.advance(days=15)
    await chat.send(f"/start {code}")
    assert "không đúng hoặc đã hết hạn" in chat.text

    clock.advance(days=-15)
    first, second = Chat(engine, "u1", name="Một"), Chat(engine, "u2", name="Hai")
    await first.send(f"/start {code}")
    await second.send(f"/start {code.lower()}")  # both start before either finishes
    for chat in (first, second):
        await chat.press("Dùng tên")
        await chat.press("Nam")
        await chat.press("Không")
    assert "Chào mừng Một" in first.text
    assert "vừa hết lượt" in second.text
    async with db.uow() as uow:
        linked = (await uow.session.scalars(select(Account).where(Account.external_id.in_(["u1", "u2"])))).all()
        assert sorted(a.person_id is not None for a in linked) == [False, True]


async def test_a_typed_code_alone_works_and_joined_people_are_told(db, world, engine):
    code = await invite_code(db, Role.TO_TRUONG, world.team_b)
    chat = Chat(engine, "zalo-user", channel="zalo", name="Bình")
    await chat.send(code)
    assert "Tổ trưởng tổ hòa giải" in chat.text
    await chat.send("1")  # numbered: «Dùng tên: Bình»
    await chat.send("2")  # Nữ
    await chat.send("1")  # Có (ethnic minority)
    async with db.uow() as uow:
        person = await uow.session.scalar(select(Person).where(Person.full_name == "Bình"))
    assert (person.role, person.sex, person.ethnic_minority) == (Role.TO_TRUONG, "nu", True)
    await chat.send("start ABCDEFGH")
    assert "đã tham gia rồi" in chat.text


async def test_help_shows_only_what_the_role_may_use(db, world, engine):
    guest, mediator, official = Chat(engine, "g"), Chat(engine, "hgv_a"), Chat(engine, "official")
    for chat in (guest, mediator, official):
        await chat.send("/trogiup")
    assert "/vuviec" not in guest.text and "/moi" not in guest.text
    assert "/vuviec" in mediator.text and "/moi" not in mediator.text
    assert "/moi" in official.text and "/vuviec" not in official.text


async def test_menu_buttons_run_commands(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("menu")
    assert [b.label for b in chat.replies[-1].choices()][-1] == "Trợ giúp"
    await chat.press("Ghi vụ việc mới")
    assert "Ngày tiếp nhận" in chat.text


async def test_official_creates_an_invite_for_a_team_under_them(db, world, engine):
    chat = Chat(engine, "official")
    await chat.send("/moi")
    await chat.press("Hòa giải viên")
    labels = [b.label for b in chat.replies[-1].choices()]
    assert labels == ["Tổ hòa giải 1", "Tổ hòa giải 2"]
    await chat.press("Tổ hòa giải 2")
    assert "https://t.me/hoagiai_test_bot?start=" in chat.text
    async with db.uow() as uow:
        invite = await uow.session.scalar(select(InviteCode))
    assert invite.unit_id == world.team_b.id and invite.uses_left == 30
    code = re.search(r"Mã mời: ([A-Z0-9]{8})", chat.text).group(1)  # shown once, not stored

    newcomer = Chat(engine, "n1", name="Mới")
    await newcomer.send(f"/start {code}")
    assert "Tổ hòa giải 2" in newcomer.text


async def test_a_long_list_of_teams_comes_a_page_at_a_time(db, world, engine, clock):
    from storage.models import UnitKind

    async with db.uow() as uow:  # 2 teams already; 9 more: 11 in all, pages of 8
        ward = await uow.units.get(world.ward.id)
        for i in range(3, 12):
            await uow.units.add(UnitKind.TO_HOA_GIAI, f"Tổ hòa giải {i:02d}", ward, clock())
        await uow.commit()
    chat = Chat(engine, "official")
    await chat.send("/moi")
    await chat.press("Hòa giải viên")
    pages = []
    for _ in range(3):
        pages.append([b.label for b in chat.replies[-1].choices()])
        await chat.press("Xem thêm…")
    assert [len(p) for p in pages] == [9, 4, 9]  # 8 teams + «Xem thêm…», then the other 3, then from the top
    assert pages[0] == pages[2]
    assert set(pages[0][:-1]) | set(pages[1][:-1]) == {
        "Tổ hòa giải 1",
        "Tổ hòa giải 2",
        *(f"Tổ hòa giải {i:02d}" for i in range(3, 12)),
    }
    chosen = pages[1][0]  # the second page is showing again
    await chat.press(chosen)
    async with db.uow() as uow:
        invite = await uow.session.scalar(select(InviteCode))
        assert (await uow.units.get(invite.unit_id)).name == chosen
    assert re.search(r"Mã mời: [A-Z0-9]{8}", chat.text)


async def test_invites_cannot_point_outside_the_official_unit(db, world, clock):
    async with db.uow() as uow:
        official = await uow.people.get(world.people["official_other"].id)
        team = await uow.units.get(world.team_a.id)
        try:
            await create_invite(
                uow, role=Role.HOA_GIAI_VIEN, unit=team, now=clock(), days=1, uses=1, created_by=official
            )
        except UserError as err:
            assert str(err) == "invite.outside_unit"
        else:
            raise AssertionError("an invite outside the official's unit was created")


async def test_join_name_is_validated(db, world, engine):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    chat = Chat(engine, "n2", name="")
    await chat.send(f"/start {code}")
    await chat.send("1")
    assert "Tên cần từ 2" in chat.text
    await chat.send("A" * 300)
    assert "Tên cần từ 2" in chat.text
    await chat.send("Đặng Văn Hùng")
    assert "Giới tính" in chat.text
