"""thongke indexes: the stale cases under a path, and units by path byte-wise on PostgreSQL

`cases`: an index on (status, unit_path, received_on) (on PostgreSQL with the path in the "C"
collation), so /thongke's stale-case block and the weekly digest read the cases still being
mediated under a unit instead of scanning all of them. `units`: on PostgreSQL an index on
path COLLATE "C", so the blocks that count a unit's teams read a range of the index (the plain
path index is in the database's collation; SQLite's already compares byte-wise); and on
(ethnic_area, path), the areas marked as having many ethnic-minority people under a unit.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_cases_status_path_c_received ON cases (status, unit_path COLLATE "C", received_on)')
        op.execute('CREATE INDEX ix_units_path_c ON units (path COLLATE "C")')
        op.execute('CREATE INDEX ix_units_ethnic_path_c ON units (ethnic_area, path COLLATE "C")')
    else:
        op.create_index("ix_cases_status_path_received", "cases", ["status", "unit_path", "received_on"])
        op.create_index("ix_units_ethnic_path", "units", ["ethnic_area", "path"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_units_ethnic_path_c", table_name="units")
        op.drop_index("ix_units_path_c", table_name="units")
        op.drop_index("ix_cases_status_path_c_received", table_name="cases")
    else:
        op.drop_index("ix_units_ethnic_path", table_name="units")
        op.drop_index("ix_cases_status_path_received", table_name="cases")
