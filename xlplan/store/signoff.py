"""Signing a quarter off: its figures approved (who, when, a fingerprint of what was approved) and
locked, until it is reopened with a recorded reason.

The record is the `signoffs` table, one row per event in the order they happened; a quarter is
locked while its latest event is a sign-off. A locked quarter's rows are never written: a collect
for it archives and lists what arrived (`after_signoff`) and changes nothing (the pipeline asks
`locked` first, and `refuse_if_locked` checks again inside the collect's own transaction, so a
sign-off made during a collect cannot be overtaken by it).

The fingerprint is a sha256 over every row the quarter's collect stored (returns, figures with
their statuses and rules, action updates, issues, the restatements its returns carried, and the
lines of the activity budget where the plan has one), in key order: the same content gives the same fingerprint on SQLite and PostgreSQL. Restatements of the
quarter carried by later returns are not part of it: they are new versions beside what was
approved, shown in later reports.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, insert, select

from xlplan.errors import XlplanError
from xlplan.store import schema as store
from xlplan.store.results import SignOff, SignOffEvent
from xlplan.store.schema import (action_updates, after_signoff, budget_lines, budget_restatements, issues,
                                 measure_values, restatements, returns, risk_updates, signoffs, transaction)

SIGNED_OFF, REOPENED = "signed off", "reopened"
_FINGERPRINTED = (returns, measure_values, action_updates, issues, restatements)
# Tables hashed only where the quarter has rows in them, so a quarter without (a plan with no risk
# register) keeps the fingerprint it had before they existed.
_WHEN_STORED = (risk_updates, budget_lines, budget_restatements)


# Columns later revisions added to fingerprinted tables, with the value a row stored before them
# holds: left out of a row's fingerprint while they hold it, so a quarter signed off before an
# upgrade still matches after it (0004_departments: the collecting department and folder, an
# issue's service, a figure's origin and system).
_ADDED = {"returns": {"department": "", "folder": None}, "issues": {"department": "", "service": None},
          "measure_values": {"origin": "return", "source_system": None, "source_row": None}}


def quarter_fingerprint(conn, period: str) -> str:
    """sha256 of everything stored for `period` by its collect, in key order."""
    digest = hashlib.sha256()
    for table in (*_FINGERPRINTED, *_WHEN_STORED):
        rows = conn.execute(select(table).where(table.c.period == period).order_by(*table.primary_key.columns)).all()
        if not rows and table in _WHEN_STORED:
            continue
        digest.update(f"\x00{table.name}\x00".encode())
        added = [(i, _ADDED[table.name][c]) for i, c in enumerate(table.columns.keys())
                 if c in _ADDED.get(table.name, {})]
        for row in rows:
            values = list(row)
            for i, default in reversed(added):
                if values[i] == default:
                    del values[i]
            digest.update(json.dumps([_plain(v) for v in values], ensure_ascii=False).encode())
            digest.update(b"\n")
    return digest.hexdigest()


def _plain(value):
    """A stored value as the same JSON on every backend."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return value


def _rows(conn, period: str) -> list:
    """The quarter's rows of `signoffs`, in the order they happened."""
    return conn.execute(select(signoffs).where(signoffs.c.period == period).order_by(signoffs.c.seq)).all()


def _events(conn, period: str) -> list[SignOffEvent]:
    return [SignOffEvent(r.event, r.by, r.at, r.fingerprint, r.reason) for r in _rows(conn, period)]


def _in_force(rows: list):
    """The sign-off row locking the quarter (its latest event, if a sign-off), else None."""
    return rows[-1] if rows and rows[-1].event == SIGNED_OFF else None


def state(conn, period: str) -> SignOff | None:
    """The sign-off in force for `period` (None when it was never signed off or was reopened since),
    with whether the store still holds what was approved and what arrived after it."""
    if conn is None:
        return None
    rows = _rows(conn, period)
    last = _in_force(rows)
    if last is None:
        return None
    late = conn.execute(select(after_signoff.c.file).where(
        after_signoff.c.period == period, after_signoff.c.signoff_seq == last.seq).order_by(
        after_signoff.c.seen, after_signoff.c.file)).scalars().all()
    return SignOff(period=period, by=last.by, at=last.at, fingerprint=last.fingerprint,
                   plan_fingerprint=last.plan_fingerprint,
                   matches=quarter_fingerprint(conn, period) == last.fingerprint,
                   history=tuple(SignOffEvent(r.event, r.by, r.at, r.fingerprint, r.reason) for r in rows),
                   late=tuple(late))


def locked(db_url: str, period: str) -> SignOff | None:
    """The sign-off locking `period` in the store at `db_url`, or None (also when there is no store)."""
    path = store.sqlite_path(db_url)
    if path is not None and not path.exists():
        return None
    eng = store.engine(db_url, create=False, write=False)
    try:
        with transaction(eng, db_url) as conn:
            if store.store_revision(conn) == store.NEW_STORE:
                return None
            return state(conn, period)
    finally:
        eng.dispose()


