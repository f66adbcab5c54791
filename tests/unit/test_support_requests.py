"""Difficult cases: «Cần hỗ trợ» reaches the commune's officials through the outbox, with
«Nhận xử lý» and «Trả lời»; the answer reaches the mediator and stays in the case's history."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CaseEvent, Delivery, DeliveryStatus, HelpRequest, Push, Role
from tests.support import Chat
from tests.unit.officials_fixtures import add_person, seed_ward

QUESTION = "Một bên không chịu ký biên bản hòa giải thành, tôi nên làm gì?"
ANSWER = "Ghi rõ vào sổ; nếu một bên không ký thì chưa lập văn bản, hướng dẫn theo Điều 24."


async def deliveries(db) -> list[tuple[Delivery, Push]]:
    async with db.uow() as uow:
        q = select(Delivery, Push).join(Push, Push.id == Delivery.push_id).order_by(Delivery.id)
        return [(d, p) for d, p in (await uow.session.execute(q)).all()]


async def ask_on_first_case(engine, db, world) -> Chat:
    ids = await seed_ward(db, world)
    mediator = Chat(engine, "hgv_a")
    await mediator.payload(f"case:view:{ids[3]}")  # the case in progress
    await mediator.press("Cần hỗ trợ")
    assert "cần cán bộ tư pháp hướng dẫn" in mediator.text
    await mediator.send(QUESTION)
    return mediator


async def test_ask_reaches_the_communes_officials_with_buttons(db, world, engine):
    second = await add_person(db, "official2", "Cán Bộ Thứ Hai", Role.CAN_BO, world.ward.id)
    mediator = await ask_on_first_case(engine, db, world)
    assert "Đã gửi câu hỏi đến 2 cán bộ tư pháp" in mediator.text
    sent = await deliveries(db)
    assert {d.person_id for d, _ in sent} == {world.people["official"].id, second.id}
    _, push = sent[0]
    assert "Vụ việc T1-4/2026 (Tổ hòa giải 1) cần hỗ trợ" in push.text and QUESTION in push.text
    labels = [label for row in push.buttons for label, _ in row]
    assert labels == ["✋ Nhận xử lý", "✍️ Trả lời", "Xem vụ việc"]
    async with db.uow() as uow:
        [request] = (await uow.session.scalars(select(HelpRequest))).all()
        assert (request.status, request.question, request.unit_id) == ("mo", QUESTION, world.ward.id)
    await mediator.send("/cuatoi")
    await mediator.press("T1-4/2026")
    assert f"Hỏi cán bộ tư pháp: {QUESTION}" in mediator.text
    await mediator.press("Cần hỗ trợ")
    assert "đã có một câu hỏi đang chờ" in mediator.text


async def test_take_then_answer_reaches_the_mediator_in_the_case(db, world, engine, clock):
    second = await add_person(db, "official2", "Cán Bộ Thứ Hai", Role.CAN_BO, world.ward.id)
    mediator = await ask_on_first_case(engine, db, world)
    clock.advance(days=3)
    official = Chat(engine, "official")
    await official.send("/hotro")
    assert "chưa trả lời: 1" in official.text and "3 ngày · chưa ai nhận" in official.text
    await official.press("Vụ việc T1-4/2026")
    await official.press("Nhận xử lý")
    assert "Đã nhận xử lý" in official.text
    other = Chat(engine, "official2")
    await other.send("/hotro")
    assert "Cán Bộ Phường đang xử lý" in other.text
    sent = await deliveries(db)
    by_key = {d.key: d for d, _ in sent}
    assert by_key[f"help:1:ask:{second.id}"].status is DeliveryStatus.CANCELLED  # not sent yet: not needed
    assert by_key["help:1:taken"].person_id == world.people["hgv_a"].id

    await official.press("Trả lời")
    await official.send(ANSWER)
    assert "Đã gửi hướng dẫn cho Hòa Giải A" in official.text
    answer = [(d, p) for d, p in await deliveries(db) if d.key == "help:1:answer"]
    [(delivery, push)] = answer
    assert delivery.person_id == world.people["hgv_a"].id and ANSWER in push.text
    assert "Cán Bộ Phường trả lời về vụ việc T1-4/2026" in push.text
    async with db.uow() as uow:
        request = await uow.session.get(HelpRequest, 1)
        assert (request.status, request.answer, request.answered_by_id) == (
            "da_tra_loi",
            ANSWER,
            world.people["official"].id,
        )
        kinds = [
            e.kind for e in await uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == request.case_id))
        ]
        assert kinds[-2:] == ["help_ask", "help_answer"]
    await mediator.send("/cuatoi")
    await mediator.press("T1-4/2026")
    assert f"Cán bộ tư pháp hướng dẫn: {ANSWER}" in mediator.text
    await official.send("/hotro")
    assert "Không có yêu cầu hỗ trợ nào đang chờ" in official.text
    await other.payload("sp:ans:1")
    assert "đã được trả lời rồi" in other.text
    await mediator.send("/hotro")
    assert "đã trả lời" in mediator.text


async def test_nobody_outside_the_case_may_ask_or_answer(db, world, engine):
    await ask_on_first_case(engine, db, world)
    async with db.uow() as uow:
        case_id = (await uow.session.get(HelpRequest, 1)).case_id
    for who in ("hgv_b", "official_other"):
        chat = Chat(engine, who)
        await chat.payload(f"sp:ask:{case_id}")
        assert "Không tìm thấy vụ việc" in chat.text or "không có quyền" in chat.text, who
    outsider = Chat(engine, "official_other")
    for action in ("view", "take", "ans"):
        await outsider.payload(f"sp:{action}:1")
        assert "Không tìm thấy yêu cầu hỗ trợ" in outsider.text
    mediator = Chat(engine, "hgv_a")
    await mediator.payload("sp:take:1")  # a mediator cannot take requests
    assert "Không tìm thấy yêu cầu hỗ trợ" in mediator.text
    official = Chat(engine, "official")
    await official.payload(f"sp:ask:{case_id}")  # officials answer; they do not ask on a case
    assert "Chỉ hòa giải viên của tổ" in official.text


async def test_without_an_official_the_question_is_kept_and_the_way_forward_given(db, world, engine):
    async with db.uow() as uow:  # the ward's only official leaves
        (await uow.people.get(world.people["official"].id)).active = False
        await uow.commit()
    mediator = await ask_on_first_case(engine, db, world)
    assert "chưa có cán bộ tư pháp nào dùng bot" in mediator.text
    assert await deliveries(db) == []
    async with db.uow() as uow:
        assert len((await uow.session.scalars(select(HelpRequest))).all()) == 1
