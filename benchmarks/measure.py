"""Run one command as its own process and measure it: wall seconds and peak memory.

Peak memory is reported three ways: `peak_mb`, the largest resident set of the process or any
descendant it waited for (the kernel's ru_maxrss, from wait4); `tree_peak_mb`, the largest sum
over the whole process tree of each process's proportional set size (PSS: a page shared by n
processes counts 1/n to each, so forked workers sharing the parent's pages are not counted twice),
sampled every 0.1 s from /proc/<pid>/smaps_rollup — the figure that matters when a stage spreads
work over a pool; and `tree_rss_peak_mb`, the same sum of plain resident sets (shared pages
counted in every process), an upper bound.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _pss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _has_smaps_rollup() -> bool:
    return os.path.exists("/proc/self/smaps_rollup")


def _tree_memory(root: int, include_root: bool = True) -> tuple[int, int]:
    """(PSS, RSS) bytes summed over `root` (unless include_root is False) and all its descendants,
    from Linux /proc; (0, 0) elsewhere. Where the kernel has no smaps_rollup, PSS falls back to
    RSS. Where it has, a process whose smaps_rollup cannot be read has exited since it was listed
    (or is a zombie): it counts nothing, as it holds no memory of its own. (Counting its last RSS,
    shared pages whole, is the likely cause of one cold collect's 695 MB among rounds of 428 MB.)"""
    rollup = _has_smaps_rollup()
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0, 0
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        pid = int(name)
        children.setdefault(int(fields[1]), []).append(pid)   # fields[1] is ppid
        rss[pid] = int(fields[21]) * _PAGE                   # fields[21] is rss in pages
    pss_total = rss_total = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        if pid == root and not include_root:
            continue
        rss_total += rss.get(pid, 0)
        pss = _pss(pid)
        pss_total += pss if pss is not None else 0 if rollup else rss.get(pid, 0)
    return pss_total, rss_total


def run(cmd: list[str], *, cwd: Path, log: Path, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run `cmd`, stdout+stderr to `log`; return {rc, wall_s, cpu_s, peak_mb, tree_peak_mb,
    tree_rss_peak_mb, timed_out, load_before, load_after}. cpu_s is user+system time of the process and the children it waited
    for; the 1-minute load averages show whether other work on the machine inflated wall_s.

    The command runs under a tiny wrapper (this file run as a script) that starts it and reads its
    rusage: a child forked straight from a big parent would inherit the parent's size in ru_maxrss."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load_before = round(os.getloadavg()[0], 2)
    usage_file = log.with_suffix(".rusage.json")
    usage_file.unlink(missing_ok=True)
    with open(log, "wb") as out:
        start = time.perf_counter()
        p = subprocess.Popen([sys.executable, __file__, str(usage_file), *cmd], cwd=cwd, stdout=out,
                             stderr=subprocess.STDOUT, env=env, start_new_session=True)
        tree_peak = tree_rss_peak = 0
        timed_out = False
        while p.poll() is None:
            if time.perf_counter() - start > timeout:
                os.killpg(p.pid, signal.SIGKILL)
                timed_out = True
                p.wait()
                break
            pss, rss = _tree_memory(p.pid, include_root=False)
            tree_peak, tree_rss_peak = max(tree_peak, pss), max(tree_rss_peak, rss)
            time.sleep(0.1)
        wall = time.perf_counter() - start
    usage = json.loads(usage_file.read_text()) if usage_file.exists() else \
        {"rc": p.returncode, "wall_s": wall, "cpu_s": 0.0, "maxrss_kb": 0}
    return {"rc": usage["rc"], "wall_s": round(usage["wall_s"], 3), "cpu_s": round(usage["cpu_s"], 3),
            "load_before": load_before, "load_after": round(os.getloadavg()[0], 2),
            "peak_mb": round(usage["maxrss_kb"] / 1024, 1),
            "tree_peak_mb": round(max(tree_peak, usage["maxrss_kb"] * 1024) / 2**20, 1),
            "tree_rss_peak_mb": round(max(tree_rss_peak, usage["maxrss_kb"] * 1024) / 2**20, 1),
            "timed_out": timed_out}


def _wrapper(usage_file: str, cmd: list[str]) -> int:
    start = time.perf_counter()
    child = subprocess.Popen(cmd)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = rc = os.waitstatus_to_exitcode(status)
    with open(usage_file, "w") as f:
        json.dump({"rc": rc, "wall_s": time.perf_counter() - start, "cpu_s": usage.ru_utime + usage.ru_stime,
                   "maxrss_kb": usage.ru_maxrss}, f)
    return 0


def tail(log: Path, lines: int = 12) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(_wrapper(sys.argv[1], sys.argv[2:]))
