"""`xlplan collect`: read every return in a folder, identify and check it, store the quarter and
compute each measure's status.

For each file (in parallel from POOL_MIN_FILES files): inspect it before any spreadsheet library
sees it (safety.inspect: links, pipes, bombs, DTDs, encrypted or renamed files), archive it by
content hash, read it (returns.read_return), identify it by its hidden identity sheet (never its
file name), verify the locked content, and check every value (validate.py). Then, in the main process: when a service
sent more than one return the newest supersedes the others, statuses are computed from the plan's
rules, and everything is written to the store in one transaction; the reports are written from
what the store holds.

"Newest" means: the later *saved* workbook (the time Excel or LibreOffice wrote into the file's
own properties), then the later *received* file (its modification time in the returns folder,
i.e. when the officer saved the attachment), then the one with more cells filled in.

A re-run reuses what was learnt from each unchanged file (xlplan/collect/reuse.py: the signed
cache beside the plan, looked up only after the file was read safely and hashed).
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

from xlplan.collect import rows
from xlplan.contract import layout
from xlplan.safety import inspection as safety
from xlplan.store import write as store
from xlplan.collect.reuse import Reuse
from xlplan.errors import Issue, XlplanError, issue, suggestion
from xlplan.heap import cycles_paused
from xlplan.contract.identity import load_key
from xlplan.periods import Period
from xlplan.plan.model import Plan, read_plan
from xlplan.store.results import PeriodResults, ReturnRecord
from xlplan.collect.identify import identify, match_rows, verify_content
from xlplan.collect.read import ReturnFile, read_return, skip_reason
from xlplan.status import ActionStatus, Status, action_overdue, measure_status, uses_outturn
from xlplan.collect.validate import (ActionEntry, MeasureEntry, check_action, check_assessment,
        check_comment, check_measure)
from xlplan.status import target_text as target_text_for

POOL_MIN_FILES = 50      # below this many files a process pool costs more than it saves
STREAM_MIN_MISSES = 4    # a re-run's changed files go to a pool from this many (forking costs ~50 ms)

Progress = Callable[[int, int, str], None]


@dataclass
class Examined:
    """What collect learnt from one file in the returns folder (picklable: made in a worker)."""

    name: str
    sha256: str
    size: int
    received: datetime
    saved_at: datetime | None = None
    skipped: str | None = None             # why it was not read (lock file, not a spreadsheet…)
    service: str | None = None             # None: rejected (or skipped)
    claimed_service: str | None = None     # the plan service a wrong-quarter return is for
    plan_fingerprint: str | None = None
    archive: str | None = None
    issues: list[Issue] = field(default_factory=list)
    measures: dict[str, MeasureEntry] = field(default_factory=dict)
    actions: dict[str, ActionEntry] = field(default_factory=dict)
    outcome: str = ""                      # accepted | rejected | superseded | skipped
    superseded_by: str | None = None

    @property
    def filled(self) -> int:
        return sum(1 for e in self.measures.values() if e.value is not None and e.value.figure is not None) \
            + sum(1 for e in self.actions.values() if e.status is not None)


@dataclass
class CollectResult:
    plan: Plan
    period: Period
    files: list[Examined]
    records: list[ReturnRecord]
    issues: list[Issue]                    # counted issues (superseded and skipped files left out)
    status_counts: dict[Status, int]       # measures by status, as stored
    db_url: str = ""
    report_paths: list[Path] = field(default_factory=list)
    reports_note: str = ""
    reused: list[str] = field(default_factory=list, repr=False, compare=False)   # files served from the cache
    _results: PeriodResults | None = field(default=None, repr=False)

    @property
    def results(self) -> PeriodResults:
        """The quarter as reports render it, read from the store when first asked for (collect
        --no-report never needs it: the counts it prints are computed in memory)."""
        if self._results is None:
            self._results = store.load_results(self.db_url, self.plan, self.period)
        return self._results

    @property
    def missing_services(self) -> list[str]:
        """Services expected to send a return (plan order) with none accepted."""
        got = {r.service for r in self.records if r.outcome == "accepted" and r.service}
        return [s.name for s in self.plan.services_with_returns() if s.name not in got]

    @property
    def ok(self) -> bool:
        """Every expected return accepted, nothing rejected, no errors."""
        return (not self.missing_services and not any(r.outcome == "rejected" for r in self.records)
                and not any(i.is_error for i in self.issues))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def collect(plan_path: str | Path, period: Period | str, returns_dir: str | Path, out_dir: str | Path,
            db_url: str, *, jobs: int | None = None, report: bool = True,
            progress: Progress | None = None) -> CollectResult:
    """Collect the returns in `returns_dir` for `period` into the store at `db_url`; write the
    reports into `out_dir` unless `report` is False. Raises XlplanError for usage problems only."""
    period = Period.parse(period) if isinstance(period, str) else period
    plan_path, returns_dir, out_dir = Path(plan_path), Path(returns_dir), Path(out_dir)
    if not plan_path.exists():
        raise XlplanError(f"There is no plan workbook at {plan_path}; pass --plan, or run `xlplan init`.")
    plan = read_plan(plan_path)
    if plan.year is not None and plan.year != period.year:
        raise XlplanError(f"The plan {plan_path} is for {plan.year.label}, but --period is {period.id}; "
                          f"collect a quarter of {plan.year.label} or use that year's plan.")
    if not returns_dir.is_dir():
        raise XlplanError(f"There is no returns folder {returns_dir}; save the returned workbooks there "
                          f"or pass --returns.")
    key = _signing_key(plan_path)
    archive = store.archive_dir(db_url)
    archive.mkdir(parents=True, exist_ok=True)
    # From here on the main process makes no reference cycles worth collecting (files, rows: plain
    # data), so the cyclic collector is paused: it would rescan the plan's and the returns' millions
    # of objects again and again. Frozen, the plan's objects are not touched by the collectors of
    # forked workers either (which would copy the whole plan into each).
    with cycles_paused(freeze=True) as collecting:
        previous = store.previous_comments(db_url, period.previous().id)
        snapshot = _prepare(plan, db_url)
        paths = sorted((p for p in returns_dir.iterdir() if not (p.is_dir() and not p.is_symlink())),
                       key=lambda p: (p.name.casefold(), p.name))
        reuse = Reuse.for_collect(plan_path, key, plan, period, archive)
        files = _examine_all(paths, plan, period, key, archive, jobs, progress, collecting, reuse)
        _supersede(files)
        value_rows, action_rows = _assess(files, plan, period, previous)
        status_at = [c.name for c in store.measure_values.columns].index("status")
        by_text = {s.value: 0 for s in Status}
        for row in value_rows:
            by_text[row[status_at]] += 1
        counts = {s: by_text[s.value] for s in Status}
        records = [rows.record(f) for f in files]
        issue_rows, counted = rows.issue_rows(files, period)
        store.write_collect(
            db_url, period=period.id, plan_fingerprint=plan.fingerprint,
            plan_row=lambda: rows.plan_row(plan, snapshot), return_rows=[rows.return_row(f, period) for f in files],
            value_rows=value_rows, action_rows=action_rows, issue_rows=issue_rows,
            history_rows=lambda: rows.history_rows(plan))
    del value_rows, action_rows, issue_rows, previous, snapshot   # stored: free them before any reading back
    if reuse is not None:
        reuse.prune()
    result = CollectResult(plan, period, files, records, counted, counts, db_url,
                           reused=reuse.served if reuse is not None else [])
    if report:
        _write_reports(result, out_dir)
    return result


def _prepare(plan: Plan, db_url: str) -> store.PackedText | None:
    """Work every file needs done once, before any worker is forked (each would redo it): the
    plan's fingerprint and its measures and actions by service. The fingerprint hashes the plan's
    canonical JSON, which is also the snapshot stored when the store lacks this plan: returned
    then (compressed: it is held while the pool runs), else None. A plan from the cache brings its
    fingerprint, and the packed snapshot is kept there too: neither is built again."""
    from xlplan.plan.cache import cached_snapshot, keep_snapshot
    plan.measures_for("")
    text = None if plan.fingerprint_known() else plan.canonical_json()
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


# --- one file --------------------------------------------------------------------------------------

_WORKER: tuple | None = None


def _init_worker(plan: Plan, period: Period, key: bytes, archive: Path, reuse: Reuse | None,
                 collecting: bool) -> None:
    global _WORKER
    _WORKER = (plan, period, key, archive, reuse)
    if reuse is not None:
        reuse.take()        # what the parent noted before forking is the parent's
    if collecting:      # reading workbooks does make cycles; the frozen plan is never scanned
        gc.enable()


def _examine_in_worker(path: Path) -> tuple[str, bytes, tuple | None]:
    """The file's name, its Examined pickled and what the cache noted (Reuse.take): the parent
    keeps the bytes (about a third of the objects' size) until the pool has ended, so the pool's
    peak is not the parent holding every file's objects while the workers still run."""
    ex = _examine_safely(path, *_WORKER)
    reuse = _WORKER[4]
    return ex.name, pickle.dumps(ex, pickle.HIGHEST_PROTOCOL), reuse.take() if reuse is not None else None


def _examine_safely(path: Path, plan: Plan, period: Period, key: bytes, archive: Path,
                    reuse: Reuse | None = None) -> Examined:
    """`examine`, but a file that trips an unexpected error is rejected with the error as its reason
    instead of stopping the whole collect (the other returns still count)."""
    try:
        return examine(path, plan, period, key, archive, reuse)
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the quarter
        reason = f"xlplan could not read it ({type(exc).__name__}: {str(exc)[:120]})"
        return Examined(path.name, "", 0, datetime(1970, 1, 1),
                        issues=[issue("return.not-a-workbook", file=path.name, reason=reason)])


def _examine_all(paths: list[Path], plan: Plan, period: Period, key: bytes, archive: Path,
                 jobs: int | None, progress: Progress | None, collecting: bool = True,
                 reuse: Reuse | None = None) -> list[Examined]:
    """Examine every file, in a pool of `jobs` forked workers from POOL_MIN_FILES files (whose cyclic
    collector runs if `collecting`), reusing what `reuse` holds of unchanged files.

    On a re-run (the period has entries) unchanged files are served here; with jobs > 1, once
    STREAM_MIN_MISSES files were not served, a pool is started and every file not served is handed
    to it as soon as it is found, so the workers examine the changed files while this process goes
    on serving the unchanged ones. Fewer misses are examined here, after the others were served."""
    jobs = jobs or os.cpu_count() or 1
    total = len(paths)
    found: list[Examined | None] = [None] * total
    done = 0

    def note(i: int, ex: Examined) -> None:
        nonlocal done
        found[i], done = ex, done + 1
        if progress:
            progress(done, total, ex.name)

    def gather(results) -> list[bytes | None]:
        """The pool's (name, pickled Examined, noted) of `todo`, in order: the pickles by index."""
        nonlocal done
        packed: list[bytes | None] = [None] * total
        for i, (name, data, noted) in zip(todo, results):
            packed[i] = data
            if noted is not None:
                reuse.add(noted)
            done += 1
            if progress:
                progress(done, total, name)
        return packed

    def unpack(packed: list[bytes | None]) -> list[Examined]:
        """The pickles into `found`, once the pool has ended (its workers' memory given back)."""
        for i in todo:
            found[i] = pickle.loads(packed[i])
            packed[i] = None        # freed as it is read: never both forms of every file at once
        _release_freed_memory()
        return found

    todo = list(range(total))
    if reuse is not None and reuse.has_entries():
        todo, pool, futures, packed = [], None, [], None
        try:
            for i, path in enumerate(paths):
                ex = _reused(path, archive, reuse)
                if ex is not None:
                    note(i, ex)
                    continue
                todo.append(i)
                if jobs > 1 and len(todo) >= STREAM_MIN_MISSES:
                    pool = pool or _pool(jobs, plan, period, key, archive, reuse, collecting)
                    futures += [pool.submit(_examine_in_worker, paths[j]) for j in todo[len(futures):]]
            if pool is not None:
                packed = gather(f.result() for f in futures)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        if packed is not None:
            return unpack(packed)
    if jobs > 1 and len(todo) >= POOL_MIN_FILES:
        with _pool(jobs, plan, period, key, archive, reuse, collecting) as pool:
            packed = gather(pool.map(_examine_in_worker, [paths[i] for i in todo],
                                     chunksize=max(1, len(todo) // (jobs * 8))))
        return unpack(packed)
    paused = collecting and not gc.isenabled()
    if paused:          # reading workbooks does make cycles
        gc.enable()
    try:
        for i in todo:
            note(i, _examine_safely(paths[i], plan, period, key, archive, reuse))
    finally:
        if paused:
            gc.disable()
    return found


def _pool(jobs: int, plan: Plan, period: Period, key: bytes, archive: Path, reuse: Reuse | None,
          collecting: bool) -> ProcessPoolExecutor:
    """A pool of `jobs` workers examining files (forked at the first task).

    Forked workers share the plan's pages; frozen (collect unfreezes when done), the garbage
    collector does not write to every object's header in each worker (which would copy the whole
    plan into each). Workers collect as the caller did (collect pauses its own)."""
    gc.freeze()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                               initargs=(plan, period, key, archive, reuse, collecting))


def _release_freed_memory() -> None:
    """Hand the C heap's freed pages back to the system (glibc keeps them otherwise): the pickled
    results were read into objects elsewhere, and the store's writes would come on top."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):   # not glibc: nothing to do
        pass


def examine(path: Path, plan: Plan, period: Period, key: bytes, archive: Path,
            reuse: Reuse | None = None) -> Examined:
    """Archive, read, identify and check one file; with `reuse`, a file read safely and found byte
    for byte the same as before (same name, received time…) is served from the cache instead.

    A file name that is not valid UTF-8 or holds control characters is recorded and shown as
    safety.display_name gives it (the file itself is read and archived as it is)."""
    from datetime import timezone

    try:
        stat = path.lstat()
    except OSError as e:
        return Examined(path.name, "", 0, datetime(1970, 1, 1), skipped=f"could not be read ({e.strerror})")
    received = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None, microsecond=0)
    cached, entry, ins = _look_up(path, stat, archive, reuse)
    if cached is not None:
        return cached
    ex = _examine(path, safety.judge(ins), received, plan, period, key, archive)
    shown = safety.display_name(path)
    if shown != path.name:
        ex.name = shown
        ex.issues = [replace(i, file=shown if i.file == path.name else i.file,
                             message=i.message.replace(path.name, shown)) for i in ex.issues]
    if entry is not None:
        reuse.put(entry, ex)
    return ex


def _reused(path: Path, archive: Path, reuse: Reuse) -> Examined | None:
    """The cached Examined of an unchanged file, or None (a failure here is only a miss: the file
    is then examined, which reports it)."""
    try:
        return _look_up(path, path.lstat(), archive, reuse)[0]
    except Exception:  # noqa: BLE001 - examined again, which reports it
        return None


def _look_up(path: Path, stat: os.stat_result, archive: Path,
             reuse: Reuse | None) -> tuple[Examined | None, str | None, safety.Inspection]:
    """Read the file with safety's protections, then look its Examined up: (the cached Examined or
    None, its entry or None when it may not be cached, the inspection still to be judged). A hit
    has its archive copy made again if it went missing."""
    # Pre-flight (xlplan/safety/inspection.py): never follows a link or blocks on a pipe, refuses bombs, DTDs,
    # encrypted/legacy/renamed files before any spreadsheet library sees them; `data` is exactly
    # the bytes judged, so what is archived and read is what was inspected. Only a file read whole,
    # unchanged while read and hashed (`pending`) is looked up.
    ins = safety.inspect(path, keep_bytes=True, judge_bytes=False)
    entry = reuse.entry(path, stat.st_mtime_ns, ins) if reuse is not None else None
    ex = reuse.get(entry) if entry is not None else None
    if ex is not None:
        if ex.archive and not (archive / ex.archive).exists():
            _archive(archive, ins.sha256, path, ins.data)
        reuse.served_from(entry, ex)
    return ex, entry, ins


def _examine(path: Path, ins: safety.Inspection, received: datetime, plan: Plan, period: Period, key: bytes,
             archive: Path) -> Examined:
    data = ins.data
    archived = _archive(archive, ins.sha256, path, data) if data is not None else \
        (_archive_large(archive, ins.sha256, path) if ins.kind is safety.Kind.TOO_LARGE else None)
    ex = Examined(path.name, ins.sha256, ins.size, received, archive=archived)
    reason = skip_reason(path) or (_SKIPPED.get(ins.kind) if ins.skipped else None)
    if reason:
        ex.skipped = reason
        return ex
    ex.issues.extend(ins.issues)         # errors reject the file; warnings (macros, links) stay with it
    if ins.rejected:
        return ex
    rf = read_return(path, data, ins.parts)
    rf.received = received
    ex.saved_at = rf.saved_at
    service, found = identify(rf, plan, period)
    ex.issues.extend(found)
    if service is None:
        if found and found[0].code == "return.wrong-period" and plan.service(rf.identity["service"]):
            ex.claimed_service = plan.service(rf.identity["service"]).name   # shown, never counted
        return ex
    ex.plan_fingerprint = rf.identity["plan_fingerprint"]
    bad = verify_content(rf, key, _template_headers(rf))
    if bad is not None:
        ex.issues.append(bad)
        ex.claimed_service = service   # listed under it so status/chase can tell the manager; never counted
        return ex
    ex.service = service
    _check_values(ex, rf, plan, service, period, key)
    return ex


def _template_headers(rf: ReturnFile) -> dict[str, list[str]]:
    """The header rows the template was written with, as the content hash covers them."""
    period = Period.parse(rf.identity["period"])
    return {layout.MEASURES_SHEET: layout.measure_headers(period), layout.ACTIONS_SHEET: layout.action_headers()}


def _check_values(ex: Examined, rf: ReturnFile, plan: Plan, service: str, period: Period, key: bytes) -> None:
    matched, found = match_rows(rf, plan, service, period, key)
    ex.issues.extend(found)
    needs = {layout.MEASURES_SHEET: (plan.measures_for(service), [layout.TO_DATE, layout.STATUS, layout.COMMENTS]),
             layout.ACTIONS_SHEET: (plan.actions_for(service), [layout.STATUS, layout.COMMENTS])}
    for sheet, (items, columns) in needs.items():
        if not items:
            continue
        sd = rf.sheets.get(sheet)
        if sd is None:
            others = [s for s in rf.sheet_names if s != layout.IDENTITY_SHEET]
            ex.issues.append(issue("return.missing-sheet", file=ex.name, sheet=sheet,
                                   suggestion=suggestion(sheet, others)))
            continue
        key_column = "Code" if sheet == layout.MEASURES_SHEET else "Ref"
        lost = [c for c in columns if sd.col(c) is None] if sd.header_row else [key_column]
        for c in lost:
            ex.issues.append(issue("return.missing-column", file=ex.name, sheet=sheet, column=c,
                                   suggestion=suggestion(c, [h for h in sd.headers if h])))
        if not sd.header_row:   # no Code/Ref column: no row can be matched to the plan
            continue
        for item in items:
            code = getattr(item, "code", None) or item.ref
            if code not in matched[sheet]:
                continue
            row, values = matched[sheet][code]
            if sheet == layout.MEASURES_SHEET:
                entry = check_measure(item, sd, row, values, ex.name)
                ex.measures[code] = entry
            else:
                entry = check_action(item, sd, row, values, ex.name, period)
                ex.actions[code] = entry
            ex.issues.extend(entry.issues)


_SKIPPED = {safety.Kind.LOCK_FILE: "an Excel or LibreOffice lock file", safety.Kind.SYMLINK: "a link, not a file",
            safety.Kind.NOT_A_FILE: "not an ordinary file", safety.Kind.NOT_A_SPREADSHEET: "not a spreadsheet"}


def _archive_large(archive: Path, sha: str, path: Path) -> str | None:
    """Archive a file too large to hold in memory by streaming it (never following a link)."""
    target = archive / sha[:2] / f"{sha}{path.suffix.lower() if path.suffix[1:].isalnum() else ''}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError:
            tmp.unlink(missing_ok=True)
            return None
        os.replace(tmp, target)
    return f"{target.parent.name}/{target.name}"


def _archive(archive: Path, sha: str, path: Path, data: bytes) -> str:
    """Keep a copy of the file as archive/<sha[:2]>/<sha><suffix> (written once, atomically)."""
    suffix = path.suffix.lower() if len(path.suffix) <= 6 and path.suffix[1:].isalnum() else ""
    rel = f"{sha[:2]}/{sha}{suffix}"
    target = archive / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return rel


# --- across files ---------------------------------------------------------------------------------


def _supersede(files: list[Examined]) -> None:
    """Mark each file accepted, rejected, superseded or skipped; the newest return of a service wins."""
    by_service: dict[str, list[Examined]] = {}
    for f in files:
        if f.skipped:
            f.outcome = "skipped"
        elif f.service is None:
            f.outcome = "rejected"
        else:
            by_service.setdefault(f.service, []).append(f)
    for service, group in by_service.items():
        group.sort(key=lambda f: (f.saved_at or f.received, f.received, f.filled, f.sha256, f.name))
        winner = group[-1]
        winner.outcome = "accepted"
        for f in group[:-1]:
            f.outcome, f.superseded_by = "superseded", winner.sha256
            if f.sha256 == winner.sha256:
                f.issues.append(issue("return.duplicate", file=f.name, other=winner.name, key=service))
            else:
                f.issues.append(issue("return.superseded", file=f.name, newer=winner.name, service=service,
                                      key=service))


def _assess(files: list[Examined], plan: Plan, period: Period,
            previous: dict[tuple[str, str], str]) -> tuple[list[tuple], list[tuple]]:
    """Compute every measure's status and every action's update from the accepted returns: rows
    of store.measure_values and store.action_updates (tuples in column order, a fifth the size
    of dicts at tens of thousands of rows).

    A large plan has many measures sharing a rule, so each Rule, the texts stored with it and the
    annual target's text are worked out once per distinct rule input: the plan's own target,
    profile and tolerance objects (by identity: exact), unit, polarity, and last year's outturn
    (by repr, and only where the rule uses it)."""
    winners = {f.service.casefold(): f for f in files if f.outcome == "accepted"}
    returned: dict[str, Examined | None] = {}     # a service as the plan spells it → its return
    tolerance = plan.settings.amber_tolerance
    period_id, fingerprint, last_year = period.id, plan.fingerprint, period.year.previous()
    shapes: dict[tuple, bool] = {}                # rule input but the outturn → whether it is used
    rules: dict[tuple, tuple] = {}                # rule input → (rule, its texts, status with no figure)
    figure_json, no_source = store.figure_json, (None, None, None, None)
    value_rows, action_rows = [], []
    for m in plan.measures:
        f = returned.get(m.service, False)
        if f is False:
            f = returned[m.service] = winners.get(m.service.strip().casefold())
        entry = f.measures.get(m.code) if f is not None else None
        shape = (id(m.target), id(m.profile), id(m.tolerance), m.unit, m.polarity)
        uses = shapes.get(shape)
        if uses is None:
            uses = shapes[shape] = uses_outturn(m.target, m.profile, period)
        key = (shape, repr(m.outturn(last_year))) if uses else shape
        known = rules.get(key)
        if known is None:
            rule = m.rule(period, tolerance)
            known = rules[key] = (rule, (rows.rule_json(rule), rule.describe(), target_text_for(rule, rule.unit),
                                         m.target.describe(m.unit)), measure_status(None, rule))
        rule, texts, unreported = known
        if entry is None:
            value_rows.append((        # store.measure_values' columns, in order
                period_id, m.code, m.service, m.name, None, None, "",
                unreported.status.value, unreported.basis, unreported.reason, None,
                *texts, "", False, *no_source, fingerprint))
            continue
        value = entry.value if not entry.in_error else None
        assessment = measure_status(value, rule, entry.assessed)
        extra = check_comment(m.code, assessment.status, entry.comment, previous.get(("measure", m.code)),
                              f.name, entry.sheet, entry.comment_cell, entry.row)
        differs = check_assessment(m, entry, assessment.status, assessment.basis, texts[2], f.name) \
            if value is not None else None
        if extra or differs:
            f.issues.extend(extra + ([differs] if differs else []))
        value_rows.append((
            period_id, m.code, m.service, m.name,
            figure_json(value.figure) if value is not None else None,
            value.missing.value if value is not None and value.missing else None,
            value.raw if value is not None else "",
            assessment.status.value, assessment.basis, assessment.reason,
            entry.assessed.value if entry.assessed else None,
            *texts, entry.comment, bool(entry.in_error),
            *(no_source if entry.sheet is None else (f.name, f.sha256, entry.sheet, entry.cell)),
            fingerprint))
    dues: dict[tuple, tuple] = {}                 # (status, due date) → (due as stored, overdue)
    for a in plan.actions:
        f = returned.get(a.service, False)
        if f is False:
            f = returned[a.service] = winners.get(a.service.strip().casefold())
        entry = f.actions.get(a.ref) if f is not None else None
        status = entry.status if entry is not None and entry.status is not None else ActionStatus.REPORT_LATER
        due = dues.get((status, a.due))
        if due is None:
            due = dues[(status, a.due)] = (datetime(a.due.year, a.due.month, a.due.day) if a.due else None,
                                           action_overdue(status, a.due, period))
        if entry is None:
            action_rows.append((       # store.action_updates' columns, in order
                period_id, a.ref, a.service, a.name, status.value, "", *due, False, *no_source))
            continue
        f.issues.extend(check_comment(a.ref, status, entry.comment, previous.get(("action", a.ref)),
                                      f.name, entry.sheet, entry.comment_cell, entry.row))
        action_rows.append((
            period_id, a.ref, a.service, a.name, status.value, entry.comment, *due, bool(entry.in_error),
            *(no_source if entry.sheet is None else (f.name, f.sha256, entry.sheet, entry.cell))))
    return value_rows, action_rows


def _write_reports(result: CollectResult, out_dir: Path) -> None:
    try:
        from xlplan.reports import write_reports
    except ImportError:
        result.reports_note = "reports are not available in this version of xlplan"
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    result.report_paths = list(write_reports(result.results, out_dir))
