"""The library's use cases: publish, find, open (and count the open), withdraw.

A document is the file an official sent in chat, kept as the platform's reference to it (as
/thongbao keeps its files): it can be sent again only on the platform that holds it, or
anywhere when its bytes are kept (a file given on the command line).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from handlers.common.outbox import StoredFile, file_ok, keep_file
from handlers.kit.core import FileRef
from handlers.kit.errors import UserError
from handlers.kit.text import MAX_LINE, clean, clean_name, fold, one_line
from storage.db import UnitOfWork
from storage.documents import can_open
from storage.models import Document, Person, Role, Topic
from storage.models.documents import MAX_TITLE


@dataclass(frozen=True)
class Draft:
    """What the publishing flow has gathered (kept in the conversation row as a dict)."""

    file: dict[str, Any]  # a FileRef, as dataclasses.asdict gives it
    title: str
    topic: str


@dataclass(frozen=True)
class Opened:
    doc: Document
    file: StoredFile | None  # None: the file lives on another platform
    held_on: str  # the platform that holds the file ("telegram"), when it cannot come here


def read_title(text: str) -> str:
    """A title as kept: cleaned, on one line, with at least one letter or digit, ≤ MAX_TITLE."""
    title = one_line(clean(text))
    if not fold(title):
        raise UserError("doc.title_empty")
    if len(title) > MAX_TITLE:
        raise UserError("doc.title_too_long", limit=MAX_TITLE, length=len(title))
    return title


def read_file(file: FileRef) -> dict[str, Any]:
    """A file fit for the library (a document type we know, or an image; ≤ 20 MB), its name cleaned."""
    if not file_ok(file):
        raise UserError("doc.file_bad")
    return dataclasses.asdict(dataclasses.replace(file, filename=clean_name(file.filename, MAX_LINE) or "tep"))


def read_topic(value: str) -> Topic:
    try:
        return Topic(value)
    except ValueError:
        raise UserError("doc.topic_unknown") from None


async def publish(uow: UnitOfWork, person: Person | None, draft: Draft, now: dt.datetime) -> Document:
    """The document, found from now on by everyone at or under the official's unit."""
    if person is None or not person.active or not person.role.is_official:
        raise UserError("doc.officials_only")
    title, topic = read_title(draft.title), read_topic(draft.topic)
    file = read_file(FileRef(**draft.file))
    stored = await keep_file(uow, file, now)
    doc = await uow.documents.add(
        Document(
            unit_id=person.unit_id,
            unit_path=person.unit.path,
            title=title,
            title_folded=fold(title)[: 2 * MAX_TITLE],
            topic=topic,
            file_id=stored.id,
            created_by_id=person.id,
            created_at=now,
        )
    )
    await uow.audit.record(now, person.id, "document_published", f"document:{doc.id}", {"unit": person.unit_id})
    return doc


async def own_document(uow: UnitOfWork, person: Person, doc_id: int) -> Document:
    """A live document this official published (an administrator: any live document)."""
    doc = await uow.documents.get(doc_id)
    if doc is None or doc.withdrawn_at is not None or not (doc.created_by_id == person.id or person.role is Role.ADMIN):
        raise UserError("doc.not_yours")
    return doc


async def withdraw(uow: UnitOfWork, person: Person, doc_id: int, now: dt.datetime) -> Document:
    doc = await own_document(uow, person, doc_id)
    doc.withdrawn_at = now
    await uow.audit.record(now, person.id, "document_withdrawn", f"document:{doc.id}")
    return doc


async def open_document(uow: UnitOfWork, person: Person, doc_id: int, channel: str, now: dt.datetime) -> Opened:
    """The document's file for this platform; the open is counted when the file goes out."""
    repo = uow.documents
    doc = await repo.get(doc_id)
    if doc is None or not can_open(person, doc):
        raise UserError("doc.not_found")
    stored = await repo.file(doc)
    if stored is None:
        raise UserError("doc.not_found")
    held_on = (stored.ref or "").partition(":")[0]
    if not stored.data and held_on != channel:
        return Opened(doc, None, held_on)
    if person.id != doc.created_by_id:
        await repo.record_open(doc.id, person.id, now)
    return Opened(doc, StoredFile(stored.filename, stored.data, stored.kind, stored.ref or ""), "")
