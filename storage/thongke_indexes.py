"""Indexes /thongke's blocks read through (migration 0017), one per dialect like the cases'
subtree index: the cases still being mediated under a unit's path, received by a day (the stale
block and the weekly digest), units by path in the "C" collation on PostgreSQL (every block
counts a subtree's teams; storage.access.under compares byte-wise), and the units marked as
areas with many ethnic-minority people under a path (the team review's check)."""

from __future__ import annotations

from sqlalchemy import Index, text

from storage.models import Case, Unit

cases = Case.__table__.c
Index("ix_cases_status_path_received", cases.status, cases.unit_path, cases.received_on).ddl_if(dialect="sqlite")
Index("ix_cases_status_path_c_received", cases.status, text('unit_path COLLATE "C"'), cases.received_on).ddl_if(
    dialect="postgresql"
)
units = Unit.__table__.c
Index("ix_units_path_c", units.path.collate("C")).ddl_if(dialect="postgresql")
Index("ix_units_ethnic_path", units.ethnic_area, units.path).ddl_if(dialect="sqlite")
Index("ix_units_ethnic_path_c", units.ethnic_area, text('path COLLATE "C"')).ddl_if(dialect="postgresql")

ONE_DIALECT = {
    "ix_cases_status_path_received",
    "ix_cases_status_path_c_received",
    "ix_units_path_c",
    "ix_units_ethnic_path",
    "ix_units_ethnic_path_c",
}
