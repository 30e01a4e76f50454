"""The inputs of one collect, as one sha256: when a re-run's inputs are those the store's memo
recorded for the quarter (and nothing has written to the store since: xlplan/store/memo.py), the
rows it would store are exactly those stored, so working them out and comparing them is skipped.

What a collect stores is decided by: xlplan's own code, the plan (its fingerprint), the quarter,
the department it collects for, the signing key, the returns folder's name, and each file's record
and issues as examined (its bytes by sha256, name, when received and saved, outcome, supersession:
an examination is a function of these, the plan, quarter and key); and by what the store held
before (last quarter's figures and comments, earlier risk assessments, imported figures), which is
the store generation's part. XLPLAN_NO_CACHE=1 turns the memo off with the rest of the cache.

The memo also remembers each service on its own (`digests`): what collect stores for one
service (its measures' statuses, action updates, risks, budget lines, restatements, and the
warnings working them out adds to its return) is made from that service's returns alone, the
collect's own inputs above and the store. So while nothing has written to the store since the
last collect, a re-run after a few services sent corrections works out and rewrites only those
services' rows: the others are stored exactly as this collect would store them.
"""

from __future__ import annotations

import hashlib
import json

from xlplan import cache
from xlplan.errors import Code, Issue, Severity
from xlplan.collect import rows
from xlplan.collect.examined import Examined, Outcome, Scope
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import Status


def digests(plan: Plan, period: Period, scope: Scope, key: bytes, folder: str,
            files: list[Examined]) -> tuple[str | None, dict[str, str] | None]:
    """The sha256 of the collect's inputs, and for each plan service the collect owns (by the plan's
    spelling) the sha256 of the collect's own inputs and of the service's returns as examined and
    superseded, in folder order; (None, None) when the memo is off (XLPLAN_NO_CACHE)."""
    if not cache.enabled():
        return None, None
    head = _head(plan, period, scope, key, folder)
    whole = hashlib.sha256(head)
    names = {s.name.strip().casefold(): s.name for s in plan.services if scope.covers(s.name)}
    parts: dict[str, list[bytes]] = {name: [] for name in names.values()}
    for f in files:
        examined = _examined(f, period, scope, folder)
        whole.update(examined)
        name = names.get(f.service.strip().casefold()) if f.service else None
        if name is not None:
            parts[name].append(examined)
    return whole.hexdigest(), {name: hashlib.sha256(head + b"".join(p)).hexdigest() for name, p in parts.items()}


def _head(plan: Plan, period: Period, scope: Scope, key: bytes, folder: str) -> bytes:
    """What every file of the collect shares: xlplan's code, the plan, quarter, scope, key, folder."""
    return b"".join(str(part).encode() + b"\x00" for part in (
        cache.code_version(), plan.fingerprint, period.id, scope.department,
        "\x1f".join(sorted(scope.services or ())), hashlib.sha256(key).hexdigest(), folder))


def _examined(f: Examined, period: Period, scope: Scope, folder: str) -> bytes:
    """One file as examined: its returns row (bytes, name, times, outcome…) and its issues."""
    parts = [json.dumps([_plain(v) for v in rows.return_row(f, period, scope, folder)], ensure_ascii=False)]
    parts += [json.dumps([i.code, i.severity.value, i.message, i.hint, i.sheet, i.cell, i.row, i.key],
                         ensure_ascii=False) for i in f.issues]
    return "".join(parts).encode() + b"\x01"


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def summary(counts: dict[Status, int], files: list[Examined], before: list[int],
            services: dict[str, dict] | None = None) -> dict:
    """What a re-run over the same inputs must give back without working it out again: the measures
    by status, and the issues working out the statuses added to each file (`before`: how many
    issues each file had until then); and `services` (service_summaries), each service's own."""
    added = [[n, *_issue(i)] for n, (f, had) in enumerate(zip(files, before)) for i in f.issues[had:]]
    kept = {"counts": {s.value: n for s, n in counts.items()}, "issues": added}
    if services is not None:
        kept["services"] = services
    return kept


def _issue(i: Issue) -> list:
    return [i.code.value if hasattr(i.code, "value") else i.code, i.severity.value, i.message, i.hint, i.file,
            i.sheet, i.cell, i.row, i.key]


def _unissue(code, severity, message, hint, file, sheet, cell, row, key) -> Issue:
    try:
        code = Code(code)
    except ValueError:
        pass
    return Issue(code=code, severity=Severity(severity), message=message, hint=hint, file=file, sheet=sheet,
                 cell=cell, row=row, key=key)


def restore(remembered: dict, files: list[Examined]) -> dict[Status, int]:
    """Put back on `files` the issues the remembered collect added, and give its counts."""
    for n, *fields in remembered["issues"]:
        files[n].issues.append(_unissue(*fields))
    return {s: remembered["counts"].get(s.value, 0) for s in Status}


def unchanged(digests: dict[str, str] | None, last: tuple[str, dict] | None) -> set[str]:
    """The services whose digest is the one the last collect remembered (`last`: store.recall_last,
    so nothing has written since it): their rows are stored as this collect would store them."""
    if not digests or last is None:
        return set()
    remembered = last[1].get("services") or {}
    return {name for name, d in digests.items() if remembered.get(name, {}).get("digest") == d}


def restore_services(last: tuple[str, dict], same: set[str], files: list[Examined]) -> dict[str, int]:
    """Put back on the accepted returns of the services in `same` the issues working out their rows
    added last time, in the order it added them; give those services' measures by status."""
    remembered = last[1]["services"]
    by_name = {name.strip().casefold(): name for name in same}
    for f in files:
        name = by_name.get(f.service.strip().casefold()) if f.outcome is Outcome.ACCEPTED and f.service else None
        if name is not None:
            f.issues.extend(_unissue(*fields) for fields in remembered[name]["issues"])
    counts: dict[str, int] = {}
    for name in same:
        for status, n in remembered[name]["counts"].items():
            counts[status] = counts.get(status, 0) + n
    return counts


def service_summaries(digests: dict[str, str], value_rows: list, files: list[Examined], before: list[int],
                      last: tuple[str, dict] | None, same: set[str]) -> dict[str, dict]:
    """Each service's digest, measures by status and added issues, for the memo: a service in `same`
    as `last` remembered it, the others from the rows (`value_rows`) and issues just worked out."""
    remembered = last[1]["services"] if same else {}
    fresh = {name: {"digest": d, "counts": {}, "issues": []} for name, d in digests.items() if name not in same}
    for row in value_rows:
        if row.service in fresh:
            counts = fresh[row.service]["counts"]
            counts[row.status] = counts.get(row.status, 0) + 1
    by_name = {name.strip().casefold(): name for name in fresh}
    for f, had in zip(files, before):
        name = by_name.get(f.service.strip().casefold()) if f.outcome is Outcome.ACCEPTED and f.service else None
        if name is not None:
            fresh[name]["issues"] += [_issue(i) for i in f.issues[had:]]
    return {**{name: remembered[name] for name in same}, **fresh}
