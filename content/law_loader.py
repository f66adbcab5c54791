"""The statutes' own words, shipped as data under content/law/*.json.

Legal normative documents are not protected by copyright in Vietnam (Luật Sở hữu trí
tuệ, Điều 15), so their texts ship with the bot, copied from the project's reference
folder (../shared/reference/law) with their source and certainty; our explanations
(content/qa) stay apart from them. A file holds only the articles whose text we have;
`missing` names the others (with their title when it is known).

    python -m content.law_loader ../shared/reference/law   # refresh content/law/*.json
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

# Reference files that are legal texts (the compiled notes are not shipped).
LEGAL_FILES = (
    "35-2013-QH13.json",
    "56-2023-TT-BTC.json",
    "15-2014-ND-CP.partial.json",
    "01-2014-NQLT-CP-UBTUMTTQVN.partial.json",
    "120-2025-ND-CP.partial.json",
    "03-2019-TT-BTP.json",
)
ARTICLE_COUNTS = {
    "35/2013/QH13": 33,
    "56/2023/TT-BTC": 7,
    "15/2014/NĐ-CP": 20,
    "01/2014/NQLT/CP-UBTƯMTTQVN": 16,
    "120/2025/NĐ-CP": 24,
    "03/2019/TT-BTP": 20,
}
_NEWLINE_CLAUSE = re.compile(r"(?m)^(\d{1,2})\. ")
_INLINE_CLAUSE = re.compile(r"(?:^|(?<=[.;:…\]] ))(\d{1,2})\. (?=\S)")


@dataclass(frozen=True, slots=True)
class Clause:
    number: int | None  # None: the article's opening words before khoản 1
    text: str


@dataclass(frozen=True, slots=True)
class Article:
    number: int | str  # an int, or an annex's name ("Phụ lục, mục III")
    title: str
    text: str
    authoritative: bool  # Pháp điển / vbpl.vn, not a secondary copy
    complete: bool
    source: str

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return split_clauses(self.text)

    def clause(self, number: int) -> Clause | None:
        return next((c for c in self.clauses if c.number == number), None)


@dataclass(frozen=True, slots=True)
class Statute:
    doc_id: str
    title: str
    issued: str  # ISO dates as the reference has them
    effective: str
    source: str
    completeness: str
    articles: Mapping[int | str, Article]
    missing: Mapping[int, str]  # article number → its title when known ("" otherwise)


def split_clauses(text: str) -> tuple[Clause, ...]:
    """The khoản of an article: numbered lines, or "1. … 2. …" in a text whose line
    breaks were lost (numbers must run 1, 2, 3… to count as clauses)."""
    lines = _longest_run([(m.start(), int(m.group(1))) for m in _NEWLINE_CLAUSE.finditer(text)])
    inline = _longest_run([(m.start(1), int(m.group(1))) for m in _INLINE_CLAUSE.finditer(text)])
    starts = inline if len(inline) > len(lines) and "\n" not in text.strip() else lines
    opening: int | None = None
    if text.startswith("[…]") and not starts:  # the text starts inside a clause
        found = [(m.start(1), int(m.group(1))) for m in _INLINE_CLAUSE.finditer(text)]
        starts = _longest_run(found, first=found[0][1]) if found else []
        opening = starts[0][1] - 1 if starts else None
    if not starts:
        return (Clause(None, text.strip()),)
    clauses = []
    if text[: starts[0][0]].strip():
        clauses.append(Clause(opening, text[: starts[0][0]].strip()))
    for (start, number), (end, _) in zip(starts, [*starts[1:], (len(text), 0)], strict=True):
        clauses.append(Clause(number, text[start:end].strip()))
    return tuple(clauses)


def _longest_run(starts: list[tuple[int, int]], first: int = 1) -> list[tuple[int, int]]:
    """Keep the numbers that run 1, 2, 3… in order ("điểm 2." inside a clause is not one)."""
    run: list[tuple[int, int]] = []
    for start, number in starts:
        if number == len(run) + first:
            run.append((start, number))
    return run


def law_dir() -> Path:
    return Path(str(files("content") / "law"))


@functools.cache
def load_statutes() -> Mapping[str, Statute]:
    """Every content/law/*.json, by doc_id (read once per process)."""
    statutes = {}
    for path in sorted(law_dir().glob("*.json")):
        statute = parse_statute(json.loads(path.read_text(encoding="utf-8")), path.name)
        statutes[statute.doc_id] = statute
    return MappingProxyType(statutes)


def parse_statute(data: Mapping[str, Any], source: str) -> Statute:
    try:
        articles: dict[int | str, Article] = {}
        for item in data["articles"]:
            number = item["number"]
            if not isinstance(number, int | str) or isinstance(number, bool) or number in articles:
                raise ValueError(f"article number {number!r}")
            articles[number] = Article(
                number=number,
                title=_nfc(item["title"]),
                text=_nfc(item["text"]),
                authoritative=bool(item["authoritative"]),
                complete=bool(item["complete"]),
                source=item["source"],
            )
        return Statute(
            doc_id=_nfc(data["doc_id"]),
            title=_nfc(data["title"]),
            issued=data["issued_date"],
            effective=data["effective_date"],
            source=data["source"],
            completeness=data["completeness"],
            articles=MappingProxyType(articles),
            missing=MappingProxyType({int(k): _nfc(v) for k, v in data.get("missing", {}).items()}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{source}: malformed statute file ({exc})") from exc


# --- refreshing the shipped copies from the reference folder ------------------------
def import_reference(ref_dir: Path, out_dir: Path, today: dt.date) -> list[Path]:
    written = []
    for name in LEGAL_FILES:
        data = json.loads((ref_dir / name).read_text(encoding="utf-8"))
        out = out_dir / name.replace(".partial", "")
        out.write_text(json.dumps(convert(data, name, today), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(out)
    return written


def convert(data: Mapping[str, Any], name: str, today: dt.date) -> dict[str, Any]:
    """One reference file → the shipped form: the texts, where each came from, how sure."""
    doc_source = data.get("source")
    articles = []
    for item in data["articles"]:
        provenance = str(item.get("provenance", "phapdien" if doc_source else ""))
        completeness = str(item.get("completeness", "complete"))
        source = item.get("source") or doc_source or {}
        articles.append(
            {
                "number": _number(item["number"]),
                "title": item.get("title", ""),
                "text": item["text"],
                "authoritative": provenance == "phapdien" or "authoritative" in provenance,
                "complete": completeness.lower().startswith(("complete", "appears complete")),
                "source": _source_text(source),
            }
        )
    known = data.get("known_article_titles_from_phapdien_crossrefs", {})
    held = {a["number"] for a in articles}
    missing = {str(n): known.get(str(n), "") for n in range(1, ARTICLE_COUNTS[data["doc_id"]] + 1) if n not in held}
    return {
        "doc_id": data["doc_id"],
        "title": data["title"],
        "issued_date": data.get("issued_date", ""),
        "effective_date": data.get("effective_date", ""),
        "source": f"../shared/reference/law/{name}, copied {today.isoformat()}; " + _source_text(doc_source or {}),
        "completeness": data.get("completeness", ""),
        "articles": articles,
        "missing": missing,
    }


def _number(value: Any) -> int | str:
    return int(value) if isinstance(value, int) or str(value).isdecimal() else str(value)


def _source_text(source: Any) -> str:
    if isinstance(source, str):
        return source
    if not isinstance(source, dict):
        return ""
    if "url" in source:
        return str(source["url"])
    if "repo" in source:
        commit = str(source.get("commit", ""))[:12]
        return f"github.com/{source['repo']}@{commit}:{source.get('path', '')}"
    return "; ".join(f"{k}: {v}" for k, v in source.items() if isinstance(v, str))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    target = Path(__file__).resolve().parent / "law"
    target.mkdir(exist_ok=True)
    for path in import_reference(Path(sys.argv[1]), target, dt.datetime.now(dt.UTC).date()):
        print(path)
