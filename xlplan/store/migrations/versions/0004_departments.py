"""Departments sharing one store, and system extracts: each return and issue records the department
whose collect found it ("" for a whole-plan collect), as part of the row's key so two departments'
collects of one quarter never collide; returns record the folder they were collected from, issues
the service of the file they are about; each stored figure records whether it came from a return
or a system extract (`xlplan import`), with the system and the extract's row. Every stored row is
kept (department "": whole-plan collects; origin "return").

Revision ID: 0004_departments
Revises: 0005_risks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_departments"
down_revision = "0005_risks"
branch_labels = None
depends_on = None

# table → (its new columns, its key afterwards: None for unchanged)
CHANGES = {
    "returns": ((sa.Column("department", sa.String(100), nullable=False, server_default=""),
                 sa.Column("folder", sa.Text)),
                ["period", "sha256", "file", "department"]),
    "issues": ((sa.Column("department", sa.String(100), nullable=False, server_default=""),
                sa.Column("service", sa.Text)),
               ["period", "seq", "department"]),
    "measure_values": ((sa.Column("origin", sa.String(16), nullable=False, server_default="return"),
                        sa.Column("source_system", sa.Text), sa.Column("source_row", sa.Integer)),
                       None),
}


def upgrade() -> None:
    bind = op.get_bind()
    for table, (columns, key) in CHANGES.items():
        if key is not None and bind.dialect.name == "sqlite":
            _rebuild_sqlite(bind, table, columns, key)
            continue
        for column in columns:
            op.add_column(table, column._copy())
        if key is not None:
            op.drop_constraint(f"{table}_pkey", table, type_="primary")
            op.create_primary_key(f"{table}_pkey", table, key)


def _rebuild_sqlite(bind, table: str, columns, key: list[str], drop: tuple[str, ...] = ()) -> None:
    """SQLite cannot change a table's key in place: the table is made anew with the new columns
    (less those in `drop`) and key, every row copied across (new columns take their defaults), and
    renamed."""
    old = sa.Table(table, sa.MetaData(), autoload_with=bind)
    kept = [c.name for c in old.columns if c.name not in drop]
    new = sa.Table(f"_new_{table}", sa.MetaData(),
                   *[sa.Column(c.name, c.type, nullable=c.nullable and c.name not in key)
                     for c in old.columns if c.name in kept],
                   *[c._copy() for c in columns], sa.PrimaryKeyConstraint(*key))
    new.create(bind)
    names = ", ".join(f'"{n}"' for n in kept)
    bind.exec_driver_sql(f'INSERT INTO "_new_{table}" ({names}) SELECT {names} FROM "{table}"')
    old.drop(bind)
    bind.exec_driver_sql(f'ALTER TABLE "_new_{table}" RENAME TO "{table}"')


def downgrade() -> None:
    bind = op.get_bind()
    for table, (columns, key) in CHANGES.items():
        if key is None:
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.drop_column(column.name)
            continue
        old_key = [c for c in key if c != "department"]
        if bind.dialect.name == "sqlite":
            _rebuild_sqlite(bind, table, (), old_key, drop=tuple(c.name for c in columns))
            continue
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        for column in columns:
            op.drop_column(table, column.name)
        op.create_primary_key(f"{table}_pkey", table, old_key)
