"""keys: the key check stored with the data

(Placeholder: filled in by the change that needs it.)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:40:00
"""
from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
