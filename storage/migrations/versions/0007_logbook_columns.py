"""cases: the logbook's columns, one case code, corrections with history

Teams get a short code unique in their commune (storage.casecode) and every case the code
of its team, so "T1-3/2026" names one case in a commune. Cases gain the dates of their
mediation sessions, the day of their outcome (for a closed case written before this
revision: the local day it was closed), where the parties were referred, and when the
record was last corrected; case events gain the sealed old → new values of a correction.
Drafts in the conversation row become sealed text like the parties (free text of cases, events,
help requests and pushes was Text already and is sealed from now on; start-up seals older rows).
Nothing is removed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from storage.casecode import commune_path, unique_code

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("code", sa.String(length=12), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("code", sa.String(length=12), server_default="", nullable=False))
        batch.add_column(sa.Column("sessions", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("outcome_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("referral", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("change", sa.Text(), nullable=True))
    # drafts are sealed like the parties (start-up seals the rows written before)
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column(
            "data", existing_type=sa.JSON(), type_=sa.Text(), existing_nullable=False, postgresql_using="data::text"
        )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    units = sa.table(
        "units",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("path", sa.String),
        sa.column("code", sa.String),
    )
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("team_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("sessions", sa.JSON),
        sa.column("status", sa.String),
        sa.column("closed_at", sa.DateTime(timezone=True)),
        sa.column("outcome_on", sa.Date),
    )
    rows = conn.execute(sa.select(units.c.id, units.c.kind, units.c.name, units.c.path).order_by(units.c.id)).all()
    kinds = {r.id: r.kind for r in rows}
    taken: dict[str, set[str]] = {}
    for r in rows:
        if r.kind != "to_hoa_giai":
            continue
        scope = taken.setdefault(commune_path(r.path, kinds), set())
        code = unique_code(r.name, scope)
        scope.add(code)
        conn.execute(sa.update(units).where(units.c.id == r.id).values(code=code))
        conn.execute(sa.update(cases).where(cases.c.team_id == r.id).values(code=code))
    tz = ZoneInfo(os.environ.get("TIMEZONE") or "Asia/Ho_Chi_Minh")
    closed = conn.execute(
        sa.select(cases.c.id, cases.c.closed_at).where(
            cases.c.closed_at.is_not(None), cases.c.status != "dang_hoa_giai"
        )
    ).all()
    for case_id, closed_at in closed:
        moment = closed_at if isinstance(closed_at, dt.datetime) else dt.datetime.fromisoformat(str(closed_at))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        conn.execute(sa.update(cases).where(cases.c.id == case_id).values(outcome_on=moment.astimezone(tz).date()))


def downgrade() -> None:
    # sealed drafts are not JSON: they are emptied (a draft is worth less than a working downgrade)
    op.execute("UPDATE conversations SET data = '{}', flow = NULL, step = NULL WHERE data LIKE 'v1:%'")
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column(
            "data", existing_type=sa.Text(), type_=sa.JSON(), existing_nullable=False, postgresql_using="data::json"
        )
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("change")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("corrected_at")
        batch.drop_column("referral")
        batch.drop_column("outcome_on")
        batch.drop_column("sessions")
        batch.drop_column("code")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("code")
