"""Run one command as its own process and measure it: wall seconds and peak memory.

Peak memory is reported two ways: `peak_mb`, the largest resident set of the process or any
descendant it waited for (the kernel's ru_maxrss, from wait4), and `tree_peak_mb`, the largest
*sum* of resident sets over the whole process tree, sampled every 0.1 s from /proc — the figure
that matters when a stage spreads work over a pool of worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _tree_rss(root: int) -> int:
    """Bytes resident in `root` and all its descendants (Linux /proc; 0 elsewhere)."""
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
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def run(cmd: list[str], *, cwd: Path, log: Path, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run `cmd`, stdout+stderr to `log`; return {rc, wall_s, cpu_s, peak_mb, tree_peak_mb, timed_out,
    load_before, load_after}. cpu_s is user+system time of the process and the children it waited
    for; the 1-minute load averages show whether other work on the machine inflated wall_s."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load_before = round(os.getloadavg()[0], 2)
    with open(log, "wb") as out:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        tree_peak, timed_out = 0, False
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(p.pid, signal.SIGKILL)
                timed_out = True
                pid, status, usage = os.wait4(p.pid, 0)
                break
            tree_peak = max(tree_peak, _tree_rss(p.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
    return {"rc": p.returncode, "wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "load_before": load_before, "load_after": round(os.getloadavg()[0], 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "tree_peak_mb": round(max(tree_peak, usage.ru_maxrss * 1024) / 2**20, 1), "timed_out": timed_out}


def tail(log: Path, lines: int = 12) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
