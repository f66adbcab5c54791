"""Legal Q&A: search over our snippets and the statutes' clauses, and the chat around it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.qa.search import Hit, QaIndex

if TYPE_CHECKING:
    from handlers.qa.chat import LegalQa

__all__ = ["Hit", "QaIndex", "build_index", "build_legal_qa"]


def build_index() -> QaIndex:
    """The index the bot uses: the shipped snippets and the statutes' clauses."""
    from content.law_loader import load_statutes
    from content.qa_loader import load_documents, load_snippets

    return QaIndex.build(load_snippets(), load_statutes(), load_documents())


def build_legal_qa() -> LegalQa:
    from content.law_loader import load_statutes
    from content.qa_loader import load_documents, load_procedures
    from handlers.qa.chat import LegalQa

    return LegalQa(build_index(), load_documents(), load_statutes(), load_procedures())
