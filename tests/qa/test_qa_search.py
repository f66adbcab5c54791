"""The Q&A search: Vietnamese folding, abbreviations, typos, exact-diacritics
preference, out-of-scope questions, the old TTLT 100/2014 rates, and the CLI shape."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from bot.cli import ask
from content.catalog import load_catalog
from content.qa_loader import Cite, Snippet, load_documents, load_snippets
from handlers.qa import textnorm as tn
from handlers.qa.chat import cites_text
from handlers.qa.search import QaIndex

LAW = "35/2013/QH13"
TT56 = "56/2023/TT-BTC"
ND15 = "15/2014/NĐ-CP"


@pytest.fixture(scope="module")
def index() -> QaIndex:
    return QaIndex.build(load_snippets())


def top(index: QaIndex, query: str) -> Snippet:
    hits = index.search(query)
    assert hits, f"no answer for {query!r}"
    return hits[0].snippet


def cites(snippet: Snippet) -> set[tuple[str, int]]:
    return {(c.doc, c.article) for c in snippet.cites}


def test_textnorm_folds_case_diacritics_and_d():
    assert tn.fold("Hòa Giải ĐƯỢC Đồng") == "hoa giai duoc dong"
    assert tn.exact_key("hoà") == tn.exact_key("hòa") != tn.exact_key("hoa")
    assert tn.syllables("Thù lao 300.000 đồng, 400k") == ["thù", "lao", "300000", "đồng", "400000"]
    assert tn.expand_abbreviations(["hgv", "dc", "ko"]) == ["hoa", "giai", "vien", "duoc", "khong"]
    assert "hoa" in tn.keyboard_variants("hoaf")


def test_with_and_without_diacritics_find_the_same_answer(index):
    with_marks = top(index, "Hòa giải viên có những quyền gì?")
    assert top(index, "hoa giai vien co nhung quyen gi") == with_marks
    assert top(index, "HOÀ GIẢI VIÊN CÓ NHỮNG QUYỀN GÌ") == with_marks
    assert (LAW, 9) in cites(with_marks)


def test_d_folds_to_d(index):
    typed = top(index, "HGV bị tai nạn khi hòa giải được hỗ trợ gì")
    assert top(index, "hgv bi tai nan khi hoa giai duoc ho tro gi") == typed
    assert top(index, "HGV bị tai nạn khi hòa giải đươc hổ trợ gì") == typed
    assert cites(typed) & {(ND15, 17), (LAW, 9)}


def test_abbreviations(index):
    assert (LAW, 9) in cites(top(index, "quyen cua HGV la gi"))
    assert (LAW, 2) in cites(top(index, "HGCS là gì"))
    assert cites(top(index, "UBND xa co trach nhiem gi ve hoa giai")) & {(LAW, 29)}
    assert (TT56, 3) in cites(top(index, "thu lao hgv 1 vu bn tien"))


def test_multi_syllable_words_and_synonyms(index):
    assert cites(top(index, "tổ trưởng tổ hòa giải do ai bầu")) & {(LAW, 14), ("01/2014/NQLT/CP-UBTƯMTTQVN", 13)}
    assert (TT56, 3) in cites(top(index, "tiền công hòa giải một vụ là bao nhiêu"))
    assert (TT56, 3) in cites(top(index, "tien boi duong cho hoa giai vien"))


@pytest.mark.parametrize(
    ("query", "article"),
    [
        ("thu lao hoa giai vein bao nhieu", (TT56, 3)),
        ("tiu chuẩn hòa giải viên", (LAW, 7)),
        ("sổ theo dỏi hoạt động hòa giải ghi gì", (LAW, 21)),
        ("hoagiaivien co quyen gi", (LAW, 9)),
        ("hoaf giair khoong thanhf thi lam gi", (LAW, 27)),
    ],
)
def test_one_typo_still_finds_the_answer(index, query, article):
    hits = index.search(query)
    assert any(article in cites(h.snippet) for h in hits), [h.snippet.id for h in hits]


def _snippet(sid: str, question: str) -> Snippet:
    return Snippet(
        id=sid,
        questions=(question,),
        answer="Trả lời.",
        cites=(Cite(LAW, 1),),
        keywords=(),
        link="https://example.invalid",
    )


def test_a_query_with_diacritics_prefers_the_exact_match():
    exact = _snippet("exact", "Tranh chấp về sổ của tổ")
    other = _snippet("other", "Tranh chấp về sở của tô")
    tiny = QaIndex.build([other, exact])
    assert [h.snippet.id for h in tiny.search("tranh chấp về sổ của tổ")][0] == "exact"
    assert [h.snippet.id for h in tiny.search("tranh chấp về sở của tô")][0] == "other"
    plain = tiny.search("tranh chap ve so cua to")
    assert {h.snippet.id for h in plain} == {"exact", "other"}
    assert plain[0].score == plain[1].score


@pytest.mark.parametrize(
    "query",
    [
        "Vượt đèn đỏ xe máy bị phạt bao nhiêu tiền?",
        "muc phat nong do con xe may",
        "Thuế sử dụng đất nông nghiệp nộp bao nhiêu?",
        "Án phí ly hôn ở tòa là bao nhiêu?",
        "Ngày mai thời tiết Hà Nội thế nào?",
        "Làm căn cước công dân cần giấy tờ gì?",
        "xin chao",
        "",
    ],
)
def test_out_of_scope_questions_get_no_answer(index, query):
    assert index.search(query) == []


def test_long_or_odd_input_is_handled(index):
    assert index.search("a" * 50_000) == []
    assert index.search("   \n\t ") == []
    assert index.search("hòa giải viên " * 500)  # long but on topic: still answers
    assert index.search("🙂 thù lao hòa giải viên bao nhiêu 🙂")


def test_an_old_ttlt_100_rate_question_gets_the_current_answer(index):
    for query in (
        "Theo Thông tư liên tịch 100/2014 thì thù lao hòa giải viên là bao nhiêu?",
        "thong tu 100 nam 2014 quy dinh thu lao hoa giai bao nhieu",
    ):
        best = top(index, query)
        assert (TT56, 3) in cites(best)
        assert "56/2023/TT-BTC" in best.answer and "300.000" in best.answer
        assert "100/2014" in best.answer  # says what changed


def test_by_article(index):
    found = index.by_article(ND15, 17)
    assert found and all((ND15, 17) in cites(s) for s in found)
    assert (found[0].cites[0].doc, found[0].cites[0].article) == (ND15, 17)
    assert index.by_article(LAW, 24)
    assert index.by_article(LAW, 99) == []


def _ask(question: str, stdin: str = "", top_n: int = 2, as_json: bool = True) -> str:
    out = io.StringIO()
    args = argparse.Namespace(question=question, top=top_n, json=as_json)
    assert ask.run(args, stdin=io.StringIO(stdin), stdout=out) == 0
    return out.getvalue()


def test_cli_json_for_one_question():
    data = json.loads(_ask("Thù lao hòa giải viên mỗi vụ là bao nhiêu?"))
    assert set(data) == {"query", "results"}
    assert data["query"] == "Thù lao hòa giải viên mỗi vụ là bao nhiêu?"
    assert 1 <= len(data["results"]) <= 2
    result = data["results"][0]
    assert set(result) == {"id", "question", "answer", "score", "cites"}
    assert isinstance(result["score"], float)
    assert {"doc": TT56, "article": 3, "clause": 17} in result["cites"]
    assert all(set(c) == {"doc", "article", "clause"} for c in result["cites"])


def test_cli_json_reads_one_question_per_stdin_line():
    lines = _ask("-", stdin="hoa giai vien co quyen gi\nphat vuot den do bao nhieu\n").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["query"] == "hoa giai vien co quyen gi" and first["results"]
    assert second == {"query": "phat vuot den do bao nhieu", "results": []}


def test_cli_human_output_shows_the_citation_and_link():
    text = _ask("Hòa giải viên có những quyền gì?", as_json=False, top_n=1)
    assert "Điều 9" in text and "Luật Hòa giải ở cơ sở (35/2013/QH13)" in text
    assert "https://" in text
    assert _ask("giá vàng hôm nay", as_json=False).strip() == load_catalog().t("qa.unknown")


def test_citations_are_grouped_by_article_and_document():
    t, documents = load_catalog().t, load_documents()
    one = cites_text([Cite(LAW, 12, 1)], documents, t)
    assert one == "Điều 12 khoản 1, Luật Hòa giải ở cơ sở (35/2013/QH13)"
    cited = [Cite(LAW, 12, 1), Cite(LAW, 12, 2), Cite(LAW, 14, 1), Cite(TT56, 7)]
    grouped = cites_text(cited, documents, t)
    assert grouped.startswith("Điều 12 khoản 1, 2; Điều 14 khoản 1, Luật Hòa giải ở cơ sở (35/2013/QH13) | Điều 7, ")
    assert grouped.count("56/2023/TT-BTC") == 1 and grouped.count("35/2013/QH13") == 1


def test_cli_parser_registers_ask():
    parser = argparse.ArgumentParser()
    ask.add_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["ask", "--json", "--top", "5", "-"])
    assert (args.cmd, args.question, args.top, args.json) == ("ask", "-", 5, True)
    with pytest.raises(SystemExit):
        parser.parse_args(["ask", "--top", "0", "x"])


# --- the statutes' clauses, long and broad questions, near misses ---------------------
@pytest.fixture(scope="module")
def full():
    from handlers.qa import build_index

    return build_index()


def articles(hits) -> list[tuple[str, int | str]]:
    return [(h.snippet.cites[0].doc, h.snippet.cites[0].article) for h in hits]


def test_a_question_no_snippet_anticipates_finds_a_clause(full):
    hits = full.search("Số liệu thực tế của báo cáo thống kê năm lấy đến ngày nào?")
    assert hits and ("03/2019/TT-BTP", 6) in articles(hits)
    assert any(h.snippet.verbatim for h in hits)


def test_one_clause_per_article_among_the_results(full):
    hits = full.search("bầu tổ trưởng tổ hòa giải", top=3)
    quoted = [a for a, h in zip(articles(hits), hits, strict=True) if h.snippet.verbatim]
    assert len(quoted) == len(set(quoted))


def test_a_question_naming_an_articles_title_finds_it(full):
    assert (LAW, 12) in articles(full.search("Tổ hòa giải được quy định như thế nào?"))
    assert (LAW, 23) in articles(full.search("Kết thúc hòa giải")[:1])


def test_the_ask_inside_a_long_story_counts_more_than_the_story(full):
    story = (
        "Nhà tôi và nhà bên cạnh cãi nhau mãi về cái cổng, hôm trước hai bên còn to tiếng "
        "ngoài đường, con cái hai nhà cũng không chơi với nhau nữa, bà con trong xóm ai "
        "cũng biết chuyện. Tôi là hòa giải viên của thôn. Vậy tôi có phải từ chối hòa giải "
        "vụ của chính nhà mình không?"
    )
    top_cites = {(c.doc, c.article) for c in full.search(story)[0].snippet.cites}
    assert (LAW, 10) in top_cites


@pytest.mark.parametrize(
    ("question", "outside"),
    [
        ("Hòa giải viên tại Tòa án được bổ nhiệm như thế nào?", "ngoai-toa-an"),
        ("ly hon co bat buoc hoa giai o toa khong", "ngoai-toa-an"),
        ("Điều kiện làm hòa giải viên thương mại", "ngoai-thuong-mai"),
        ("tranh chấp lao động có phải hòa giải không", "ngoai-lao-dong"),
        ("Thời hạn hòa giải tranh chấp đất đai tại UBND xã", "ngoai-dat-dai-ubnd"),
    ],
)
def test_near_misses_get_the_outside_answer_first(full, question, outside):
    assert full.search(question)[0].snippet.id == outside


@pytest.mark.parametrize(
    "question",
    [
        "Hòa giải viên có được hưởng thù lao không?",
        "Tổ hòa giải cần ít nhất mấy người?",
        "Hòa giải không thành thì các bên kiện ra tòa được không?",
    ],
)
def test_grassroots_questions_are_not_taken_for_near_misses(full, question):
    assert not full.search(question)[0].snippet.outside


@pytest.mark.parametrize(
    ("question", "snippet"),
    [
        ("bỏ cấp huyện rồi ai quyết định hỗ trợ hòa giải viên tai nạn", "nd120-ho-tro-tai-nan-thu-tuc"),
        ("UBND xã không chịu thanh toán thù lao thì sao", "tt56-ho-so-thanh-toan"),
        ("toà án có công nhận kết quả hoà giải thành ở cơ sở không", "toa-cong-nhan-hoa-giai-thanh"),
        ("mau so theo doi hoat dong hoa giai gom nhung cot nao", "so-theo-doi-mau"),
        ("kỳ thống kê hòa giải 6 tháng tính từ ngày nào", "thong-ke-ky-bao-cao"),
        ("mai táng hòa giải viên 05 tháng lương cơ sở là bao nhiêu tiền", "mai-tang-luong-co-so"),
        ("luật hòa giải ở cơ sở có sắp sửa đổi không", "luat-sua-doi-du-thao"),
        ("những việc nào nghị định 15 không cho hòa giải", "nd15-khoan2-khong-hoa-giai"),
    ],
)
def test_the_topics_mediators_asked_for(full, question, snippet):
    assert snippet in [h.snippet.id for h in full.search(question)]


# --- the statutes' clauses lift the snippets that cite the same article ---------------
@pytest.mark.parametrize("spell", [lambda q: q, tn.fold])
def test_a_broad_question_naming_the_law_finds_the_article_first(full, spell):
    # The Law's name ("theo Luật hòa giải ở cơ sở") says nothing of which article is asked.
    hits = full.search(spell("Tổ hòa giải được quy định như thế nào theo Luật hòa giải ở cơ sở?"))
    assert articles(hits)[0] == (LAW, 12)


def test_a_story_whose_best_unit_covers_little_still_gets_an_answer(full):
    story = (
        "Tôi được bầu làm tổ trưởng Tổ hoà giải ở xóm tôi sau một thời gian hoạt động cùng "
        "cả tổ tôi thấy tình hình hoạt động trong tổ hoàn toàn mang tính tự phát không hề có "
        "kế hoạch và tổ chức gì cả. Vậy tôi xin hỏi: tôi có quyền điều hành hoạt động của Tổ "
        "hoà giải theo quan điểm của riêng mình không? Pháp luật có quy định gì về quyền hạn "
        "và nhiệm vụ của tổ trưởng Tổ hoà giải không?"
    )
    assert articles(full.search(story))[0] == (LAW, 15)


def test_the_snippet_beats_a_clause_of_another_article(full):
    hits = full.search("Trách nhiệm của Ủy ban nhân dân cấp xã trong hoạt động hòa giải ở cơ sở là gì?")
    assert hits[0].snippet.id == "luat35-d29-ubnd-cap-xa"


@pytest.mark.parametrize(
    "question",
    [
        "Trong quá trình hòa giải, đối thoại thì cơ quan, tổ chức có được sử dụng tài liệu không?",
        "Cho tôi hỏi: Công tác chuẩn bị hòa giải, đối thoại của Hòa giải viên bao gồm những gì?",
    ],
)
def test_a_keyword_with_a_comma_marks_the_court_near_miss(full, question):
    assert full.search(question)[0].snippet.id == "ngoai-toa-an"
