"""Re-run memo: store_generation (bumped by every write of collected figures) and collect_memo (what
the last collect of a quarter was made from, so a re-run over the same inputs need not redo it).

Revision ID: 0007_memo
Revises: 0006_budget
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_memo"
down_revision = "0006_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_generation",
        sa.Column("slot", sa.Integer, primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    op.create_table(
        "collect_memo",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("department", sa.String(200), primary_key=True),
        sa.Column("inputs", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("collect_memo")
    op.drop_table("store_generation")
