"""The Q&A snippets: every citation exists, all 33 articles of the Law are covered,
answers are short, ids unique, and the loader rejects malformed content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from content.qa_loader import (
    MAX_ANSWER_CHARS,
    load_documents,
    load_snippets,
    parse_documents,
    parse_snippets,
)
from handlers.qa import textnorm as tn

LAW_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "law"
LAW = "35/2013/QH13"


def reference_texts() -> dict[str, dict]:
    """doc_id → {"complete": bool, "articles": {number: text}} from ../shared."""
    if not LAW_DIR.is_dir():
        pytest.skip(f"{LAW_DIR} is absent (no ../shared beside this clone)")
    found = {}
    for path in sorted(LAW_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "doc_id" not in data or "articles" not in data:
            continue  # a compiled note (procedures, logbook, Đề án), not a legal text
        partial = ".partial." in path.name or str(data.get("completeness", "")).startswith("PARTIAL")
        found[data["doc_id"]] = {
            "complete": not partial,
            "articles": {a["number"]: a["text"] for a in data["articles"]},
        }
    return found


def test_documents_load_with_the_reference_ids():
    documents = load_documents()
    assert set(documents) == {
        "35/2013/QH13",
        "56/2023/TT-BTC",
        "15/2014/NĐ-CP",
        "01/2014/NQLT/CP-UBTƯMTTQVN",
        "120/2025/NĐ-CP",
        "03/2019/TT-BTP",
        "100/2014/TTLT-BTC-BTP",
    }
    assert len({d.key for d in documents.values()}) == len(documents)
    old = documents["100/2014/TTLT-BTC-BTP"]
    assert old.in_force is False and old.replaced_by == "56/2023/TT-BTC"
    assert documents[LAW].articles == 33
    assert documents[LAW].link == "https://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=32515"


def test_document_ids_and_counts_match_the_reference_files():
    documents = load_documents()
    for doc_id, ref in reference_texts().items():
        assert doc_id in documents, doc_id
        if ref["complete"]:
            assert documents[doc_id].articles == len(ref["articles"]) == max(ref["articles"])
        else:
            numbered = [n for n in ref["articles"] if isinstance(n, int)]
            assert documents[doc_id].articles >= max(numbered)


def test_all_33_articles_of_the_law_are_cited():
    cited = {c.article for s in load_snippets() for c in s.cites if c.doc == LAW}
    assert set(range(1, 34)) - cited == set()


def test_answers_short_ids_unique_questions_several():
    snippets = load_snippets()
    assert len({s.id for s in snippets}) == len(snippets)
    for snippet in snippets:
        assert 0 < len(snippet.answer) <= MAX_ANSWER_CHARS, snippet.id
        assert 4 <= len(snippet.questions) <= 8, snippet.id
        assert snippet.link == load_documents()[snippet.cites[0].doc].link


def test_our_snippets_cover_the_money_and_the_guiding_texts():
    cited = {(c.doc, c.article, c.clause) for s in load_snippets() for c in s.cites}
    assert ("56/2023/TT-BTC", 3, 17) in cited
    assert ("15/2014/NĐ-CP", 5, 1) in cited
    assert {("15/2014/NĐ-CP", 17, 1), ("15/2014/NĐ-CP", 17, 2)} <= cited
    assert {a for d, a, _ in cited if d == "01/2014/NQLT/CP-UBTƯMTTQVN"} >= {12, 13, 14}


def test_answers_are_our_own_words():
    """No answer repeats a whole sentence (20 syllables in a row) of the law texts, except
    inside «…», where a short quotation is marked as the law's words."""
    refs = reference_texts()
    size = 20
    law_grams = set()
    for ref in refs.values():
        for text in ref["articles"].values():
            words = tn.syllables(text)
            law_grams |= {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
    copied = []
    for snippet in load_snippets():
        words = tn.syllables(re.sub(r"«[^»]*»", " ", snippet.answer))
        grams = {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
        if grams & law_grams:
            copied.append(snippet.id)
    assert copied == []


DOCS = parse_documents(
    {
        "document": [
            {"id": "X", "key": "x", "abbr": "X", "short": "X", "title": "X", "link": "https://x", "articles": 3}
        ]
    },
    "test.toml",
)
GOOD = {
    "id": "x-1",
    "questions": ["a?", "b?", "c?", "d?"],
    "answer": "ok",
    "cites": [{"doc": "X", "article": 2, "clause": 1}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown keys"),
        ({"answer": "x" * (MAX_ANSWER_CHARS + 1)}, "characters"),
        ({"cites": [{"doc": "Y", "article": 1}]}, "unknown document"),
        ({"cites": [{"doc": "X", "article": 4}]}, "has 3 articles"),
        ({"cites": [{"doc": "X", "article": 1, "point": "a"}]}, "unknown keys"),
        ({"questions": ["only one"]}, "questions"),
        ({"id": "Not Ascii đ"}, "id must be"),
    ],
)
def test_loader_rejects_bad_snippets_naming_them(change, message):
    table = {**GOOD, **change}
    with pytest.raises(ValueError, match=message) as caught:
        parse_snippets({"snippet": [table]}, "bad.toml", DOCS)
    assert "bad.toml" in str(caught.value)


def test_loader_rejects_missing_fields_and_accepts_good_ones():
    with pytest.raises(ValueError, match="missing keys"):
        parse_snippets({"snippet": [{"id": "x-1", "questions": GOOD["questions"]}]}, "m", DOCS)
    (snippet,) = parse_snippets({"snippet": [GOOD]}, "good.toml", DOCS)
    assert snippet.link == "https://x" and snippet.cites[0].clause == 1


def test_what_a_team_is_keeps_the_condition_for_ethnic_minority_areas():
    answer = {s.id: s for s in load_snippets()}["luat35-d2-to-hoa-giai-la-gi"].answer
    assert "dân tộc thiểu số" in answer  # khoản 1 Điều 12


def test_the_laws_revision_names_no_count_it_does_not_list():
    answer = {s.id: s for s in load_snippets()}["luat-sua-doi-du-thao"].answer
    assert not re.search(r"\b\d+ nhóm chính sách", answer)
