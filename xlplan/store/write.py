"""Writing one collect: everything it owns for its period replaced in ONE transaction, so a
crash leaves the store as it was and re-running collect over the same files leaves every table
exactly as it was. Tables, rows and engines are in schema.py; reading is in read.py.
"""

from __future__ import annotations

import zlib
from collections import Counter
from operator import itemgetter
from typing import Callable, Collection, Iterable

from sqlalchemy import Table, Text, and_, bindparam, cast, delete, func, insert, or_, select
from sqlalchemy.engine import make_url

from xlplan.store import bulk
from xlplan.store.restated import keep_collected
from xlplan.store.memo import bump, remember
from xlplan.store.signoff import refuse_if_locked
from xlplan.store.schema import (action_updates, budget_lines, budget_restatements, engine, history, history_plan,
                                 holds, issues, measure_values, plans, restatements, returns, risk_updates,
                                 transaction)


def ready_to_write(db_url: str) -> None:
    """Load what writing to `db_url` will need now (e.g. while workers examine the files), not when
    it would be waited for: this module (asking the store for this function loads it) and
    SQLAlchemy's dialect for the database."""
    make_url(db_url).get_dialect()


def write_collect(db_url: str, *, period: str, plan_fingerprint: str, plan_row: Callable[[], dict],
                  return_rows: list[dict], value_rows: list[tuple], action_rows: list[tuple],
                  issue_rows: list[dict], history_rows: Callable[[], list[dict]],
                  restatement_rows: list | None = None, risk_rows: list | None = None,
                  budget_rows: list | None = None, budget_restatement_rows: list | None = None,
                  department: str = "", services: Collection[str] | None = None,
                  memo: tuple[str, dict] | None = None, worked_out: Collection[str] | None = None) -> None:
    """Replace everything stored for `period` with this collect's rows, in one transaction (rows
    stored as they are already are left alone: see `replace_period`). The value and action row
    lists are emptied once written (they are large; the caller is done with them).

    The plan snapshot and its history columns are built (by calling `plan_row`/`history_rows`)
    and written only when the store does not already hold them for this plan fingerprint.

    `restatement_rows` (RestatementRows carried by this period's returns) replace the period's
    restatements the same way, an unchanged one keeping when it was first collected; None leaves
    them alone. `risk_rows` (RiskRows: each risk's assessment) replace the period's the same way;
    None leaves them alone. `budget_rows` (BudgetRows: spend against the plan's activity budget) and
    `budget_restatement_rows` replace the period's budget lines and their corrections the same way;
    None (a plan without a Budget sheet) leaves them alone. A signed-off period is refused
    (XlplanError) and nothing is written.

    `services` (with the `department` they belong to) limits what the collect owns, when several
    departments collect the quarter into one store: only rows of those services, and returns and
    issues this department's collects recorded, are replaced (see `owned`); None owns the whole
    period, as a collect of the whole plan does.

    `worked_out` (a re-run that found most services' inputs as the memo remembers them: the
    services whose rows it worked out again) limits the tables kept by service (measure values,
    action updates, risks, budget lines and both kinds of restatement) to those services' rows; the
    others are stored as they already are. The returns and issues are replaced whole as ever.

    `memo` (the sha256 of the collect's inputs, and its counts by status) is recorded with the
    write (store/memo.py); every write also bumps the store's generation, voiding older memos."""
    eng = engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            refuse_if_locked(conn, period)      # a quarter signed off meanwhile is never overwritten
            value_rows[:] = _not_imported(conn, period, value_rows)

            def mine(table: Table):
                return owned(table, department, services, worked_out)

            for table, rows in ((returns, return_rows), (measure_values, value_rows),
                                (action_updates, action_rows), (issues, issue_rows)):
                replace_period(conn, table, period, rows, mine(table))
            if restatement_rows is not None:
                replace_period(conn, restatements, period, keep_collected(conn, period, restatement_rows),
                               mine(restatements))
            if risk_rows is not None:
                replace_period(conn, risk_updates, period, risk_rows, mine(risk_updates))
            if budget_rows is not None:
                replace_period(conn, budget_lines, period, budget_rows, mine(budget_lines))
            if budget_restatement_rows is not None:
                replace_period(conn, budget_restatements, period,
                               keep_collected(conn, period, budget_restatement_rows, budget_restatements),
                               mine(budget_restatements))
            value_rows.clear()      # (tens of thousands of rows) freed before the history is built
            action_rows.clear()
            _plan_and_history(conn, plan_fingerprint, plan_row, history_rows)
            if memo is not None:
                remember(conn, period, department, *memo)
            else:
                bump(conn)
    finally:
        eng.dispose()


