"""The store: every collect's returns, values, statuses (with the rule behind each), action updates,
issues and history, in SQLAlchemy Core over SQLite by default (plain SQL only, so the same code
runs on PostgreSQL).

Keys are natural (period + measure code, period + sha256 + file name…), never row counters, and a
collect replaces everything it owns for its period in ONE transaction: a crash leaves the store as
it was, and re-running collect over the same files leaves every table exactly as it was.

Two collects on one SQLite store: each transaction starts with BEGIN IMMEDIATE, so the second waits
(up to BUSY_TIMEOUT seconds) for the first to finish, then fails with a clear message.

Reading for reports and `xlplan status` is in store_read.py (`load_results`, `returns_for`).
"""

from __future__ import annotations

import json
import math
import zlib
from datetime import datetime, timezone
from pathlib import Path
from operator import itemgetter
from typing import Callable, Iterable

from sqlalchemy import (Boolean, Column, DateTime, Integer, MetaData, String, Table, Text, bindparam, column,
                        create_engine, delete, event, exc, insert, select)
from sqlalchemy.engine import Engine, make_url

from xlplan.errors import XlplanError
from xlplan.values import Figure, Ratio

BUSY_TIMEOUT = 60.0   # seconds a collect waits for another one writing to the same SQLite store

metadata = MetaData()

