"""Sign-off: the signoffs table (a quarter approved, or reopened with a reason) and after_signoff
(returns that arrived while a quarter was locked).

Revision ID: 0003_signoff
Revises: 0002_restatements
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_signoff"
down_revision = "0002_restatements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signoffs",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("plan_fingerprint", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "after_signoff",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file", sa.String(500), primary_key=True),
        sa.Column("received", sa.DateTime, nullable=False),
        sa.Column("service", sa.Text),
        sa.Column("archive", sa.Text),
        sa.Column("seen", sa.DateTime, nullable=False),
        sa.Column("signoff_seq", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("after_signoff")
    op.drop_table("signoffs")
