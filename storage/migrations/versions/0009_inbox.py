"""webhooks: the inbox of updates answered before their turn

A webhook update is written here before the platform gets its 200 and handled from here,
so a crash after the answer loses nothing (storage/inbox.py, bot/inbox.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "key", name=op.f("uq_inbox_channel")),
    )
    op.create_index(op.f("ix_inbox_claimed_at"), "inbox", ["claimed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inbox_claimed_at"), table_name="inbox")
    op.drop_table("inbox")