def write_import(db_url: str, *, period: str, plan_fingerprint: str, plan_row: Callable[[], dict],
                 value_rows: list, history_rows: Callable[[], list[dict]]) -> None:
    """Store a system extract's figures for `period` (ValueRows, origin "import"), in one
    transaction: each replaces whatever the store held for its measure that quarter (a returned
    figure only where the import was told to override it), and nothing else is touched: not the
    returned figures of other measures, nor figures imported from other extracts. A signed-off
    period is refused (XlplanError) and nothing is written."""
    codes = sorted({r[1] for r in value_rows})
    eng = engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            refuse_if_locked(conn, period)
            for chunk in _chunks(codes, 500):
                these = set(chunk)
                replace_period(conn, measure_values, period, [r for r in value_rows if r[1] in these],
                               measure_values.c.code.in_(chunk))
            _plan_and_history(conn, plan_fingerprint, plan_row, history_rows)
            bump(conn)          # every collect memo is void: the figures it stored may have changed
    finally:
        eng.dispose()


def _not_imported(conn, period: str, value_rows: list) -> list:
    """A collect's value rows less those of measures whose figure for `period` was imported from a
    system: an import is never wiped by a collect of the returns."""
    if not holds(conn, measure_values, period):
        return value_rows
    imported = set(conn.execute(select(measure_values.c.code).where(
        measure_values.c.period == period, measure_values.c.origin == "import")).scalars())
    return [r for r in value_rows if r[1] not in imported] if imported else value_rows


def _plan_and_history(conn, plan_fingerprint: str, plan_row: Callable, history_rows: Callable) -> None:
    """The plan's snapshot and history columns, built and written only if the store lacks them."""
    if conn.execute(select(history_plan.c.fingerprint)).scalar() != plan_fingerprint:
        _replace_history(conn, history_rows(), plan_fingerprint)
    # last: the snapshot is large (tens of MB for a national plan)
    if conn.execute(select(plans.c.fingerprint).where(plans.c.fingerprint == plan_fingerprint)).first() is None:
        _insert_plan(conn, plan_row())


class PackedText:
    """A large text (the plan snapshot) held zlib-compressed: `of(text)`, then `text()` or `chunks()`
    of its UTF-8 bytes; `size` is their length."""

    __slots__ = ("data", "size")

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    @classmethod
    def of(cls, text: str, step: int = 1 << 20) -> "PackedText":
        packer, parts, size = zlib.compressobj(1), [], 0
        for i in range(0, len(text), step):          # never a second whole copy of the text
            part = text[i:i + step].encode()
            size += len(part)
            parts.append(packer.compress(part))
        parts.append(packer.flush())
        return cls(b"".join(parts), size)

    def chunks(self, step: int = 1 << 18) -> Iterable[bytes]:
        unpacker = zlib.decompressobj()
        for i in range(0, len(self.data), step):
            yield unpacker.decompress(self.data[i:i + step])
        yield unpacker.flush()

    def text(self) -> str:
        return zlib.decompress(self.data).decode()


def _insert_plan(conn, row) -> None:
    """Insert the plans row (a dict or PlanRow). A PackedText snapshot is written into SQLite in
    pieces (a Core insert of a zero-filled text of its size, then overwritten through the
    driver's blob interface, in the same transaction), so the whole text is never held in memory,
    twice over once the driver copies it. PostgreSQL has no such interface for a text column: it
    is given the text whole, as is SQLite when the snapshot is a plain str."""
    row = dict(row._asdict() if hasattr(row, "_asdict") else row)
    snapshot = row["snapshot"]
    raw = conn.connection.driver_connection
    if not isinstance(snapshot, PackedText) or conn.dialect.name != "sqlite" or not hasattr(raw, "blobopen"):
        conn.execute(insert(plans), [{**row, "snapshot": snapshot.text() if isinstance(snapshot, PackedText)
                                      else snapshot}])
        return
    placed = conn.execute(insert(plans).values({**row, "snapshot": cast(func.zeroblob(snapshot.size), Text)}))
    with raw.blobopen("plans", "snapshot", placed.lastrowid) as blob:
        for chunk in snapshot.chunks():
            blob.write(chunk)


def _replace_history(conn, rows: list[tuple], plan_fingerprint: str) -> None:
    """Replace the history of the plan's measures (HistoryRows, or tuples in column order) and
    record which plan it came from."""
    stored = set(conn.execute(select(history.c.code).distinct()).scalars())
    codes = sorted({r[0] for r in rows} & stored)       # (none in a new store)
    for chunk in _chunks(codes, 500):
        conn.execute(delete(history).where(history.c.code.in_(chunk)))
    bulk_insert(conn, history, rows)
    conn.execute(delete(history_plan))
    conn.execute(insert(history_plan), [{"slot": 1, "fingerprint": plan_fingerprint}])


