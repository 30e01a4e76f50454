"""The plan reader's fast paths (issue #19) give exactly what the plain ones give, and fall back to
them for anything they cannot take."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.plan.make import maker
from xlplan.plan.model import Action, Measure
from xlplan.plan.reader import read_plan_workbook
from xlplan.values import Value
from builders import THEMES, action, build_plan, measure


# --- frozen objects built slot by slot (xlplan/plan/make.py) ---------------------------------------

def test_maker_builds_what_the_class_builds():
    for cls in (Measure, Action, Value):
        names = [f.name for f in dataclasses.fields(cls)]
        given = [object() for _ in names]          # one distinct object per field: any mix-up shows
        built, expected = maker(cls)(*given), cls(*given)
        assert maker(cls) is not cls and type(built) is cls and built == expected
        assert all(getattr(built, n) is v for n, v in zip(names, given))
    assert hash(maker(Value)(1.0, None, "1", "")) == hash(Value(1.0, raw="1"))


def test_maker_is_the_class_where_init_does_more():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self):
            if self.x < 0:
                raise ValueError("negative")

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        x: int

    @dataclasses.dataclass(slots=True)
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        x: int
        y: int = dataclasses.field(init=False, default=0)

    for cls in (Checked, Unslotted, Mutable, Derived):
        assert maker(cls) is cls


# --- rows read with what earlier rows found ---------------------------------------------------------

def test_actions_theme_and_service_found_once_unknown_ones_reported_on_each_row(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[measure("SW01")], actions=[
        action("A1", Theme=THEMES[0].upper(), Service="children and justice"),
        action("A2", Theme="Nowhere", Service="Nobody"),
        action("A3", Theme=THEMES[0].upper(), Service="children and justice"),
        action("A4", Theme="Nowhere", Service="Nobody"),
        action("a1", Theme="", Service="")])
    plan, report = read_plan_workbook(path)
    assert [(a.ref, a.theme, a.service) for a in plan.actions] == [
        ("A1", THEMES[0], "Children and Justice"), ("A2", "Nowhere", "Nobody"),
        ("A3", THEMES[0], "Children and Justice"), ("A4", "Nowhere", "Nobody")]
    assert [(i.code, i.cell) for i in report.issues if i.sheet == "Actions"] == [
        ("plan.unknown-theme", "D3"), ("plan.unknown-service", "F3"),
        ("plan.unknown-theme", "D5"), ("plan.unknown-service", "F5"),
        ("plan.required-value", "D6"), ("plan.required-value", "F6"), ("plan.duplicate-key", "A6")]


def test_measures_row_checks_inline_report_as_before(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01"), measure("sw01"), measure("SW02", Unit=""), measure("", Measure=""), measure("SW03")])
    plan, report = read_plan_workbook(path)
    assert [m.code for m in plan.measures] == ["SW01", "SW03"]
    assert [(i.code, i.cell) for i in report.issues if i.sheet == "Measures"] == [
        ("plan.duplicate-key", "A3"), ("plan.required-value", "F4"),
        ("plan.required-value", "A5"), ("plan.required-value", "B5")]


# --- budget figures and profiles (xlplan/plan/budget.py) -------------------------------------------

def _money_by_parse_value(raw):
    """`money` as it was before its fast path: every figure through parse_value."""
    from xlplan.values import Unit, ValueProblem, clean_text, parse_value
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = parse_value(raw, Unit.MONEY)
    if value.figure is None:
        raise ValueProblem(clean_text(raw), "an amount of money such as £165,000 or £1.44 million")
    return float(value.figure)


def _outcome(read, raw):
    try:
        return "value", repr(read(raw))        # repr: -0.0 is not 0.0
    except Exception as e:  # noqa: BLE001 - the exception's kind and words are the outcome
        return "raised", type(e).__name__, str(e)


AMOUNTS = st.text(st.sampled_from("0129,.()- £k%\u0663\uff11"), max_size=12) | \
    st.sampled_from(["2,362,957", "(787,000)", "(0)", "0", "007", "1.50", "1.", ".5", "1,23", "1234,567",
                     "(1,234", "1,234)", "((1))", "1" + "0" * 400, "(" + "9" * 400 + ")", "\u0663", "\uff11,000"])


@settings(max_examples=1000)
@given(AMOUNTS)
def test_money_fast_path_is_parse_value(raw):
    from xlplan.plan.budget import money
    assert _outcome(money, raw) == _outcome(_money_by_parse_value, raw)


def test_money_fast_path_takes_the_common_forms():
    from xlplan.plan import budget
    assert [budget._PLAIN_AMOUNT.fullmatch(t) is not None for t in ("2,362,957", "(787,000)", "46000", "12.5")] \
        == [True] * 4
    assert [budget._PLAIN_AMOUNT.fullmatch(t) for t in ("£165k", "-46,000", " 1", "1,23", "\u0663")] == [None] * 5


PROFILES = st.lists(st.sampled_from(["25%", "0%", "100%", "22%", "50%", "-5%", "x%", "%", "£500k", "1,000", "TBC%"]),
                    min_size=1, max_size=5).map("; ".join)


@settings(max_examples=500)
@given(PROFILES, st.sampled_from([0.0, 1000.0, 2_000_000.0]))
def test_percent_profiles_read_once_give_what_each_reading_gives(raw, annual):
    from xlplan.plan import budget
    read = budget.parse_profile
    first, again = _outcome(lambda r: read(r, annual), raw), _outcome(lambda r: read(r, annual), raw)
    budget._percent_profile.cache_clear()
    with_memo_off = _outcome(lambda r: budget._profile([p.strip() for p in r.split(";")], annual,
                                                       all(p.strip().endswith("%") for p in r.split(";"))), raw) \
        if len(raw.split(";")) == 4 else first
    assert first == again == with_memo_off


CELLS = st.one_of(st.none(), st.text(st.sampled_from("ab A \u2013\u00a0\t1."), max_size=5), st.integers(-2, 2),
                  st.floats(-2, 2), st.booleans())


@settings(max_examples=500)
@given(st.lists(CELLS, max_size=8))
def test_distinct_texts_is_the_set_of_column_texts(column):
    """1, 1.0 and True are one member of a set of cells, but three texts ('1', '1.0', 'TRUE')."""
    from xlplan.plan.sheet import column_texts, distinct_texts
    rows = [(i, [v, None]) for i, v in enumerate(column, 2)]
    assert distinct_texts(rows, 0) == set(column_texts(rows, 0))
    assert distinct_texts(rows, 1) == ({""} if column else set())
