"""encrypt parties: cases.parties becomes text holding an encrypted JSON object

Existing rows keep their plain JSON text, which is still read; bot start-up seals them
(storage.db.Database.seal_legacy_parties) with the store's key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:09:45
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column(
            "parties",
            existing_type=sa.JSON(),
            type_=sa.Text(),
            existing_nullable=False,
            postgresql_using="parties::text",
        )


def downgrade() -> None:
    # Sealed values are not JSON: downgrading needs them opened first (not automatic).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column(
            "parties",
            existing_type=sa.Text(),
            type_=sa.JSON(),
            existing_nullable=False,
            postgresql_using="parties::json",
        )
