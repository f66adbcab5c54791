"""Every answer checked against the legal texts in ../shared/reference/law.

- every citation names an article (and clause) the document has, and that we hold the text
  of; an article we do not hold (most of Nghị định 15/2014) may be cited only by an answer
  that says it follows published guidance ("theo hướng dẫn"), never as if quoted;
- every amount, time limit, share and date an answer states appears in the texts it cites
  (or in the published procedure it names); the one figure of an expired text is marked so;
- the Law's words where answers used to misquote them («xử lý», not «xử phạt»; «một bên
  hoặc các bên» may end a mediation), and the case flow's exclusion texts.

Skips, with the reason, where ../shared is absent (a fresh clone)."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

import pytest

from content.catalog import load_catalog
from content.law_loader import LEGAL_FILES, convert, load_statutes, split_clauses
from content.qa_loader import load_documents, load_snippets

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "law"
LAW = "35/2013/QH13"
# Figures of a text we do not hold, with where they were checked. Each must be marked as
# the old, expired rule in the answer that states it.
OLD_FIGURES = {
    "200000 đồng": (
        "100/2014/TTLT-BTC-BTP",
        "https://m.baophapluat.vn/co-phai-tra-thu-lao-cho-nguoi-hoa-giai-post229167.amp",
    ),
}
NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_MONEY = re.compile(r"(\d{1,3}(?:\.\d{3})+)\s*(?:đồng|đ)\b")
_SPAN = re.compile(r"\b(\d{1,2})\s+(ngày làm việc|ngày|tháng|năm)\b")
_SPAN_WORDS = re.compile(r"\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+(ngày làm việc|ngày|tháng|năm)\b")
_SHARE = re.compile(r"(\d{1,3})\s*%")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_LONG_DATE = re.compile(r"(\d{1,2}) tháng (\d{1,2}) năm (\d{4})")


def reference() -> dict[str, dict]:
    if not REF.is_dir():
        pytest.skip(f"{REF} is absent (no ../shared beside this clone): texts cannot be checked")
    docs = {}
    for path in sorted(REF.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "doc_id" in data and "articles" in data:
            docs[data["doc_id"]] = data
    return docs


def procedures_reference() -> dict[str, str]:
    path = REF / "procedures.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    found = {}
    for item in json.loads(path.read_text(encoding="utf-8")):
        found[item["code"]] = json.dumps(item, ensure_ascii=False)
    return found


def _number(value) -> int | str:
    return int(value) if isinstance(value, int) or str(value).isdecimal() else str(value)


def held_text(docs: dict, doc: str, article: int | str) -> str | None:
    for item in docs.get(doc, {}).get("articles", []):
        if _number(item["number"]) == article:
            return unicodedata.normalize("NFC", item["text"])
    return None


def facts(text: str) -> set[str]:
    """The amounts, time limits, shares and dates a text states, normalised."""
    text = unicodedata.normalize("NFC", text)
    found = {m.group(1).replace(".", "") + " đồng" for m in _MONEY.finditer(text)}
    found |= {f"{int(m.group(1))} {m.group(2)}" for m in _SPAN.finditer(text)}
    found |= {f"{int(m.group(1))}%" for m in _SHARE.finditer(text)}
    found |= {f"{int(d)}/{int(m)}/{y}" for d, m, y in _DATE.findall(text)}
    return found


def stated_in(text: str) -> set[str]:
    """What a legal text supports: its figures, spans written in words too, long dates."""
    text = unicodedata.normalize("NFC", text)
    found = facts(text)
    found |= {f"{NUMBER_WORDS[m.group(1)]} {m.group(2)}" for m in _SPAN_WORDS.finditer(text)}
    found |= {f"{int(d)}/{int(m)}/{y}" for d, m, y in _LONG_DATE.findall(text)}
    # "05 ngày làm việc" supports "5 ngày" too; the reverse is not true
    found |= {f.replace(" ngày làm việc", " ngày") for f in found}
    return found


def _date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(d)}/{int(m)}/{y}"


def test_the_shipped_texts_are_the_reference_texts():
    """content/law/*.json holds the reference's words, unchanged."""
    reference()
    shipped = load_statutes()
    for name in LEGAL_FILES:
        data = json.loads((REF / name).read_text(encoding="utf-8"))
        expected = convert(data, name, dt.date(2000, 1, 1))
        statute = shipped[data["doc_id"]]
        assert {a["number"]: a["text"] for a in expected["articles"]} == {
            n: a.text for n, a in statute.articles.items()
        }, name
        assert set(statute.missing) == {int(k) for k in expected["missing"]}, name


def test_every_citation_names_an_article_we_hold_or_is_hedged():
    docs = reference()
    documents = load_documents()
    problems = []
    for snippet in load_snippets():
        for cite in snippet.cites:
            if cite.doc not in docs:
                if documents[cite.doc].in_force:
                    problems.append((snippet.id, cite, "document not in the reference"))
                continue
            text = held_text(docs, cite.doc, cite.article)
            if text is None:
                if "theo hướng dẫn" not in snippet.answer.lower():
                    problems.append((snippet.id, cite, "text not held: say «theo hướng dẫn»"))
                continue
            clauses = {c.number for c in split_clauses(text)}
            if cite.clause is not None and cite.clause not in clauses:
                problems.append((snippet.id, cite, "no such clause"))
    assert problems == []


def test_every_amount_time_limit_share_and_date_is_in_the_cited_text():
    docs = reference()
    procs = procedures_reference()
    documents = load_documents()
    problems = []
    for snippet in load_snippets():
        support: set[str] = set()
        for cite in snippet.cites:
            text = held_text(docs, cite.doc, cite.article) or ""
            support |= stated_in(text)
            data = docs.get(cite.doc, {})
            dates = (data.get("issued_date"), data.get("effective_date"))
            support |= {_date(d) for d in dates if d}
            old = documents[cite.doc]
            if not old.in_force and old.replaced_by:
                support |= stated_in(json.dumps(docs.get(old.replaced_by, {}), ensure_ascii=False))
        for code in snippet.procedures:
            support |= stated_in(procs[code])
        for fact in facts(snippet.answer) - support:
            if fact in OLD_FIGURES and "hết hiệu lực" in snippet.answer:
                continue
            problems.append((snippet.id, fact))
    assert problems == []


def test_the_laws_words_where_answers_misquoted_them():
    reference()
    ending = re.compile(
        r"(?<!một bên hoặc )(?<!một bên hay )"
        r"các bên (?:yêu cầu|xin|muốn) (?:chấm dứt|dừng hẳn|thôi)"
    )
    problems = []
    for snippet in load_snippets():
        text = snippet.answer
        if "xử phạt" in text:
            problems.append((snippet.id, "«xử phạt»: the Law says «xử lý vi phạm hành chính»"))
        if ending.search(text):
            problems.append((snippet.id, "«một bên hoặc các bên» may end a mediation"))
    assert problems == []


def test_the_case_flows_exclusion_texts_quote_article_3():
    docs = reference()
    t = load_catalog().t
    article3 = held_text(docs, LAW, 3)
    points = dict(re.findall(r"(?m)^([a-d])\) (.+?);?\.?$", article3))
    for point, words in points.items():
        why = t(f"exclusion.{point}_why").rstrip(".")
        assert why[0].lower() + why[1:] == words[0].lower() + words[1:].rstrip(";."), point
    warning = t("case.exclusion_warning", point="c", reason=t("exclusion.c_why"))
    assert "Điều 10 khoản 5" in warning and "tổ trưởng" in warning


def test_team_changes_say_the_commune_chairman_decides():
    t = load_catalog().t
    for key in ("teams.btn_move", "teams.btn_leader", "teams.btn_leave"):
        assert "Chủ tịch UBND" in t(key), key
    assert "do bị xử lý vi phạm pháp luật" in t("teams.leave_c")
