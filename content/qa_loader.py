"""Load and validate the Q&A snippets shipped under content/qa/*.toml.

`documents.toml` lists the legal documents (one `[[document]]` each) and the published
administrative procedures (`[[procedure]]`); every other `*.toml` file holds `[[snippet]]`
tables. Everything is checked strictly at load:
a malformed file raises ValueError naming the file and the snippet.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

MAX_ANSWER_CHARS = 700
MIN_QUESTIONS = 4
MAX_QUESTIONS = 8
DOCUMENTS_FILE = "documents.toml"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9]{0,5}$")
_CODE_RE = re.compile(r"^\d\.\d{6}$")
_DOC_KEYS = {"id", "key", "abbr", "short", "title", "link", "articles", "in_force", "replaced_by"}
_DOC_REQUIRED = {"id", "key", "abbr", "short", "title", "link", "articles"}
_PROC_KEYS = {"code", "name", "link"}
_SNIPPET_KEYS = {"id", "questions", "answer", "cites", "keywords", "procedures", "outside"}
_SNIPPET_REQUIRED = {"id", "questions", "answer", "cites"}
_CITE_KEYS = {"doc", "article", "clause"}


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    key: str  # ascii, names the document in a button's payload
    abbr: str  # names it on a button ("NĐ 15/2014")
    short: str
    title: str
    link: str
    articles: int
    in_force: bool = True
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str  # the national procedure code ("2.002080")
    name: str
    link: str


@dataclass(frozen=True, slots=True)
class Cite:
    doc: str
    article: int | str  # an int, or an annex ("Phụ lục, mục III")
    clause: int | None = None


@dataclass(frozen=True, slots=True)
class Snippet:
    id: str
    questions: tuple[str, ...]
    answer: str
    cites: tuple[Cite, ...]
    keywords: tuple[str, ...]
    link: str
    procedures: tuple[str, ...] = ()  # codes of the published procedures it rests on
    outside: bool = False  # says a question is not about grassroots mediation, and where to ask
    verbatim: bool = False  # a clause of a statute in its own words (content/law), not ours


def qa_dir() -> Traversable:
    return files("content") / "qa"


@functools.cache
def load_documents() -> Mapping[str, Document]:
    """The documents of content/qa/documents.toml, by id (read once per process)."""
    return parse_documents(_read_toml(qa_dir() / DOCUMENTS_FILE), DOCUMENTS_FILE)


@functools.cache
def load_procedures() -> Mapping[str, Procedure]:
    """The published procedures of content/qa/documents.toml, by code."""
    return parse_procedures(_read_toml(qa_dir() / DOCUMENTS_FILE), DOCUMENTS_FILE)


@functools.cache
def load_snippets() -> tuple[Snippet, ...]:
    """Every snippet of every content/qa/*.toml except documents.toml (read once)."""
    documents = load_documents()
    procedures = load_procedures()
    sources = sorted(
        (entry for entry in qa_dir().iterdir() if entry.name.endswith(".toml") and entry.name != DOCUMENTS_FILE),
        key=lambda entry: entry.name,
    )
    snippets: list[Snippet] = []
    seen: dict[str, str] = {}
    for source in sources:
        for snippet in parse_snippets(_read_toml(source), source.name, documents, procedures):
            if snippet.id in seen:
                raise ValueError(
                    f"{source.name}: snippet {snippet.id!r} duplicates an id already used in {seen[snippet.id]}"
                )
            seen[snippet.id] = source.name
            snippets.append(snippet)
    return tuple(snippets)


def parse_documents(data: Mapping[str, Any], source: str) -> Mapping[str, Document]:
    _only_keys(data, {"document", "procedure"}, source)
    tables = data.get("document")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{source}: expected at least one [[document]] table")
    documents: dict[str, Document] = {}
    for table in tables:
        where = f"{source}: document {table.get('id')!r}"
        _check_keys(table, _DOC_KEYS, _DOC_REQUIRED, where)
        doc_id = _text(table, "id", where)
        link = _text(table, "link", where)
        if not link.startswith("https://"):
            raise ValueError(f"{where}: link must be an https:// address")
        articles = table["articles"]
        if not isinstance(articles, int) or isinstance(articles, bool) or articles < 1:
            raise ValueError(f"{where}: articles must be a positive integer")
        in_force = table.get("in_force", True)
        if not isinstance(in_force, bool):
            raise ValueError(f"{where}: in_force must be true or false")
        replaced_by = table.get("replaced_by")
        if replaced_by is not None and not isinstance(replaced_by, str):
            raise ValueError(f"{where}: replaced_by must be a document id")
        if doc_id in documents:
            raise ValueError(f"{where}: duplicate document id")
        key = table["key"]
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ValueError(f"{where}: key must be 1-6 lowercase ascii letters and digits")
        if any(d.key == key for d in documents.values()):
            raise ValueError(f"{where}: key {key!r} is used twice")
        documents[doc_id] = Document(
            id=doc_id,
            key=key,
            abbr=_text(table, "abbr", where),
            short=_text(table, "short", where),
            title=_text(table, "title", where),
            link=link,
            articles=articles,
            in_force=in_force,
            replaced_by=_nfc(replaced_by) if replaced_by else None,
        )
    for doc in documents.values():
        if doc.replaced_by is not None and doc.replaced_by not in documents:
            raise ValueError(f"{source}: document {doc.id!r} is replaced_by unknown {doc.replaced_by!r}")
    return MappingProxyType(documents)


def parse_procedures(data: Mapping[str, Any], source: str) -> Mapping[str, Procedure]:
    procedures: dict[str, Procedure] = {}
    for table in data.get("procedure", []):
        where = f"{source}: procedure {table.get('code')!r}"
        _check_keys(table, _PROC_KEYS, _PROC_KEYS, where)
        code = _text(table, "code", where)
        if not _CODE_RE.match(code) or code in procedures:
            raise ValueError(f"{where}: code must be a new national code like 2.002080")
        link = _text(table, "link", where)
        if not link.startswith("https://"):
            raise ValueError(f"{where}: link must be an https:// address")
        procedures[code] = Procedure(code=code, name=_text(table, "name", where), link=link)
    return MappingProxyType(procedures)


def parse_snippets(
    data: Mapping[str, Any],
    source: str,
    documents: Mapping[str, Document],
    procedures: Mapping[str, Procedure] | None = None,
) -> list[Snippet]:
    _only_keys(data, {"snippet"}, source)
    tables = data.get("snippet")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{source}: expected at least one [[snippet]] table")
    snippets: list[Snippet] = []
    for position, table in enumerate(tables, start=1):
        where = f"{source}: snippet {table.get('id', f'#{position}')!r}"
        _check_keys(table, _SNIPPET_KEYS, _SNIPPET_REQUIRED, where)
        snippet_id = table["id"]
        if not isinstance(snippet_id, str) or not _ID_RE.match(snippet_id):
            raise ValueError(f"{where}: id must be lowercase ascii letters, digits and '-'")
        questions = _text_list(table, "questions", where)
        if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
            raise ValueError(f"{where}: needs {MIN_QUESTIONS}-{MAX_QUESTIONS} questions, has {len(questions)}")
        answer = _text(table, "answer", where)
        if len(answer) > MAX_ANSWER_CHARS:
            raise ValueError(f"{where}: answer has {len(answer)} characters, at most {MAX_ANSWER_CHARS}")
        cites = _cites(table["cites"], documents, where)
        keywords = _text_list(table, "keywords", where) if "keywords" in table else ()
        codes = _text_list(table, "procedures", where) if "procedures" in table else ()
        unknown = [c for c in codes if c not in (procedures or {})]
        if unknown:
            raise ValueError(f"{where}: unknown procedures {unknown}")
        outside = table.get("outside", False)
        if not isinstance(outside, bool):
            raise ValueError(f"{where}: outside must be true or false")
        snippets.append(
            Snippet(
                id=snippet_id,
                questions=questions,
                answer=answer,
                cites=cites,
                keywords=keywords,
                link=documents[cites[0].doc].link,
                procedures=codes,
                outside=outside,
            )
        )
    return snippets


def _cites(raw: Any, documents: Mapping[str, Document], where: str) -> tuple[Cite, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: cites must be a non-empty list")
    cites: list[Cite] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError(f"{where}: each cite must be a table {{doc, article, clause}}")
        _check_keys(item, _CITE_KEYS, {"doc", "article"}, f"{where}: cite")
        doc = _nfc(item["doc"]) if isinstance(item["doc"], str) else item["doc"]
        if doc not in documents:
            raise ValueError(f"{where}: cites unknown document {doc!r}")
        article = item["article"]
        if isinstance(article, str) and article.startswith("Phụ lục"):
            article = _nfc(article)
        elif not isinstance(article, int) or isinstance(article, bool):
            raise ValueError(f"{where}: cite article must be an integer (or an annex, «Phụ lục…»)")
        elif not 1 <= article <= documents[doc].articles:
            raise ValueError(f"{where}: cites Điều {article} of {doc}, which has {documents[doc].articles} articles")
        clause = item.get("clause")
        if clause is not None and (not isinstance(clause, int) or isinstance(clause, bool) or clause < 1):
            raise ValueError(f"{where}: cite clause must be a positive integer")
        cites.append(Cite(doc=doc, article=article, clause=clause))
    return tuple(cites)


def _read_toml(entry: Traversable) -> dict[str, Any]:
    try:
        return tomllib.loads(entry.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{entry.name}: not valid TOML: {exc}") from exc


def _only_keys(data: Mapping[str, Any], allowed: set[str], source: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{source}: unknown top-level keys {sorted(unknown)}")


def _check_keys(table: Any, allowed: set[str], required: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table")
    unknown = set(table) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    missing = required - set(table)
    if missing:
        raise ValueError(f"{where}: missing keys {sorted(missing)}")


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be non-empty text")
    return _nfc(value.strip())


def _text_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: {key} must be a list of non-empty texts")
    return tuple(_nfc(v.strip()) for v in value)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
