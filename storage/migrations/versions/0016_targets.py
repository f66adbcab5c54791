"""targets: the chỉ tiêu an official sets for their unit's subtree, one value per unit and measure

`targets` keeps the unit, the measure (success, teams_ok, trained, reports: percent; help_days:
days), the value, who set it and when. A unit without a row of its own takes the nearest one set
above it, then the programme's default.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MEASURES = ("success", "teams_ok", "trained", "reports", "help_days")


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.Enum(*MEASURES, name="target_measure", native_enum=False, length=20), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_by_id"], ["people.id"], name=op.f("fk_targets_set_by_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_targets_unit_id_units"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("unit_id", "measure", name="uq_targets_unit_measure"),
    )


def downgrade() -> None:
    op.drop_table("targets")
