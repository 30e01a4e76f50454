"""The risk register: the risk_updates table (each risk's assessment in a quarter's return, with
its score, band, the rule that banded it, and where it was typed).

Revision ID: 0005_risks
Revises: 0003_signoff
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_risks"
down_revision = "0003_signoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_updates",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("likelihood", sa.Integer),
        sa.Column("impact", sa.Integer),
        sa.Column("score", sa.Integer),
        sa.Column("band", sa.String(16)),
        sa.Column("target_score", sa.Integer),
        sa.Column("commentary", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("source_file", sa.Text),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("source_sheet", sa.String(100)),
        sa.Column("source_cell", sa.String(20)),
        sa.Column("plan_fingerprint", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("risk_updates")
