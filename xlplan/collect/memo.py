"""The inputs of one collect, as one sha256: when a re-run's inputs are those the store's memo
recorded for the quarter (and nothing has written to the store since: xlplan/store/memo.py), the
rows it would store are exactly those stored, so working them out and comparing them is skipped.

What a collect stores is decided by: xlplan's own code, the plan (its fingerprint), the quarter,
the department it collects for, the signing key, the returns folder's name, and each file's record
and issues as examined (its bytes by sha256, name, when received and saved, outcome, supersession:
an examination is a function of these, the plan, quarter and key); and by what the store held
before (last quarter's figures and comments, earlier risk assessments, imported figures), which is
the store generation's part. XLPLAN_NO_CACHE=1 turns the memo off with the rest of the cache.
"""

from __future__ import annotations

import hashlib
import json

from xlplan import cache
from xlplan.errors import Code, Issue, Severity
from xlplan.collect import rows
from xlplan.collect.examined import Examined, Scope
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import Status


def inputs_digest(plan: Plan, period: Period, scope: Scope, key: bytes, folder: str,
                  files: list[Examined]) -> str | None:
    """The sha256 of the collect's inputs, or None when the memo is off (XLPLAN_NO_CACHE)."""
    if not cache.enabled():
        return None
    h = hashlib.sha256()
    for part in (cache.code_version(), plan.fingerprint, period.id, scope.department,
                 "\x1f".join(sorted(scope.services or ())), hashlib.sha256(key).hexdigest(), folder):
        h.update(str(part).encode())
        h.update(b"\x00")
    for f in files:
        h.update(json.dumps([_plain(v) for v in rows.return_row(f, period, scope, folder)],
                            ensure_ascii=False).encode())
        for i in f.issues:
            h.update(json.dumps([i.code, i.severity.value, i.message, i.hint, i.sheet, i.cell, i.row, i.key],
                                ensure_ascii=False).encode())
        h.update(b"\x01")
    return h.hexdigest()


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def summary(counts: dict[Status, int], files: list[Examined], before: list[int]) -> dict:
    """What a re-run over the same inputs must give back without working it out again: the measures
    by status, and the issues working out the statuses added to each file (`before`: how many
    issues each file had until then)."""
    added = [[n, i.code.value if hasattr(i.code, "value") else i.code, i.severity.value, i.message, i.hint, i.file,
              i.sheet, i.cell, i.row, i.key]
             for n, (f, had) in enumerate(zip(files, before)) for i in f.issues[had:]]
    return {"counts": {s.value: n for s, n in counts.items()}, "issues": added}


def restore(remembered: dict, files: list[Examined]) -> dict[Status, int]:
    """Put back on `files` the issues the remembered collect added, and give its counts."""
    for n, code, severity, message, hint, file, sheet, cell, row, key in remembered["issues"]:
        try:
            code = Code(code)
        except ValueError:
            pass
        files[n].issues.append(Issue(code=code, severity=Severity(severity), message=message, hint=hint, file=file,
                                     sheet=sheet, cell=cell, row=row, key=key))
    return {s: remembered["counts"].get(s.value, 0) for s in Status}
