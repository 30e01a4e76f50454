"""The plan cache: a national plan takes seconds to read from its workbook, its pickle a fraction
of one. What was read from the same bytes at the same path is kept in the signed cache beside the
plan (xlplan/cache.py) with its fingerprint, and the packed snapshot by fingerprint."""

from __future__ import annotations

import collections
import copyreg
import functools
import hashlib
import io
import itertools
import operator
import os
import pickle
import stat
import weakref
from dataclasses import fields
from pathlib import Path
from typing import Callable

from xlplan.errors import Report
from xlplan.heap import cycles_paused, lasting
from xlplan.plan.model import Action, Measure, Plan, Service, tell_fingerprint
from xlplan.values import Value


# The cache entry each Plan in memory was read or stored through: id(plan) -> entry, dropped with
# the plan (kept beside the object, not in it: a Plan is plain data and pickles without it).
_ENTRY_OF: dict[int, "_Entry"] = {}


def _remember(plan: Plan, entry: "_Entry") -> None:
    key = id(plan)
    if key not in _ENTRY_OF:
        weakref.finalize(plan, _ENTRY_OF.pop, key, None)
    _ENTRY_OF[key] = entry
    tell_fingerprint(plan, entry.keep_fingerprint)


def load_cached(path: Path, read: Callable[[Path], tuple[Plan | None, Report]]) -> tuple[Plan | None, Report]:
    """`read(path)`, or what it gave for the same bytes at the same path before."""
    signed = _signed_cache(path)
    if signed is None:
        return read(path)
    try:
        got = _read_bytes(path)
    except OSError:
        got = None
    if got is None:                  # not a readable file (the reader says why), or a huge one
        return read(path)
    data, seen = got
    entry = _Entry(signed, path, data)
    found = entry.load()
    if found is not None:
        return found
    plan, report = read(path)
    if _unchanged(path, data, seen):   # what was parsed is what was hashed (not a file being saved)
        entry.store(plan, report)
    return plan, report


def _signed_cache(path: Path):
    """The signed cache beside the plan, or None when caching is off or there is no key yet
    (reading a plan never makes one: `identity.load_key` does, for commands that sign)."""
    from xlplan import cache
    from xlplan.contract.identity import KEY_FILE
    if not cache.enabled():
        return None
    try:
        folder = cache.folder_for(path)
        key = os.environ.get("XLPLAN_SECRET", "").encode() or \
            (folder.parent / KEY_FILE).read_text().strip().encode()
    except (OSError, RuntimeError, ValueError):     # no key file, a symlink loop, not text
        return None
    return cache.SignedCache(folder, key) if key else None


def _read_bytes(path: Path) -> tuple[bytes, tuple] | None:
    """The bytes of the regular file at `path` and its state (`os.stat`) when they were read;
    None for anything else (a pipe is not waited on) or a file larger than the reader reads."""
    from xlplan.plan.cells import MAX_PLAN_BYTES
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_PLAN_BYTES:
            return None
        data = fh.read(st.st_size + 1)
    return (data, _state(st)) if len(data) == st.st_size else None


def _state(st: os.stat_result) -> tuple:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _unchanged(path: Path, data: bytes, seen: tuple) -> bool:
    """Whether the file still has the state and bytes it had before it was parsed (the reader
    reads it again by path): otherwise the result is not kept under those bytes' hash."""
    try:
        again = _read_bytes(path)
    except OSError:
        return False
    return again is not None and again[1] == seen and again[0] == data


@functools.lru_cache(maxsize=1)
def _reader_versions() -> str:
    """Which installs of the libraries the plan reader parses with are in use (their answers might
    change): each one's package file, its size and when it was written, found without importing
    it. Any install, upgrade or reinstall rewrites that file, so a cached plan is never served
    across one. (Not importlib.metadata: importing it costs ~15 ms where nothing else needs it.)"""
    from importlib.util import find_spec
    found = []
    for name in ("python_calamine", "openpyxl", "lxml"):
        try:
            spec = find_spec(name)
            origin = spec.origin if spec is not None else None
            st = os.stat(origin) if origin else None
        except (ImportError, ValueError, OSError):
            st = origin = None
        found.append(f"{name}={origin}:{st.st_size}:{st.st_mtime_ns}" if st is not None else f"{name}=none")
    return " ".join(found)


