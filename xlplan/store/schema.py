"""The store's tables, the rows written to them (a NamedTuple per table, built by keyword), how
figures are held in them, and connecting: one engine per command, one transaction per collect.

Plain SQLAlchemy Core only, so the same code runs on SQLite (the default, one file beside the
workbooks) and PostgreSQL (a shared server). Keys are natural (period + measure code, period +
sha256 + file name…), never row counters.

Two collects on one store: each writing transaction first takes the store's write lock (SQLite:
BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory lock), so the second waits (up to
BUSY_TIMEOUT seconds) for the first to finish, then fails with a clear message.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import (Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, Text, create_engine, event,
                        exc, func, select, text)
from sqlalchemy.engine import Engine, make_url

from xlplan.errors import XlplanError
from xlplan.store.paths import archive_dir, shown_url, sqlite_path  # noqa: F401  (the store modules use them as schema.*)
from xlplan.values import Figure, Ratio

# The store's schema, as Alembic revisions (xlplan/store/migrations/versions/), oldest first. A store
# records its revision in `alembic_version`; a command that opens a store of an older one is told to
# run `xlplan upgrade-store` (upgrade.py), which is the only code that imports Alembic.
SCHEMA_REVISIONS = ("0001_baseline", "0002_restatements", "0003_signoff", "0005_risks", "0004_departments",
                    "0006_budget", "0007_memo")
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]

BUSY_TIMEOUT = 60.0   # seconds a collect waits for another one writing to the same store
WRITE_LOCK = 0x786C706C616E     # the PostgreSQL advisory lock key writers take ("xlplan")

metadata = MetaData()

# Alembic's own bookkeeping table, as Alembic makes it; kept out of `metadata` (it is not the
# council's data). Written here for a new store, so a command never needs to import Alembic.
alembic_version = Table(
    "alembic_version", MetaData(),
    Column("version_num", String(32), primary_key=True),
)

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
    # which collect recorded it (0004_departments): its department ("" for a whole-plan collect), part
    # of the key so two departments' folders may hold the same file; the returns folder it was in
    Column("department", String(100), primary_key=True, server_default=""),
    Column("folder", Text),
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
    # where the figure came from (0004_departments): a return, or a system extract (`xlplan import`:
    # the system, and the extract's row; source_file/sha256/sheet/cell name the file and Value cell)
    Column("origin", String(16), nullable=False, server_default="return"),    # return | import
    Column("source_system", Text),
    Column("source_row", Integer),
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
    # the collect that found it (0004_departments): its department ("" for the whole plan; seq counts
    # within it) and the service of the file it is about (None for a file not identified)
    Column("department", String(100), primary_key=True, server_default=""),
    Column("service", Text),
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

restatements = Table(
    "restatements", metadata,                          # an earlier quarter's figure changed after it was reported
    Column("period", String(16), primary_key=True),    # the quarter whose return carried the correction
    Column("restated_period", String(16), primary_key=True),   # the earlier quarter whose figure it restates
    Column("code", String(100), primary_key=True),
    Column("service", Text, nullable=False),
    Column("manager", Text, nullable=False),           # the service's manager, as the plan names them
    Column("name", Text, nullable=False),
    Column("reported_figure", Text),                   # JSON, as measure_values.figure: the version it replaces
    Column("reported_raw", Text, nullable=False),
    Column("reported_status", String(16)),
    Column("figure", Text, nullable=False),            # JSON: the new figure
    Column("raw", Text, nullable=False),               # what was typed, as read
    Column("status", String(16), nullable=False),      # under the restated quarter's stored rule
    Column("reason", Text, nullable=False),
    Column("collected", DateTime, nullable=False),     # when first collected (kept on re-runs)
    Column("source_file", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("source_sheet", String(100), nullable=False),
    Column("source_cell", String(20), nullable=False),
    Column("plan_fingerprint", String(64), nullable=False),
)

risk_updates = Table(
    "risk_updates", metadata,                          # each risk's assessment in a quarter's return
    Column("period", String(16), primary_key=True),
    Column("code", String(100), primary_key=True),
    Column("service", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("likelihood", Integer),                     # None: not assessed this quarter (or in error)
    Column("impact", Integer),
    Column("score", Integer),                          # likelihood x impact
    Column("band", String(16)),                        # Green | Amber | Red under `rule`
    Column("target_score", Integer),
    Column("commentary", Text, nullable=False),
    Column("status", String(16), nullable=False),      # assessed | not assessed | in error
    Column("rule", Text, nullable=False),              # the scale and bands: "1-5; 1-4 Green; 5-12 Amber; 15-25 Red"
    Column("source_file", Text),
    Column("source_sha256", String(64)),
    Column("source_sheet", String(100)),
    Column("source_cell", String(20)),                 # the Likelihood cell
    Column("plan_fingerprint", String(64), nullable=False),
)

budget_lines = Table(
    "budget_lines", metadata,                          # spend against the plan's activity budget (plan/budget.py)
    Column("period", String(16), primary_key=True),
    Column("service", String(200), primary_key=True),
    Column("line", String(300), primary_key=True),
    Column("kind", String(16), nullable=False),        # Service | Income
    Column("fte", Float),
    Column("expenditure", Float, nullable=False),
    Column("income", Float, nullable=False),
    Column("net", Float, nullable=False),
    Column("budget", Float, nullable=False),           # what spend is judged against: net, or the income to recover
    Column("profile", String(100), nullable=False),
    Column("profiled", Float, nullable=False),         # the budget profiled to the quarter's end
    Column("spend", Float),                            # spend (income received) to date; None: not returned
    Column("forecast", Float),
    Column("variance", Float),                         # spend − profiled
    Column("forecast_variance", Float),                # forecast − budget
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("rule", Text, nullable=False),              # JSON: budget, profile, tolerance it was judged by
    Column("comment", Text, nullable=False),
    Column("in_error", Boolean, nullable=False),
    Column("source_file", Text),
    Column("source_sha256", String(64)),
    Column("source_sheet", String(100)),
    Column("source_cell", String(20)),                 # the Spend to date cell
    Column("forecast_cell", String(20)),
    Column("plan_fingerprint", String(64), nullable=False),
)

budget_restatements = Table(
    "budget_restatements", metadata,                   # last quarter's spend corrected in a later return
    Column("period", String(16), primary_key=True),    # the quarter whose return carried the correction
    Column("restated_period", String(16), primary_key=True),
    Column("service", String(200), primary_key=True),
    Column("line", String(300), primary_key=True),
    Column("manager", Text, nullable=False),
    Column("reported", Float),                         # the spend it replaces (None: none was reported)
    Column("spend", Float, nullable=False),            # the corrected spend to date
    Column("status", String(16), nullable=False),      # under the restated quarter's stored rule
    Column("reason", Text, nullable=False),
    Column("collected", DateTime, nullable=False),     # when first collected (kept on re-runs)
    Column("source_file", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("source_sheet", String(100), nullable=False),
    Column("source_cell", String(20), nullable=False),
    Column("plan_fingerprint", String(64), nullable=False),
)

benchmarks = Table(
    "benchmarks", metadata,                            # comparator figures per measure and year (xlplan/benchmarks)
    Column("code", String(100), primary_key=True),
    Column("year", String(16), primary_key=True),      # "2022/23"
    Column("council", Text),                           # JSON figures, as measure_values.figure
    Column("scotland", Text),
    Column("family", Text),
    Column("best", Text),
    Column("rank", Integer),
    Column("rank_of", Integer),
    Column("unit", String(16), nullable=False),        # the measure's unit when imported
    Column("file", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Column("imported", DateTime, nullable=False),
)


signoffs = Table(
    "signoffs", metadata,                              # a quarter approved (signed off), or reopened
    Column("period", String(16), primary_key=True),
    Column("seq", Integer, primary_key=True),          # 1, 2, … in the order they happened
    Column("event", String(16), nullable=False),       # "signed off" | "reopened"
    Column("by", Text, nullable=False),                # who approved or reopened it
    Column("at", DateTime, nullable=False),
    Column("fingerprint", String(64), nullable=False),  # sha256 of the quarter's stored figures then
    Column("plan_fingerprint", String(64), nullable=False),   # the plan the quarter was collected with
    Column("reason", Text, nullable=False),            # why it was reopened ("" on a sign-off)
)

after_signoff = Table(
    "after_signoff", metadata,                         # returns that arrived while the quarter was locked
    Column("period", String(16), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("file", String(500), primary_key=True),
    Column("received", DateTime, nullable=False),     # file modification time in the returns folder
    Column("service", Text),                           # None when it could not be identified
    Column("archive", Text),                           # archived copy, relative to the archive folder
    Column("seen", DateTime, nullable=False),          # when a collect first found it
    Column("signoff_seq", Integer, nullable=False),    # the sign-off it arrived after
)


store_generation = Table(
    "store_generation", metadata,                      # bumped by every write of collected figures
    Column("slot", Integer, primary_key=True),         # always 1: one row
    Column("generation", Integer, nullable=False),
)

collect_memo = Table(
    "collect_memo", metadata,                          # what the last collect of a quarter was made from
    Column("period", String(16), primary_key=True),
    Column("department", String(200), primary_key=True),   # "" for a collect of the whole plan
    Column("inputs", String(64), nullable=False),      # sha256 of the collect's inputs (collect/memo.py)
    Column("generation", Integer, nullable=False),     # store_generation just after it wrote
    Column("summary", Text, nullable=False),           # JSON: measures by status, and the issues assess added
)


# --- rows, by keyword ------------------------------------------------------------------------------
# One NamedTuple per table, fields in the table's column order: built by keyword where they are
# made, and as small as a plain tuple at tens of thousands of rows. `_same_columns` below fails at
# import if a field and its table's columns ever part.


class PlanRow(NamedTuple):
    fingerprint: str
    identity: str
    organisation: str
    title: str
    year: str
    snapshot: object                    # str, or a PackedText (xlplan.store.write) written in pieces


class ReturnRow(NamedTuple):
    period: str
    sha256: str
    file: str
    received: datetime
    saved_at: datetime | None
    size: int
    service: str | None
    outcome: str
    reasons: str
    errors: int
    warnings: int
    superseded_by: str | None
    plan_fingerprint: str | None
    archive: str | None
    department: str = ""
    folder: str | None = None


class ValueRow(NamedTuple):
    period: str
    code: str
    service: str
    name: str
    figure: str | None
    missing: str | None
    raw: str
    status: str
    basis: str
    reason: str
    assessed: str | None
    rule: str
    rule_text: str
    target_text: str
    annual_target_text: str
    comment: str
    in_error: bool
    source_file: str | None
    source_sha256: str | None
    source_sheet: str | None
    source_cell: str | None
    plan_fingerprint: str
    origin: str = "return"
    source_system: str | None = None
    source_row: int | None = None


class ActionRow(NamedTuple):
    period: str
    ref: str
    service: str
    name: str
    status: str
    comment: str
    due: datetime | None
    overdue: bool
    in_error: bool
    source_file: str | None
    source_sha256: str | None
    source_sheet: str | None
    source_cell: str | None


class IssueRow(NamedTuple):
    period: str
    seq: int
    sha256: str | None
    file: str | None
    code: str
    severity: str
    message: str
    hint: str
    sheet: str | None
    cell: str | None
    row: int | None
    key: str | None
    counted: bool
    department: str = ""
    service: str | None = None


class HistoryRow(NamedTuple):
    code: str
    year: str
    figure: str | None
    source: str


ROWS = {plans: PlanRow, returns: ReturnRow, measure_values: ValueRow, action_updates: ActionRow, issues: IssueRow,
        history: HistoryRow}


class RestatementRow(NamedTuple):
    period: str
    restated_period: str
    code: str
    service: str
    manager: str
    name: str
    reported_figure: str | None
    reported_raw: str
    reported_status: str | None
    figure: str
    raw: str
    status: str
    reason: str
    collected: datetime
    source_file: str
    source_sha256: str
    source_sheet: str
    source_cell: str
    plan_fingerprint: str


ROWS[restatements] = RestatementRow


class RiskRow(NamedTuple):
    period: str
    code: str
    service: str
    name: str
    likelihood: int | None
    impact: int | None
    score: int | None
    band: str | None
    target_score: int | None
    commentary: str
    status: str
    rule: str
    source_file: str | None
    source_sha256: str | None
    source_sheet: str | None
    source_cell: str | None
    plan_fingerprint: str


ROWS[risk_updates] = RiskRow


class BudgetRow(NamedTuple):
    period: str
    service: str
    line: str
    kind: str
    fte: float | None
    expenditure: float
    income: float
    net: float
    budget: float
    profile: str
    profiled: float
    spend: float | None
    forecast: float | None
    variance: float | None
    forecast_variance: float | None
    status: str
    reason: str
    rule: str
    comment: str
    in_error: bool
    source_file: str | None
    source_sha256: str | None
    source_sheet: str | None
    source_cell: str | None
    forecast_cell: str | None
    plan_fingerprint: str


class BenchmarkRow(NamedTuple):
    code: str
    year: str
    council: str | None
    scotland: str | None
    family: str | None
    best: str | None
    rank: int | None
    rank_of: int | None
    unit: str
    file: str
    sha256: str
    row: int
    imported: datetime


class BudgetRestatementRow(NamedTuple):
    period: str
    restated_period: str
    service: str
    line: str
    manager: str
    reported: float | None
    spend: float
    status: str
    reason: str
    collected: datetime
    source_file: str
    source_sha256: str
    source_sheet: str
    source_cell: str
    plan_fingerprint: str


ROWS[budget_lines] = BudgetRow
ROWS[budget_restatements] = BudgetRestatementRow
ROWS[benchmarks] = BenchmarkRow


def _same_columns() -> None:
    for table, row in ROWS.items():
        if row._fields != tuple(table.columns.keys()):
            raise TypeError(f"{row.__name__}'s fields are not {table.name}'s columns in order")


_same_columns()


# --- engine ---------------------------------------------------------------------------------------


def engine(db_url: str, *, create: bool = True, write: bool = True, check: bool = True) -> Engine:
    """An engine for `db_url`. Every writing transaction begins by taking the store's write lock,
    waiting up to BUSY_TIMEOUT seconds for another writer (SQLite: BEGIN IMMEDIATE and the
    driver's busy timeout; PostgreSQL: `pg_advisory_xact_lock` under a `lock_timeout`), so a second
    collect waits instead of failing half-way. A SQLite store's folder is made if needed; tables
    are created on first use (`create`), and a store of an older schema revision is refused with
    the command that upgrades it (`check`; only upgrade.py opens one without)."""
    url = make_url(db_url)
    backend = url.get_backend_name()
    kwargs = {}
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT}
    eng = create_engine(url, **kwargs)
    if backend == "sqlite":
        @event.listens_for(eng, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event decide how to begin

        @event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    elif backend == "postgresql" and write:
        @event.listens_for(eng, "begin")
        def _lock(conn):
            conn.execute(select(func.set_config("lock_timeout", f"{int(BUSY_TIMEOUT * 1000)}ms", True)))
            conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))
    if check:
        try:
            _schema_ready(eng, db_url, create=create and write)
        except BaseException:
            eng.dispose()
            raise
    return eng


def holds(conn, table: Table, period: str) -> bool:
    """Whether `table` holds any row for `period`: a plain probe, much cheaper than compiling the
    select of the period's rows (which a new quarter, or a new store, would read none of)."""
    name = conn.dialect.identifier_preparer.format_table(table)
    return conn.execute(text(f"SELECT 1 FROM {name} WHERE period = :period LIMIT 1"),
                        {"period": period}).first() is not None


NEW_STORE = "new"     # store_revision of a database with none of the store's tables yet
BEFORE_ALEMBIC = ""   # ... of a store written before the store had revisions (the baseline's tables)


def store_revision(conn) -> str:
    """The store's schema revision: its alembic_version, BEFORE_ALEMBIC for a store of the
    baseline's tables without one, or NEW_STORE for a database with none of them (a new SQLite
    file, or one holding only the mail log)."""
    # plans first: a new store's tables and its alembic_version are committed together, so once
    # plans can be seen so can its revision (PostgreSQL's read committed sees a commit between two
    # statements; the other order would take a store made that moment for an old one)
    dialect = conn.dialect
    if not dialect.has_table(conn, plans.name):
        return NEW_STORE
    if not dialect.has_table(conn, alembic_version.name):
        return BEFORE_ALEMBIC
    found = conn.execute(select(alembic_version.c.version_num)).scalars().all()
    return found[0] if len(found) == 1 else ",".join(sorted(found))


def is_new(db_url: str) -> bool:
    """Whether the database at `db_url` holds none of the store's tables (a SQLite file not made
    yet, or an empty database), whatever schema a store in it would have."""
    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        return True
    eng = engine(db_url, create=False, write=False, check=False)
    try:
        with transaction(eng, db_url) as conn:
            return store_revision(conn) == NEW_STORE
    except exc.DatabaseError as e:        # e.g. SQLite's "file is not a database"
        raise friendly(e, db_url) from None
    finally:
        eng.dispose()


def _schema_ready(eng: Engine, db_url: str, *, create: bool) -> None:
    """Make sure the store at `db_url` has today's schema: a new store is created at SCHEMA_HEAD
    (when `create`), a store of another revision is refused with what to do about it."""
    with transaction(eng, db_url) as conn:
        try:
            found = store_revision(conn)
        except exc.DatabaseError as e:      # e.g. SQLite's "file is not a database"
            raise XlplanError(f"The store {shown_url(db_url)} could not be used: {e.orig or e}. It is not a store "
                              f"xlplan can read; nothing was changed. Check --db (or XLPLAN_DB) names "
                              f"the store's SQLite file or PostgreSQL database.") from None
        if found == SCHEMA_HEAD:
            return
        if found == NEW_STORE:
            if create:
                metadata.create_all(conn)
                alembic_version.create(conn)
                conn.execute(alembic_version.insert().values(version_num=SCHEMA_HEAD))
            return
        raise outdated(db_url, found)


def outdated(db_url: str, found: str) -> XlplanError:
    """The sentence for a store whose schema is not this xlplan's."""
    shown = found or "from before schema revisions (xlplan before the performance-year features)"
    if found and found not in SCHEMA_REVISIONS:
        return XlplanError(f"The store {shown_url(db_url)} has schema revision {shown}, which this xlplan does not know "
                           f"(its newest is {SCHEMA_HEAD}): it was written by a newer xlplan. Nothing was "
                           f"changed; use that version, or upgrade xlplan.")
    return XlplanError(f"The store {shown_url(db_url)} was written by an earlier xlplan (schema {shown}; this xlplan "
                       f"needs {SCHEMA_HEAD}). Nothing was changed. Run `xlplan upgrade-store --db {shown_url(db_url)}` "
                       f"once to upgrade it (every stored row is kept), then run this again.")


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
            raise friendly(e, self.db_url) from None

    def __exit__(self, *exc_info):
        try:
            return self.ctx.__exit__(*exc_info)
        except exc.OperationalError as e:
            raise friendly(e, self.db_url) from None


def friendly(e: exc.OperationalError, db_url: str) -> XlplanError:
    """The sentence an officer sees when the store cannot be used (busy, or unreachable)."""
    text = str(e.orig) if e.orig is not None else str(e)
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return XlplanError(f"The store {shown_url(db_url)} is busy: another xlplan collect is writing to it. "
                           f"Nothing was changed; run this again when the other one has finished.")
    return XlplanError(f"The store {shown_url(db_url)} could not be used: {text}")


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


