"""References to an article typed in chat: «điều 12», «dieu 12 khoan 2», «điều 17 nđ 15»,
«đ 3 tt56 k17», «/dieu 5 nghị định 15/2014», «điều 12 nói gì».

Documents are named by type and number, with or without diacritics or spaces: luật;
nđ/nghị định + 15 or 120; tt/thông tư + 56 or 03; nqlt/nghị quyết liên tịch (+ 01);
ttlt/thông tư liên tịch + 100. Without a document, the Law is meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from content.qa_loader import Document
from handlers.kit.text import fold

LAW = "35/2013/QH13"
_HEAD = re.compile(r"^(?:xem |doc |mo )?(?:dieu|d)\s?(\d{1,3})(?: |$)")
_CLAUSE = re.compile(r"(?:^| )(?:khoan|k)\s?(\d{1,2})(?: |$)")
_TAIL = re.compile(r"(?: (?:noi|quy dinh|viet|ghi) (?:gi|ve gi|nhu the nao|the nao)| la gi| ntn| the nao)$")
_TYPES = {  # the first letter of a document's key → how its type is typed
    "l": ("luathoagiaiocoso", "luathoagiai", "luat"),
    "n": ("nghidinh", "nd"),
    "t": ("thongtu", "tt"),
    "q": ("nghiquyetlientich", "nqlt", "nq"),
}
_JOINT_CIRCULAR = ("thongtulientich", "ttlt")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    doc: str | None  # a document id, or None when the words name no document we know
    article: int
    clause: int | None = None


def parse_ref(text: str, documents: Mapping[str, Document]) -> ArticleRef | None:
    """The article a short message asks to see, or None when it is not such a message."""
    words = fold(text.replace("/", " "))
    if len(words) > 60:
        return None
    head = _HEAD.match(words)
    if head is None:
        return None
    rest = _TAIL.sub("", words[head.end() :].strip()).strip()
    clause = None
    found = _CLAUSE.search(rest)
    if found:
        clause = int(found.group(1))
        rest = (rest[: found.start()] + " " + rest[found.end() :]).strip()
    rest = re.sub(r"^(?:cua|trong|theo|tai) ", "", rest)
    doc = resolve_doc(rest, documents) if rest else LAW
    if rest and doc is None:
        return ArticleRef(None, int(head.group(1)), clause)
    return ArticleRef(doc, int(head.group(1)), clause)


def resolve_doc(words: str, documents: Mapping[str, Document]) -> str | None:
    """The document named by folded words ("nd 15", "thong tu 56 2023", "nqlt"), or None."""
    compact = re.sub(r"[^a-z0-9]", "", words)
    if not compact:
        return None
    for doc in documents.values():
        number, year = _number_year(doc.id)
        prefixes = _JOINT_CIRCULAR if doc.key == "t100" else _TYPES.get(doc.key[0], ())
        for prefix in prefixes:
            if not compact.startswith(prefix):
                continue
            tail = compact[len(prefix) :]
            if doc.key[0] in "lq" and tail in ("", number, number + year, "0" + number):
                return doc.id
            if tail and tail.lstrip("0").startswith(number) and tail.lstrip("0") in (number, number + year):
                return doc.id
            break  # "tt…" is not also "ttlt…"
    return None


def _number_year(doc_id: str) -> tuple[str, str]:
    parts = doc_id.split("/")
    return parts[0].lstrip("0") or "0", parts[1][:4] if len(parts) > 1 else ""