class _Entry:
    """A plan workbook's entries in the signed cache: its (Plan, Report) under the path as given
    (the Report names the file; the Plan keeps the path) and the sha256 of its bytes, its
    fingerprint beside them once computed, and its packed snapshot by fingerprint. Storing them
    prunes this path's older entries."""

    def __init__(self, signed, path: Path, data: bytes) -> None:
        from xlplan.cache import entry_name
        self.signed = signed
        self.kind = "plan-" + hashlib.sha256(os.fsencode(str(path))).hexdigest()[:12]
        parts = (str(path), hashlib.sha256(data).hexdigest(), _reader_versions())
        self.name = entry_name(self.kind, *parts)
        self.fingerprint_name = entry_name(self.kind + "-fingerprint", *parts)

    def load(self) -> tuple[Plan | None, Report] | None:
        pickled = self.signed.get(self.name)
        if not isinstance(pickled, bytes):
            return None
        with lasting():     # a hundred thousand objects, kept for the command, and no cycles among them
            try:
                state, report = pickle.loads(pickled)
                plan = None if state is None else _unpacked(*state)
            except Exception:  # noqa: BLE001 - signed by us, so only a changed library: a miss
                return None
        if plan is not None:
            fingerprint = self.signed.get(self.fingerprint_name)
            if isinstance(fingerprint, str):
                plan.know_fingerprint(fingerprint)
            _remember(plan, self)
        return plan, report

    def store(self, plan: Plan | None, report: Report) -> None:
        out = io.BytesIO()
        pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = _dispatch_table()
        with cycles_paused():
            try:
                pickler.dump((None if plan is None else _packed(plan), report))
            except Exception:  # noqa: BLE001 - the cache is only an optimisation: the plan was read
                return
        if self.signed.put(self.name, out.getvalue()):
            self.signed.prune(self.kind, {self.name, self.fingerprint_name})
            if plan is not None:
                _remember(plan, self)

    def keep_fingerprint(self, fingerprint: str) -> None:
        self.signed.put(self.fingerprint_name, fingerprint)

    def snapshot(self, fingerprint: str) -> object | None:
        from xlplan.cache import entry_name
        return self.signed.get(entry_name("snapshot", fingerprint))

    def keep_snapshot(self, fingerprint: str, packed: object) -> None:
        from xlplan.cache import entry_name
        name = entry_name("snapshot", fingerprint)
        if self.signed.put(name, packed):
            self.signed.prune("snapshot", {name})


def cached_snapshot(plan: Plan) -> object | None:
    """The packed snapshot `keep_snapshot` kept for this plan's content, if it came from the cache."""
    entry = _ENTRY_OF.get(id(plan))
    return entry.snapshot(plan.fingerprint) if entry is not None else None


def keep_snapshot(plan: Plan, packed: object) -> None:
    """Keep the plan's packed snapshot (collect builds it for a store that lacks the plan)."""
    entry = _ENTRY_OF.get(id(plan))
    if entry is not None:
        entry.keep_snapshot(plan.fingerprint, packed)


def _packed(plan: Plan) -> tuple:
    """The plan as the cache keeps it: its measures and actions as columns (see `_unpacked`), and
    each service's in report order (sorting 80,000 of them with a Python key takes ~0.1 s)."""
    return (plan.settings, plan.themes, plan.services, _columns(Measure, plan.measures),
            _columns(Action, plan.actions), plan.source, plan.risks, plan.risk_rules, plan.budget,
            plan.service_order())


def _unpacked(settings, themes, services, measures, actions, source, risks, risk_rules, budget, order) -> Plan:
    """The Plan `_packed` kept (its risk register as the objects themselves: a few per service)."""
    plan = Plan(settings, themes, services, _objects(Measure, measures), _objects(Action, actions), source,
                risks, risk_rules, budget)
    plan.know_service_order(order)
    return plan


def _columns(cls: type, items: list) -> tuple[tuple[str, ...], list[list]]:
    names = _field_names(cls)
    return names, [list(map(operator.attrgetter(name), items)) for name in names]


def _objects(cls: type, columns: tuple[tuple[str, ...], list[list]]) -> list:
    """Instances of the frozen slots dataclass `cls` (no __post_init__) from `_columns`, each field
    set through its slot a column at a time: half the time of calling `cls` for each one."""
    names, values = columns
    if names != _field_names(cls) or len({len(column) for column in values}) > 1:
        raise ValueError(f"not the columns of {cls.__name__}")
    found = list(map(cls.__new__, itertools.repeat(cls, len(values[0]))))
    for name, column in zip(names, values):
        collections.deque(map(cls.__dict__[name].__set__, found, column), maxlen=0)
    return found


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@functools.lru_cache(maxsize=1)
def _dispatch_table() -> dict:
    """Pickling the plan's services and shared values as calls of their constructors: through
    dataclasses' generic __setstate__ they unpickle three times slower."""
    table = dict(copyreg.dispatch_table)
    for cls in (Service, Value):      # each has several fields, all set by __init__
        table[cls] = functools.partial(_as_call, cls, operator.attrgetter(*_field_names(cls)))
    return table


def _as_call(cls, values, obj) -> tuple:
    return cls, values(obj)
