"""The commune chairman's decisions in /tohoagiai: asked when a mediator is added, a leader
appointed or a mediator leaves (Luật Hòa giải ở cơ sở 2013, Điều 8 khoản 4, Điều 14, Điều 11),
shown per member, added later from the member's screen, and flagged in the team review."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.models import Decision, DecisionKind, Person
from tests.support import Chat

pytestmark = pytest.mark.postgresql


async def person_named(db, name: str) -> Person:
    async with db.uow() as uow:
        return await uow.session.scalar(select(Person).where(Person.full_name == name))


async def decisions_of(db, person: Person) -> list[Decision]:
    async with db.uow() as uow:
        q = select(Decision).where(Decision.person_id == person.id).order_by(Decision.id)
        return list(await uow.session.scalars(q))


async def test_adding_a_mediator_asks_the_chairmans_decision(db, world, engine):
    official = Chat(engine, "official")
    await official.send("/tohoagiai")
    await official.press("Tổ hòa giải 2")
    await official.press("Thêm hòa giải viên")
    await official.send("Lò Văn Sáu")
    await official.press("Nam")
    await official.press("Không")
    assert "Đã thêm Lò Văn Sáu vào Tổ hòa giải 2" in official.text
    assert "Chủ tịch UBND cấp xã" in official.text and "Điều 8 khoản 4" in official.text
    assert "Số quyết định" in official.text and "Bổ sung sau" in [b.label for b in official.replies[-1].choices()]
    await official.send("x" * 60)  # too long, and no digit: said, asked again
    assert "tối đa 40 ký tự" in official.text and "Số quyết định" in official.text
    await official.send("15/QĐ-UBND")
    assert "Ngày quyết định" in official.text
    await official.send("31/02/2026")
    assert "31/02/2026" in official.text and "Ngày quyết định" in official.text  # no such day: asked again
    await official.send("05/12/2026")  # after today (22/11/2026)
    assert "Ngày quyết định" in official.text and "05/12/2026" in official.text
    await official.send("05/11/2026")
    assert "Đã ghi quyết định công nhận hòa giải viên số 15/QĐ-UBND ngày 05/11/2026" in official.text
    assert "Lò Văn Sáu" in official.text and "👥 Tổ hòa giải 2" in official.text  # back on the team
    screen = official.text.split("👥 Tổ hòa giải 2", 1)[1]
    assert "QĐ công nhận số 15/QĐ-UBND ngày 05/11/2026" in screen
    assert "chưa có quyết định" in screen  # Hòa Giải B, added before the bot kept decisions
    sau = await person_named(db, "Lò Văn Sáu")
    official_id = world.people["official"].id
    rows = [(d.kind, d.number, d.signed_on, d.team_id, d.recorded_by_id) for d in await decisions_of(db, sau)]
    assert rows == [(DecisionKind.RECOGNISED, "15/QĐ-UBND", dt.date(2026, 11, 5), world.team_b.id, official_id)]


async def test_a_leader_decision_added_later_from_the_member(db, world, engine):
    official = Chat(engine, "official")
    hgv_b = world.people["hgv_b"]
    await official.payload(f"tm:person:{hgv_b.id}")
    await official.press("Đặt làm tổ trưởng")
    assert "Đã đặt Hòa Giải B làm tổ trưởng" in official.text and "Điều 14" in official.text
    await official.press("Bổ sung sau")
    assert "Chưa có quyết định" in official.text and "👥 Tổ hòa giải 2" in official.text
    rows = await decisions_of(db, hgv_b)
    assert [(d.kind, d.number, d.signed_on) for d in rows] == [(DecisionKind.LEADER, None, None)]
    await official.press("Hòa Giải B")
    assert "chưa có quyết định" in official.text
    await official.press("Ghi quyết định công nhận tổ trưởng")
    await official.send("  7/QĐ-UBND ")
    await official.press("Hôm nay")
    assert "Đã ghi quyết định công nhận tổ trưởng tổ hòa giải số 7/QĐ-UBND ngày 22/11/2026" in official.text
    rows = await decisions_of(db, hgv_b)  # the pending row is completed, not doubled
    leader = (DecisionKind.LEADER, "7/QĐ-UBND", dt.date(2026, 11, 22))
    assert [(d.kind, d.number, d.signed_on) for d in rows] == [leader]
    await official.press("Hòa Giải B")
    await official.press("Ghi quyết định công nhận hòa giải viên")
    await official.send("3/QĐ-UBND")
    await official.send("hôm qua")
    assert "số 3/QĐ-UBND ngày 21/11/2026" in official.text
    await official.payload(f"tm:person:{hgv_b.id}")
    assert "Ghi quyết định" not in " ".join(b.label for b in official.replies[-1].choices())


async def test_a_leave_asks_its_decision_and_waits_on_the_team(db, world, engine):
    official = Chat(engine, "official")
    hgv_a2 = world.people["hgv_a2"]
    await official.payload(f"tm:person:{hgv_a2.id}")
    await official.press("Thôi làm hòa giải viên")
    await official.press("a)")
    assert "thôi làm hòa giải viên (Điều 11 khoản 1 điểm a)" in official.text and "Điều 11" in official.text
    await official.press("Bổ sung sau")
    assert "Hòa Giải A Hai" in official.text  # on the team, waiting for its decision
    await official.press("Ghi quyết định thôi làm hòa giải viên: Hòa Giải A Hai")
    await official.send("21/QĐ-UBND")
    await official.send("20/11/2026")
    assert "Đã ghi quyết định thôi làm hòa giải viên số 21/QĐ-UBND ngày 20/11/2026" in official.text
    assert "Hòa Giải A Hai" not in official.text.split("👥 Tổ hòa giải 1", 1)[1]
    rows = await decisions_of(db, hgv_a2)
    assert [(d.kind, d.number, d.team_id) for d in rows] == [(DecisionKind.LEFT, "21/QĐ-UBND", world.team_a.id)]


async def test_the_review_flags_teams_whose_decisions_are_missing(db, world, engine):
    official = Chat(engine, "official")
    await official.send("/tohoagiai")
    assert "Chưa có quyết định của Chủ tịch UBND cấp xã: 4 người, ở 2 tổ" in official.text
    assert "thiếu quyết định: 1" in official.text  # team 2, listed for Điều 12
    async with db.uow() as uow:
        for key in ("hgv_a", "hgv_a2", "leader_a"):
            person = await uow.session.get(Person, world.people[key].id)
            await uow.decisions.record(
                person, DecisionKind.RECOGNISED, world_now(), None, number="1/QĐ-UBND", signed_on=dt.date(2026, 1, 5)
            )
        await uow.commit()
    await official.send("/tohoagiai")
    assert "Chưa có quyết định của Chủ tịch UBND cấp xã: 2 người, ở 2 tổ" in official.text  # the leader's own
    await official.press("Xem tất cả")
    assert "Tổ hòa giải 1 (3 hòa giải viên): đạt · thiếu quyết định: 1" in official.text


async def test_only_officials_record_decisions(db, world, engine):
    leader = Chat(engine, "leader_a")
    await leader.payload(f"tm:dec:{world.people['hgv_a'].id}:recognised")
    assert "không dành cho vai trò" in leader.text
    outsider = Chat(engine, "official_other")
    await outsider.payload(f"tm:dec:{world.people['hgv_a'].id}:recognised")
    assert "Không tìm thấy" in outsider.text
    assert await decisions_of(db, world.people["hgv_a"]) == []


def world_now() -> dt.datetime:
    return dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
