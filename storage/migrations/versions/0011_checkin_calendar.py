"""trainings: how long a class lasts, and wrong check-in tries per person and class

A class lasts `minutes` (240, half a day, for every class stored before): people check in by
code from 30 minutes before it starts until it ends. Every wrong code is recorded
(checkin_misses); after five for a class, that person's code is no longer taken for it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Integer(), server_default="240", nullable=False))
    op.create_table(
        "checkin_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_checkin_misses_person_id_people")),
        sa.ForeignKeyConstraint(
            ["training_id"], ["trainings.id"], name=op.f("fk_checkin_misses_training_id_trainings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_misses")),
    )
    op.create_index("ix_checkin_misses_training_person", "checkin_misses", ["training_id", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_checkin_misses_training_person", table_name="checkin_misses")
    op.drop_table("checkin_misses")
    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.drop_column("minutes")
