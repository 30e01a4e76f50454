"""The fast paths of the plan reader and of Plan.fingerprint give exactly what the plain ones give:
the same text, the same plan, the same issues at the same cells, the same fingerprint bytes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

import xlplan.plan.reader as plan_reader
from xlplan.periods import FinancialYear
from xlplan.plan import Action, Measure, Plan, Service, Settings, load_plan
from xlplan.plan.model import _canonical, _canonical_json
from xlplan.plan.sheet import clean_str
from xlplan.status import Polarity, Profile, ProfileKind, Tolerance
from xlplan.values import Missing, Ratio, Target, TargetKind, Unit, Value, clean_text
from builders import action, build_plan, measure

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "plan.xlsx"

# ASCII with the characters the fast text path treats specially, and some it must leave to clean_text
TEXT = st.text(st.sampled_from("ab Z09-.,%£()'\"\\/\t\n\r\u2013\u2014\u2212\u200b\u00a0\u00e9e\u0301\u2026\uff21\x07"),
               max_size=12)


@given(TEXT)
def test_clean_str_is_clean_text(text):
    assert clean_str(text) == clean_text(text)


@given(st.text(max_size=12))
def test_clean_str_is_clean_text_for_any_text(text):
    assert clean_str(text) == clean_text(text)


def test_memo_keys_keep_types_and_signed_zero_apart():
    key = plan_reader._key
    assert key("figure", True) != key("figure", 1) != key("figure", 1.0)
    assert key("figure", "1") != key("figure", 1)
    assert key("figure", -0.0) is None and key("figure", 0.0) is None and key("figure", float("nan")) is None


class _Forgetful(dict):
    """A memo that remembers nothing: every value is read on its own row, as before memoising."""

    def __setitem__(self, key, value) -> None:
        pass

    def setdefault(self, key, value=None):
        return value


def _read_without_memo(path: Path, monkeypatch):
    with monkeypatch.context() as m:
        original = plan_reader._Memo.__init__

        def init(self, report):
            original(self, report)
            self.found = _Forgetful()
        m.setattr(plan_reader._Memo, "__init__", init)
        return load_plan(path)


def _same(path: Path, monkeypatch):
    plan, report = load_plan(path)
    slow, slow_report = _read_without_memo(path, monkeypatch)
    assert [str(i) for i in report.issues] == [str(i) for i in slow_report.issues]
    assert (plan is None) == (slow is None)
    if plan is not None:
        assert plan.measures == slow.measures and plan.actions == slow.actions
        assert [repr(m) for m in plan.measures] == [repr(m) for m in slow.measures]
        assert plan.fingerprint == slow.fingerprint
    return plan, report


def test_repeated_values_read_once_give_the_same_plan(tmp_path, monkeypatch):
    rows = [measure(f"SW{i:02d}", Unit=unit, Target=target, Profile=profile, Tolerance=tolerance,
                    **{"2021/22": figure, "2022/23": figure})
            for i, (unit, target, profile, tolerance, figure) in enumerate(
                [("%", "75%", "Level", "5 points", 0.8), ("%", "75%", "Level", "5 points", 0.8),
                 ("number", 75, "Level", "", 80), ("number", 120, "Cumulative", "10%", 80),
                 ("£", 120, "Cumulative", "£5", "£1.2 million"), ("ratio", "70/30", "Level", "", "70/30"),
                 ("%", "Increase", "20%; 40%; 60%; 80%", "", "TBC"), ("number", "Reduce", "Level", 3, 0),
                 ("%", 0.75, "Level", 0.05, 1), ("%", 1, "Level", "", 85)], 1)]
    path = build_plan(tmp_path / "plan.xlsx", measures=rows,
                      actions=[action("A1", Start="01/04/2023"), action("A2", Start="01/04/2023", Due="Mar 24"),
                               action("A3", Due="Mar 24")])
    wb = openpyxl.load_workbook(path)
    wb["Measures"]["H10"].number_format = "0%"      # the same 0.75 target, once percent-formatted
    wb["Measures"]["J10"].number_format = "0%"
    wb.save(path)
    plan, report = _same(path, monkeypatch)
    assert report.valid
    assert plan.measures[0].target is plan.measures[1].target          # read once, shared
    assert plan.measures[0].history[FinancialYear(2022)] is plan.measures[1].history[FinancialYear(2021)]


def test_a_bad_value_on_many_rows_is_reported_on_each(tmp_path, monkeypatch):
    rows = [measure(f"SW{i:02d}", Target="lots", Unit="Percentish" if i > 2 else "%", Polarity="Up-ish",
                    Profile="1;2", Tolerance="some", **{"2022/23": "n/k"}) for i in range(1, 5)]
    path = build_plan(tmp_path / "plan.xlsx", measures=rows,
                      actions=[action("A1", Due="someday"), action("A2", Due="someday")])
    _, report = _same(path, monkeypatch)
    cells = [(i.code, i.cell) for i in report.issues]
    assert cells.count(("plan.bad-target", "H2")) == 1 and ("plan.bad-target", "H3") in cells
    assert len([c for c in cells if c[0] == "plan.bad-date"]) == 2
    assert len([c for c in cells if c[0] == "plan.unknown-word" and c[1].startswith("F")]) == 2   # Unit rows 4, 5
    assert len([c for c in cells if c[0] == "plan.bad-value"]) == 2    # rows 2, 3 (4 and 5 have no unit)


def test_example_plan_reads_the_same_without_memo(monkeypatch):
    _same(EXAMPLE, monkeypatch)


# --- the fingerprint's JSON, written field by field, is json.dumps of the canonical data ---------------

WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8) | \
    st.sampled_from(["", "Outcome one", "a \"quoted\" \\ word", "caf\u00e9 \u2013 \U0001f600"])
FIGURES = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
                    st.builds(Ratio, st.floats(0, 100), st.floats(0, 100)))
VALUES = st.builds(Value, FIGURES, st.sampled_from([None, *Missing]), WORDS, WORDS)
TARGETS = st.builds(Target, st.sampled_from(list(TargetKind)), FIGURES, WORDS)
PROFILES = st.one_of(st.just(Profile()), st.just(Profile(ProfileKind.CUMULATIVE)),
                     st.builds(lambda t: Profile(ProfileKind.QUARTERLY, (t, t, t, t)), TARGETS))
YEARS = st.sampled_from([FinancialYear(y) for y in (999, 2020, 2021, 2022, 10000)])
DATES = st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31))


def _measure(words, unit, polarity, target, profile, tolerance, baseline, history, row):
    return Measure(*words[:5], unit=unit, polarity=polarity, target=target, profile=profile, tolerance=tolerance,
                   baseline=baseline, links=words[5], category=words[6], history=history, row=row)


MEASURES = st.builds(_measure, st.lists(WORDS, min_size=7, max_size=7), st.sampled_from(list(Unit)),
                     st.sampled_from(list(Polarity)), TARGETS, PROFILES,
                     st.none() | st.builds(Tolerance, st.floats(0, 1), st.booleans()), st.none() | VALUES,
                     st.dictionaries(YEARS, VALUES, max_size=4), st.integers(0, 100))
ACTIONS = st.builds(lambda w, start, due: Action(*w, owner=w[3], start=start, due=due),
                    st.lists(WORDS, min_size=6, max_size=6), DATES, DATES)
PLANS = st.builds(lambda s, t, sv, m, a: Plan(s, t, sv, m, a),
                  st.builds(Settings, WORDS, WORDS), st.lists(WORDS, max_size=3),
                  st.lists(st.builds(Service, WORDS, WORDS, WORDS), max_size=3),
                  st.lists(MEASURES, max_size=4), st.lists(ACTIONS, max_size=3))


@settings(max_examples=300, deadline=None)
@given(PLANS, st.integers(1, 3))
def test_canonical_json_is_json_dumps_of_the_canonical_data(plan, batch):
    expected = json.dumps(_canonical(plan), sort_keys=True, default=str)
    assert "".join(_canonical_json(plan, batch=batch)) == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=3), st.lists(TARGETS, min_size=1, max_size=2), st.integers(2, 6))
def test_canonical_json_with_objects_shared_between_rows(values, targets, n):
    """A plan read from a workbook shares one object between rows, and one Value may be a baseline on
    one row and a history figure on another: each is written as the row's field says."""
    measures = [_measure([f"w{i}"] * 7, Unit.PERCENT, Polarity.HIGHER, targets[i % len(targets)], Profile(), None,
                         values[i % len(values)], {FinancialYear(2020 + i % 3): values[(i + 1) % len(values)]}, i)
                for i in range(n)]
    plan = Plan(Settings(), [], [], measures, [])
    assert "".join(_canonical_json(plan)) == json.dumps(_canonical(plan), sort_keys=True, default=str)


def test_example_fingerprint_is_unchanged():
    """Templates already sent out carry their plan's fingerprint: the value must not change."""
    plan, _ = load_plan(EXAMPLE)
    assert plan.fingerprint == __import__("hashlib").sha256(
        json.dumps(_canonical(plan), sort_keys=True, default=str).encode()).hexdigest()


@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**15, 10**15)),
       st.sampled_from([Unit.NUMBER, Unit.MONEY]))
def test_plain_figure_is_parse_value(x, unit):
    from xlplan.values import parse_value
    fast, slow = plan_reader.plain_figure(x), parse_value(x, unit)
    assert fast == slow and repr(fast) == repr(slow)
