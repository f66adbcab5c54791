"""How legal answers and the statutes' own words are shown on a phone.

An answer (our words) shows its citations, marks those whose text we do not hold, names
the published procedure it rests on, and offers a button to open the exact clauses it
cites. A statute's text is shown as a quotation, split into readable replies, with where
it came from when that is a secondary copy; our explanations follow it, apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from content.law_loader import Article, Statute
from content.qa_loader import Cite, Document, Procedure, Snippet

CHUNK = 1500  # characters of law text in one reply (Zalo takes 2000, Telegram 4096)
LONG_ARTICLE = 3500  # longer articles are offered clause by clause
LABEL = 40  # characters of a question on a button


def article_name(article: int | str, t) -> str:
    return t("qa.cite_article", article=article) if isinstance(article, int) else str(article)


def cites_text(
    cites: Sequence[Cite],
    documents: Mapping[str, Document],
    t,
    statutes: Mapping[str, Statute] | None = None,
) -> str:
    """ "Điều 12 khoản 1, 2; Điều 14 khoản 1, Luật Hòa giải ở cơ sở (35/2013/QH13)"; an
    article whose text we do not hold is marked so."""
    by_doc: dict[str, dict[int | str, list[int | None]]] = {}
    for c in cites:
        by_doc.setdefault(c.doc, {}).setdefault(c.article, []).append(c.clause)
    groups = []
    for doc_id, articles in by_doc.items():
        where = []
        for article, clauses in articles.items():
            name = article_name(article, t)
            if None not in clauses:
                name = t("qa.cite_clause", where=name, clause=", ".join(map(str, clauses)))
            statute = (statutes or {}).get(doc_id)
            if statute is not None and article not in statute.articles:
                name = t("qa.cite_unheld", where=name)
            where.append(name)
        doc = documents.get(doc_id)
        label = f"{doc.short} ({doc.id})" if doc else doc_id
        groups.append(f"{'; '.join(where)}, {label}")
    return " | ".join(groups)


def answer_text(
    snippet: Snippet,
    documents: Mapping[str, Document],
    t,
    statutes: Mapping[str, Statute] | None = None,
    procedures: Mapping[str, Procedure] | None = None,
) -> str:
    if snippet.verbatim:
        return quote_text(snippet, documents, t, statutes)
    cites = cites_text(snippet.cites, documents, t, statutes)
    parts = [
        t("qa.outside_head") if snippet.outside else t("qa.question", question=snippet.questions[0]),
        snippet.answer,
        t("qa.cites", cites=cites),
    ]
    for code in snippet.procedures:
        procedure = (procedures or {}).get(code)
        if procedure is not None:
            parts.append(t("qa.procedure", name=procedure.name, code=code, link=procedure.link))
    parts.append(t("qa.link", link=snippet.link))
    return "\n\n".join(parts[:2]) + "\n\n" + "\n".join(parts[2:])


def quote_text(
    unit: Snippet,
    documents: Mapping[str, Document],
    t,
    statutes: Mapping[str, Statute] | None = None,
) -> str:
    """A clause in the law's own words, with where it is and how sure its copy is."""
    cite = unit.cites[0]
    doc = documents[cite.doc]
    where = cites_text([cite], documents, t)
    lines = [t("qa.quote_head", where=where, title=unit.questions[0]), f"«{unit.answer}»"]
    article = (statutes or {}).get(cite.doc, None)
    held = article.articles.get(cite.article) if article else None
    if held is not None:
        lines.append(certainty(held, t))
    lines.append(t("qa.link", link=doc.link))
    return "\n".join(line for line in lines if line)


def certainty(article: Article, t) -> str:
    if not article.complete:
        return t("qa.text_partial")
    return "" if article.authoritative else t("qa.text_secondary")


def article_pages(statute: Statute, article: Article, doc: Document, t, clauses: Sequence[int] = ()) -> list[str]:
    """The article's title and text (or only the given clauses), split for a phone."""
    head = t(
        "qa.article_head",
        article=article_name(article.number, t),
        doc=doc.short,
        id=doc.id,
        title=article.title,
    )
    picked = [c for c in article.clauses if c.number in clauses] if clauses else list(article.clauses)
    body = [c.text for c in picked] or [article.text]
    pages = split([head, *body])
    tail = "\n".join(x for x in (certainty(article, t), t("qa.article_link", link=doc.link)) if x)
    if len(pages[-1]) + len(tail) + 2 <= CHUNK + 300:
        pages[-1] += "\n\n" + tail
    else:
        pages.append(tail)
    return pages


def split(blocks: Sequence[str], size: int = CHUNK) -> list[str]:
    """Blocks joined into pages of at most `size` characters, a block longer than that cut
    at its lines, then at its words."""
    pieces: list[str] = []
    for block in blocks:
        pieces.extend(_cut(block, size))
    pages: list[str] = []
    for piece in pieces:
        if pages and len(pages[-1]) + 2 + len(piece) <= size:
            pages[-1] += "\n\n" + piece
        else:
            pages.append(piece)
    return pages or [""]


def _cut(text: str, size: int) -> list[str]:
    if len(text) <= size:
        return [text]
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _words(line, size):
            if current and len(current) + 1 + len(piece) > size:
                out.append(current)
                current = piece
            else:
                current = f"{current}\n{piece}" if current else piece
    if current:
        out.append(current)
    return out


def _words(line: str, size: int) -> Iterator[str]:
    while len(line) > size:
        cut = line.rfind(" ", 0, size)
        cut = cut if cut > size // 2 else size
        yield line[:cut]
        line = line[cut:].lstrip()
    yield line


def label(question: str, limit: int = LABEL) -> str:
    """A question shortened for a button at a word boundary, never mid-word."""
    question = " ".join(question.split())
    if len(question) <= limit:
        return question
    cut = question.rfind(" ", 0, limit)
    return question[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"
