"""Legal Q&A: search over the snippets of content/qa."""

from handlers.qa.search import Hit, QaIndex

__all__ = ["Hit", "QaIndex"]
