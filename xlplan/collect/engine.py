"""How collect examines many files fast: worker processes, results sent back pickled, the garbage
collector held still around them and freed memory handed back to the system.

`examine_all` gives the same list of `Examined` whatever it does (in this process or a pool of
workers, serving unchanged files from the cache or not): the tests in tests/collect/equivalence/
hold it to that. Nothing else in collect knows about processes, so speed work stays in here.

A first collect of many files also has safety judge the files' bytes in workers while it reads the
plan (`judging_ahead`: the judgement needs no plan, and the plan's read leaves the other cores
idle); a file examined later takes that judgement only if it reads the very bytes judged.

Workers are forked where the system can (they then share the plan's memory pages instead of each
unpickling a copy); elsewhere (Windows) they are spawned and given the same arguments pickled.
"""

from __future__ import annotations

import functools
import os
import pickle
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from xlplan.collect.examined import Examined
from xlplan.collect.reuse import Reuse
from xlplan.heap import collector
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.progress import Progress

if TYPE_CHECKING:      # the pool's modules are loaded only when a pool is started
    from concurrent.futures import ProcessPoolExecutor

    from xlplan.safety.inspection import Inspection

POOL_MIN_FILES = 50      # below this many files a process pool costs more than it saves
STREAM_MIN_MISSES = 4    # a re-run's changed files go to a pool from this many (starting one has a cost)
BUSY_MIN_FILES = 3       # ... and from this many when this process has other work meanwhile (`examining`)
CHUNK_FILES = 8          # files a worker is handed at a time, at most: the pool's last chunks end close together



def examine_all(paths: list[Path], plan: Plan, period: Period, key: bytes, archive: Path,
                jobs: int | None, progress: Progress | None, collecting: bool = True,
                reuse: Reuse | None = None, rows: bool = True) -> list[Examined]:
    """Examine every file (examine.examine_safely), in order, reusing what `reuse` holds of
    unchanged files; in a pool of `jobs` workers from POOL_MIN_FILES files. The cyclic garbage
    collector runs while files are read (reading workbooks does make cycles) if `collecting`, i.e.
    if it ran before collect paused it.

    On a re-run (the period has entries) unchanged files are served here; with jobs > 1, once
    STREAM_MIN_MISSES files were not served, a pool is started and every file not served is handed
    to it as soon as it is found, so the workers examine the changed files while this process goes
    on serving the unchanged ones. Fewer misses are examined here, after the others were served.
    With `rows` False, a file served from the cache keeps its rows pickled (Examined.with_rows)."""
    with ExitStack() as stack:
        return _begin(paths, plan, period, key, archive, jobs, progress, collecting, reuse, rows, stack,
                      POOL_MIN_FILES, STREAM_MIN_MISSES)()


@contextmanager
def examining(paths: list[Path], plan: Plan, period: Period, key: bytes, archive: Path,
              jobs: int | None, progress: Progress | None, collecting: bool = True,
              reuse: Reuse | None = None, rows: bool = True,
              judged: dict[Path, Inspection] | None = None) -> Iterator[Callable[[], list[Examined]]]:
    """examine_all begun now, for a caller with work of its own to do meanwhile (collect opens the
    store: SQLAlchemy's import is most of a council-sized collect's start-up): yields the function
    that gives what examine_all gives, once. With jobs > 1 and BUSY_MIN_FILES files or more not
    served from the cache, they are handed to a pool of workers at once, so they are examined on
    the other cores while this process goes on; fewer are examined when asked for. The workers are
    stopped when the block ends. `judged` holds what `judging_ahead` judged, by path."""
    with ExitStack() as stack:
        yield _begin(paths, plan, period, key, archive, jobs, progress, collecting, reuse, rows, stack,
                     BUSY_MIN_FILES, BUSY_MIN_FILES, judged)


