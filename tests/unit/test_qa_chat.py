"""Legal Q&A in chat: answers with their citation, article listings, and honest 'I do not know'."""

from __future__ import annotations

from tests.support import Chat


async def test_hoidap_answers_with_citation_link_and_buttons(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/hoidap tổ hòa giải cần ít nhất mấy người")
    assert "03 hòa giải viên" in chat.text or "3 hòa giải viên" in chat.text
    assert "Điều 12" in chat.text and "Luật Hòa giải ở cơ sở (35/2013/QH13)" in chat.text
    assert "https://vbpl.vn/" in chat.text
    labels = [b.label for b in chat.replies[-1].choices()]
    assert labels[-1] == "📖 Điều 12"
    await chat.press("📖 Điều 12")
    assert "Điều 12 — Luật Hòa giải ở cơ sở" in chat.text


async def test_next_answers_are_offered_as_buttons(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("hòa giải viên có quyền và nghĩa vụ gì")
    first = chat.replies[-1].text
    others = [b for b in chat.replies[-1].choices() if b.payload.startswith("qa:s:")]
    assert [b.label[:2] for b in others] == ["2.", "3."]
    await chat.payload(others[0].payload)
    assert chat.replies[-1].text != first and "📖" in chat.text


async def test_free_text_without_diacritics_is_answered(db, world, engine):
    guest = Chat(engine, "someone-new")  # not joined: legal Q&A is for everyone
    await guest.send("thu lao hoa giai vien moi vu viec bao nhieu tien")
    assert "Thông tư 56/2023" in guest.text or "56/2023/TT-BTC" in guest.text
    assert "300.000" in guest.text


async def test_old_rates_question_gets_the_current_answer(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/hoidap theo thông tư liên tịch 100/2014 thù lao hòa giải là bao nhiêu")
    assert "56/2023" in chat.text


async def test_out_of_scope_question_is_not_invented(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/hoidap vượt đèn đỏ bị phạt bao nhiêu tiền")
    assert "chưa biết trả lời" in chat.text and "công chức tư pháp" in chat.text
    assert "Điều" not in chat.text.split("\n")[0]


async def test_article_by_command_and_by_typing(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/dieu 27")
    assert "Điều 27 — Luật Hòa giải ở cơ sở" in chat.text and "vbpl.vn" in chat.text
    await chat.send("điều 3")
    assert "Điều 3 — Luật Hòa giải ở cơ sở" in chat.text
    await chat.send("dieu 12")
    assert "Điều 12 — Luật Hòa giải ở cơ sở" in chat.text
    await chat.send("/dieu 99")
    assert "chỉ có 33 điều" in chat.text
    await chat.send("/dieu abc")
    assert "/dieu 12" in chat.text


async def test_hoidap_alone_asks_then_answers_and_buttons_are_checked(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/hoidap")
    assert "Bạn hỏi gì" in chat.text
    await chat.send("hòa giải không thành thì làm gì")
    assert "Điều 27" in chat.text
    await chat.payload("qa:s:does-not-exist")
    assert "tin nhắn cũ" in chat.text
    await chat.payload("qa:d:99:1")
    assert "tin nhắn cũ" in chat.text
    await chat.send("/hoidap " + "hòa giải " * 200)
    assert "dài quá" in chat.text