plans = Table(
    "plans", metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("identity", String(64), nullable=False),
    Column("organisation", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("year", String(16), nullable=False),
    Column("snapshot", Text, nullable=False),        # the plan's content as JSON
)

returns = Table(
    "returns", metadata,
    Column("period", String(16), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("file", String(500), primary_key=True),
    Column("received", DateTime, nullable=False),     # file modification time in the returns folder
    Column("saved_at", DateTime),                     # when the workbook says it was last saved
    Column("size", Integer, nullable=False),
    Column("service", Text),
    Column("outcome", String(16), nullable=False),    # accepted | rejected | superseded | skipped
    Column("reasons", Text, nullable=False),          # JSON list of sentences
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("superseded_by", String(64)),
    Column("plan_fingerprint", String(64)),           # the plan the return's template was made from
    Column("archive", Text),                          # archived copy, relative to the archive folder
)

measure_values = Table(
    "measure_values", metadata,
    Column("period", String(16), primary_key=True),
    Column("code", String(100), primary_key=True),
    Column("service", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("figure", Text),                           # JSON: a number, or [left, right] for a ratio
    Column("missing", String(32)),
    Column("raw", Text, nullable=False),              # what was typed, as read
    Column("status", String(16), nullable=False),
    Column("basis", String(16), nullable=False),      # computed | assessed | no data | no target
    Column("reason", Text, nullable=False),
    Column("assessed", String(16)),                   # the manager's own Status word
    Column("rule", Text, nullable=False),             # JSON: unit, polarity, target, tolerance…
    Column("rule_text", Text, nullable=False),
    Column("target_text", Text, nullable=False),
    Column("annual_target_text", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("in_error", Boolean, nullable=False),
    Column("source_file", Text),
    Column("source_sha256", String(64)),
    Column("source_sheet", String(100)),
    Column("source_cell", String(20)),
    Column("plan_fingerprint", String(64), nullable=False),
)

action_updates = Table(
    "action_updates", metadata,
    Column("period", String(16), primary_key=True),
    Column("ref", String(100), primary_key=True),
    Column("service", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("due", DateTime),
    Column("overdue", Boolean, nullable=False),
    Column("in_error", Boolean, nullable=False),
    Column("source_file", Text),
    Column("source_sha256", String(64)),
    Column("source_sheet", String(100)),
    Column("source_cell", String(20)),
)

issues = Table(
    "issues", metadata,
    Column("period", String(16), primary_key=True),
    Column("seq", Integer, primary_key=True),          # order within the collect (deterministic)
    Column("sha256", String(64)),
    Column("file", Text),
    Column("code", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("hint", Text, nullable=False),
    Column("sheet", String(100)),
    Column("cell", String(20)),
    Column("row", Integer),
    Column("key", Text),
    Column("counted", Boolean, nullable=False),       # False for superseded or skipped files
)

history = Table(
    "history", metadata,
    Column("code", String(100), primary_key=True),
    Column("year", String(16), primary_key=True),      # "2022/23"
    Column("figure", Text),
    Column("source", Text, nullable=False),            # "plan" (the plan's year columns)
)

history_plan = Table(
    "history_plan", metadata,                          # which plan the history rows were last written from
    Column("slot", Integer, primary_key=True),         # always 1: one row
    Column("fingerprint", String(64), nullable=False),
)


# --- engine ---------------------------------------------------------------------------------------


def engine(db_url: str, *, create: bool = True, write: bool = True) -> Engine:
    """An engine for `db_url`; SQLite gets a busy timeout and (for writing) BEGIN IMMEDIATE
    transactions, so a second writer waits instead of failing half-way; its folder is made if
    needed. Tables are created on first use."""
    url = make_url(db_url)
    is_sqlite = url.get_backend_name() == "sqlite"
    kwargs = {}
    if is_sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT}
    eng = create_engine(url, **kwargs)
    if is_sqlite:
        @event.listens_for(eng, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event decide how to begin

        @event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    if create:
        with transaction(eng, db_url) as conn:
            metadata.create_all(conn)
    return eng


class transaction:
    """`with transaction(eng, url) as conn:` — one transaction, with a lock timeout turned into a
    sentence an officer can act on."""

    def __init__(self, eng: Engine, db_url: str) -> None:
        self.eng, self.db_url, self.ctx = eng, db_url, None

    def __enter__(self):
        try:
            self.ctx = self.eng.begin()
            return self.ctx.__enter__()
        except exc.OperationalError as e:
            raise _friendly(e, self.db_url) from None

    def __exit__(self, *exc_info):
        try:
            return self.ctx.__exit__(*exc_info)
        except exc.OperationalError as e:
            raise _friendly(e, self.db_url) from None


def _friendly(e: exc.OperationalError, db_url: str) -> XlplanError:
    text = str(e.orig) if e.orig is not None else str(e)
    if "locked" in text or "busy" in text:
        return XlplanError(f"The store {db_url} is busy: another xlplan collect is writing to it. "
                           f"Nothing was changed; run this again when the other one has finished.")
    return XlplanError(f"The store {db_url} could not be used: {text}")


def sqlite_path(db_url: str) -> Path | None:
    """The database file of a SQLite URL, else None."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return None


def archive_dir(db_url: str) -> Path:
    """Where returned files are archived by content hash: beside a SQLite store, else
    workbooks/archive/."""
    path = sqlite_path(db_url)
    return (path.parent if path is not None else Path("workbooks")) / "archive"


# --- values ---------------------------------------------------------------------------------------


def figure_json(figure: Figure | None) -> str | None:
    if figure is None:
        return None
    if type(figure) is float and math.isfinite(figure):
        return repr(figure)            # what json.dumps gives, without its machinery
    if isinstance(figure, Ratio):
        left, right = figure.left, figure.right
        if type(left) is float and type(right) is float and math.isfinite(left) and math.isfinite(right):
            return f"[{left!r}, {right!r}]"
        return json.dumps([left, right])
    return json.dumps(float(figure))


def figure_from_json(text: str | None) -> Figure | None:
    if text is None:
        return None
    if not text.startswith("["):
        return float(text)             # a number as figure_json writes it (NaN and Infinity too)
    data = json.loads(text)
    if isinstance(data, list):
        return Ratio(float(data[0]), float(data[1]))
    return float(data)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


# --- writing one collect --------------------------------------------------------------------------


def write_collect(db_url: str, *, period: str, plan_fingerprint: str, plan_row: Callable[[], dict],
                  return_rows: list[dict], value_rows: list[tuple], action_rows: list[tuple],
                  issue_rows: list[dict], history_rows: Callable[[], list[dict]]) -> None:
    """Replace everything stored for `period` with this collect's rows, in one transaction (rows
    stored as they are already are left alone: see `replace_period`). The value and action row
    lists are emptied once written (they are large; the caller is done with them).

    The plan snapshot and its history columns are built (by calling `plan_row`/`history_rows`)
    and written only when the store does not already hold them for this plan fingerprint."""
    eng = engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            for table, rows in ((returns, return_rows), (measure_values, value_rows),
                                (action_updates, action_rows), (issues, issue_rows)):
                replace_period(conn, table, period, rows)
            value_rows.clear()      # (tens of thousands of rows) freed before the history is built
            action_rows.clear()
            if conn.execute(select(history_plan.c.fingerprint)).scalar() != plan_fingerprint:
                _replace_history(conn, history_rows(), plan_fingerprint)
            # last: the snapshot is large (tens of MB for a national plan)
            if conn.execute(select(plans.c.fingerprint).where(
                    plans.c.fingerprint == plan_fingerprint)).first() is None:
                _insert_plan(conn, plan_row())
    finally:
        eng.dispose()


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


def _insert_plan(conn, row: dict) -> None:
    """Insert the plans row; a PackedText snapshot is written into SQLite in pieces (a zero-filled
    text of its size, then overwritten through the blob interface, in the same transaction), so
    the whole text is never held in memory, twice over once the driver copies it; other databases
    get it whole."""
    snapshot = row["snapshot"]
    raw = conn.connection.driver_connection
    if not isinstance(snapshot, PackedText) or conn.dialect.name != "sqlite" or not hasattr(raw, "blobopen"):
        conn.execute(insert(plans), [{**row, "snapshot": snapshot.text() if isinstance(snapshot, PackedText)
                                      else snapshot}])
        return
    names = [c.name for c in plans.columns if c.name != "snapshot"]
    cursor = conn.exec_driver_sql(
        f"INSERT INTO plans ({', '.join(names)}, snapshot) VALUES ({', '.join('?' * len(names))}, "
        f"CAST(zeroblob(?) AS TEXT))", (*(row[n] for n in names), snapshot.size))
    with raw.blobopen("plans", "snapshot", cursor.lastrowid) as blob:
        for chunk in snapshot.chunks():
            blob.write(chunk)


def _replace_history(conn, rows: list[tuple], plan_fingerprint: str) -> None:
    """Replace the history of the plan's measures (rows of `history`, in column order) and record
    which plan it came from."""
    codes = sorted({r[0] for r in rows})
    for chunk in _chunks(codes, 500):
        conn.execute(delete(history).where(history.c.code.in_(chunk)))
    bulk_insert(conn, history, rows)
    conn.execute(delete(history_plan))
    conn.execute(insert(history_plan), [{"slot": 1, "fingerprint": plan_fingerprint}])


def replace_period(conn, table: Table, period: str, rows: list[dict] | list[tuple]) -> None:
    """Make `table`'s rows for `period` exactly `rows` (dicts by column name, or tuples with every
    column in the table's order). Rows already stored exactly as they would be written (compared
    as the driver stores them) are left alone; the others are deleted and inserted. An officer
    re-runs collect over mostly unchanged returns: deleting and re-inserting tens of thousands
    of identical rows (and journalling every page they are on) cost more than reading them.

    The stored rows are read in key order, a batch at a time, and compared with the rows sorted
    the same way: while they agree none is kept; from the first batch that differs in a few rows
    the rest are matched by key; a batch that differs in most (a changed plan) has the period
    deleted and written whole, as reading on would cost more than it saves."""
    params = driver_rows(conn.dialect, table, rows)
    names = [c.name for c in table.columns]
    keys = list(table.primary_key.columns)
    key = itemgetter(*(names.index(c.name) for c in keys))
    try:
        order = sorted(range(len(params)), key=list(map(key, params)).__getitem__)
    except TypeError:          # keys of mixed types: matched by key below
        order = range(len(params))
    ordered = [params[i] for i in order]
    raw = select(*(column(n) for n in names)).select_from(table).where(table.c.period == period).order_by(*keys)
    same, stored = 0, None     # rows of `ordered` matched in order; the other stored rows by key
    changed: set[int] = set()  # rows of `params` matched in order whose stored row differs
    rewrite = False
    result = conn.execute(raw)
    try:        # untyped columns, read from the driver's cursor: as stored, its own tuples (no Row each)
        while batch := list(map(tuple, result.cursor.fetchmany(_BATCH))):
            if stored is None:
                expected = ordered[same:same + len(batch)]
                if expected == batch:
                    same += len(batch)
                    continue
                differ = [j for j, (e, b) in enumerate(zip(expected, batch)) if e != b]
                if 2 * (len(differ) + len(batch) - len(expected)) > len(batch):
                    rewrite = True
                    break
                if len(expected) == len(batch) and list(map(key, expected)) == list(map(key, batch)):
                    changed.update(order[same + j] for j in differ)    # the same keys: a few rows changed
                    same += len(batch)
                    continue
                stored = {}
            stored.update(zip(map(key, batch), batch))
    finally:
        result.close()
    if rewrite:                # most rows differ: the period written whole
        conn.execute(delete(table).where(table.c.period == period))
        _driver_execute(conn, insert(table), names, params)
        return
    if stored is None and same == len(ordered) and not changed:
        return
    done = set(order[:same]) - changed
    stored = stored or {}
    stale, fresh = [], []
    for i, row in enumerate(params):    # in the order given: a new period is inserted as made
        if i in done:
            continue
        if i in changed:
            fresh.append(row)
            stale.append(key(row))
            continue
        k = key(row)
        old = stored.pop(k, None)
        if old != row:
            fresh.append(row)
            if old is not None:
                stale.append(k)
    stale.extend(stored)
    if stale:
        where = [c == bindparam(f"key_{c.name}") for c in keys]
        conn.execute(delete(table).where(*where), [{f"key_{c.name}": v for c, v in zip(keys, k)} for k in stale])
    _driver_execute(conn, insert(table), names, fresh)


_BATCH = 2000     # stored rows read at a time by replace_period


def _driver_execute(conn, statement, names: list[str], rows: list[tuple]) -> None:
    """Run `statement` once per row with one driver-level executemany; each row holds the values
    of the bound parameters `names`, in that order, ready for the driver."""
    if not rows:
        return
    compiled = statement.compile(dialect=conn.dialect)
    if conn.dialect.positional:
        order = list(map(names.index, compiled.positiontup))
        params = rows if order == list(range(len(names))) else [tuple(r[i] for i in order) for r in rows]
    else:
        params = [dict(zip(names, r)) for r in rows]
    conn.exec_driver_sql(str(compiled), params)


def driver_rows(dialect, table: Table, rows: list[dict] | list[tuple]) -> list[tuple]:
    """Rows (dicts by column name, or tuples with every column in the table's order) as tuples in
    column order of the values the driver is given: SQLAlchemy's type conversions applied column
    by column, as `insert(table)` would apply them."""
    if not rows:
        return []
    order = [c.name for c in table.columns]
    if not isinstance(rows[0], dict):
        if any(len(r) != len(order) for r in rows):
            raise ValueError(f"every row for {table.name} needs its {len(order)} columns")
        params = rows if len(order) > 1 else [tuple(r) for r in rows]
    else:
        params = list(map(itemgetter(*order), rows)) if len(order) > 1 else [(r[order[0]],) for r in rows]
    converts = [(i, table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) for i, n in enumerate(order)]
    converts = [(i, f) for i, f in converts if f is not None]
    if converts:
        columns = list(zip(*params))
        for i, convert in converts:
            columns[i] = _converted(convert, columns[i])
        return list(zip(*columns))
    return [tuple(r) for r in params]


def _converted(convert: Callable, values: tuple) -> list:
    """`convert` (a type's bind processor) applied to each value; flags, None and naive datetimes
    (a flag or due-date column holds a handful over many rows) once per distinct value, as for
    them equal values convert alike."""
    done: dict = {}
    out = []
    for v in values:
        t = type(v)
        if t is bool or v is None or (t is datetime and v.tzinfo is None):
            c = done.get(v, done)
            out.append(c if c is not done else done.setdefault(v, convert(v)))
        else:
            out.append(convert(v))
    return out


def bulk_insert(conn, table: Table, rows: list[dict] | list[tuple]) -> None:
    """Insert many rows with one driver-level executemany: the same values SQLAlchemy's
    `insert(table)` would store (its type conversions applied column by column), without its
    per-row bookkeeping, which costs more than the database at tens of thousands of rows.
    Rows are dicts by column name, or tuples with every column in the table's order."""
    _driver_execute(conn, insert(table), [c.name for c in table.columns], driver_rows(conn.dialect, table, rows))


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def previous_comments(db_url: str, period: str) -> dict[tuple[str, str], str]:
    """(kind, code/ref) → comment stored for `period` ("measure"/"action"), for the unchanged check."""
    if not _exists(db_url):
        return {}
    eng = engine(db_url, create=False, write=False)
    try:
        with eng.connect() as conn:
            if not eng.dialect.has_table(conn, "measure_values"):
                return {}
            found = {}
            for kind, table, key in (("measure", measure_values, "code"), ("action", action_updates, "ref")):
                result = conn.execute(select(table.c[key], table.c.comment).where(table.c.period == period))
                try:    # plain text columns: the driver's own tuples, not a Row each
                    found.update({(kind, code): comment for code, comment in result.cursor.fetchall()})
                finally:
                    result.close()
            return found
    except exc.OperationalError as e:
        raise _friendly(e, db_url) from None
    finally:
        eng.dispose()


def plan_stored(db_url: str, fingerprint: str) -> bool:
    """Whether the store holds the plan with this fingerprint (its snapshot need not be built)."""
    if not _exists(db_url):
        return False
    eng = engine(db_url, create=False, write=False)
    try:
        with eng.connect() as conn:
            if not eng.dialect.has_table(conn, "plans"):
                return False
            return conn.execute(select(plans.c.fingerprint).where(plans.c.fingerprint == fingerprint)).first() \
                is not None
    except exc.OperationalError as e:
        raise _friendly(e, db_url) from None
    finally:
        eng.dispose()


def _exists(db_url: str) -> bool:
    path = sqlite_path(db_url)
    return path is None or path.exists()


def table_contents(db_url: str) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key (for checks that a re-run changed nothing)."""
    eng = engine(db_url, create=False, write=False)
    try:
        with eng.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in metadata.sorted_tables}
    finally:
        eng.dispose()


def load_results(db_url, plan, period):
    """See store_read.load_results."""
    from xlplan.store.read import load_results as _load
    return _load(db_url, plan, period)


def returns_for(db_url, period):
    """See store_read.returns_for."""
    from xlplan.store.read import returns_for as _returns
    return _returns(db_url, period)