def _begin(paths: list[Path], plan: Plan, period: Period, key: bytes, archive: Path, jobs: int | None,
           progress: Progress | None, collecting: bool, reuse: Reuse | None, rows: bool, stack: ExitStack,
           pool_from: int, stream_from: int,
           judged: dict[Path, Inspection] | None = None) -> Callable[[], list[Examined]]:
    """Serve what the cache holds, start a pool (kept open on `stack`) for the other files from
    `stream_from` of them on a re-run, `pool_from` otherwise, and give the function that finishes
    the examination."""
    jobs = jobs or os.cpu_count() or 1
    job = (plan, period, key, archive, reuse, judged)
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
        release_freed_memory()
        return found

    workers = stack.enter_context(ExitStack())      # the pool, ended before its results are unpickled
    pool, results = None, None
    if reuse is not None and reuse.has_entries():
        todo, futures = [], []
        for i, path in enumerate(paths):
            ex = served(path, archive, reuse)
            if ex is not None:
                note(i, ex)
                continue
            todo.append(i)
            if jobs > 1 and len(todo) >= stream_from:
                pool = pool or workers.enter_context(_pool(jobs, job, collecting))
                futures += [pool.submit(_examine_in_worker, paths[j]) for j in todo[len(futures):]]
        if pool is not None:
            results = (f.result() for f in futures)
    else:
        todo = list(range(total))
        if jobs > 1 and total >= pool_from:
            # a few files leave this process a core of its own for what it does meanwhile
            pool = workers.enter_context(_pool(min(jobs if total >= POOL_MIN_FILES else jobs - 1, total), job,
                                               collecting))
            results = pool.map(_examine_in_worker, [paths[i] for i in todo],
                               chunksize=max(1, min(CHUNK_FILES, total // (jobs * 8))))

    def finish() -> list[Examined]:
        if results is not None:
            packed = gather(results)
            workers.close()
            examined = unpack(packed)
        else:
            with collector(running=True if collecting else None):
                for i in todo:
                    note(i, examine_safely(paths[i], *job))
            examined = found
        return [f.with_rows() for f in examined] if rows else examined

    return finish


def examine_safely(path: Path, *job) -> Examined:
    """examine.examine_safely, its module (the return reader, safety's pre-flight) loaded when a file
    is first examined: in a worker, when workers examine every file."""
    from xlplan.collect.examine import examine_safely as examine
    return examine(path, *job)


def served(path: Path, archive: Path, reuse: Reuse) -> Examined | None:
    """examine.served, loaded (as examine_safely) when a re-run first looks a file up."""
    from xlplan.collect.examine import served as look_up
    return look_up(path, archive, reuse)


# --- judging ahead -----------------------------------------------------------------------------------


@contextmanager
def judging_ahead(paths: list[Path], jobs: int | None, rerun: bool) -> Iterator[Callable[[], dict[Path, Inspection]]]:
    """Safety's judgement of the files' bytes (safety.judge_ahead, a pure function of them), begun
    in workers now, while this process reads the plan (which every later step needs, and the
    judgement does not): yields the function that stops them and gives what they judged, by path,
    for `examining` (a file examined later takes the judgement only if its bytes are the same).

    Only where a pool will examine the files (jobs > 1, POOL_MIN_FILES of them) and not on a re-run
    (`rerun`: most files are then served from the cache unjudged). The workers leave this process
    a core of its own; the files they have not reached are judged as they are examined."""
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(paths) < POOL_MIN_FILES or rerun:
        yield lambda every=False: {}
        return
    from concurrent.futures import ProcessPoolExecutor
    pool = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=_start_method())
    futures = [pool.submit(_judge_ahead, paths[i:i + CHUNK_FILES]) for i in range(0, len(paths), CHUNK_FILES)]

    def stop(every: bool = False) -> dict[Path, Inspection]:
        """Stop the workers (what one has begun is finished; `every`: wait for every file, as tests
        do) and give the judgements made."""
        pool.shutdown(wait=True, cancel_futures=not every)
        return {ins.path: ins for f in futures if f.done() and not f.cancelled() and f.exception() is None
                for ins in f.result() if ins is not None}

    try:
        yield stop
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _judge_ahead(paths: list[Path]) -> list[Inspection | None]:
    """judge_ahead of each path (None for one that trips an unexpected error: examined, it reports it)."""
    from xlplan.safety.inspection import judge_ahead
    judged = []
    for path in paths:
        try:
            judged.append(judge_ahead(path))
        except Exception:  # noqa: BLE001 - judged again when examined, which rejects it with the error
            judged.append(None)
    return judged


# --- the pool ----------------------------------------------------------------------------------------

_WORKER: tuple | None = None      # (job, collecting) in a worker: set once by _init_worker


@contextmanager
def _pool(jobs: int, job: tuple, collecting: bool) -> Iterator[ProcessPoolExecutor]:
    """A pool of `jobs` workers examining files with `job` (plan, period, key, archive, reuse, judged),
    shut down (what is still queued cancelled) when the block ends.

    Everything that exists now is frozen first: forked workers share the plan's pages, and a
    frozen object is not written to by a worker's garbage collector (which would copy the whole
    plan into each). Inside collect's own freeze, collect unfreezes when it ends."""
    from concurrent.futures import ProcessPoolExecutor
    with collector(freeze=True):
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_start_method(), initializer=_init_worker,
                                   initargs=(job, collecting))
        try:
            yield pool
        finally:
            pool.shutdown(cancel_futures=True)


@functools.cache
def _start_method():
    """fork where the system has it (workers share the parent's memory), else spawn, which starts
    each worker afresh and hands it `_init_worker`'s arguments pickled."""
    import multiprocessing
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _init_worker(job: tuple, collecting: bool) -> None:
    global _WORKER
    _WORKER = (job, collecting)
    reuse = job[4]
    if reuse is not None:
        reuse.take()        # what the parent noted before forking is the parent's


def _examine_in_worker(path: Path) -> tuple[str, bytes, tuple | None]:
    """The file's name, its Examined pickled and what the cache noted (Reuse.take): the parent
    keeps the bytes (much smaller than the objects) until the pool has ended, so the pool's peak
    is not the parent holding every file's objects while the workers still run."""
    job, collecting = _WORKER
    with collector(running=True if collecting else None):   # the frozen plan is never scanned
        ex = examine_safely(path, *job)
    reuse = job[4]
    return ex.name, pickle.dumps(ex, pickle.HIGHEST_PROTOCOL), reuse.take() if reuse is not None else None


# --- memory ------------------------------------------------------------------------------------------


def release_freed_memory() -> None:
    """Hand the C heap's freed pages back to the system, where the C library can (glibc keeps
    them otherwise): the pickled results were read into objects elsewhere, and the store's
    writes would come on top."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (Windows, macOS, musl)."""
    if os.name != "posix":
        return None
    try:
        import ctypes
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