def history(db_url: str, period: str) -> list[SignOffEvent]:
    """Every sign-off and reopening of `period`, oldest first."""
    path = store.sqlite_path(db_url)
    if path is not None and not path.exists():
        return []
    eng = store.engine(db_url, create=False, write=False)
    try:
        with transaction(eng, db_url) as conn:
            return [] if store.store_revision(conn) == store.NEW_STORE else _events(conn, period)
    finally:
        eng.dispose()


def refuse_if_locked(conn, period: str) -> None:
    """Inside a writing transaction: raise if `period` is signed off (nothing is then written)."""
    found = state(conn, period)
    if found is not None:
        raise locked_error(found)


def locked_error(found: SignOff) -> XlplanError:
    return XlplanError(f"{found.period} is signed off ({found.line()}): its figures are locked and nothing "
                       f"was changed. To change them, run `xlplan reopen --period {found.period} --reason \"…\"` "
                       f"first (the reopening is recorded).")


def sign_off(db_url: str, period: str, by: str) -> SignOff:
    """Sign `period` off as approved by `by`: record who, when and the fingerprint of what the store
    holds for it, which locks it. Refused when nothing was collected for it, or it is signed off."""
    by = " ".join((by or "").split())
    if not by:
        raise XlplanError("Say who approved the figures: --by NAME (e.g. --by \"J. Smith, Head of Service\").")
    eng = store.engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            found = state(conn, period)
            if found is not None:
                raise XlplanError(f"{period} is already signed off ({found.line()}). Nothing was changed.")
            plan_fp = conn.execute(select(measure_values.c.plan_fingerprint).where(
                measure_values.c.period == period).limit(1)).scalar()
            if plan_fp is None:
                plan_fp = conn.execute(select(returns.c.plan_fingerprint).where(
                    returns.c.period == period, returns.c.plan_fingerprint.is_not(None)).limit(1)).scalar()
            if plan_fp is None:
                raise XlplanError(f"Nothing has been collected for {period}, so there is nothing to sign off: "
                                  f"run `xlplan collect --period {period}` first.")
            at = store.utc_now()
            _record(conn, period, SIGNED_OFF, by, at, quarter_fingerprint(conn, period), plan_fp, "")
            return state(conn, period)
    finally:
        eng.dispose()


def reopen(db_url: str, period: str, reason: str, by: str) -> SignOffEvent:
    """Reopen a signed-off `period` (the reason is required and recorded with who and when): its
    figures can be collected again, and a new sign-off is needed."""
    reason = " ".join((reason or "").split())
    by = " ".join((by or "").split())
    if not reason:
        raise XlplanError("Say why the quarter is reopened: --reason TEXT (it is recorded with the sign-off).")
    if not by:
        raise XlplanError("Say who is reopening the quarter: --by NAME.")
    eng = store.engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            found = state(conn, period)
            if found is None:
                raise XlplanError(f"{period} is not signed off, so there is nothing to reopen. Nothing was changed.")
            fingerprint = quarter_fingerprint(conn, period)
            at = store.utc_now()
            _record(conn, period, REOPENED, by, at, fingerprint, found.plan_fingerprint, reason)
            return SignOffEvent(REOPENED, by, at, fingerprint, reason)
    finally:
        eng.dispose()


def _record(conn, period: str, event: str, by: str, at: datetime, fingerprint: str, plan_fp: str,
            reason: str) -> None:
    seq = conn.execute(select(func.coalesce(func.max(signoffs.c.seq), 0)).where(
        signoffs.c.period == period)).scalar() + 1
    conn.execute(insert(signoffs).values(period=period, seq=seq, event=event, by=by, at=at,
                                         fingerprint=fingerprint, plan_fingerprint=plan_fp, reason=reason))


def keep_late_returns(db_url: str, period: str, rows: list[dict]) -> tuple[SignOff | None, list[dict]]:
    """For a collect of a locked `period`: record the returns in `rows` (dicts with sha256, file,
    received, service, archive) that are not part of what was signed off, and change nothing else.
    Gives the sign-off in force and every return that arrived after it, this collect's and earlier
    ones' (each with when it was first seen). A quarter reopened meanwhile gives (None, [])."""
    eng = store.engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            found = state(conn, period)
            if found is None:
                return None, []
            seq = conn.execute(select(func.max(signoffs.c.seq)).where(signoffs.c.period == period)).scalar()
            approved = {(r.sha256, r.file) for r in conn.execute(
                select(returns.c.sha256, returns.c.file).where(returns.c.period == period))}
            known = {(r.sha256, r.file) for r in conn.execute(
                select(after_signoff.c.sha256, after_signoff.c.file).where(after_signoff.c.period == period))}
            now = store.utc_now()
            fresh = [{"period": period, "sha256": r["sha256"], "file": r["file"], "received": r["received"],
                      "service": r.get("service"), "archive": r.get("archive"), "seen": now, "signoff_seq": seq}
                     for r in rows if (r["sha256"], r["file"]) not in approved | known]
            if fresh:
                conn.execute(insert(after_signoff), fresh)
            late = conn.execute(select(after_signoff).where(
                after_signoff.c.period == period, after_signoff.c.signoff_seq == seq).order_by(
                after_signoff.c.seen, after_signoff.c.file)).mappings().all()
            return state(conn, period), [dict(r) for r in late]
    finally:
        eng.dispose()
