"""The case-logging flow, step by step, at the handler level on in-memory SQLite."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from storage.models import Account, Case, CaseEvent, CaseStatus, Conversation, Person, Role
from tests.support import Chat, invite_code


async def cases_in(db) -> list[Case]:
    async with db.uow() as uow:
        return list((await uow.session.scalars(select(Case).order_by(Case.id))).all())


async def log_case(chat: Chat, summary: str = "Tranh chấp lối đi chung giữa hai nhà") -> None:
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.press("Tranh chấp dân sự")
    await chat.press("Các bên yêu cầu")
    await chat.send("Nguyễn Văn An; Trần Thị Bình")
    await chat.press("Bỏ qua")
    await chat.send(summary)
    await chat.press("Xong")


async def test_join_with_code_then_log_a_case(db, world, engine):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    chat = Chat(engine, "new-user", name="Lan")
    await chat.send(f"/start {code}")
    assert "Tổ hòa giải 1" in chat.text
    await chat.send("Lê Thị Lan")
    await chat.press("Nữ")
    await chat.press("Không")
    assert "Chào mừng Lê Thị Lan" in chat.text

    await log_case(chat)
    assert "Kiểm tra lại vụ việc" in chat.text
    assert "Nguyễn Văn An; Trần Thị Bình" in chat.text
    assert await cases_in(db) == []  # nothing is saved before «Xác nhận»
    await chat.press("Xác nhận")
    assert "Đã lưu vụ việc số T1-1/2026" in chat.text  # the team's code: one number per commune

    [case] = await cases_in(db)
    assert case.team_id == world.team_a.id
    assert case.category == "dan_su" and case.source == "yeu_cau"
    assert case.parties["names"] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert case.status is CaseStatus.DANG_HOA_GIAI
    assert case.received_on == dt.date(2026, 11, 22)
    async with db.uow() as uow:
        person = await uow.people.get(case.created_by_id)
        assert (person.full_name, person.sex, person.role) == ("Lê Thị Lan", "nu", Role.HOA_GIAI_VIEN)
        conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == "new-user"))
        assert conv.flow is None


async def test_numbers_continue_within_team_and_year(db, world, engine):
    chat = Chat(engine, "hgv_a")
    for _ in range(2):
        await log_case(chat)
        await chat.press("Xác nhận")
    assert "T1-2/2026" in chat.text
    other = Chat(engine, "hgv_b")
    await log_case(other)
    await other.press("Xác nhận")
    assert "T2-1/2026" in other.text  # each team counts its own, under its own code


async def test_date_typed_yesterday_future_and_malformed(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.send("31/02/2026")  # the format is right; the calendar has no such day
    assert "«31/02/2026» viết đúng dạng, nhưng tháng 2/2026 chỉ có 28 ngày" in chat.text
    assert chat.button("Hôm nay")
    await chat.send("01/01/2027")
    assert "«01/01/2027» là ngày 01/01/2027, chưa tới" in chat.text
    await chat.send("mồng 5")
    assert "Chưa đọc được ngày «mồng 5»" in chat.text
    await chat.send("5/3/2026")
    assert "Vụ việc thuộc loại nào" in chat.text
    for typed in ("hôm kia", "HOM KIA", "2026-11-20"):  # the day before yesterday, however typed
        await chat.send("/huy")
        await chat.send("/vuviec")
        await chat.send(typed)
        assert "Vụ việc thuộc loại nào" in chat.text
        async with db.uow() as uow:
            conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == "hgv_a"))
        assert conv.data["received_on"] == "2026-11-20"
    await chat.send("/huy")
    await chat.send("/vuviec")
    await chat.send("hom qua")  # the option's words, typed without diacritics
    assert "Vụ việc thuộc loại nào" in chat.text


async def test_exclusion_warns_politely_with_the_reason(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.press("Có thể không được hòa giải")
    await chat.press("Phải xử lý hình sự")
    assert "Điều 3 khoản 1 điểm c" in chat.text
    assert "truy cứu trách nhiệm hình sự" in chat.text
    assert "Vụ việc thuộc loại nào" in chat.text  # the flow stays: choose again or /huy
    await chat.press("Hôn nhân")
    assert "Vì sao tiến hành hòa giải" in chat.text


async def test_free_text_where_a_button_was_expected_keeps_the_step(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.send("cái gì đây 🤔 <b>x</b>'; DROP TABLE cases;--")
    assert "chọn một trong các lựa chọn" in chat.text
    assert "Vụ việc thuộc loại nào" in chat.text
    await chat.send("3")  # a typed number picks the third option
    assert "Vì sao tiến hành hòa giải" in chat.text


async def test_huge_message_emoji_and_markup_are_answered_and_flow_kept(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.send("x" * 10_000)
    assert "dài quá" in chat.text and "Xác nhận" in [b.label for b in chat.replies[-1].choices()][0]
    await chat.send("")
    assert "trống" in chat.text
    await chat.send(None)  # a sticker or photo
    assert "chỉ đọc được tin nhắn chữ" in chat.text
    await chat.press("Xác nhận")
    assert "Đã lưu vụ việc" in chat.text


async def test_parties_and_summary_validation(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.press("Mâu thuẫn")
    await chat.press("Các bên yêu cầu")
    await chat.send("Chỉ Một Người")
    assert "ít nhất hai bên" in chat.text
    await chat.send("A Văn; B Thị\nC Văn")
    assert "Địa chỉ" in chat.text and "3. C Văn" in chat.text
    await chat.send("thôn Đông; thôn Tây")
    assert "Bạn gõ 2 địa chỉ cho 3 bên" in chat.text
    await chat.send("1. thôn Đông, 0912 345 678\n2. thôn Tây\n3. xóm Giữa")
    await chat.send("ngắn")
    assert "ngắn quá" in chat.text
    await chat.send("Tranh cãi về tiếng ồn buổi tối")
    await chat.press("Xong")
    assert "A Văn (thôn Đông, 0912 345 678); B Thị (thôn Tây); C Văn (xóm Giữa)" in chat.text
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    assert case.parties["addresses"] == ["thôn Đông, 0912 345 678", "thôn Tây", "xóm Giữa"]


async def test_edit_from_the_confirmation_screen_returns_to_it(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.press("Sửa")
    await chat.press("Tóm tắt")
    await chat.send("Tranh chấp tường rào giữa hai nhà")
    assert "Kiểm tra lại vụ việc" in chat.text and "tường rào" in chat.text
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    assert case.summary == "Tranh chấp tường rào giữa hai nhà"


async def test_mediators_can_be_added_and_removed(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.press("Sửa")
    await chat.press("Hòa giải viên")
    await chat.press("Tổ Trưởng A")
    await chat.press("Hòa Giải A")  # removes the author (preselected)
    await chat.press("Xong")
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    assert [m.person_id for m in case.mediators] == [world.people["leader_a"].id]


async def test_a_big_team_is_shown_a_page_at_a_time(db, world, engine):
    async with db.uow() as uow:  # 3 members already; Telegram refuses keyboards over 100 buttons
        for i in range(120):
            await uow.people.add(
                Person(
                    full_name=f"Thành Viên {i:03d}",
                    role=Role.HOA_GIAI_VIEN,
                    unit_id=world.team_a.id,
                    created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )
        await uow.commit()
    chat = Chat(engine, "hgv_a")
    await log_case(chat, summary="Tranh chấp tường rào giữa hai nhà")
    await chat.send("/huy")
    await log_case(chat)
    await chat.press("Sửa")
    await chat.press("Hòa giải viên")
    [reply] = chat.replies[-1:]
    labels = [b.label for b in reply.choices()]
    assert labels[0] == "✅ Hòa Giải A"  # the author first, already chosen
    assert len(labels) == 10 and labels[-2:] == ["Xem thêm…", "Xong"]
    assert "Đang xem 1–8 trong 123 người. Đã chọn: Hòa Giải A." in chat.text
    await chat.press("Xem thêm…")
    assert "Đang xem 9–16 trong 123 người" in chat.text
    await chat.press("Thành Viên 008")
    assert "Đã chọn: Hòa Giải A, Thành Viên 008." in chat.text
    assert "Đang xem 9–16" in chat.text  # the page stays where the user is
    for _ in range(15):
        await chat.press("Xem thêm…")
    assert "Đang xem 1–8 trong 123 người" in chat.text  # after the last page, the first again
    await chat.press("Xong")
    await chat.press("Xác nhận")
    [case] = await cases_in(db)
    async with db.uow() as uow:
        names = {(await uow.people.get(m.person_id)).full_name for m in case.mediators}
    assert names == {"Hòa Giải A", "Thành Viên 008"}


async def test_cancel_keeps_nothing_half_saved(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.send("/huy")
    assert "Đã hủy" in chat.text
    assert await cases_in(db) == []
    await chat.send("/huy")
    assert "không có việc nào đang làm dở" in chat.text


async def test_commands_in_the_middle_of_a_flow_keep_it(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.send("/cuatoi")
    assert "đang làm dở" in chat.text and "Vụ việc thuộc loại nào" in chat.text
    await chat.send("/khongcolenhnay")
    assert "Không có lệnh /khongcolenhnay" in chat.text and "Vụ việc thuộc loại nào" in chat.text
    await chat.send("/menu")
    assert "vẫn được giữ" in chat.text


async def test_stale_buttons_are_refused(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    today = chat.button("Hôm nay")
    await chat.payload(today.payload)
    await chat.payload(today.payload)  # the same button again, from the old message
    assert "tin nhắn cũ" in chat.text and "Vụ việc thuộc loại nào" in chat.text
    await chat.send("/huy")
    await chat.send("/vuviec")
    await chat.press("Hôm nay")
    await chat.payload(today.payload.replace(":date:", ":category:"))  # forged step of an old flow
    assert "tin nhắn cũ" in chat.text
    await chat.payload("nonsense:" + "x" * 200)
    assert "tin nhắn cũ" in chat.text


async def test_outcomes_success_fail_reopen_note_and_end(db, world, engine):
    chat = Chat(engine, "hgv_a")
    for _ in range(2):
        await log_case(chat)
        await chat.press("Xác nhận")
    first, second = await cases_in(db)

    await chat.payload(f"case:view:{first.id}")
    await chat.press("Hòa giải thành")
    await chat.send("Hai bên đồng ý mở lại lối đi rộng 1,5 m.")
    await chat.press("Hôm nay")
    await chat.press("Một buổi")
    await chat.press("Bỏ qua")
    await chat.press("Không mời ai")
    assert "Kiểm tra kết quả" in chat.text and "rộng 1,5 m" in chat.text
    await chat.press("Xác nhận")
    assert "Hòa giải thành" in chat.text and "rộng 1,5 m" in chat.text

    await chat.payload(f"case:view:{second.id}")
    await chat.press("Không thành")
    await chat.send("Đòi mở lối đi")
    await chat.send("Không đồng ý mở")
    await chat.press("UBND xã/phường")
    await chat.press("Hôm nay")
    await chat.press("Một buổi")
    await chat.press("Bỏ qua")
    await chat.press("Không mời ai")
    await chat.press("Xác nhận")
    assert "Điều 27" in chat.text
    await chat.press("Tiếp tục hòa giải")
    await chat.press("Đúng, tiếp tục")
    await chat.press("Thêm ghi chú")
    await chat.send("Hẹn hai bên gặp lại thứ Bảy.")
    assert "Hẹn hai bên gặp lại" in chat.text
    await chat.press("Kết thúc")
    await chat.press("Một bên hoặc các bên yêu cầu chấm dứt")
    await chat.press("Hôm nay")
    await chat.press("Một buổi")
    await chat.press("Bỏ qua")
    await chat.press("Không mời ai")
    await chat.press("Xác nhận")
    assert "Đã kết thúc" in chat.text

    first, second = await cases_in(db)
    assert first.status is CaseStatus.THANH and first.agreement.startswith("Hai bên đồng ý")
    assert second.status is CaseStatus.KET_THUC and second.end_reason == "yeu_cau_cham_dut"
    async with db.uow() as uow:
        kinds = [(e.kind, e.status) for e in await uow.cases.events(second.id)]
    assert kinds == [
        ("created", CaseStatus.DANG_HOA_GIAI),
        ("status", CaseStatus.KHONG_THANH),
        ("status", CaseStatus.DANG_HOA_GIAI),
        ("note", None),
        ("status", CaseStatus.KET_THUC),
    ]
    await chat.payload(f"case:ok:{first.id}")  # a closed case takes no second outcome
    assert "đã có kết quả" in chat.text


async def test_my_cases_pages_newest_first(db, world, engine):
    chat = Chat(engine, "hgv_a")
    for i in range(7):
        await log_case(chat, summary=f"Vụ thứ {i + 1} về lối đi")
        await chat.press("Xác nhận")
    await chat.send("/cuatoi")
    assert "Vụ việc 1–5 trên tổng số 7" in chat.text
    assert chat.replies[-1].choices()[0].label == "T1-7/2026"
    await chat.press("Sau »")
    assert "Vụ việc 6–7 trên tổng số 7" in chat.text


async def test_a_redelivered_update_is_applied_once(db, world, engine):
    from handlers.kit.core import Turn

    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    confirm = chat.button("Xác nhận").payload
    turn = Turn("test", "hgv_a", "x", payload=confirm, update_key="777")
    assert await engine.handle(turn)
    assert await engine.handle(turn) == []  # the same platform update again
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count(Case.id))) == 1
        assert await uow.session.scalar(select(func.count(CaseEvent.id))) == 1


async def test_dialog_state_survives_a_new_engine(db, world, engine, clock):
    from tests.support import make_engine

    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    await chat.press("Hôm qua")
    await chat.press("Hôn nhân")
    restarted = Chat(make_engine(db, clock), "hgv_a")  # as after a restart: nothing in memory
    await restarted.send("2")
    assert "Tên các bên" in restarted.text


async def test_stale_flow_expires(db, world, engine, clock):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    clock.advance(days=4)
    await chat.send("Nguyễn A; Trần B")
    assert "quá hạn" in chat.text
    async with db.uow() as uow:
        conv = await uow.session.scalar(select(Conversation).join(Account).where(Account.external_id == "hgv_a"))
    assert conv.flow is None


async def test_odd_digits_and_huge_numbers_are_not_choices(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/vuviec")
    for typed in ("²", "٣", "0" * 1500, "9" * 40, "٣/٣/٢٠٢٦"):
        await chat.send(typed)
        assert "Chưa đọc được ngày" in chat.text and "trục trặc" not in chat.text
    token = chat.button("Hôm nay").payload.split(":")[1]
    await chat.payload(f"f:{token}:date:{'9' * 40}")
    assert "tin nhắn cũ" in chat.text and "trục trặc" not in chat.text
