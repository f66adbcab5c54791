"""reorganise: the chairman's decisions about a team's people, and case numbers that survive a merge

`decisions`: a mediator or a team leader recognised, or a mediator who stops (Luật Hòa giải ở
cơ sở 2013, Điều 8 khoản 4, Điều 14, Điều 11), with the decision's number and day (either may
be written later). `cases`: a team's numbers are unique by (team, code, year, seq), so that a
team merged into another keeps its cases' numbers (their code is the old team's).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("recognised", "leader", "left", name="decision_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_decisions_person_id_people")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["people.id"], name=op.f("fk_decisions_recorded_by_id_people")),
        sa.ForeignKeyConstraint(["team_id"], ["units.id"], name=op.f("fk_decisions_team_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.create_index(batch.f("ix_decisions_person_id"), ["person_id"], unique=False)
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_team_year_seq", type_="unique")
        batch.create_unique_constraint("uq_cases_team_code_year_seq", ["team_id", "code", "year", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_team_code_year_seq", type_="unique")
        batch.create_unique_constraint("uq_cases_team_year_seq", ["team_id", "year", "seq"])
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index(batch.f("ix_decisions_person_id"))
    op.drop_table("decisions")
