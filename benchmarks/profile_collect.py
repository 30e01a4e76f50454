"""Where a collect's time goes: each step of `xlplan collect`, timed in one process, per file.

    python benchmarks/profile_collect.py S_DIR [--period 2023-24-Q2] [--no-cache] [--rerun] [--repeat 3]
                                         [--json OUT]

S_DIR is a folder benchmarks/run.py made (benchmarks/work/S1000: plan.xlsx, returns/, and the
.xlplan-cache/ `xlplan templates` left there). Collects its returns with `--jobs 1` into a fresh
store in a temporary folder, with collect's own functions wrapped in timers (the steps are the
names pipeline.py and examine.py call, looked up where they call them), and prints wall
milliseconds per step and per file. First it times, each in a fresh interpreter, what a whole
`xlplan collect` process loads before it reads a file. The timers cost a little (a few
microseconds a call); a pool would spread the per-file steps over the cores, the rest not.
With --rerun, the timed collect is a re-run: the same files collected once before (untimed)
into the same store, so every file is served from the cache. With --json the figures are also
written to OUT (benchmarks/run.py attaches them to a bar it finds not met).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

SECRET = "xlplan-benchmark-secret"     # the key benchmarks/run.py signs with (not a real secret)


def import_times(repeat: int) -> list[tuple[str, float]]:
    """Median milliseconds to import each of these, each after the ones above it, in a fresh
    interpreter: (what, ms)."""
    steps = [("interpreter start", "pass"), ("xlplan.cli (click)", "import xlplan.cli"),
             ("sqlalchemy", "import sqlalchemy"), ("rich console and table", "import rich.console, rich.table"),
             ("xlplan.cli.collect_cmd (collect, safety, plan model)", "import xlplan.cli.collect_cmd")]
    code = ("import time, sys\nt = [time.perf_counter()]\n"
            + "".join(f"{stmt}\nt.append(time.perf_counter())\n" for _, stmt in steps[1:])
            + "print(' '.join(str(b - a) for a, b in zip(t, t[1:])))")
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare = time.perf_counter() - start
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append([bare, *map(float, out.stdout.split())])
    return [(name, 1000 * statistics.median(r[i] for r in runs)) for i, (name, _) in enumerate(steps)]


class Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.order: list[str] = []

    def wrap(self, owner, name: str, label: str) -> None:
        fn = getattr(owner, name)
        self.order.append(label)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.calls[label] += 1

        setattr(owner, name, timed)

    def wrap_begun(self, owner, name: str, label: str) -> None:
        """Time a context manager that begins work and yields the function finishing it
        (engine.examining): its start and the finish, not what the caller does in between."""
        begin = getattr(owner, name)
        self.order.append(label)

        @contextlib.contextmanager
        def timed(*args, **kwargs):
            start = time.perf_counter()
            with begin(*args, **kwargs) as finish:
                self.seconds[label] += time.perf_counter() - start
                self.calls[label] += 1

                def timed_finish():
                    started = time.perf_counter()
                    try:
                        return finish()
                    finally:
                        self.seconds[label] += time.perf_counter() - started
                yield timed_finish

        setattr(owner, name, timed)


def profile(s_dir: Path, period: str, no_cache: bool, rerun: bool = False) -> tuple[Timers, float, int]:
    from xlplan.collect import examine, pipeline, rows
    from xlplan.collect import engine as engine_mod
    from xlplan.safety import inspection
    work = Path(tempfile.mkdtemp(prefix="xlplan-profile-"))
    db = f"sqlite:///{work / 'xlplan.db'}"
    if rerun:
        pipeline.collect(s_dir / "plan.xlsx", period, s_dir / "returns", db, jobs=1)
    t = Timers()
    for owner, name, label in [
            (pipeline, "_plan_for", "plan (from the cache)" if not no_cache else "plan (read from the workbook)"),
            (pipeline, "_ready_for_workers", "plan: by service, fingerprint (before the workers start)"),
            (pipeline.store, "locked", "store: open it, is the quarter signed off?"),
            (pipeline, "_prepare", "plan snapshot for the store"),
            (pipeline.store, "previous_comments", "store: last quarter's comments"),
            (pipeline, "find_files", "find the files"),
            (pipeline.Reuse, "for_collect", "cache: open"),
            (pipeline, "examining", "examine every file (all per-file steps)"),
            (pipeline, "supersede", "supersede"),
            (pipeline, "assess", "statuses and rows"),
            (pipeline.store, "write_collect", "store: write (one transaction)"),
            (examine.safety, "inspect", "  safety: read, hash, container check"),
            (examine.safety, "judge", "  safety: judge (zip, parts, well-formedness proof)"),
            (examine, "_archive", "  archive a copy"),
            (examine, "read_return", "  read (calamine, formulas, identity sheet)"),
            (examine, "identify", "  identify"),
            (examine, "verify_content", "  verify locked content (signature)"),
            (examine, "match_rows", "  match rows to the plan"),
            (examine, "check_values", "  check every value"),
            (examine.Reuse, "put", "  cache: write the file's entry"),
            (engine_mod, "served", "  served from the cache (read, hash, entry checked, unpickled)")]:
        (t.wrap_begun if name == "examining" else t.wrap)(owner, name, label)
    del rows, inspection
    try:
        start = time.perf_counter()
        result = pipeline.collect(s_dir / "plan.xlsx", period, s_dir / "returns", db, jobs=1)
        total = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t, total, len(result.files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("s_dir", type=Path, help="a folder benchmarks/run.py made, e.g. benchmarks/work/S1000")
    ap.add_argument("--period", default="2023-24-Q2")
    ap.add_argument("--no-cache", action="store_true", help="as XLPLAN_NO_CACHE=1 (the plan read from its workbook)")
    ap.add_argument("--rerun", action="store_true", help="time a re-run over unchanged files instead")
    ap.add_argument("--repeat", type=int, default=3, help="fresh interpreters for the import times (median)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the figures to OUT as JSON")
    args = ap.parse_args(argv)
    os.environ.setdefault("XLPLAN_SECRET", SECRET)
    if args.no_cache:
        os.environ["XLPLAN_NO_CACHE"] = "1"
    s_dir = args.s_dir.resolve()
    cache, kept = s_dir / ".xlplan-cache", s_dir / "cache-after-templates"
    if kept.exists() and not args.no_cache:      # the cache as templates left it: the plan, no return
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(kept, cache)
    load = os.getloadavg()[0]
    print(f"load average {load:.1f}; {os.cpu_count()} CPUs")
    print("\nA whole `xlplan collect` process before it reads a file (median ms, fresh interpreters):")
    imports = import_times(args.repeat)
    for name, ms in imports:
        print(f"  {name:<62} {ms:7.1f}")
    from xlplan.collect import pipeline  # noqa: F401  (imported before the timers)
    t, total, n = profile(s_dir, args.period, args.no_cache, args.rerun)
    if kept.exists() and not args.no_cache:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(kept, cache)
    print(f"\ncollect(), --jobs 1, {n} files, " + ("a re-run, every file unchanged" if args.rerun else "a fresh store")
          + f": {total * 1000:.0f} ms")
    print(f"  {'step':<62} {'ms':>8} {'ms/file':>8} {'calls':>6}")
    for label in t.order:
        sec = t.seconds[label]
        print(f"  {label:<62} {sec * 1000:8.1f} {sec * 1000 / max(n, 1):8.2f} {t.calls[label]:6d}")
    if args.json:
        args.json.write_text(json.dumps({
            "files": n, "jobs": 1, "load_before": round(load, 2), "rerun": args.rerun, "no_cache": args.no_cache,
            "total_ms": round(total * 1000, 1), "imports": [[name, round(ms, 1)] for name, ms in imports],
            "steps": [{"step": label.strip(), "per_file": label.startswith("  "), "ms": round(t.seconds[label] * 1000, 1),
                       "ms_per_file": round(t.seconds[label] * 1000 / max(n, 1), 3), "calls": t.calls[label]}
                      for label in t.order]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
