"""codes: hashed invite and link codes, guessing limits

(Placeholder: filled in by the change that needs it.)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:40:00
"""
from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
