"""Resources and benchmarks: the budget_lines table (spend against the plan's activity budget, per
quarter), budget_restatements (last quarter's spend corrected in a later return) and the benchmarks table (comparator figures per measure and year, as imported).

Revision ID: 0006_budget
Revises: 0004_departments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_budget"
down_revision = "0004_departments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables = sa.inspect(op.get_bind())
    if not tables.has_table("budget_lines"):
        op.create_table(
            "budget_lines",
            sa.Column("period", sa.String(16), primary_key=True),
            sa.Column("service", sa.String(200), primary_key=True),
            sa.Column("line", sa.String(300), primary_key=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("fte", sa.Float),
            sa.Column("expenditure", sa.Float, nullable=False),
            sa.Column("income", sa.Float, nullable=False),
            sa.Column("net", sa.Float, nullable=False),
            sa.Column("budget", sa.Float, nullable=False),
            sa.Column("profile", sa.String(100), nullable=False),
            sa.Column("profiled", sa.Float, nullable=False),
            sa.Column("spend", sa.Float),
            sa.Column("forecast", sa.Float),
            sa.Column("variance", sa.Float),
            sa.Column("forecast_variance", sa.Float),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("rule", sa.Text, nullable=False),
            sa.Column("comment", sa.Text, nullable=False),
            sa.Column("in_error", sa.Boolean, nullable=False),
            sa.Column("source_file", sa.Text),
            sa.Column("source_sha256", sa.String(64)),
            sa.Column("source_sheet", sa.String(100)),
            sa.Column("source_cell", sa.String(20)),
            sa.Column("forecast_cell", sa.String(20)),
            sa.Column("plan_fingerprint", sa.String(64), nullable=False),
        )
    if not tables.has_table("budget_restatements"):
        op.create_table(
            "budget_restatements",
            sa.Column("period", sa.String(16), primary_key=True),
            sa.Column("restated_period", sa.String(16), primary_key=True),
            sa.Column("service", sa.String(200), primary_key=True),
            sa.Column("line", sa.String(300), primary_key=True),
            sa.Column("manager", sa.Text, nullable=False),
            sa.Column("reported", sa.Float),
            sa.Column("spend", sa.Float, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("collected", sa.DateTime, nullable=False),
            sa.Column("source_file", sa.Text, nullable=False),
            sa.Column("source_sha256", sa.String(64), nullable=False),
            sa.Column("source_sheet", sa.String(100), nullable=False),
            sa.Column("source_cell", sa.String(20), nullable=False),
            sa.Column("plan_fingerprint", sa.String(64), nullable=False),
        )
    if not tables.has_table("benchmarks"):
        op.create_table(
            "benchmarks",
            sa.Column("code", sa.String(100), primary_key=True),
            sa.Column("year", sa.String(16), primary_key=True),
            sa.Column("council", sa.Text),
            sa.Column("scotland", sa.Text),
            sa.Column("family", sa.Text),
            sa.Column("best", sa.Text),
            sa.Column("rank", sa.Integer),
            sa.Column("rank_of", sa.Integer),
            sa.Column("unit", sa.String(16), nullable=False),
            sa.Column("file", sa.Text, nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("row", sa.Integer, nullable=False),
            sa.Column("imported", sa.DateTime, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("benchmarks")
    op.drop_table("budget_restatements")
    op.drop_table("budget_lines")
