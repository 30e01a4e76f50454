"""Many rows written at once, through the database driver: what a collect's tens of thousands of
rows cost is then the database's work, not SQLAlchemy's building of parameters row by row.

Each value is given to the driver as a Core executemany would give it: the statement is the one
Core compiles for the dialect, and every column whose type has a bind processor (SQLite's dates,
booleans and floats; PostgreSQL's booleans) has it applied, a batch at a time, column by column.

- SQLite: the compiled statement, executemany on the driver's cursor (`exec_driver_sql`: errors
  are SQLAlchemy's, as from Core).
- PostgreSQL through psycopg 3: inserts are one `COPY … FROM STDIN` a batch, each value parsed by
  its column's type as Core's `%s::TYPE` casts parse it. That holds for the Python types COPY_TYPES
  lists for each column type (str in a text column, int in an integer one, a naive datetime in a
  timestamp…); a batch holding any other type in a column is inserted by Core instead, so it is
  stored as it always was. Deletes go through Core.
- Any other database: Core.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable, Sequence

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Table, exc

BATCH = 2000     # rows converted, and written, at a time

# column type → the Python types (after its bind processor) whose text COPY parses into the value
# that Core's cast of the same parameter stores; None is always fine (NULL)
COPY_TYPES: list[tuple[type, frozenset]] = [
    (Boolean, frozenset({bool})),
    (Integer, frozenset({int})),            # (not bool: `type(v) is int`)
    (Float, frozenset({float, int})),
    (String, frozenset({str})),             # Text too
    (DateTime, frozenset({datetime})),      # naive only: checked apart
]


def insert_rows(conn, table: Table, statement, rows: Sequence[tuple], batch: int = BATCH) -> None:
    """Insert `rows` (tuples with every column of `table`, in its order) with `statement` (Core's
    `insert(table)`), `batch` rows at a time."""
    if not rows:
        return
    dialect = conn.dialect
    names = list(table.columns.keys())
    processors = _processors(table, dialect)
    if dialect.name == "sqlite":
        sql = _positional_sql(statement, dialect, names)
        for part in _batches(rows, batch):
            conn.exec_driver_sql(sql, _processed(part, processors))
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        copy_types = [_copy_types(column) for column in table.columns]
        copy_sql = f"COPY {_quoted(dialect, table.name)} ({', '.join(_quoted(dialect, n) for n in names)}) FROM STDIN"
        kinds = _Kinds(conn.connection.driver_connection)
        for part in _batches(rows, batch):
            part = _processed(part, processors)
            if _copyable(part, copy_types, kinds):
                _copy(conn, copy_sql, part)
            else:
                conn.execute(statement, [dict(zip(names, row)) for row in part])
    else:
        for part in _batches(rows, batch):
            conn.execute(statement, [dict(zip(names, row)) for row in part])


def delete_rows(conn, statement, names: list[str], keys: Sequence[tuple], columns: list, batch: int = BATCH) -> None:
    """Run `statement` (a Core delete whose bind parameters are `names`, one a key column of
    `columns`) once for each of `keys` (tuples in the order of `names`)."""
    if not keys:
        return
    dialect = conn.dialect
    if dialect.name == "sqlite":
        sql = _positional_sql(statement, dialect, names)
        processors = [(i, p) for i, p in enumerate(c.type.dialect_impl(dialect).bind_processor(dialect)
                                                   for c in columns) if p is not None]
        for part in _batches(keys, batch):
            conn.exec_driver_sql(sql, _processed(part, processors))
    else:
        conn.execute(statement, [dict(zip(names, k)) for k in keys])


def _processors(table: Table, dialect) -> list[tuple[int, Callable]]:
    """(column index, bind processor) of each of `table`'s columns whose type has one on `dialect`."""
    found = []
    for i, column in enumerate(table.columns):
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found.append((i, processor))
    return found


