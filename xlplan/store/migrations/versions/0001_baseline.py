"""The store's schema before revisions were recorded: the tables xlplan wrote up to the
performance-year features (main at commit 21338e5), and the mail log `xlplan send` keeps beside
them. A store written then has these tables and no alembic_version; `xlplan upgrade-store` stamps
it with this revision and upgrades it from here. On an empty database it creates them.

Revision ID: 0001_baseline
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _create(name: str, *columns, **kw) -> None:
    """Create a table unless the database has it (a store written before revisions has them all,
    the mail log alone may exist in a store that has only sent templates)."""
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *columns, **kw)


def upgrade() -> None:
    _create(
        "plans",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("identity", sa.String(64), nullable=False),
        sa.Column("organisation", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("year", sa.String(16), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),        # the plan's content as JSON
    )
    _create(
        "returns",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file", sa.String(500), primary_key=True),
        sa.Column("received", sa.DateTime, nullable=False),     # file modification time in the returns folder
        sa.Column("saved_at", sa.DateTime),                     # when the workbook says it was last saved
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("service", sa.Text),
        sa.Column("outcome", sa.String(16), nullable=False),    # accepted | rejected | superseded | skipped
        sa.Column("reasons", sa.Text, nullable=False),          # JSON list of sentences
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.String(64)),
        sa.Column("plan_fingerprint", sa.String(64)),           # the plan the return's template was made from
        sa.Column("archive", sa.Text),                          # archived copy, relative to the archive folder
    )
    _create(
        "measure_values",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("figure", sa.Text),                           # JSON: a number, or [left, right] for a ratio
        sa.Column("missing", sa.String(32)),
        sa.Column("raw", sa.Text, nullable=False),              # what was typed, as read
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),      # computed | assessed | no data | no target
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("assessed", sa.String(16)),                   # the manager's own Status word
        sa.Column("rule", sa.Text, nullable=False),             # JSON: unit, polarity, target, tolerance…
        sa.Column("rule_text", sa.Text, nullable=False),
        sa.Column("target_text", sa.Text, nullable=False),
        sa.Column("annual_target_text", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("in_error", sa.Boolean, nullable=False),
        sa.Column("source_file", sa.Text),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("source_sheet", sa.String(100)),
        sa.Column("source_cell", sa.String(20)),
        sa.Column("plan_fingerprint", sa.String(64), nullable=False),
    )
    _create(
        "action_updates",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("ref", sa.String(100), primary_key=True),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("due", sa.DateTime),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("in_error", sa.Boolean, nullable=False),
        sa.Column("source_file", sa.Text),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("source_sheet", sa.String(100)),
        sa.Column("source_cell", sa.String(20)),
    )
    _create(
        "issues",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),          # order within the collect (deterministic)
        sa.Column("sha256", sa.String(64)),
        sa.Column("file", sa.Text),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("hint", sa.Text, nullable=False),
        sa.Column("sheet", sa.String(100)),
        sa.Column("cell", sa.String(20)),
        sa.Column("row", sa.Integer),
        sa.Column("key", sa.Text),
        sa.Column("counted", sa.Boolean, nullable=False),       # False for superseded or skipped files
    )
    _create(
        "history",
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("year", sa.String(16), primary_key=True),      # "2022/23"
        sa.Column("figure", sa.Text),
        sa.Column("source", sa.Text, nullable=False),            # "plan" (the plan's year columns)
    )
    _create(
        "history_plan",
        sa.Column("slot", sa.Integer, primary_key=True),         # always 1: one row
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    _create(
        "mail_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(16), nullable=False, index=True),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("attachment", sa.String(500), nullable=True),
        sa.Column("attachment_sha256", sa.String(64), nullable=True),
        sa.Column("via", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("message_id", sa.String(300), nullable=True),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for name in ("mail_log", "history_plan", "history", "issues", "action_updates", "measure_values",
                 "returns", "plans"):
        op.drop_table(name)
