"""Restated figures: the restatements table (an earlier quarter's figure corrected in a later
return, stored as a new version beside the one reported).

Revision ID: 0002_restatements
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_restatements"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("restatements"):
        return      # a store written between the restatements and revisions being recorded has it
    op.create_table(
        "restatements",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("restated_period", sa.String(16), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("manager", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("reported_figure", sa.Text),
        sa.Column("reported_raw", sa.Text, nullable=False),
        sa.Column("reported_status", sa.String(16)),
        sa.Column("figure", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("collected", sa.DateTime, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_sheet", sa.String(100), nullable=False),
        sa.Column("source_cell", sa.String(20), nullable=False),
        sa.Column("plan_fingerprint", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("restatements")
