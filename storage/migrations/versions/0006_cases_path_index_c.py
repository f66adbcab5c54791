"""cases: on PostgreSQL, the subtree index in the "C" collation

Subtree reads compare unit paths byte-wise (storage.access.under), which PostgreSQL writes
as COLLATE "C"; the index in the database's collation could not serve them, so counts and
reports for a ward scanned every case. SQLite keeps its index (binary collation already).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_unit_path_received", table_name="cases")
    op.execute('CREATE INDEX ix_cases_unit_path_c_received ON cases (unit_path COLLATE "C", received_on)')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_unit_path_c_received", table_name="cases")
    op.create_index("ix_cases_unit_path_received", "cases", ["unit_path", "received_on"])
