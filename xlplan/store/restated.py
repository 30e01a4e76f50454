"""Restated figures in the store: an earlier quarter's figure changed after it was reported.

A restatement is a row of `restatements`, written by the collect of the quarter whose return
carried it (its `period`), beside the figure stored for the earlier quarter (`restated_period`),
which stays in measure_values exactly as reported. The latest version of a quarter's figure is
the reported one overlaid by its restatements, the one carried latest winning; a report for a
quarter only sees restatements carried by that quarter or before it, so rebuilding a past report
gives the same content.

Used by collect (what was reported, to compare a correction with), templates (what to offer for
correction) and read.py (what the reports show: latest versions, marked as restated).
"""

from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import exc, select

from xlplan.periods import Period
from xlplan.store import schema as store
from xlplan.store.results import Restatement, Source
from xlplan.store.schema import measure_values, restatements
from xlplan.status import Status
from xlplan.values import Missing, format_value

# One version of a quarter's figure: as measure_values holds it, or as a restatement replaced it.
Version = namedtuple("Version", "figure raw missing status rule assessed restated")


def keep_collected(conn, period: str, rows: list, table=restatements) -> list:
    """`rows` (RestatementRows, or the rows of another restatements `table`, for `period`) with the
    stored `collected` time of a restatement stored already with the same content: re-running
    collect over the same returns changes nothing."""
    if not rows or not store.holds(conn, table, period):
        return rows
    stored = {}
    make = store.ROWS[table]
    for r in conn.execute(select(table).where(table.c.period == period)):
        r = make(*r)
        stored[r._replace(collected=None)] = r.collected
    return [r._replace(collected=stored.get(r._replace(collected=None), r.collected)) for r in rows]


@contextmanager
def _reading(db_url: str) -> Iterator:
    """A read connection, or None when there is no store (or no measure_values table) yet."""
    path = store.sqlite_path(db_url)
    if path is not None and not path.exists():
        yield None
        return
    eng = store.engine(db_url, create=False, write=False)
    try:
        try:
            conn = eng.connect()
        except exc.OperationalError as e:
            raise store.friendly(e, db_url) from None
        with conn:
            yield conn if eng.dialect.has_table(conn, measure_values.name) else None
    finally:
        eng.dispose()


def _has_restatements(conn) -> bool:
    return conn.dialect.has_table(conn, restatements.name)


def carried(conn, where) -> list[store.RestatementRow]:
    """Restatement rows matching `where`, oldest carried first ([] for a store from before them)."""
    if conn is None or not _has_restatements(conn):
        return []
    rows = conn.execute(select(restatements).where(where).order_by(
        restatements.c.period, restatements.c.collected, restatements.c.code))
    return [store.RestatementRow(*r) for r in rows]


def latest_versions(conn, period_id: str, carried_before: str | None = None) -> dict[str, Version]:
    """Code → the latest version of each figure stored for `period_id`: as reported, overlaid by
    the restatements carried by a quarter before `carried_before` (every one when None)."""
    if conn is None:
        return {}
    found = {r.code: Version(r.figure, r.raw, r.missing, r.status, r.rule, r.assessed, False)
             for r in conn.execute(select(measure_values).where(measure_values.c.period == period_id))}
    where = restatements.c.restated_period == period_id
    if carried_before is not None:
        where = where & (restatements.c.period < carried_before)
    for r in carried(conn, where):
        was = found.get(r.code)
        found[r.code] = Version(r.figure, r.raw, None, r.status, was.rule if was else None,
                                was.assessed if was else None, True)
    return found


def reported_for_correction(db_url: str, period: Period) -> dict[str, Version]:
    """What a return for `period` may correct: the latest version of each figure of the quarter
    before, not counting the corrections `period`'s own returns carried (a re-run replaces them)."""
    with _reading(db_url) as conn:
        return latest_versions(conn, period.previous().id, carried_before=period.id)


def correction_offers(db_url: str, plan, period: Period) -> dict[str, tuple[object, str]]:
    """Code → (figure or None, text as shown) of last quarter's figures, for a return template's
    Corrections sheet: every measure of the plan stored for the quarter before `period` but those
    not due then. Empty when the store holds nothing for that quarter."""
    units = {m.code: m.unit for m in plan.measures}
    offers = {}
    for code, v in reported_for_correction(db_url, period).items():
        if code not in units or v.status == Status.NOT_DUE.value:
            continue
        figure = store.figure_from_json(v.figure)
        if figure is not None:
            offers[code] = (figure, format_value(figure, units[code]))
        else:
            offers[code] = (None, v.missing if v.missing and v.missing != Missing.BLANK.value
                            else Status.REPORT_LATER.value)
    return offers


def quarter_name(restated: str, carried_in: str) -> str:
    """`Q1` for a quarter of the same year as the carrying one, else `Q4 2022/23`."""
    was, now = Period.parse(restated), Period.parse(carried_in)
    return f"Q{was.quarter}" if was.year == now.year else f"Q{was.quarter} {was.year.slash}"


def as_result(r: store.RestatementRow, unit) -> Restatement:
    """A stored restatement as reports show it."""
    reported = store.figure_from_json(r.reported_figure)
    return Restatement(
        code=r.code, name=r.name, service=r.service, manager=r.manager, unit=unit, period=r.restated_period,
        quarter=quarter_name(r.restated_period, r.period), reported=reported,
        reported_text=format_value(reported, unit) if reported is not None else (r.reported_raw or "no figure"),
        reported_status=Status(r.reported_status) if r.reported_status else None,
        figure=store.figure_from_json(r.figure), status=Status(r.status), reason=r.reason, carried_in=r.period,
        collected=r.collected, source=Source(r.source_file, r.source_sha256, r.source_sheet, r.source_cell))


def shown(conn, period: Period, earlier: list[Period]) -> tuple[dict[tuple[str, str], store.RestatementRow],
                                                             list[store.RestatementRow]]:
    """For the report of `period`: ((restated period, code) → the latest restatement of a figure of
    the `earlier` quarters carried by `period` or before, the restatements `period`'s returns carried)."""
    ids = [p.id for p in earlier]
    latest: dict[tuple[str, str], store.RestatementRow] = {}
    rows = carried(conn, restatements.c.restated_period.in_(ids) & (restatements.c.period <= period.id)) \
        if ids else []
    for r in rows:
        latest[(r.restated_period, r.code)] = r       # oldest first: the latest carried wins
    return latest, carried(conn, restatements.c.period == period.id)
