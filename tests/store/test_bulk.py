"""Rows written through the driver (xlplan/store/bulk.py: SQLite executemany, PostgreSQL COPY) are
stored exactly as a Core insert of the same rows stores them: every column type, None, booleans,
dates, floats at their edges, and text that COPY or a spreadsheet treats specially. A batch holding
a type COPY does not take goes through Core; a duplicate key is refused as Core refuses it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Float, event, exc, insert, select

from xlplan import store
from xlplan.errors import Code
from xlplan.store import bulk, schema
from xlplan.store import write as store_write

TEXTS = ["it's \"quoted\"", "back\\slash \\N and \\.", "tab\there\nnewline\r\nend", "=1+1", "+SUM(A1:A2)",
         "ünïcødé ✓ 中文 🙂", "", "NULL", "\\N", " padded "]
DATES = [datetime(2024, 2, 29, 23, 59, 59, 999999), datetime(1999, 12, 31), None, datetime(2023, 10, 1, 9, 30)]
FLOATS = [0.1, -0.0, 1e308, 5e-324, float("inf"), float("-inf"), 46000.0, -1234.5678, 3]
NAN = float("nan")          # SQLite stores NaN as NULL: only in nullable columns, as Core is given it


def _action(i: int, period: str = "2023-24-Q2") -> tuple:
    return store.ActionRow(period=period, ref=f"A{i}", service=TEXTS[i % len(TEXTS)], name=TEXTS[(i + 3) % len(TEXTS)],
                           status="Green", comment=TEXTS[(i + 5) % len(TEXTS)], due=DATES[i % len(DATES)],
                           overdue=i % 3 == 0, in_error=i % 2 == 0, source_file=None if i % 4 else "r.xlsx",
                           source_sha256="ab" * 32, source_sheet="Actions", source_cell=f"E{i}")


def _budget(i: int, period: str = "2023-24-Q2") -> tuple:
    f = FLOATS
    return store.BudgetRow(period=period, service="Roads", line=f"Line {i} {TEXTS[i % len(TEXTS)]}", kind="Service",
                           fte=None if i % 3 == 0 else f[i % len(f)], expenditure=f[(i + 1) % len(f)],
                           income=f[(i + 2) % len(f)], net=f[(i + 3) % len(f)], budget=f[(i + 4) % len(f)],
                           profile="Even", profiled=f[(i + 5) % len(f)], spend=None if i % 2 else f[(i + 6) % len(f)],
                           forecast=NAN if i % 5 == 0 else f[(i + 7) % len(f)], variance=None, forecast_variance=f[(i + 8) % len(f)],
                           status="Amber", reason=TEXTS[i % len(TEXTS)], rule='{"tolerance": 0.05}', comment="",
                           in_error=i % 2 == 1, source_file="r.xlsx", source_sha256=None, source_sheet="Budget",
                           source_cell=f"F{i}", forecast_cell=None, plan_fingerprint="f" * 64)


def _issue(i: int, period: str = "2023-24-Q2") -> tuple:
    return store.IssueRow(period=period, seq=i, sha256=None, file=TEXTS[i % len(TEXTS)], code=list(Code)[i % 5],
                          severity="warning", message=TEXTS[(i + 1) % len(TEXTS)], hint="", sheet="Measures",
                          cell=None, row=i if i % 2 else None, key=None, counted=i % 2 == 0, department="",
                          service=None)


def _risk(i: int, period: str = "2023-24-Q2", likelihood=None) -> tuple:
    return store.RiskRow(period=period, code=f"R{i}", service="Roads", name=TEXTS[i % len(TEXTS)],
                         likelihood=likelihood if likelihood is not None else (None if i % 4 == 0 else i % 5 + 1),
                         impact=2 ** 31 - 1 if i == 1 else i % 4 + 1, score=None, band=None, target_score=6,
                         commentary=TEXTS[(i + 2) % len(TEXTS)], status="assessed", rule="1-5", source_file=None,
                         source_sha256=None, source_sheet=None, source_cell=None, plan_fingerprint="f" * 64)


def _comparable(rows) -> list[tuple]:
    """Rows read back, with floats by repr (NaN equals NaN) and their types kept."""
    return [tuple((type(v).__name__, repr(v)) if isinstance(v, float) else v for v in row) for row in rows]


def _stored(conn, table, period: str) -> list[tuple]:
    """The rows of `period` as the database holds them, read by the driver itself (not through
    SQLAlchemy's result types, which would read a date stored as other text as the same date)."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    names = [quote(n) for n in table.columns.keys() if n != "period"]
    keys = ", ".join(quote(c.name) for c in table.primary_key.columns)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(f"SELECT {', '.join(names)} FROM {table.name} WHERE period = {mark} ORDER BY {keys}", (period,))
        return _comparable(cursor.fetchall())
    finally:
        cursor.close()


class _CoreInserts:
    """Counts the INSERTs Core compiled and ran (the driver path runs none)."""

    def __init__(self, eng) -> None:
        self.count = 0
        event.listen(eng, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if context is not None and context.compiled is not None and context.isinsert:
            self.count += 1


def _both_ways(db_url: str, table, rows: list) -> tuple[list, list, int]:
    """The rows stored by a Core insert (as period "core") and by bulk_insert (as "bulk"), read
    back, and how many INSERTs Core compiled for the bulk ones."""
    eng = store.engine(db_url)
    core_inserts = _CoreInserts(eng)
    try:
        with store.transaction(eng, db_url) as conn:
            conn.execute(insert(table), [r._replace(period="core")._asdict() for r in rows])
            before = core_inserts.count
            store.bulk_insert(conn, table, [r._replace(period="bulk") for r in rows])
            through_core = core_inserts.count - before
        with eng.connect() as conn:
            return _stored(conn, table, "core"), _stored(conn, table, "bulk"), through_core
    finally:
        eng.dispose()


CASES = {
    "action_updates": (store.action_updates, _action),
    "budget_lines": (store.budget_lines, _budget),
    "issues": (store.issues, _issue),
    "risk_updates": (store.risk_updates, _risk),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("batch", [3, 2000])
def test_the_driver_path_stores_what_a_core_insert_stores(db_url, name, batch, monkeypatch):
    table, make = CASES[name]
    monkeypatch.setattr(store_write, "_BATCH", batch)
    rows = [make(i) for i in range(40)]
    core, driver, through_core = _both_ways(db_url, table, rows)
    assert through_core == 0          # the driver's path, not Core's, wrote them
    assert len(driver) == len(rows)
    assert driver == core


def test_the_values_read_back_are_the_ones_given(db_url):
    rows = [_action(i) for i in range(len(TEXTS) * len(DATES))]
    eng = store.engine(db_url)
    try:
        with store.transaction(eng, db_url) as conn:
            store.bulk_insert(conn, store.action_updates, rows)
        with eng.connect() as conn:
            back = [store.ActionRow(*r) for r in conn.execute(select(store.action_updates))]
    finally:
        eng.dispose()
    assert sorted(back) == sorted(rows)
    assert {type(r.overdue) for r in back} == {bool}
    assert {r.comment for r in back} == set(TEXTS)


def test_budget_floats_read_back_as_given(db_url):
    rows = [_budget(i) for i in range(20)]
    eng = store.engine(db_url)
    try:
        with store.transaction(eng, db_url) as conn:
            store.bulk_insert(conn, store.budget_lines, rows)
        with eng.connect() as conn:
            back = {r.line: r for r in conn.execute(select(store.budget_lines))}
    finally:
        eng.dispose()
    floats = {c.name for c in store.budget_lines.columns if isinstance(c.type, Float)}
    for row in rows:
        got = back[row.line]._asdict()
        for name, given in row._asdict().items():
            stored = got[name]
            if name not in floats or given is None:
                assert stored == given
            elif math.isnan(given):
                assert stored is None if db_url.startswith("sqlite") else math.isnan(stored)
            else:           # the same float (SQLite keeps no sign of -0.0, Core's inserts neither); 3 as 3.0
                assert type(stored) is float and stored == given


@pytest.mark.parametrize("odd", ["float in an integer column", "aware datetime", "int in a text column"])
def test_a_batch_of_types_copy_does_not_take_is_stored_as_core_stores_it(db_url, odd, monkeypatch):
    monkeypatch.setattr(store_write, "_BATCH", 4)
    if odd == "float in an integer column":
        table, rows = store.risk_updates, [_risk(i, likelihood=3.0 if i == 5 else None) for i in range(10)]
    elif odd == "aware datetime":
        table = store.action_updates
        rows = [_action(i)._replace(due=datetime(2023, 10, 1, 12, tzinfo=timezone(timedelta(hours=2))))
                if i == 6 else _action(i) for i in range(10)]
    else:
        table, rows = store.action_updates, [_action(i)._replace(comment=7) if i == 2 else _action(i) for i in range(10)]
    core, driver, through_core = _both_ways(db_url, table, rows)
    assert driver == core
    # PostgreSQL: the one batch (of 4 rows) holding the odd value went through Core, the others COPY
    assert through_core == (1 if db_url.startswith("postgresql") else 0)


@pytest.mark.parametrize("stored_first", [False, True])
def test_a_duplicate_key_is_refused_as_core_refuses_it_and_nothing_is_written(db_url, stored_first):
    row = _action(1)
    eng = store.engine(db_url)
    try:
        if stored_first:
            with store.transaction(eng, db_url) as conn:
                store.bulk_insert(conn, store.action_updates, [_action(2)])
        with pytest.raises(exc.IntegrityError):
            with store.transaction(eng, db_url) as conn:
                store.replace_period(conn, store.action_updates, row.period, [row, _action(3), row])
        with eng.connect() as conn:
            left = [tuple(r) for r in conn.execute(select(store.action_updates))]
    finally:
        eng.dispose()
    assert left == ([tuple(_action(2))] if stored_first else [])


def test_booleans_and_dates_convert_each_distinct_value_once_and_mixed_types_each_value(monkeypatch):
    calls = []

    def processor(value):
        calls.append(value)
        return ("converted", type(value).__name__, value)

    day = datetime(2023, 10, 1)
    assert list(bulk._converted((True, False, None, True) * 4, processor)) == \
        [processor(v) for v in (True, False, None, True) * 4]
    calls.clear()
    list(bulk._converted((True, False, None, True) * 4, processor))
    assert sorted(map(repr, calls)) == sorted(map(repr, [True, False, None]))
    calls.clear()
    mixed = (True, 1, 1.0, False, 0) * 4          # equal values of different types convert apart
    assert list(bulk._converted(mixed, processor)) == [("converted", type(v).__name__, v) for v in mixed]
    assert len(calls) == len(mixed)
    calls.clear()
    aware = (day, day.replace(tzinfo=timezone.utc)) * 4
    assert [c[2] for c in bulk._converted(aware, processor)] == list(aware)
    assert len(calls) == len(aware)


def test_a_new_plans_history_replaces_its_measures_and_leaves_the_others(db_url):
    eng = store.engine(db_url)
    try:
        with store.transaction(eng, db_url) as conn:          # a new store: nothing to delete
            store_write._replace_history(conn, [("A", "2020/21", "1.0", "plan"), ("A", "2021/22", "2.0", "plan"),
                                                ("B", "2021/22", "[1.0, 2.0]", "plan")], "plan 1")
        with store.transaction(eng, db_url) as conn:
            store_write._replace_history(conn, [("A", "2022/23", "3.0", "plan"), ("C", "2022/23", None, "plan")],
                                         "plan 2")
        with eng.connect() as conn:
            history = sorted(tuple(r) for r in conn.execute(select(store.history)))
            fingerprints = [tuple(r) for r in conn.execute(select(schema.history_plan))]
    finally:
        eng.dispose()
    assert history == [("A", "2022/23", "3.0", "plan"), ("B", "2021/22", "[1.0, 2.0]", "plan"),
                       ("C", "2022/23", None, "plan")]
    assert fingerprints == [(1, "plan 2")]


def test_a_period_with_nothing_stored_is_written_whole_and_other_periods_are_left_alone(db_url):
    """replace_period probes a period first (schema.holds): with nothing stored it inserts without
    the diff; with rows stored, only the period's own are replaced."""
    eng = store.engine(db_url)
    try:
        with store.transaction(eng, db_url) as conn:
            assert not schema.holds(conn, store.action_updates, "2023-24-Q1")
            store.replace_period(conn, store.action_updates, "2023-24-Q1", [_action(1, "2023-24-Q1")])
            assert schema.holds(conn, store.action_updates, "2023-24-Q1")
            assert not schema.holds(conn, store.action_updates, "2023-24-Q2")
            store.replace_period(conn, store.action_updates, "2023-24-Q2", [_action(2), _action(3)])
            store.replace_period(conn, store.action_updates, "2023-24-Q2", [_action(3), _action(4)])
        with eng.connect() as conn:
            left = sorted(tuple(r) for r in conn.execute(select(store.action_updates)))
    finally:
        eng.dispose()
    assert left == sorted(tuple(r) for r in (_action(1, "2023-24-Q1"), _action(3), _action(4)))


def test_ready_to_write_loads_the_databases_dialect(db_url):
    import subprocess
    import sys
    code = ("import sys; from xlplan import store; store.ready_to_write(sys.argv[1]); "
            "name = 'sqlalchemy.dialects.' + sys.argv[1].split(':')[0].split('+')[0]; "
            "assert name in sys.modules, name; assert 'xlplan.store.write' in sys.modules")
    subprocess.run([sys.executable, "-c", code, db_url], check=True)
