"""Fast re-runs of collect: what was worked out from one return is kept and reused while the file
is unchanged.

An officer re-runs collect many times a day and most files are those collected last time. What
collect learns from a file (its `Examined`) is a pure function of the file's bytes, its name and
modification time (the received time; issues name the file), its folder, the plan (fingerprint),
the period, the key, the archive folder, the safety limits and xlplan's code. The entry's name is
made from all of them (the code by `cache.entry_name`), so a change to any one is a miss; entries
are signed pickles in the plan's `.xlplan-cache/` (xlplan/cache.py).

Safety is not bypassed: an entry is looked up only for a file safety.inspect has read whole, without
following a link or blocking on a pipe, within the size cap, unchanged while read (`pending`), and
hashed. Links, pipes, lock files and files too large or still being written are examined as ever
and never kept. The period is part of the entries' kind: after a collect, `prune` deletes that
period's entries it did not use, so at most one entry per file in the folder per period is kept.

On a re-run (the period has entries) collect serves the unchanged files in its own process; the
others go, as they are found, to a pool (from engine.STREAM_MIN_MISSES of them, with jobs > 1)
whose workers store their entries themselves (atomically). XLPLAN_NO_CACHE=1 turns all of this off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from xlplan import cache
from xlplan.collect.examined import Examined

if TYPE_CHECKING:
    from xlplan.safety.inspection import Inspection
    from xlplan.periods import Period
    from xlplan.plan import Plan


class Reuse:
    """The Examined of unchanged files of one collect (plan, period, key, archive). It notes the
    entries the collect used (`used`: served or stored) and the files it served (`served`)."""

    def __init__(self, folder: Path, key: bytes, plan_fingerprint: str, period_id: str, archive: Path) -> None:
        self.cache = cache.SignedCache(folder, key)
        self.kind = _kind(period_id)
        self._parts = (plan_fingerprint, period_id, key, os.fsencode(os.path.abspath(archive)))
        self.used: set[str] = set()
        self.served: list[str] = []

    @classmethod
    def for_collect(cls, plan_path: Path, key: bytes, plan: Plan, period: Period, archive: Path) -> Reuse | None:
        """The cache of this collect, or None when XLPLAN_NO_CACHE is set."""
        if not cache.enabled():
            return None
        return cls(cache.folder_for(plan_path), key, plan.fingerprint, period.id, archive)

    def entry(self, path: Path, mtime_ns: int, ins: Inspection) -> str | None:
        """The entry name for the file at `path` (modified at `mtime_ns`, as received) as `ins` read
        it, or None when it may not be cached (not read whole and quiet)."""
        if not ins.pending or ins.data is None:
            return None
        return cache.entry_name(self.kind, os.fsencode(path.name), os.fsencode(os.path.abspath(path.parent)),
                                str(mtime_ns), str(ins.mtime_ns), str(ins.size), ins.sha256, repr(ins.limits),
                                *self._parts)

    def get(self, entry: str) -> Examined | None:
        """The Examined kept as `entry`, its rows still pickled (Examined.with_rows), or None."""
        value = self.cache.get(entry)
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Examined)
                and isinstance(value[1], bytes)):
            return None
        value[0].kept_rows = value[1]
        return value[0]

    def served_from(self, entry: str, ex: Examined) -> None:
        """Note that `ex` was served from `entry`."""
        self.used.add(entry)
        self.served.append(ex.name)

    def put(self, entry: str, ex: Examined) -> None:
        """Keep `ex` as `entry`: its record and issues, and its rows pickled apart, so that serving
        it unpickles only what every collect needs (a few objects, not a hundred)."""
        if self.cache.put(entry, ex.with_rows().rows_kept()):
            self.used.add(entry)

    def take(self) -> tuple[set[str], list[str]]:
        """The entries used and files served since the last take (a worker's, for its parent)."""
        noted = self.used, self.served
        self.used, self.served = set(), []
        return noted

    def add(self, noted: tuple[set[str], list[str]]) -> None:
        """Add what a worker noted (its `take`)."""
        self.used |= noted[0]
        self.served += noted[1]

    def has_entries(self) -> bool:
        """Whether an earlier collect of this period left entries (else every file is new)."""
        return _has_entries(self.cache.folder, self.kind)

    @staticmethod
    def has_entries_for(plan_path: Path, period: Period) -> bool:
        """`has_entries` of the collect of `period` with the plan at `plan_path`, known before the
        plan is read (False when XLPLAN_NO_CACHE is set)."""
        return cache.enabled() and _has_entries(cache.folder_for(plan_path), _kind(period.id))

    def prune(self) -> int:
        """Delete this period's entries this collect did not use; how many went."""
        return self.cache.prune(self.kind, self.used)


def _kind(period_id: str) -> str:
    """The cache kind of a period's entries (their names begin with it)."""
    return f"collect-{period_id}"


def _has_entries(folder: Path, kind: str) -> bool:
    try:
        return any(True for _ in folder.glob(f"{kind}-*.pickle"))
    except OSError:
        return False
