"""Issue 12: a logbook people can trust. Outcomes are confirmed before they are saved and can
be corrected with a reason and a history; case numbers are unambiguous in a commune; people
who left act on nothing; a case is saved only with mediators still in its team."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from storage.models import Case, CaseEvent, CaseStatus, Person, UnitKind
from tests.support import Chat, record_outcome
from tests.unit.test_case_flow import cases_in, log_case


async def logged(chat: Chat, db) -> Case:
    await log_case(chat)
    await chat.press("Xác nhận")
    return (await cases_in(db))[-1]


async def events(db, case_id: int) -> list[CaseEvent]:
    async with db.uow() as uow:
        return list(await uow.cases.events(case_id))


async def test_an_agreement_is_words_and_nothing_is_saved_before_confirm(db, world, engine):
    chat = Chat(engine, "hgv_a")
    case = await logged(chat, db)
    await chat.payload(f"case:view:{case.id}")
    await chat.press("Hòa giải thành")
    for junk in ("😀", "ok", "👍👍👍 !!!", "12345678"):
        await chat.send(junk)
        assert "bằng lời" in chat.text and "thỏa thuận được gì" in chat.text, junk
    await record_outcome_rest(chat, outcome_day="22/11/2026")
    assert "trước ngày tiếp nhận" not in chat.text
    assert "Kiểm tra kết quả sẽ ghi cho vụ việc T1-1/2026" in chat.text and "Hòa giải thành" in chat.text
    [still] = await cases_in(db)
    assert still.status is CaseStatus.DANG_HOA_GIAI and still.agreement is None  # not before «Xác nhận»
    await chat.press("Hủy")
    assert "chưa được ghi" in chat.text
    [still] = await cases_in(db)
    assert still.status is CaseStatus.DANG_HOA_GIAI and len(await events(db, case.id)) == 1


async def record_outcome_rest(chat: Chat, outcome_day: str) -> None:
    await chat.send("Hai bên đồng ý mở lại lối đi chung")
    await chat.send(outcome_day)
    await chat.press("Một buổi")
    await chat.press("Bỏ qua")
    await chat.press("Không mời ai")


async def test_an_ending_under_article_23_asks_to_confirm(db, world, engine):
    chat = Chat(engine, "hgv_a")
    case = await logged(chat, db)
    await chat.payload(f"case:view:{case.id}")
    await record_outcome(chat, "ket_thuc", confirm=False)
    assert "Đã kết thúc" in chat.text and "Một bên hoặc các bên yêu cầu chấm dứt" in chat.text
    assert (await cases_in(db))[0].status is CaseStatus.DANG_HOA_GIAI
    await chat.press("Xác nhận")
    [done] = await cases_in(db)
    assert done.status is CaseStatus.KET_THUC and done.outcome_on == dt.date(2026, 11, 22)
    assert done.sessions == ["2026-11-22"]


async def test_outcome_and_session_days_are_checked(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.send("10/11/2026")  # backdated reception
    await chat.press("Tranh chấp dân sự")
    await chat.press("Các bên yêu cầu")
    await chat.send("Nguyễn Văn An; Trần Thị Bình")
    await chat.press("Bỏ qua")
    await chat.send("Tranh chấp lối đi chung giữa hai nhà")
    await chat.press("Xong")
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    await chat.payload(f"case:view:{case.id}")
    await chat.press("Hòa giải thành")
    await chat.send("Hai bên đồng ý mở lại lối đi chung")
    await chat.send("09/11/2026")
    assert "không thể trước ngày tiếp nhận (10/11/2026)" in chat.text
    await chat.send("23/11/2026")
    assert "«23/11/2026» là ngày 23/11/2026, chưa tới" in chat.text
    await chat.send("31/02/2026")
    assert "«31/02/2026»" in chat.text and "Ngày có kết quả" in chat.text
    await chat.send("20/11/2026")
    await chat.send("12/11/2026, 21/11/2026")
    assert "«21/11/2026» phải từ ngày tiếp nhận (10/11/2026) đến ngày có kết quả (20/11/2026)" in chat.text
    await chat.send("12/11/2026; 20/11/2026")
    await chat.send("Nhà văn hóa thôn 1")
    await chat.send("Ông Lý Văn Trưởng (trưởng thôn)")
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    assert (case.received_on, case.outcome_on) == (dt.date(2026, 11, 10), dt.date(2026, 11, 20))
    assert case.sessions == ["2026-11-12", "2026-11-20"]
    assert case.parties["place"] == "Nhà văn hóa thôn 1"
    assert case.parties["invited"] == ["Ông Lý Văn Trưởng (trưởng thôn)"]


async def test_the_author_corrects_for_a_week_the_leader_always_with_history(db, world, engine, clock):
    author = Chat(engine, "hgv_a")
    case = await logged(author, db)
    await author.payload(f"case:view:{case.id}")
    await record_outcome(author, "thanh")
    await author.press("Sửa hồ sơ")
    await author.press("Ngày tiếp nhận")
    await author.send("23/11/2026")
    assert "chưa tới" in author.text
    await author.send("20/11/2026")
    assert "Ngày tiếp nhận: 22/11/2026 → 20/11/2026" in author.text
    await author.press("Lưu")
    await author.send("ok")
    assert "Lý do cần vài chữ" in author.text
    await author.send("Ghi nhầm ngày tiếp nhận")
    assert "Đã sửa vụ việc T1-1/2026" in author.text
    [case] = await cases_in(db)
    assert case.received_on == dt.date(2026, 11, 20) and case.corrected_at is not None

    clock.advance(days=8)
    await author.payload(f"case:view:{case.id}")
    assert "Sửa hồ sơ" not in [b.label for r in author.replies for b in r.choices()]
    await author.payload(f"case:fix:{case.id}")
    assert "Chỉ tổ trưởng, hoặc người ghi vụ việc trong 7 ngày đầu" in author.text
    mate = Chat(engine, "hgv_a2")
    await mate.payload(f"case:fix:{case.id}")
    assert "Không tìm thấy vụ việc" in mate.text

    leader = Chat(engine, "leader_a")  # the outcome itself: thành was wrong, it failed
    await leader.send("/thongke 2026")
    assert "Hòa giải thành: 1" in leader.text
    await leader.payload(f"case:fix:{case.id}")
    await leader.press("Kết quả")
    await leader.press("Hòa giải không thành")
    await leader.send("Đòi mở lối đi")
    await leader.send("Không đồng ý mở")
    await leader.press("Tòa án")
    await leader.press("Hôm nay")
    await leader.press("Một buổi")
    await leader.press("Bỏ qua")
    await leader.press("Không mời ai")
    assert "Kết quả: Hòa giải thành → Hòa giải không thành" in leader.text
    await leader.press("Lưu")
    await leader.send("Các bên chưa ký biên bản, thực tế không thành")
    [case] = await cases_in(db)
    assert case.status is CaseStatus.KHONG_THANH and case.agreement is None and case.referral == "toa_an"
    assert case.parties["requests"] == ["Đòi mở lối đi", "Không đồng ý mở"]
    await leader.send("/thongke 2026")
    assert "Hòa giải thành: 0" in leader.text and "Không thành: 1" in leader.text  # counts follow

    history = [e for e in await events(db, case.id) if e.kind == "correction"]
    assert [(e.actor_id, e.text) for e in history] == [
        (world.people["hgv_a"].id, "Ghi nhầm ngày tiếp nhận"),
        (world.people["leader_a"].id, "Các bên chưa ký biên bản, thực tế không thành"),
    ]
    assert history[0].change == {"received_on": ["2026-11-22", "2026-11-20"]}
    assert history[1].change["status"] == ["thanh", "khong_thanh"]
    await leader.payload(f"case:hist:{case.id}")
    assert "Hòa Giải A sửa Ngày tiếp nhận (lý do: Ghi nhầm ngày tiếp nhận)" in leader.text
    assert (
        "Tổ Trưởng A sửa" in leader.text
        and "Thỏa thuận: Hai bên đồng ý mở lại lối đi chung → (không có)" in leader.text
    )

    official = Chat(engine, "official")  # sees that it was corrected, and never the parties
    await official.send("/cuatoi")
    assert "✏️ đã sửa" in official.text and "Tổ hòa giải 1" in official.text
    await official.payload(f"case:hist:{case.id}")
    assert "Yêu cầu các bên: đã sửa" in official.text and "Đòi mở lối đi" not in official.text
    await official.payload(f"case:fix:{case.id}")
    assert "chỉ được xem" in official.text


async def test_the_officials_list_tells_teams_apart(db, world, engine):
    for who in ("hgv_a", "hgv_b"):
        await logged(Chat(engine, who), db)
    official = Chat(engine, "official")
    await official.send("/cuatoi")
    labels = [b.label for b in official.replies[-1].choices()]
    assert labels == ["T2-1/2026", "T1-1/2026"]  # not "1/2026" twice
    assert "T1-1/2026 · 22/11/2026" in official.text and "· Tổ hòa giải 1" in official.text
    assert "· Tổ hòa giải 2" in official.text


async def test_team_codes_are_unique_in_a_commune(db, world):
    async with db.uow() as uow:
        ward = await uow.units.get(world.ward.id)
        village = await uow.units.add(UnitKind.THON, "Thôn 3", ward, world.ward.created_at)
        again = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ HG số 1", village, world.ward.created_at)
        other_ward = await uow.units.add(
            UnitKind.XA, "Xã E", await uow.units.get(world.province.id), world.ward.created_at
        )
        elsewhere = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 1", other_ward, world.ward.created_at)
        await uow.commit()
    assert (world.team_a.code, world.team_b.code) == ("T1", "T2")
    assert again.code == "T1B" and elsewhere.code == "T1"  # another commune may reuse it


async def leave(db, key: str, world) -> None:
    async with db.uow() as uow:
        person = await uow.people.get(world.people[key].id)
        person.active, person.left_at, person.left_reason = False, world.ward.created_at, "a"
        await uow.commit()


async def test_people_who_left_act_on_nothing(db, world, engine):
    leader = Chat(engine, "leader_a")
    await leader.send("/vuviec")  # a flow under way, and numbered choices remembered
    await leave(db, "leader_a", world)
    async with db.uow() as uow:
        before = (
            await uow.session.scalar(select(func.count(Case.id))),
            await uow.session.scalar(select(func.count(CaseEvent.id))),
        )
    attempts = ["1", "Hôm nay", "/vuviec", "/cuatoi", "/diemdanh 1234", "/hanbaocao", "/taphuan", "/baocao"]
    for typed in attempts:
        await leader.send(typed)
        assert "đã thôi làm hòa giải viên" in leader.text, typed
    for payload in ("dl:done:year:2026", "tr:yes:1", "tr:no:1", "case:view:1", "cmd:vuviec", "f:beef:date:today"):
        await leader.payload(payload)
        assert "đã thôi làm hòa giải viên" in leader.text, payload
    await leader.send("/hoidap tổ hòa giải có mấy người")  # what anyone may do, they still can
    assert "📖" in leader.text
    async with db.uow() as uow:
        after = (
            await uow.session.scalar(select(func.count(Case.id))),
            await uow.session.scalar(select(func.count(CaseEvent.id))),
        )
        assert after == before


async def test_a_case_is_saved_only_with_people_still_in_its_team(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.press("Sửa")
    await chat.press("Hòa giải viên")
    await chat.press("Hòa Giải A Hai")
    await chat.press("Xong")
    async with db.uow() as uow:  # meanwhile the co-mediator is moved to team B
        mate = await uow.people.get(world.people["hgv_a2"].id)
        mate.unit_id = world.team_b.id
        await uow.commit()
    await chat.press("Xác nhận")
    assert "Hòa Giải A Hai không còn là hòa giải viên của tổ" in chat.text and "Hòa giải viên nào" in chat.text
    assert await cases_in(db) == []
    await chat.press("Xong")  # who is gone was dropped; the rest of the draft is kept
    assert "Tranh chấp lối đi chung giữa hai nhà" in chat.text and "Hòa Giải A Hai" not in chat.text
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    assert [m.person_id for m in case.mediators] == [world.people["hgv_a"].id] and case.team_id == world.team_a.id

    await log_case(chat)
    async with db.uow() as uow:  # the author is moved to team B before confirming
        author = await uow.people.get(world.people["hgv_a"].id)
        author.unit_id = world.team_b.id
        await uow.commit()
    await chat.press("Xác nhận")
    assert "không còn thuộc tổ của vụ việc này" in chat.text
    assert len(await cases_in(db)) == 1  # nothing saved into either team
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count(Person.id)).where(Person.unit_id == world.team_b.id)) == 3
