"""The Q&A slice's buttons. `article` is a number, or `pl` for a statute's appendix (phụ lục)."""

from __future__ import annotations

from handlers.kit.payload import payload


@payload("qa", "s")
class QaOther:
    """Another answer (a snippet by id)."""

    snippet_id: str


@payload("qa", "c")
class QaCited:
    """The clauses an answer cites, in the law's own words."""

    snippet_id: str


@payload("qa", "a")
class QaArticle:
    """A whole article of a document (by its key)."""

    doc: str
    article: str


@payload("qa", "k")
class QaClause:
    doc: str
    article: str
    clause: int


@payload("qa", "x")
class QaExplain:
    """Our plain-language answers about an article."""

    doc: str
    article: str


@payload("qa", "d")
class QaLegacyArticle:
    """The payload of messages sent before documents had keys: documents by their old position."""

    doc_index: int
    article: int
