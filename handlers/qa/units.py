"""The statutes' clauses as search units, beside our own snippets.

A clause of a statute we hold (content/law) becomes a `Snippet` marked `verbatim`: its one
"question" is the article's title, its "answer" the clause in the law's own words, its one
citation the clause itself. Search ranks both kinds; the chat shows a verbatim unit as a
quotation, never as our explanation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from content.law_loader import Article, Statute
from content.qa_loader import Cite, Document, Snippet

MAX_UNIT_CHARS = 1500  # a clause longer than this is cut at a line (a list of points)


def clause_units(statutes: Mapping[str, Statute], documents: Mapping[str, Document]) -> list[Snippet]:
    units: list[Snippet] = []
    for doc_id, statute in statutes.items():
        doc = documents.get(doc_id)
        if doc is None or not doc.in_force:
            continue
        for article in statute.articles.values():
            units.extend(_article_units(article, doc))
    return units


def unit_id(doc: Document, article: int | str, clause: int | None) -> str:
    number = article if isinstance(article, int) else "pl"
    return f"{doc.key}-{number}" + (f"-{clause}" if clause is not None else "")


def _article_units(article: Article, doc: Document) -> Iterable[Snippet]:
    clauses = article.clauses
    numbered = [c for c in clauses if c.number is not None]
    for clause in clauses:  # the opening words before khoản 1 cite the whole article
        text = clause.text if len(clause.text) <= MAX_UNIT_CHARS else _cut(clause.text)
        cite = Cite(doc.id, article.number, clause.number if numbered else None)
        yield Snippet(
            id=unit_id(doc, article.number, cite.clause),
            questions=(article.title,),
            answer=text,
            cites=(cite,),
            keywords=(),
            link=doc.link,
            verbatim=True,
        )


def _cut(text: str) -> str:
    cut = text[:MAX_UNIT_CHARS]
    return cut[: cut.rfind("\n")] if "\n" in cut else cut
