"""Run one command as its own process and measure it: wall seconds and peak memory.

Peak memory is reported two ways: `peak_mb`, the largest resident set of the process or any
descendant it waited for (the kernel's ru_maxrss, from wait4), and `tree_peak_mb`, the largest
*sum* of resident sets over the whole process tree, sampled every 0.1 s from /proc — the figure
that matters when a stage spreads work over a pool of worker processes.
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


def _tree_rss(root: int, include_root: bool = True) -> int:
    """Bytes resident in `root` (unless include_root is False) and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
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
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0) if include_root or pid != root else 0
        todo.extend(children.get(pid, ()))
    return total


def run(cmd: list[str], *, cwd: Path, log: Path, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run `cmd`, stdout+stderr to `log`; return {rc, wall_s, cpu_s, peak_mb, tree_peak_mb, timed_out,
    load_before, load_after}. cpu_s is user+system time of the process and the children it waited
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
        tree_peak, timed_out = 0, False
        while p.poll() is None:
            if time.perf_counter() - start > timeout:
                os.killpg(p.pid, signal.SIGKILL)
                timed_out = True
                p.wait()
                break
            tree_peak = max(tree_peak, _tree_rss(p.pid, include_root=False))
            time.sleep(0.1)
        wall = time.perf_counter() - start
    usage = json.loads(usage_file.read_text()) if usage_file.exists() else \
        {"rc": p.returncode, "wall_s": wall, "cpu_s": 0.0, "maxrss_kb": 0}
    return {"rc": usage["rc"], "wall_s": round(usage["wall_s"], 3), "cpu_s": round(usage["cpu_s"], 3),
            "load_before": load_before, "load_after": round(os.getloadavg()[0], 2),
            "peak_mb": round(usage["maxrss_kb"] / 1024, 1),
            "tree_peak_mb": round(max(tree_peak, usage["maxrss_kb"] * 1024) / 2**20, 1), "timed_out": timed_out}


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
