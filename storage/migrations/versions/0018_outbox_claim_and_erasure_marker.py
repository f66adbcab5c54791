"""outbox claim index and erasure marker: what a national announcement and ten years of cases need

`deliveries`: the index on (status, next_attempt_at) becomes (status, next_attempt_at, id), the
order the dispatcher claims pending rows in, so a claim among half a million pending rows reads
the first few index entries instead of sorting them all. `cases.parties_erased_at`: when the
parties were erased, with an index on (parties_erased_at, closed_at), so the nightly retention
reads only the cases not erased yet. Cases erased before this revision have no marker; the next
retention run reads them once, sees they are erased and marks them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("parties_erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cases_erased_closed", "cases", ["parties_erased_at", "closed_at"])
    op.create_index("ix_deliveries_status_next_id", "deliveries", ["status", "next_attempt_at", "id"])
    op.drop_index("ix_deliveries_status_next", table_name="deliveries")


def downgrade() -> None:
    op.create_index("ix_deliveries_status_next", "deliveries", ["status", "next_attempt_at"])
    op.drop_index("ix_deliveries_status_next_id", table_name="deliveries")
    op.drop_index("ix_cases_erased_closed", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("parties_erased_at")