def owned(table: Table, department: str, services: Collection[str] | None,
          worked_out: Collection[str] | None = None):
    """Which of a period's rows of `table` a collect of `department` owns (a SQL condition; None:
    all of them, for a collect of the whole plan): those of its `services`, and in tables that
    record the collecting department (returns, issues), those its own collects recorded. A row a
    whole-plan collect recorded for one of its services is taken over; another department's never.
    A figure imported from a system (measure_values.origin "import") is never a collect's. With
    `worked_out`, a table kept by service (no department column) is narrowed to those services."""
    if worked_out is not None and "department" not in table.c:
        narrowed = table.c.service.in_(sorted(worked_out))
        wider = owned(table, department, services)
        return narrowed if wider is None else and_(wider, narrowed)
    returned = table.c.origin != "import" if "origin" in table.c else None
    if services is None:
        return returned
    of_services = table.c.service.in_(sorted(services))
    if "department" not in table.c:
        return of_services if returned is None else and_(of_services, returned)
    return or_(table.c.department == department, and_(table.c.department == "", of_services))


def replace_period(conn, table: Table, period: str, rows: list, where=None) -> None:
    """Make `table`'s rows for `period` (and `where`, when given) exactly `rows` (dicts by column
    name, NamedTuples of schema.ROWS, or tuples with every column in the table's order), in four
    plain steps:

    1. read the period's stored rows (SQLAlchemy Core, typed values), by key;
    2. diff: a given row stored exactly as given is left alone; any other is fresh;
    3. delete the stale stored rows: those whose key is not given, or is given with other values;
    4. insert the fresh rows through the driver (bulk.py: each value as Core would give it), _BATCH
       rows at a time.

    A period with nothing stored (a new quarter, a new store) skips the diff: every given row is fresh.

    An officer re-runs collect over mostly unchanged returns: leaving identical rows alone spares
    the database deleting and re-inserting (and journalling) tens of thousands of rows. Two given
    rows with one key are both inserted, so the database refuses them as a plain insert would."""
    given = _as_tuples(table, rows)
    if not holds(conn, table, period):      # a new quarter, a new store: every given row is fresh
        _insert(conn, table, given)
        return
    names = list(table.columns.keys())
    keys = list(table.primary_key.columns)
    at = [names.index(c.name) for c in keys]
    key = itemgetter(*at) if len(at) > 1 else (lambda row, i=at[0]: (row[i],))
    stored: dict[tuple, tuple] = {}
    chosen = table.c.period == period if where is None else and_(table.c.period == period, where)
    result = conn.execute(select(table).where(chosen).execution_options(yield_per=_BATCH))
    try:
        for batch in result.partitions():
            batch = list(map(tuple, batch))          # plain tuples: compared with the given rows in C
            stored.update(zip(map(key, batch), batch))
    finally:
        result.close()
    if not stored:          # nothing to compare with (a new quarter): every given row is fresh
        _insert(conn, table, given)
        return
    given_keys = list(map(key, given))
    counts = Counter(given_keys)
    fresh, fresh_keys = [], set()
    for row, k in zip(given, given_keys):
        if counts[k] > 1 or stored.get(k) != row:
            fresh.append(row)
            fresh_keys.add(k)
    stale = [k for k in stored if k not in counts or k in fresh_keys]
    if stale:
        names_at = [f"key_{c.name}" for c in keys]
        statement = delete(table).where(*(c == bindparam(n) for c, n in zip(keys, names_at)))
        bulk.delete_rows(conn, statement, names_at, stale, keys, _BATCH)
    _insert(conn, table, fresh)


_BATCH = 2000     # rows read, or inserted, at a time


def bulk_insert(conn, table: Table, rows: list) -> None:
    """Insert many rows (through the driver: bulk.py). Rows are dicts by column name, NamedTuples of
    schema.ROWS, or tuples with every column in the table's order."""
    _insert(conn, table, _as_tuples(table, rows))


def _insert(conn, table: Table, rows: list[tuple]) -> None:
    """Insert `rows` (tuples in column order) through the driver (bulk.py), _BATCH rows at a time,
    each value as Core's executemany of `insert(table)` would give it."""
    bulk.insert_rows(conn, table, insert(table), rows, _BATCH)


def _as_tuples(table: Table, rows: list) -> list[tuple]:
    """`rows` as tuples in the table's column order (a tuple short of columns is refused)."""
    if not rows:
        return []
    names = list(table.columns.keys())
    if isinstance(rows[0], dict):
        return [tuple(r[n] for n in names) for r in rows]
    if set(map(len, rows)) != {len(names)}:
        raise ValueError(f"every row for {table.name} needs its {len(names)} columns")
    return rows


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]
