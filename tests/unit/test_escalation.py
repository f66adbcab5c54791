"""Escalation, province → commune → team: a help request nobody at the commune answered within
HELP_ESCALATE_DAYS goes to the province's officials once, and shows it; a commune official asks
the province a question not tied to a case (/hoitinh), a province official answers, and both
keep the list."""

from __future__ import annotations

from sqlalchemy import select

from bot.pushes import push_policy
from bot.settings import Settings
from handlers.support.escalation import escalate_job
from storage.models import CaseEvent, Delivery, HelpRequest, Push, Role
from storage.models.questions import ProvinceQuestion
from tests.support import Chat
from tests.unit.officials_fixtures import add_person, seed_ward

QUESTION = "Một bên không chịu ký biên bản hòa giải thành, tôi nên làm gì?"
ANSWER = "Ghi rõ vào sổ theo dõi; chưa lập văn bản hòa giải thành khi một bên không ký."
TO_PROVINCE = "Xã có được dùng kinh phí hỗ trợ tổ để in sổ theo dõi hòa giải không?"
FROM_PROVINCE = "Được, theo Thông tư 56/2023/TT-BTC; Sở sẽ gửi mẫu sổ qua /tailieu."


async def deliveries(db) -> list[tuple[Delivery, Push]]:
    async with db.uow() as uow:
        q = select(Delivery, Push).join(Push, Push.id == Delivery.push_id).order_by(Delivery.id)
        return [(d, p) for d, p in (await uow.session.execute(q)).all()]


async def run_job(db, engine, clock) -> int:
    async with db.uow() as uow:
        made = await escalate_job(uow, engine.deps.push, clock())
        await uow.commit()
    return made


async def ask_for_help(db, world, engine) -> tuple[Chat, list[int]]:
    ids = await seed_ward(db, world)
    mediator = Chat(engine, "hgv_a")
    await mediator.payload(f"case:view:{ids[3]}")  # the case in progress
    await mediator.press("Cần hỗ trợ")
    await mediator.send(QUESTION)
    assert "Đã gửi câu hỏi đến 1 cán bộ tư pháp" in mediator.text, mediator.text
    return mediator, ids


async def test_a_request_unanswered_for_five_days_goes_to_the_province_once(db, world, engine, clock):
    prov = await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    mediator, ids = await ask_for_help(db, world, engine)
    clock.advance(days=4, hours=23)
    assert await run_job(db, engine, clock) == 0
    clock.advance(hours=1)
    assert await run_job(db, engine, clock) == 1
    assert await run_job(db, engine, clock) == 0  # once
    clock.advance(days=3)
    assert await run_job(db, engine, clock) == 0
    up = [(d, p) for d, p in await deliveries(db) if d.key == f"help:1:up:{prov.id}"]
    [(delivery, push)] = up
    assert "sau 5 ngày chưa được cán bộ xã, phường trả lời" in push.text and "T1-4/2026" in push.text
    assert "Tổ hòa giải 1" in push.text and "Nguyễn Văn An" not in push.text  # the parties by initials
    assert [label for row in push.buttons for label, _ in row] == ["✋ Nhận xử lý", "✍️ Trả lời", "Xem vụ việc"]
    async with db.uow() as uow:
        request = await uow.session.get(HelpRequest, 1)
        assert request.unit_id == world.province.id and request.escalated_at is not None
        kinds = list(await uow.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == ids[3])))
    assert "help_escalate" in kinds

    province = Chat(engine, "prov")
    await province.send("/hotro")
    assert "T1-4/2026" in province.text and "đã chuyển lên tỉnh" in province.text, province.text
    await province.press("Vụ việc T1-4/2026")
    assert "Đã chuyển lên cán bộ tư pháp tỉnh ngày" in province.text
    await province.press("Trả lời")
    await province.send(ANSWER)
    assert "Đã gửi hướng dẫn cho Hòa Giải A" in province.text
    answer = [p for d, p in await deliveries(db) if d.key == "help:1:answer"]
    assert len(answer) == 1 and ANSWER in answer[0].text
    await mediator.send("/hotro")
    assert "đã chuyển lên tỉnh" in mediator.text
    await mediator.payload(f"case:hist:{ids[3]}")
    assert "đã chuyển lên cán bộ tư pháp tỉnh" in mediator.text, mediator.text


