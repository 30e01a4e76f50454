"""benchmarks/measure.py's memory sampling: a process that cannot be measured is not guessed at."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import measure  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux /proc")


def test_the_tree_of_this_process_is_measured():
    pss, rss = measure._tree_memory(os.getpid())
    assert 0 < rss and (0 < pss <= rss or not measure._has_smaps_rollup())


def test_a_process_gone_since_it_was_listed_counts_nothing(monkeypatch):
    """With smaps_rollup on the system, a PSS that cannot be read is of a process that has exited
    (or a zombie): its last resident set (shared pages counted whole) is not added."""
    monkeypatch.setattr(measure, "_pss", lambda pid: None)
    monkeypatch.setattr(measure, "_has_smaps_rollup", lambda: True)
    assert measure._tree_memory(os.getpid())[0] == 0


def test_without_smaps_rollup_pss_falls_back_to_rss(monkeypatch):
    monkeypatch.setattr(measure, "_pss", lambda pid: None)
    monkeypatch.setattr(measure, "_has_smaps_rollup", lambda: False)
    pss, rss = measure._tree_memory(os.getpid())
    assert pss == rss > 0
