"""escalation: help requests moved up to the province, and communes' questions to the province

`help_requests.escalated_at`: when a request still unanswered after HELP_ESCALATE_DAYS was
moved to the province's officials (its `unit_id` then names the province). `province_questions`:
a commune official's question to the province that is not about a case, and its answer
(both sealed like the parties' data), kept for both sides to list.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("help_requests", sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "province_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["people.id"], name=op.f("fk_province_questions_answered_by_id_people")
        ),
        sa.ForeignKeyConstraint(["asked_by_id"], ["people.id"], name=op.f("fk_province_questions_asked_by_id_people")),
        sa.ForeignKeyConstraint(["province_id"], ["units.id"], name=op.f("fk_province_questions_province_id_units")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_province_questions_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_province_questions")),
    )
    op.create_index(op.f("ix_province_questions_unit_id"), "province_questions", ["unit_id"])
    op.create_index("ix_province_questions_province_answered", "province_questions", ["province_id", "answered_at"])


def downgrade() -> None:
    op.drop_index("ix_province_questions_province_answered", table_name="province_questions")
    op.drop_index(op.f("ix_province_questions_unit_id"), table_name="province_questions")
    op.drop_table("province_questions")
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_column("escalated_at")