async def test_an_answered_request_stays_at_the_commune_and_the_days_are_a_setting(db, world, engine, clock):
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    await ask_for_help(db, world, engine)
    clock.advance(days=2)
    official = Chat(engine, "official")
    await official.send("/hotro")
    await official.press("Vụ việc T1-4/2026")
    await official.press("Trả lời")
    await official.send(ANSWER)
    clock.advance(days=10)
    assert await run_job(db, engine, clock) == 0
    async with db.uow() as uow:
        request = await uow.session.get(HelpRequest, 1)
    assert (request.unit_id, request.escalated_at) == (world.ward.id, None)
    assert push_policy(Settings(help_escalate_days=3)).escalate_days == 3
    assert push_policy(Settings()).escalate_days == 5


async def test_a_commune_asks_the_province_which_answers_and_both_keep_the_list(db, world, engine):
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    official = Chat(engine, "official")
    await official.send("/hoitinh")
    assert "chưa gửi câu hỏi nào" in official.text
    await official.press("Hỏi tỉnh")
    await official.send("ngắn")
    assert "Viết thêm vài chữ" in official.text and "gửi cán bộ tư pháp tỉnh" in official.text
    await official.send(TO_PROVINCE)
    assert "Đã gửi câu hỏi đến 1 cán bộ tư pháp tỉnh" in official.text, official.text
    [(delivery, push)] = [(d, p) for d, p in await deliveries(db) if d.key.startswith("pq:1:ask:")]
    assert "Cán Bộ Phường (Phường B) hỏi" in push.text and TO_PROVINCE in push.text

    province = Chat(engine, "prov")
    await province.send("/hoitinh")
    assert "#1" in province.text and "chưa trả lời" in province.text, province.text
    await province.press("Xem #1")
    assert TO_PROVINCE in province.text
    await province.press("Trả lời")
    await province.send(FROM_PROVINCE)
    assert "Đã trả lời" in province.text and "Cán Bộ Phường" in province.text
    [push] = [p for d, p in await deliveries(db) if d.key == "pq:1:answer"]
    assert FROM_PROVINCE in push.text and "Cán Bộ Tỉnh" in push.text
    await province.payload("ht:ans:1")
    assert "đã được trả lời rồi" in province.text

    await official.send("/hoitinh")
    assert "#1" in official.text and "đã trả lời ngày" in official.text
    await official.press("Xem #1")
    assert TO_PROVINCE in official.text and FROM_PROVINCE in official.text
    async with db.uow() as uow:
        [kept] = (await uow.session.scalars(select(ProvinceQuestion))).all()
    assert (kept.question, kept.answer, kept.unit_id, kept.province_id) == (
        TO_PROVINCE,
        FROM_PROVINCE,
        world.ward.id,
        world.province.id,
    )


async def test_questions_to_the_province_stay_between_the_commune_and_its_province(db, world, engine):
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    await add_person(db, "lanh_dao", "Chủ Tịch Phường", Role.LANH_DAO, world.ward.id)
    official = Chat(engine, "official")
    await official.send("/hoitinh")
    await official.press("Hỏi tỉnh")
    await official.send(TO_PROVINCE)
    other = Chat(engine, "official_other")  # a commune of another province
    for data in ("ht:view:1", "ht:ans:1"):
        await other.payload(data)
        assert "Không tìm thấy câu hỏi" in other.text and TO_PROVINCE not in other.text
    await other.send("/hoitinh")
    assert TO_PROVINCE not in other.text and "chưa gửi câu hỏi nào" in other.text
    await official.payload("ht:ans:1")  # the asking commune cannot answer itself
    assert "Không tìm thấy câu hỏi" in official.text
    province = Chat(engine, "prov")
    await province.payload("ht:new")
    assert "Bạn là cán bộ cấp tỉnh" in province.text
    for who in ("hgv_a", "leader_a"):
        chat = Chat(engine, who)
        await chat.send("/hoitinh")
        assert "không dành cho vai trò" in chat.text
        await chat.payload("ht:view:1")
        assert TO_PROVINCE not in chat.text
    reader = Chat(engine, "lanh_dao")
    await reader.send("/hoitinh")
    assert "chỉ dùng để xem số liệu" in reader.text
