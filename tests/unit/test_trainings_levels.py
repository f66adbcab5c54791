"""Trainings across levels: a class the province (Sở Tư pháp) organises for several communes
shows in each commune official's /taphuan with their own people only — invitations, answers
with reasons, attendance — and «Theo từng tổ» lists names and states; commune officials are
invited, answer and check in like mediators; the province sees every commune; another
province sees nothing; /khenthuong still counts only classes held and attended."""

from __future__ import annotations

import datetime as dt

from handlers.kit.core import Reply
from storage.models import Account, Answer, Person, Role, UnitKind
from tests.pushes import TZ, FakeSender, dispatcher
from tests.support import START, Chat


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


async def second_commune(db, world) -> None:
    """Xã E beside Phường B in Tỉnh A (one team, a mediator, its official), and a Sở official."""
    async with db.uow() as uow:
        prov = await uow.units.get(world.province.id)
        commune = await uow.units.add(UnitKind.XA, "Xã E", prov, START)
        village = await uow.units.add(UnitKind.THON, "Thôn 3", commune, START)
        team = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 3", village, START)
        for key, name, role, unit in (
            ("hgv_e", "Hòa Giải E", Role.HOA_GIAI_VIEN, team),
            ("official_e", "Cán Bộ Xã E", Role.CAN_BO, commune),
            ("province", "Cán Bộ Sở", Role.CAN_BO, prov),
        ):
            person = await uow.people.add(Person(full_name=name, role=role, unit_id=unit.id, created_at=START))
            uow.session.add(
                Account(channel="test", external_id=key, person_id=person.id, display_name=name, last_seen_at=START)
            )
            world.people[key] = person
        await uow.commit()


def labels(chat: Chat) -> list[str]:
    return [b.label for r in chat.replies for b in r.choices()]


async def create_in_chat(engine, *picks: str) -> tuple[Chat, str]:
    sở = Chat(engine, "province")
    await sở.send("/taphuan")
    await sở.press("Tạo lớp tập huấn")
    await sở.send("Tập huấn Luật Hòa giải ở cơ sở")
    await sở.send("26/11 8h")
    await sở.send("Hội trường Sở Tư pháp")
    for pick in picks:
        await sở.press(pick)
    if picks[0] != "Toàn bộ":
        await sở.press("Xong")
    return sở, sở.text


async def answer(chat: Chat, invitation: Reply, yes: bool, reason: str | None = None) -> None:
    await chat.payload(invitation.buttons[0 if yes else 1][0].payload)
    if reason in ("Ốm, mệt", "Bận việc gia đình", "Đi vắng"):
        await chat.press(reason)
    elif reason:
        await chat.send(reason)


