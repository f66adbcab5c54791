"""The one access rule: no one sees or changes another team's case, whatever data they forge."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Case, CaseEvent, CaseStatus
from tests.support import Chat, record_outcome
from tests.unit.test_case_flow import log_case

FORGED = ("view", "ok", "fail", "note", "end", "reopen", "reopenyes", "fix", "hist", "list")


async def team_a_case(db, engine) -> Case:
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.press("Xác nhận")
    async with db.uow() as uow:
        return await uow.session.scalar(select(Case))


async def snapshot(db):
    async with db.uow() as uow:
        cases = [(c.id, c.status, c.agreement, c.end_reason) for c in await uow.session.scalars(select(Case))]
        events = len((await uow.session.scalars(select(CaseEvent))).all())
    return cases, events


async def test_another_team_can_neither_see_nor_change_a_case(db, world, engine):
    case = await team_a_case(db, engine)
    before = await snapshot(db)
    intruder = Chat(engine, "hgv_b")
    for action in FORGED:
        await intruder.payload(f"case:{action}:{case.id}")
        assert "Nguyễn Văn An" not in intruder.text
        if action != "list":
            assert "Không tìm thấy vụ việc" in intruder.text, action
        await intruder.send("Đã thỏa thuận xong")  # in case a flow had started
    for forged in (
        f"case:endr:{case.id}:khong_the_dat",
        f"case:view:{case.id}:extra",
        "case:view:-1",
        "case:view:99999999999999999999",
        "case:view:",
        "case:",
        f"case:view:{case.id}'--",
    ):
        await intruder.payload(forged)
        assert "Nguyễn Văn An" not in intruder.text
    await intruder.send("/cuatoi")
    assert "Chưa có vụ việc nào" in intruder.text
    assert await snapshot(db) == before


async def test_a_team_mate_who_is_not_on_the_case_cannot_see_it(db, world, engine):
    case = await team_a_case(db, engine)
    mate = Chat(engine, "hgv_a2")
    await mate.payload(f"case:view:{case.id}")
    assert "Không tìm thấy vụ việc" in mate.text


async def test_the_team_leader_can_update_a_team_case(db, world, engine):
    case = await team_a_case(db, engine)
    leader = Chat(engine, "leader_a")
    await leader.payload(f"case:view:{case.id}")
    await record_outcome(leader, "khong_thanh")
    async with db.uow() as uow:
        assert (await uow.session.get(Case, case.id)).status is CaseStatus.KHONG_THANH


async def test_officials_see_their_subtree_read_only_with_initials(db, world, engine):
    case = await team_a_case(db, engine)
    before = await snapshot(db)
    official = Chat(engine, "official")
    await official.payload(f"case:view:{case.id}")
    assert "T1-1/2026" in official.text and "Tổ hòa giải 1" in official.text
    assert "N.V.A." in official.text and "Nguyễn Văn An" not in official.text
    assert [b.label for b in official.replies[-1].choices()] == ["🔒 Xóa thông tin các bên", "« Danh sách"]
    for action in ("ok", "fail", "note", "end", "reopenyes", "fix"):
        await official.payload(f"case:{action}:{case.id}")
        assert "chỉ được xem" in official.text
    assert await snapshot(db) == before

    outsider = Chat(engine, "official_other")
    await outsider.payload(f"case:view:{case.id}")
    assert "Không tìm thấy vụ việc" in outsider.text
    await outsider.send("/cuatoi")
    assert "Chưa có vụ việc nào" in outsider.text


async def test_guests_and_wrong_roles_are_told_what_to_do(db, world, engine):
    case = await team_a_case(db, engine)
    guest = Chat(engine, "stranger")
    await guest.payload(f"case:view:{case.id}")
    assert "tham gia trước" in guest.text
    await guest.send("/vuviec")
    assert "tham gia trước" in guest.text
    official = Chat(engine, "official")
    await official.send("/vuviec")
    assert "không dành cho vai trò" in official.text
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/moi")
    assert "không dành cho vai trò" in mediator.text