def _processed(rows: Sequence[tuple], processors: list[tuple[int, Callable]]) -> Sequence[tuple]:
    """`rows` with each processor applied to its column (by column, not row by row). A column of
    booleans, or of naive datetimes, converts each distinct value once: two equal values of one of
    those types convert alike (a naive datetime by its fields), which two equal values of mixed types
    (True and 1, 1 and 1.0) need not."""
    if not processors:
        return rows
    columns: list[Iterable] = list(zip(*rows))
    for i, processor in processors:
        columns[i] = _converted(columns[i], processor)
    return list(zip(*columns))


def _converted(column: tuple, processor: Callable) -> Iterable:
    kinds = set(map(type, column))
    kinds.discard(_NONE)
    if kinds == {bool} or kinds == {datetime}:
        distinct = set(column)
        if len(distinct) * 4 <= len(column) and not any(type(v) is datetime and v.tzinfo is not None
                                                          for v in distinct):
            return map({v: processor(v) for v in distinct}.__getitem__, column)
    return map(processor, column)


def _positional_sql(statement, dialect, names: list[str]) -> str:
    """`statement` compiled for `dialect` (positional parameters), refused unless its parameters
    are `names` in order."""
    compiled = statement.compile(dialect=dialect)
    if list(compiled.positiontup or ()) != names:
        raise ValueError(f"{compiled.string!r} does not take {names} in order")
    return compiled.string


def _batches(rows: Sequence, n: int) -> Iterable[list]:
    """`rows` as lists of at most `n` (a list, as the driver takes many rows at once)."""
    if len(rows) <= n:
        yield rows if isinstance(rows, list) else list(rows)
        return
    for start in range(0, len(rows), n):
        yield list(rows[start:start + n])


def _quoted(dialect, name: str) -> str:
    return dialect.identifier_preparer.quote_identifier(name)


def _copy_types(column) -> frozenset:
    """The Python types COPY may be given for `column` (none: its batches go through Core)."""
    for sql_type, python_types in COPY_TYPES:
        if isinstance(column.type, sql_type):
            if sql_type is DateTime and column.type.timezone:
                return frozenset()
            return python_types
    return frozenset()


_NONE = type(None)


class _Kinds:
    """Which type of COPY_TYPES psycopg writes a value of a given Python type as: the type itself, or
    the one of its bases psycopg has the same text dumper for (a StrEnum member as the str it is;
    not a bool as an int: psycopg dumps booleans apart)."""

    def __init__(self, driver) -> None:
        from psycopg import ProgrammingError
        from psycopg.adapt import PyFormat
        self.adapters, self.text, self.seen, self.cannot = driver.adapters, PyFormat.TEXT, {}, ProgrammingError

    def __call__(self, kind: type) -> type | None:
        if kind not in self.seen:
            self.seen[kind] = self._base(kind)
        return self.seen[kind]

    def _base(self, kind: type) -> type | None:
        bases = {t for _, types in COPY_TYPES for t in types}
        if kind in bases:
            return kind
        try:
            dumper = self.adapters.get_dumper(kind, self.text)
        except self.cannot:     # psycopg cannot adapt it: Core will say so, as it always did
            return None
        return next((b for b in bases if issubclass(kind, b) and self.adapters.get_dumper(b, self.text) is dumper),
                    None)


def _copyable(rows: Sequence[tuple], copy_types: list[frozenset], kinds: Callable[[type], type | None]) -> bool:
    """Whether every value of `rows` is written by psycopg as a type COPY takes for its column
    (datetimes naive)."""
    for i, column in enumerate(zip(*rows)):
        found = set(map(type, column))
        found.discard(_NONE)
        if not {kinds(k) for k in found} <= copy_types[i]:
            return False
        if any(issubclass(k, datetime) for k in found) and any(v is not None and v.tzinfo is not None
                                                               for v in column):
            return False
    return True


def _copy(conn, sql: str, rows: Sequence[tuple]) -> None:
    """COPY `rows` in through psycopg, in the connection's transaction; a driver error is raised as
    SQLAlchemy raises it from Core (IntegrityError for a duplicate key…)."""
    driver = conn.connection.driver_connection
    dbapi = conn.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except dbapi.Error as e:
        raise exc.DBAPIError.instance(sql, None, e, dbapi.Error, dialect=conn.dialect) from e