async def test_a_province_class_for_two_communes_each_official_sees_their_own_people(db, world, engine, clock):
    await second_commune(db, world)
    sở, confirm = await create_in_chat(engine, "Phường B", "Xã E")
    # mediators and leaders of both communes, and each commune's official; not the Sở itself
    assert "Mời: Phường B, Xã E (7 người)" in confirm, confirm
    await sở.press("Tạo và gửi lời mời")
    assert "xếp gửi lời mời đến 7 người" in sở.text
    code = sở.text.split("Mã điểm danh: ")[1][:4]

    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    invitations = {key: sender.sent[key] for key in world.people}
    assert [len(invitations[k]) for k in ("official", "official_e", "hgv_e", "hgv_b")] == [1, 1, 1, 1]
    assert invitations["province"] == [] and invitations["official_other"] == []
    assert "Tập huấn Luật Hòa giải ở cơ sở" in invitations["official"][0].text

    chats = {key: Chat(engine, key) for key in world.people}
    await answer(chats["hgv_a"], invitations["hgv_a"][0], yes=True)
    await answer(chats["hgv_a2"], invitations["hgv_a2"][0], yes=False, reason="Ốm, mệt")
    await answer(chats["official"], invitations["official"][0], yes=True)
    assert "sẽ tham dự «Tập huấn Luật Hòa giải ở cơ sở»" in chats["official"].text
    await answer(chats["hgv_e"], invitations["hgv_e"][0], yes=False, reason="Trùng lịch họp thôn")
    assert "không tham dự" in chats["hgv_e"].text
    await answer(chats["official_e"], invitations["official_e"][0], yes=True)

    clock.now = at("26/11/2026 08:05")
    for key in ("hgv_a", "official", "official_e"):
        await chats[key].send(f"/diemdanh {code}")
        assert "Đã điểm danh" in chats[key].text, (key, chats[key].text)

    # commune B's official: the province's class, B's people only
    b = chats["official"]
    await b.send("/taphuan")
    assert "Tập huấn Luật Hòa giải ở cơ sở" in b.text
    await b.press("Tập huấn Luật")
    assert "Đơn vị tổ chức: Tỉnh A" in b.text
    assert "Mời 5 người · nhận lời 2 · không tham dự 1 · có mặt 2" in b.text, b.text
    assert not any("Hủy lớp" in label or "Đổi thời gian" in label for label in labels(b))
    await b.press("Theo từng tổ")
    text = b.text
    assert "Tổ hòa giải 1: mời 3 · nhận lời 1 · không tham dự 1 · có mặt 1" in text, text
    assert "✅ Hòa Giải A: có mặt" in text and "❌ Hòa Giải A Hai: Ốm, mệt" in text
    assert "⏳ Tổ Trưởng A: chưa trả lời" in text and "⏳ Hòa Giải B: chưa trả lời" in text
    assert "✅ Cán Bộ Phường: có mặt" in text
    assert "Hòa Giải E" not in text and "Trùng lịch" not in text and "Cán Bộ Xã E" not in text
    assert "Cộng: mời 5 · nhận lời 2 · không tham dự 1 · có mặt 2" in text
    tid = int(next(b for r in b.replies for b in r.choices() if "Quay lại" in b.label).payload.split(":")[-1])
    await b.payload(f"tr:cancelyes:{tid}")  # it is the province's class: B cannot cancel it
    assert "Không tìm thấy lớp tập huấn" in b.text
    await b.payload(f"tr:attendance:{tid}")
    assert "Không tìm thấy lớp tập huấn" in b.text

    # commune E's official: E's people only
    e = chats["official_e"]
    await e.payload(f"tr:tally:{tid}")
    assert "❌ Hòa Giải E: Trùng lịch họp thôn" in e.text and "✅ Cán Bộ Xã E: có mặt" in e.text
    assert "Hòa Giải A" not in e.text and "Ốm, mệt" not in e.text

    # the province: every commune, then one commune's names
    await sở.send("/taphuan")
    await sở.press("Tập huấn Luật")
    assert "Mời 7 người · nhận lời 3 · không tham dự 2 · có mặt 3" in sở.text, sở.text
    await sở.press("Theo từng tổ")
    assert "Phường B: mời 5 · nhận lời 2 · không tham dự 1 · có mặt 2" in sở.text, sở.text
    assert "Xã E: mời 2 · nhận lời 1 · không tham dự 1 · có mặt 1" in sở.text
    assert "Hòa Giải A" not in sở.text  # names one commune at a time
    await sở.press("Xã E")
    assert "❌ Hòa Giải E: Trùng lịch họp thôn" in sở.text and "Hòa Giải A" not in sở.text

    # another province: nothing
    other = chats["official_other"]
    await other.send("/taphuan")
    assert "Tập huấn Luật" not in other.text
    for verb in ("view", "tally"):
        await other.payload(f"tr:{verb}:{tid}")
        assert "Không tìm thấy lớp tập huấn" in other.text
    await other.payload(f"tr:unittally:{tid}:{world.ward.id}")
    assert "Không tìm thấy lớp tập huấn" in other.text and "Hòa Giải A" not in other.text
    await b.payload(f"tr:unittally:{tid}:{world.people['official_e'].unit_id}")  # B asks for E's names
    assert "Không tìm thấy lớp tập huấn" in b.text and "Hòa Giải E" not in b.text

    # commendation: the class took place; who attended counts, officials are not ranked
    clock.now = at("27/11/2026 09:00")
    await b.send("/khenthuong 2026")
    assert "Hòa Giải A (Tổ hòa giải 1)" in b.text and "tập huấn 1" in b.text, b.text
    assert "Cán Bộ Phường" not in b.text and "Hòa Giải A Hai" not in b.text


async def test_a_class_for_the_whole_province_invites_commune_officials_not_the_organisers(db, world, engine, clock):
    await second_commune(db, world)
    sở, confirm = await create_in_chat(engine, "Toàn bộ")
    assert "Mời: Tỉnh A (7 người)" in confirm, confirm
    await sở.press("Tạo và gửi lời mời")
    async with db.uow() as uow:
        invites = await uow.trainings.invites(1)
    assert sorted(p.full_name for _, p in invites) == [
        "Cán Bộ Phường",
        "Cán Bộ Xã E",
        "Hòa Giải A",
        "Hòa Giải A Hai",
        "Hòa Giải B",
        "Hòa Giải E",
        "Tổ Trưởng A",
    ]
    assert all(i.answer is Answer.PENDING for i, _ in invites)


async def test_a_commune_official_sees_their_own_invitation_and_answers_in_taphuan(db, world, engine, clock):
    await second_commune(db, world)
    sở, _ = await create_in_chat(engine, "Phường B")
    await sở.press("Tạo và gửi lời mời")
    b = Chat(engine, "official")
    await b.send("/taphuan")
    await b.press("Tập huấn Luật")
    assert "Trả lời của bạn: chưa trả lời" in b.text, b.text
    await b.press("Không tham dự được")
    await b.send("Họp HĐND xã")
    await b.send("/taphuan")
    await b.press("Tập huấn Luật")
    assert "Trả lời của bạn: không tham dự" in b.text
    await b.press("Theo từng tổ")
    assert "❌ Cán Bộ Phường: Họp HĐND xã" in b.text


async def test_a_commune_official_who_joins_later_is_invited_to_the_province_class(db, world, engine, clock):
    from tests.support import invite_code

    await second_commune(db, world)
    sở, _ = await create_in_chat(engine, "Xã E")
    await sở.press("Tạo và gửi lời mời")
    async with db.uow() as uow:
        commune = await uow.units.get(world.people["official_e"].unit_id)
    code = await invite_code(db, Role.CAN_BO, commune, clock())
    newcomer = Chat(engine, "newcomer", name="Hà")
    await newcomer.send(f"/start {code}")
    await newcomer.send("Trần Thu Hà")
    await newcomer.press("Nữ")
    if "dân tộc" in newcomer.text.lower():
        await newcomer.press("Không")
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert any("Tập huấn Luật Hòa giải ở cơ sở" in t for t in sender.texts("newcomer")), sender.texts("newcomer")
