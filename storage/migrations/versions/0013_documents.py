"""documents: the library an official publishes to their unit's subtree, and who opened what

`documents` keeps a title (and its folded form, for typed search), a topic, the unit it was
published to (id and path: the people at or under that path find it), its file (push_files:
the platform's reference to the file sent in chat), who published it, and when it was
withdrawn. `document_opens` has one row per person and document, the first time they opened it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TOPICS = ("tap_huan", "huong_dan", "bieu_mau", "phap_luat", "kinh_nghiem")


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=400), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("title_folded", sa.String(length=240), nullable=False),
        sa.Column("topic", sa.Enum(*TOPICS, name="document_topic", native_enum=False, length=20), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], name=op.f("fk_documents_created_by_id_people")),
        sa.ForeignKeyConstraint(["file_id"], ["push_files.id"], name=op.f("fk_documents_file_id_push_files")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_documents_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index(op.f("ix_documents_created_by_id"), "documents", ["created_by_id"])
    op.create_index("ix_documents_unit_path_created", "documents", ["unit_path", "created_at"])
    op.create_table(
        "document_opens",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_opens_document_id_documents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_document_opens_person_id_people")),
        sa.PrimaryKeyConstraint("document_id", "person_id", name=op.f("pk_document_opens")),
    )
    op.create_index(op.f("ix_document_opens_person_id"), "document_opens", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_document_opens_person_id"), table_name="document_opens")
    op.drop_table("document_opens")
    op.drop_index("ix_documents_unit_path_created", table_name="documents")
    op.drop_index(op.f("ix_documents_created_by_id"), table_name="documents")
    op.drop_table("documents")
