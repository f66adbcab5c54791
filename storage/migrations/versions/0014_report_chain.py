"""report chain: the days by which communes report to their province, and the reports they sent

`chain_rules` holds, per receiving unit (a province, or a district where one remains) and
period kind, the day by which the units reporting to it send their report; there is no
default (the Ministry's dates for the mediation biểu are not held). `unit_reports` has one row
per reporting unit, kind and period: who marked it sent and when, how many cases it counts,
and the workbook the bot made at that moment, sealed like the parties' data.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("due_month", sa.Integer(), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_chain_rules_unit_id_units")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["people.id"], name=op.f("fk_chain_rules_updated_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_rules")),
        sa.UniqueConstraint("unit_id", "kind", name="uq_chain_rules_unit_kind"),
    )
    op.create_table(
        "unit_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("xlsx", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["sent_by_id"], ["people.id"], name=op.f("fk_unit_reports_sent_by_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_reports_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_reports")),
        sa.UniqueConstraint("unit_id", "kind", "period", name="uq_unit_reports_unit_kind_period"),
    )
    op.create_index(op.f("ix_unit_reports_sent_by_id"), "unit_reports", ["sent_by_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_reports_sent_by_id"), table_name="unit_reports")
    op.drop_table("unit_reports")
    op.drop_table("chain_rules")
