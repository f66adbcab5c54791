"""The library's buttons, each a declared payload kind (handlers/kit/payload.py)."""

from __future__ import annotations

from handlers.kit.payload import payload
from storage.models import Topic


@payload("doc", "open")
class DocOpen:
    """Send me this document's file."""

    doc_id: int


@payload("doc", "latest")
class DocLatest:
    offset: int


@payload("doc", "topics")
class DocTopics:
    pass


@payload("doc", "topic")
class DocTopic:
    topic: Topic
    offset: int


@payload("doc", "find")
class DocFind:
    """Ask for words of a title."""


@payload("doc", "new")
class DocNew:
    """An official starts publishing a document."""


@payload("doc", "mine")
class DocMine:
    offset: int


@payload("doc", "reach")
class DocReach:
    doc_id: int


@payload("doc", "withdraw")
class DocWithdraw:
    """Asks first."""

    doc_id: int


@payload("doc", "withdraw_ok")
class DocWithdrawSure:
    doc_id: int
