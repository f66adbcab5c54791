"""codes: hashed invite and link codes, guessing limits

Invite and link codes are kept as their HMAC-SHA-256 digest (storage.codes) in `code_hash`,
looked up by it; the typed codes are no longer stored, so a backup holds none. Existing
codes are hashed here and keep working. Wrong invite codes are counted in audit_log
("invite_failed"), which needs no schema change.

Downgrade cannot bring the codes back: invite codes become dead placeholders (the rows and
who joined with them stay), link codes (15 minutes long) are dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_KEY = b"tro-ly-hoa-giai/one-time-code/v1"  # as storage.codes, frozen here with the data it wrote


def _digest(code: str) -> str:
    return hmac.new(_KEY, code.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def _hash_codes(table: str) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("code_hash", sa.String))
    for row_id, code in bind.execute(sa.select(t.c.id, t.c.code)).all():
        bind.execute(sa.update(t).where(t.c.id == row_id).values(code_hash=_digest(code)))


def upgrade() -> None:
    for table in ("invite_codes", "link_codes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
        _hash_codes(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_code", type_="unique")
            batch_op.drop_column("code")
            batch_op.alter_column("code_hash", existing_type=sa.String(length=64), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_code_hash"), ["code_hash"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM link_codes"))
    for table, length in (("invite_codes", 32), ("link_codes", 16)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("code", sa.String(length=length), nullable=True))
        # lower-case hex: never typed, never matched (codes are upper case)
        op.execute(sa.text(f"UPDATE {table} SET code = substr(code_hash, 1, {length})"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_code_hash", type_="unique")
            batch_op.drop_column("code_hash")
            batch_op.alter_column("code", existing_type=sa.String(length=length), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_code"), ["code"])
