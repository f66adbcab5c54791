"""The law's own words in chat: /dieu N with the article's title and full text, split for a
phone, then our explanations apart; clauses searchable; the exact clause an answer cites;
near misses answered as «not my field»; articles we do not hold said so."""

from __future__ import annotations

import pytest

from content.law_loader import load_statutes
from tests.support import Chat

LAW = "35/2013/QH13"


@pytest.fixture
def store_url():
    return "sqlite+aiosqlite://"  # the Q&A reads no stored data: one store is enough here


def law_text(doc: str, article: int) -> str:
    return load_statutes()[doc].articles[article].text


async def test_dieu_shows_the_title_and_every_word_then_our_explanations(db, world, engine):
    chat = Chat(engine, "hgv_a")
    replies = await chat.send("/dieu 8")
    law = replies[0].text
    assert "Điều 8 — Luật Hòa giải ở cơ sở (35/2013/QH13)" in law and "Bầu, công nhận hòa giải viên" in law
    shown = "\n".join(r.text for r in replies[:-1])
    for line in law_text(LAW, 8).split("\n"):
        assert line in shown
    assert replies[-1].text.startswith("💬 Giải thích Điều 8")
    assert all(len(r.text) <= 1900 for r in replies)


async def test_long_articles_are_offered_clause_by_clause(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/dieu 3 tt56")
    assert "Điều này dài (18 khoản)" in chat.text
    replies = await chat.press("Khoản 17")
    text = "\n".join(r.text for r in replies)
    assert "300.000 đồng/vụ, việc" in text and "150.000 đồng/tổ hòa giải/tháng" in text
    assert all(len(r.text) <= 1900 for r in replies)


async def test_articles_of_other_documents_by_their_short_names(db, world, engine):
    chat = Chat(engine, "hgv_a")
    for typed in ("/dieu 17 nđ15", "dieu 17 nd 15", "điều 17 nghị định 15/2014"):
        chat.replies = []
        await chat.send(typed)
        assert "Điều 17 — Nghị định hướng dẫn Luật Hòa giải ở cơ sở (15/2014/NĐ-CP)" in chat.text
        assert "bản sao thứ cấp" in chat.text  # its text is a secondary copy, and we say so
    await chat.send("điều 12 khoản 2")
    assert "2. Chủ tịch Ủy ban nhân dân cấp xã quyết định số lượng tổ hòa giải" in chat.text
    assert "1. Tổ hòa giải có tổ trưởng" not in chat.replies[-2].text
    await chat.send("/dieu 4 tt99")
    assert "chưa nhận ra văn bản" in chat.text


async def test_an_article_we_do_not_hold_is_not_quoted(db, world, engine):
    chat = Chat(engine, "hgv_a")
    replies = await chat.send("/dieu 14 nd15")
    assert "chưa có nguyên văn Điều 14" in replies[0].text
    assert "Điều kiện được hưởng thù lao" in replies[0].text  # its title, known from Pháp điển
    assert "theo hướng dẫn" in replies[-1].text  # our explanation says where it comes from


async def test_an_answer_opens_the_exact_clauses_it_cites(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("thủ tục thanh toán thù lao cho hòa giải viên gồm giấy tờ gì")
    assert "05 ngày làm việc" in chat.text and "2.002080" in chat.text
    replies = await chat.press("📖 Điều 3 TT 56/2023")
    text = "\n".join(r.text for r in replies)
    assert "17. Các khoản chi công tác hòa giải ở cơ sở" in text
    assert "Điều 9 — Luật Hòa giải ở cơ sở" in text and "5. Hưởng thù lao theo vụ, việc" in text
    assert "1. Thực hiện hoạt động hòa giải ở cơ sở." not in text  # only the cited clause


async def test_a_question_no_snippet_anticipates_finds_its_article(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("chỉnh lý, bổ sung số liệu trong báo cáo thống kê như thế nào")
    assert "Nguyên văn Điều 9 khoản 1" in chat.text and "03/2019/TT-BTP" in chat.text
    assert "«1. Việc chỉnh lý, bổ sung số liệu thống kê" in chat.text
    await chat.press("Toàn văn Điều 9")
    assert "Chỉnh lý, bổ sung số liệu trong báo cáo thống kê" in chat.text


@pytest.mark.parametrize(
    "question",
    [
        "hòa giải viên tại tòa án có được hưởng thù lao không",
        "muốn làm hòa giải viên thương mại cần điều kiện gì",
        "hoa giai tranh chap dat dai tai ubnd xa mat bao lau",
        "hòa giải viên lao động do ai bổ nhiệm",
        # real questions (bench/qa-real.jsonl)
        "Cho tôi hỏi: Công tác chuẩn bị hòa giải, đối thoại của Hòa giải viên bao gồm những gì?",
        "Thưa Luật sư, hiện tôi đang có tranh chấp đất đai với nhà hàng xóm. Vậy tôi muốn hỏi khi xảy ra "
        "tranh chấp về đất đai liệu có bắt buộc phải hòa giải ở Ủy ban nhân dân không?",
        "Thế nào là hoà giải viên thương mại?",
    ],
)
async def test_near_misses_are_told_not_my_field_and_where_to_ask(db, world, engine, question):
    chat = Chat(engine, "hgv_a")
    replies = await chat.send(question)
    assert replies[-1].text.startswith("ℹ️ Ngoài phạm vi hòa giải ở cơ sở")
    assert "khoản 2 Điều 1" in replies[-1].text and "hỏi" in replies[-1].text.lower()
    assert not [b for b in replies[-1].choices() if b.payload.startswith("qa:s:")]


async def test_out_of_scope_and_related_buttons(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("không đội mũ bảo hiểm bị phạt bao nhiêu")
    assert "chưa biết trả lời" in chat.text and "menu" in chat.text
    await chat.send("hòa giải viên có những quyền và nghĩa vụ gì")
    for button in chat.replies[-1].choices():
        if button.label.endswith("…"):
            words = button.label[3:-1].split()
            assert all(
                w in chat.engine.flows["ask"]._qa._by_id[button.payload[5:]].questions[0] for w in words
            )  # cut between words, never inside one


async def test_inside_hoidap_an_article_name_opens_the_article(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await chat.send("/hoidap")
    await chat.send("điều 27")
    assert "Điều 27 — Luật Hòa giải ở cơ sở" in chat.text and "Hòa giải không thành" in chat.text
