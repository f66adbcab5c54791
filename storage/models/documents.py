"""The document library (/tailieu): what an official published to their unit's subtree, and who
opened it.

A document is kept as the file it was sent as (push_files: the platform's reference, or bytes
from the command line), with a title, a topic and the path of the unit it was published to:
everyone whose unit lies at or under that path finds it, whenever they join. Opening it is
recorded once per person and document (document_opens), for the publisher's reach per team.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

MAX_TITLE = 120


class Topic(enum.StrEnum):
    """The library's shelves: a short fixed list (labels in the catalog, doc.topic.<value>)."""

    TAP_HUAN = "tap_huan"  # tài liệu tập huấn
    HUONG_DAN = "huong_dan"  # hướng dẫn nghiệp vụ
    BIEU_MAU = "bieu_mau"  # biểu mẫu
    PHAP_LUAT = "phap_luat"  # văn bản pháp luật
    KINH_NGHIEM = "kinh_nghiem"  # kinh nghiệm hay


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(400))  # who finds it: people at or under this unit
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    title_folded: Mapped[str] = mapped_column(String(2 * MAX_TITLE))  # handlers.kit.text.fold: typed search
    topic: Mapped[Topic] = mapped_column(
        Enum(Topic, name="document_topic", native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("push_files.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[dt.datetime]
    withdrawn_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_documents_unit_path_created", "unit_path", "created_at"),)


class DocumentOpen(Base):
    """One row per person and document: the first time they opened it."""

    __tablename__ = "document_opens"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    opened_at: Mapped[dt.datetime]
