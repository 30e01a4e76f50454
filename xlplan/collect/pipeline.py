"""`xlplan collect`: read every return in a folder, identify and check it, store the quarter and
compute each measure's status.

The steps, each in its own module: find the files (a saved email's attached workbooks in its place:
emailed.py; judged by safety's workers while the plan is read, when there are many:
engine.judging_ahead); examine each one (examine.py: inspect it before
any spreadsheet library sees it, archive it by content hash, read it, identify it by its hidden
identity sheet, verify the locked content, check every value), in worker processes when there are
many (engine.py); then, across files, let the newest return of each service supersede the others
and compute statuses from the plan's rules (assess.py); store everything in one transaction
(rows.py, xlplan/store); and give back the collect's own result (examined.CollectResult). The
reports are a later stage, written from what the store holds by whoever runs collect (the CLI, the
demo).

A re-run reuses what was learnt from each unchanged file (reuse.py: the signed cache beside the
plan, looked up only after the file was read safely and hashed), and the store's memo of the last
collect (memo.py): the same inputs are stored as they are; after a few services' corrections only
those services are worked out again.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from xlplan.collect import emailed, memo, rows
from xlplan.collect.assess import assess, status_counts, supersede
from xlplan.collect.engine import Progress, examining, judging_ahead
from xlplan.collect.examined import CollectResult, Scope
from xlplan.collect.restated import restatement_rows
from xlplan.collect.reuse import Reuse
from xlplan.contract.identity import load_key
from xlplan.errors import XlplanError
from xlplan.heap import collector
from xlplan.periods import Period
from xlplan.plan import Plan, read_plan
from xlplan.status import Status
from xlplan import store


def collect(plan_path: str | Path, period: Period | str, returns_dir: str | Path, db_url: str, *,
            jobs: int | None = None, progress: Progress | None = None,
            department: str | None = None) -> CollectResult:
    """Collect the returns in `returns_dir` for `period` into the store at `db_url`. Raises
    XlplanError for usage problems only; a bad return is rejected with its reasons, in the result.

    With `department` (a Department named on the plan's Services sheet) the collect owns only that
    department's services: returns for other services are skipped, and the store's rows of other
    departments' services for the quarter are left as they are (several departments collect into
    one store)."""
    period = Period.parse(period) if isinstance(period, str) else period
    plan_path, returns_dir = Path(plan_path), Path(returns_dir)
    _plan_exists(plan_path)
    archive = store.archive_dir(db_url)
    paths, shown, why = emailed.unpack(find_files(returns_dir) if returns_dir.is_dir() else [], archive)  # .eml: attached
    # the files' bytes are judged by workers while the plan is read (a first collect of many files)
    with judging_ahead(paths, jobs, rerun=Reuse.has_entries_for(plan_path, period)) as judged_ahead:
        plan = _plan_for(plan_path, period)
        scope = Scope.of(plan, department)
        judged = judged_ahead()
    if not returns_dir.is_dir():
        raise XlplanError(f"There is no returns folder {returns_dir}; save the returned workbooks there "
                          f"or pass --returns.")
    key = _signing_key(plan_path)
    archive.mkdir(parents=True, exist_ok=True)
    # From here on this process makes no reference cycles worth collecting (files, rows: plain
    # data), so the cyclic collector is paused: it would rescan the plan's and the returns' millions
    # of objects again and again. Frozen, the plan's objects are not touched by the collectors of
    # forked workers either (which would copy the whole plan into each).
    with collector(running=False, freeze=True) as collecting, ExitStack() as started:
        text = _ready_for_workers(plan)
        reuse = Reuse.for_collect(plan_path, key, plan, period, archive)
        # the files are examined (by workers, where there are several) while the store is opened
        examined = started.enter_context(
            examining(paths, plan, period, key, archive, jobs, progress, collecting, reuse, rows=False, judged=judged))
        if store.locked(db_url, period.id) is not None:
            files = examined()
            started.close()
            emailed.shown_names(files, paths, shown, why)
            return _after_signoff(plan, plan_path, period, returns_dir, db_url, jobs, progress, scope, files, reuse)
        snapshot = _prepare(plan, db_url, text)
        files = examined()
        started.close()
        emailed.shown_names(files, paths, shown, why)
        supersede(files, scope)
        folder = _folder_name(returns_dir, plan_path)
        inputs, digests = memo.digests(plan, period, scope, key, folder, files)
        last = store.recall_last(db_url, period.id, scope.department) if inputs else None
        if last is not None and last[0] == inputs:      # a re-run over the last collect's inputs: stored as it is
            counts = memo.restore(last[1], files)
        else:
            counts = _assess_and_store(plan, period, scope, files, db_url, snapshot, folder, inputs, digests, last)
        del snapshot
        records = [rows.record(f) for f in files]
        _, counted = rows.issue_rows(files, period, scope)
    if reuse is not None:
        reuse.prune()
    return CollectResult(plan, period, files, records, counted, counts, db_url,
                         reused=reuse.served if reuse is not None else [], scope=scope)


def _assess_and_store(plan: Plan, period: Period, scope: Scope, files: list, db_url: str, snapshot, folder: str,
                      inputs: str | None, digests: dict[str, str] | None = None,
                      last: tuple[str, dict] | None = None) -> dict[Status, int]:
    """Work out every figure's status and the rows of the quarter from the examined files, and store
    them in one transaction (with the memo of `inputs`); gives the measures by status.

    `last` (store.recall_last: the last collect's memo, nothing written since) and `digests` (each
    service's inputs now) pick the services whose inputs are as remembered: their rows are stored
    as they would be stored again, so only the other services' are worked out and rewritten."""
    before = [len(f.issues) for f in files]
    same = memo.unchanged(digests, last)
    work = Scope(scope.department, frozenset(set(digests) - same), scope.elsewhere) if same else scope
    _with_rows(files, work)
    kept = memo.restore_services(last, same, files) if same else {}
    previous = store.previous_comments(db_url, period.previous().id, work.services)
    imported = store.imported_codes(db_url, period.id)      # figures from system extracts: kept
    value_rows, action_rows = assess(files, plan, period, previous, work, imported)
    restatements = restatement_rows(files, plan, period, db_url, scope=work)   # last quarter's figures corrected
    risks = _risk_rows(files, plan, period, work, db_url)
    counts = status_counts(value_rows)
    counts = {s: n + kept.get(s.value, 0) for s, n in counts.items()}
    budgeted, budget_restated = _budget_rows(files, plan, period, work, db_url)
    issue_rows, _ = rows.issue_rows(files, period, scope)
    services = memo.service_summaries(digests, value_rows, files, before, last, same) if digests else None
    store.write_collect(
        db_url, period=period.id, plan_fingerprint=plan.fingerprint,
        plan_row=lambda: rows.plan_row(plan, snapshot),
        return_rows=[rows.return_row(f, period, scope, folder) for f in files],
        value_rows=value_rows, action_rows=action_rows, issue_rows=issue_rows,
        history_rows=lambda: rows.history_rows(plan), restatement_rows=restatements, risk_rows=risks,
        budget_rows=budgeted, budget_restatement_rows=budget_restated,
        department=scope.department, services=scope.services, worked_out=work.services if same else None,
        memo=(inputs, memo.summary(counts, files, before, services)) if inputs else None)
    return counts


def _with_rows(files: list, work: Scope) -> None:
    """Unpickle the rows of the returns of the services in `work` (every file's when it covers the
    whole plan): what working out their statuses, risks, budget and restatements reads."""
    services = None if work.services is None else {s.strip().casefold() for s in work.services}
    for f in files:
        if services is None or (f.service is not None and f.service.strip().casefold() in services):
            f.with_rows()


def _risk_rows(files: list, plan: Plan, period: Period, scope: Scope, db_url: str) -> list:
    """The rows of the risk register (none for a plan without one), of the scope's services."""
    if not plan.risks:
        return []
    from xlplan.collect.risk_rows import risk_rows      # only a plan with a Risks sheet needs it
    return risk_rows(files, plan, period, store.risks_before(db_url, period), scope)


def _budget_rows(files: list, plan: Plan, period: Period, scope: Scope, db_url: str) -> tuple[list | None, list | None]:
    """The budget's rows and the corrections of last quarter's spend, of the scope's services;
    (None, None) for a plan without a Budget sheet (nothing stored)."""
    if plan.budget is None:
        return None, None
    from xlplan.collect.budget_rows import budget_restatement_rows, budget_rows     # (as for risks)
    budgeted = budget_rows(files, plan, period, scope)
    restated = [r for r in budget_restatement_rows(files, plan, period, db_url) if scope.covers(r.service)]
    return budgeted, restated


def _folder_name(returns_dir: Path, plan_path: Path) -> str:
    """The returns folder as stored with each return: relative to the plan's folder when inside it
    (`returns`, `2023-24-Q2/returns/Housing`), else its full path."""
    folder, home = returns_dir.resolve(), plan_path.resolve().parent
    try:
        return folder.relative_to(home).as_posix() or "."
    except ValueError:
        return str(folder)


def _after_signoff(plan: Plan, plan_path: Path, period: Period, returns_dir: Path, db_url: str,
                   jobs: int | None, progress: Progress | None, scope: Scope, files: list,
                   reuse: Reuse | None) -> CollectResult:
    """A collect of a signed-off quarter: every file was examined (so it is archived and its
    service known) and those not part of what was approved are recorded as arrived after sign-off;
    no figure, status or record of the quarter is changed."""
    supersede(files, scope)
    seen = [{"sha256": f.sha256, "file": f.name, "received": f.received, "service": f.service or f.claimed_service,
             "archive": f.archive} for f in files if f.sha256]
    signed, late = store.keep_late_returns(db_url, period.id, seen)
    if signed is None:          # reopened while the files were read: collect as usual
        return collect(plan_path, period, returns_dir, db_url, jobs=jobs, progress=progress,
                       department=scope.department)
    stored = store.load_results(db_url, plan, period)
    counts = {s: n for s, n in stored.measure_counts().items()}
    return CollectResult(plan, period, files, stored.returns, [], counts, db_url,
                         reused=reuse.served if reuse is not None else [], signoff=signed, after_signoff=late,
                         scope=scope, _results=stored)


def find_files(returns_dir: Path) -> list[Path]:
    """Every entry of the returns folder but its subfolders (a link is examined, and skipped there,
    so the officer sees it), in name order whatever the file system's order."""
    return sorted((p for p in returns_dir.iterdir() if not (p.is_dir() and not p.is_symlink())),
                  key=lambda p: (p.name.casefold(), p.name))


def _plan_for(plan_path: Path, period: Period) -> Plan:
    """The plan workbook at `plan_path`, read, if it is for `period`'s year."""
    _plan_exists(plan_path)
    plan = read_plan(plan_path)
    if plan.year is not None and plan.year != period.year:
        raise XlplanError(f"The plan {plan_path} is for {plan.year.label}, but --period is {period.id}; "
                          f"collect a quarter of {plan.year.label} or use that year's plan.")
    return plan


def _plan_exists(plan_path: Path) -> None:
    if not plan_path.exists():
        raise XlplanError(f"There is no plan workbook at {plan_path}; pass --plan, or run `xlplan init`.")


def _ready_for_workers(plan: Plan) -> str | None:
    """Work every file needs done once, before any worker is started (each would redo it): the
    plan's measures and actions by service, and its fingerprint, which hashes the plan's canonical
    JSON (given back, for _prepare's snapshot; None for a plan from the cache, which brings its
    fingerprint)."""
    plan.measures_for("")
    return None if plan.fingerprint_known() else plan.canonical_json()


def _prepare(plan: Plan, db_url: str, text: str | None) -> store.PackedText | None:
    """The plan's snapshot, to be stored when the store lacks this plan: returned then
    (compressed: it is held while the rows are worked out), else None. `text` is the plan's
    canonical JSON if _ready_for_workers made it; a plan from the cache keeps the packed snapshot
    too: it is not built again. It runs while the workers examine the files, so it also loads what
    the store's write will need (store.ready_to_write)."""
    from xlplan.plan import cached_snapshot, keep_snapshot
    store.ready_to_write(db_url)
    if store.plan_stored(db_url, plan.fingerprint):
        return None
    packed = cached_snapshot(plan)
    if not isinstance(packed, store.PackedText):
        packed = rows.pack(plan.canonical_json() if text is None else text)
        keep_snapshot(plan, packed)
    return packed


def _signing_key(plan_path: Path) -> bytes:
    """The key the templates were signed with. Unlike `xlplan templates`, collect never makes a new
    one: a fresh key would make every genuine return look tampered with."""
    from xlplan.contract.identity import KEY_FILE
    if not os.environ.get("XLPLAN_SECRET") and not (plan_path.resolve().parent / KEY_FILE).exists():
        raise XlplanError(f"There is no {KEY_FILE} beside {plan_path}: it holds the key the return templates "
                          f"were signed with. Copy it from the folder where `xlplan templates` was run, or "
                          f"set XLPLAN_SECRET to the same secret.")
    return load_key(plan_path)
