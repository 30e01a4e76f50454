"""A judgement made ahead (safety.judge_ahead, in a worker while collect reads the plan) is taken
by a later inspection only for the very bytes it judged, and gives exactly what judging them
then would: the same verdict, and the same reading of an accepted file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import hostile
import xlplan.safety.inspection as I
from xlplan.collect.read import read_return
from xlplan.safety.inspection import Limits, inspect, judge, judge_ahead

FAST = Limits(quiet_seconds=0.0)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory) -> hostile.Quarter:
    return hostile.hostile_quarter(tmp_path_factory.mktemp("ahead"))


def _verdict(ins):
    return (ins.kind, [(i.code, i.message) for i in ins.issues], ins.sheets, ins.proved,
            [i.filename for i in ins.infos] if ins.infos else None)


def _judged_with(path: Path, known, limits: Limits = FAST):
    """How examine judges a file: read it safely, then judge it, taking `known` if it may."""
    return judge(inspect(path, limits, keep_bytes=True, judge_bytes=False), known=known)


def _read(path: Path, ins):
    rf = read_return(path, ins.data, ins.parts, proved=ins.proved, sha256=ins.sha256, infos=ins.infos)
    return rf.problem, rf.sheet_names, rf.identity, rf.sheets, rf.saved_at, rf.sha256


def test_a_judgement_made_ahead_is_the_judgement_and_reads_the_same(quarter, tmp_path):
    """On every good return, template and hostile case: the verdict taken from judge_ahead is the
    one judging gives, and an accepted file reads the same without the parts judging inflated."""
    made = hostile.build_all(tmp_path / "returns", quarter)
    paths = [*quarter.good.values(), *quarter.templates.values(), *(p for ps in made.values() for p in ps)]
    ahead = 0
    for p in paths:
        known = judge_ahead(p, FAST)
        now = inspect(p, FAST, keep_bytes=True)
        if known is None:                   # links, folders, lock files…: nothing to judge ahead
            continue
        ahead += 1
        assert known.data is None and known.parts == {}          # small enough to send between processes
        taken = _judged_with(p, known)
        assert _verdict(taken) == _verdict(now), p.name
        if now.accepted:
            assert taken.parts == {} and _read(p, taken) == _read(p, now), p.name
    assert ahead > len(quarter.good) + len(quarter.templates)


def test_the_judgement_is_taken_and_not_made_again(quarter, monkeypatch):
    path = quarter.good["good"]
    known = judge_ahead(path, FAST)
    monkeypatch.setattr(I, "_judge", lambda *a: pytest.fail("judged again"))
    assert _judged_with(path, known).accepted


@pytest.mark.parametrize("case", ["xxe", "truncated", "bomb"])
def test_a_file_changed_after_it_was_judged_ahead_is_judged_on_its_new_bytes(quarter, tmp_path, case):
    """The file is swapped for a hostile one between the two: the judgement ahead is not taken."""
    path = Path(shutil.copy2(quarter.good["good"], tmp_path / "return.xlsx"))
    known = judge_ahead(path, FAST)
    assert known is not None and known.accepted
    bad = hostile.build_all(tmp_path / "bad", quarter, only=[case])[case][0]
    path.write_bytes(bad.read_bytes())
    taken = _judged_with(path, known)
    assert taken.rejected and _verdict(taken) == _verdict(inspect(path, FAST))


def test_a_judgement_under_other_limits_or_of_another_file_is_not_taken(quarter, tmp_path):
    path = quarter.good["good"]
    known = judge_ahead(path, Limits(quiet_seconds=0.0, max_cells=10))
    assert known.rejected                      # too many cells under those limits
    assert _judged_with(path, known).accepted  # judged again under the limits it is read with
    twin = Path(shutil.copy2(path, tmp_path / "twin.xlsx"))
    other = judge_ahead(twin, FAST)
    ins = inspect(path, FAST, keep_bytes=True, judge_bytes=False)
    assert I._same_bytes(other, ins) is False  # same bytes, but another file (issues name it)
