"""One file in the returns folder, step by step: inspect → archive → read → identify → verify →
validate, into an `Examined`.

Inspection (xlplan/safety) comes before any spreadsheet library sees the file: it never follows a
link or blocks on a pipe, and refuses bombs, DTDs, encrypted, legacy or renamed files. What is
archived and read is exactly the bytes inspected. A return is identified by its hidden identity
sheet, never its file name, and its locked content is verified against the key the templates were
signed with before any value is checked. With a `Reuse`, a file read safely and found unchanged
since the last collect is served from the cache instead (xlplan/collect/reuse.py).

Everything here is pure per file and picklable, so the engine can run it in worker processes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from xlplan.collect.corrections import check_corrections
from xlplan.collect.examined import Examined
from xlplan.collect.identify import identify, match_rows, verify_content
from xlplan.collect.read import ReturnFile, read_return, skip_reason
from xlplan.collect.reuse import Reuse
from xlplan.collect.validate import check_values
from xlplan.contract import budget, corrections, layout
from xlplan.contract import risks as risk_sheet
from xlplan.errors import RETURN_NOT_A_WORKBOOK, RETURN_WRONG_PERIOD, issue
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.safety import inspection as safety

_SKIPPED = {safety.Kind.LOCK_FILE: "an Excel or LibreOffice lock file", safety.Kind.SYMLINK: "a link, not a file",
            safety.Kind.NOT_A_FILE: "not an ordinary file", safety.Kind.NOT_A_SPREADSHEET: "not a spreadsheet"}


def examine(path: Path, plan: Plan, period: Period, key: bytes, archive: Path,
            reuse: Reuse | None = None, judged: dict[Path, safety.Inspection] | None = None) -> Examined:
    """Inspect, archive, read, identify, verify and check one file; with `reuse`, a file read
    safely and found byte for byte the same as before (same name, received time…) is served from
    the cache instead. `judged` holds judgements made ahead (safety.judge_ahead) by path: one that
    judged the very bytes read now is taken instead of judging them again.

    A file name that is not valid UTF-8 or holds control characters is recorded and shown as
    safety.display_name gives it (the file itself is read and archived as it is)."""
    try:
        stat = path.lstat()
    except OSError as e:
        return Examined(path.name, "", 0, datetime(1970, 1, 1), skipped=f"could not be read ({e.strerror})")
    received = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None, microsecond=0)
    cached, entry, ins = _look_up(path, stat, archive, reuse)
    if cached is not None:
        return cached.with_rows()
    ex = _examine(path, safety.judge(ins, known=judged.get(path) if judged else None), received, plan, period, key,
                  archive)
    shown = safety.display_name(path)
    if shown != path.name:
        ex.name = shown
        ex.issues = [replace(i, file=shown if i.file == path.name else i.file,
                             message=i.message.replace(path.name, shown)) for i in ex.issues]
    if entry is not None:
        reuse.put(entry, ex)
    return ex


def examine_safely(path: Path, plan: Plan, period: Period, key: bytes, archive: Path,
                   reuse: Reuse | None = None, judged: dict[Path, safety.Inspection] | None = None) -> Examined:
    """`examine`, but a file that trips an unexpected error is rejected with the error as its reason
    instead of stopping the whole collect (the other returns still count)."""
    try:
        return examine(path, plan, period, key, archive, reuse, judged)
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the quarter
        reason = f"xlplan could not read it ({type(exc).__name__}: {str(exc)[:120]})"
        return Examined(path.name, "", 0, datetime(1970, 1, 1),
                        issues=[issue(RETURN_NOT_A_WORKBOOK, file=path.name, reason=reason)])


def served(path: Path, archive: Path, reuse: Reuse) -> Examined | None:
    """The cached Examined of an unchanged file, or None (a failure here is only a miss: the file
    is then examined, which reports it)."""
    try:
        return _look_up(path, path.lstat(), archive, reuse)[0]
    except Exception:  # noqa: BLE001 - examined again, which reports it
        return None


def _look_up(path: Path, stat: os.stat_result, archive: Path,
             reuse: Reuse | None) -> tuple[Examined | None, str | None, safety.Inspection]:
    """Inspect the file, then look its Examined up: (the cached Examined or None, its entry or None
    when it may not be cached, the inspection still to be judged). A hit has its archive copy made
    again if it went missing. Only a file read whole, unchanged while read and hashed (`pending`)
    is looked up."""
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
    """The steps after inspection, each of which may end the file's examination: a file skipped,
    rejected by safety, unreadable, not identified or not genuine is examined no further."""
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
    rf = read_return(path, data, ins.parts, proved=ins.proved, sha256=ins.sha256, infos=ins.infos)
    rf.received = received
    ex.saved_at = rf.saved_at
    service, found = identify(rf, plan, period)
    ex.issues.extend(found)
    if service is None:
        if found and found[0].code == RETURN_WRONG_PERIOD and plan.service(rf.identity["service"]):
            ex.claimed_service = plan.service(rf.identity["service"]).name   # shown, never counted
        return ex
    ex.plan_fingerprint = rf.identity["plan_fingerprint"]
    bad = verify_content(rf, key, _template_headers(rf))
    if bad is not None:
        ex.issues.append(bad)
        ex.claimed_service = service   # listed under it so status/chase can tell the manager; never counted
        return ex
    ex.service = service
    matched, found = match_rows(rf, plan, service, period, key)
    ex.issues.extend(found)
    ex.measures, ex.actions, found = check_values(rf, matched, plan, service, period)
    ex.issues.extend(found)
    ex.corrections, found = check_corrections(rf, plan, service, period, key)   # last quarter's figures
    ex.issues.extend(found)
    if plan.budget is not None and _has_rows(rf, budget.BUDGET_SHEET):      # spend against the budget
        from xlplan.collect.budget import check_budget
        ex.budget, found = check_budget(rf, plan, service, period, key)
        ex.issues.extend(found)
    if _has_rows(rf, risk_sheet.RISKS_SHEET):                    # the risk register's assessments
        from xlplan.collect.risks import check_risks
        ex.risks, found = check_risks(rf, plan, service, key)
        ex.issues.extend(found)
    return ex


def _has_rows(rf: ReturnFile, sheet: str) -> bool:
    """Whether the return's template was written with rows on `sheet` (its identity sheet lists
    them): the Budget and Risks checks load only for a return that has such a sheet."""
    return any(r.sheet == sheet for r in rf.identity.rows) if rf.identity else False


def _template_headers(rf: ReturnFile) -> dict[str, list[str]]:
    """The header rows the template was written with, as the content hash covers them."""
    period = Period.parse(rf.identity["period"])
    sd = rf.sheets.get(layout.MEASURES_SHEET)
    headers = {layout.MEASURES_SHEET: layout.measure_headers_like(period, sd.headers if sd else []),
               layout.ACTIONS_SHEET: layout.action_headers()}
    if any(r.sheet == corrections.CORRECTIONS_SHEET for r in rf.identity.rows):   # it was written with one
        headers[corrections.CORRECTIONS_SHEET] = corrections.headers(period)
    if any(r.sheet == budget.BUDGET_SHEET for r in rf.identity.rows):             # and a Budget sheet
        sd = rf.sheets.get(budget.BUDGET_SHEET)
        headers[budget.BUDGET_SHEET] = budget.headers_like(period, sd.headers if sd else [])
    if any(r.sheet == risk_sheet.RISKS_SHEET for r in rf.identity.rows):         # and with a Risks sheet
        headers[risk_sheet.RISKS_SHEET] = risk_sheet.headers()
    return headers


# --- the archive: a copy of every file collected, named by its content hash -----------------------


def _archive(archive: Path, sha: str, path: Path, data: bytes) -> str:
    """Keep a copy of the file as archive/<sha[:2]>/<sha><suffix> (written once, atomically); the
    name relative to `archive`, as stored."""
    suffix = path.suffix.lower() if len(path.suffix) <= 6 and path.suffix[1:].isalnum() else ""
    rel = f"{sha[:2]}/{sha}{suffix}"
    target = archive / sha[:2] / f"{sha}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return rel


def _archive_large(archive: Path, sha: str, path: Path) -> str | None:
    """Archive a file too large to hold in memory by streaming it (never following a link)."""
    target = archive / sha[:2] / f"{sha}{path.suffix.lower() if path.suffix[1:].isalnum() else ''}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)   # O_BINARY: Windows
        try:
            with open(os.open(path, flags), "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError:
            tmp.unlink(missing_ok=True)
            return None
        os.replace(tmp, target)
    return f"{target.parent.name}/{target.name}"
