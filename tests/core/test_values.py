"""Values: what people type in returns and plans, per unit (issue 2 and the seed plans)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.values import (Missing, Ratio, TargetKind, Unit, Value, ValueProblem, check_range,
        clean_text, format_value, missing_reason, parse_target, parse_value)

P, M, N, R = Unit.PERCENT, Unit.MONEY, Unit.NUMBER, Unit.RATIO


@pytest.mark.parametrize("raw, unit, percent_format, figure", [
    ("85%", P, None, 0.85),
    ("4.0%", P, None, 0.04),
    ("65.7%", P, None, 0.657),
    ("85 %", P, None, 0.85),
    (0.85, P, True, 0.85),            # 85% typed into a percent-formatted cell
    (1, P, True, 1.0),                # 100% in a percent-formatted cell
    (85, P, None, 0.85),              # 85 typed for a % measure means 85%
    (85, P, False, 0.85),
    ("85", P, None, 0.85),
    ("100", P, None, 1.0),
    (0, P, None, 0.0),
    ("£165k", M, None, 165_000),
    ("£165K", M, None, 165_000),
    ("£ 165 k", M, None, 165_000),
    ("£1.44 million", M, None, 1_440_000),
    ("£1,432", M, None, 1432),
    ("£91,748", M, None, 91_748),
    ("£153.13", M, None, 153.13),
    ("£1.2bn", M, None, 1_200_000_000),
    ("120,000", M, None, 120_000),
    ("(1,200)", M, None, -1200),      # accountants' negative
    (91748, M, None, 91_748),
    ("2,755", N, None, 2755),
    (" 12 ", N, None, 12),
    ("12\u00a0", N, None, 12),        # non-breaking space pasted from the web
    ("\u200b1,668", N, None, 1668),   # zero-width space pasted from email
    ("1.07", N, None, 1.07),
    (".5", N, None, 0.5),
    ("+5", N, None, 5),
    ("5.5k", N, None, 5500),
    (Decimal("2.5"), N, None, 2.5),
    (2755, N, None, 2755),
    ("70/30", R, None, Ratio(70, 30)),
    ("70 / 30", R, None, Ratio(70, 30)),
    ("70:30", R, None, Ratio(70, 30)),
    ("70%/30%", R, None, Ratio(70, 30)),
])
def test_figures_people_type(raw, unit, percent_format, figure):
    value = parse_value(raw, unit, percent_format=percent_format)
    assert value.figure == pytest.approx(figure) if not isinstance(figure, Ratio) else value.figure == figure
    assert value.missing is None and not value.is_missing


@pytest.mark.parametrize("raw, unit, note", [
    (0.85, P, "0.85 read as 85%"),    # a bare fraction in a General cell: read, and said so
    ("0.5", P, "0.5 read as 50%"),
    ("85%", P, ""),
    (85, P, ""),
])
def test_percent_reading_is_noted_when_it_is_a_guess(raw, unit, note):
    assert parse_value(raw, unit).note == note


@pytest.mark.parametrize("raw, reason", [
    (None, Missing.BLANK),
    ("", Missing.BLANK),
    ("   ", Missing.BLANK),
    ("-", Missing.BLANK),
    ("TBC", Missing.TBC),
    ("tbc.", Missing.TBC),
    ("To be confirmed", Missing.TBC),
    ("n/a", Missing.NOT_APPLICABLE),
    ("N/A", Missing.NOT_APPLICABLE),
    ("Not yet available", Missing.NOT_AVAILABLE),
    ("Final Result Not Yet Available", Missing.NOT_AVAILABLE),
    ("final result not yet available ", Missing.NOT_AVAILABLE),
    ("Report later", Missing.REPORT_LATER),
    ("REPORT LATER", Missing.REPORT_LATER),
])
@pytest.mark.parametrize("unit", list(Unit))
def test_no_data_words_are_missing_never_zero(raw, reason, unit):
    value = parse_value(raw, unit)
    assert value.figure is None and value.is_missing and value.number is None
    assert value.missing is reason


def test_zero_is_a_figure_not_missing():
    assert parse_value("0", Unit.NUMBER) == Value(0.0, None, "0")
    assert parse_value(0, Unit.MONEY).figure == 0 and not parse_value(0, Unit.MONEY).is_missing


@pytest.mark.parametrize("raw, unit, hint_has", [
    ("5 errors involving 8 staff", N, "single figure"),
    ("85 percent", P, "85%"),
    ("None", N, "type 0"),
    ("nil", N, "type 0"),
    ("lots", N, ""),
    ("85,5", P, "full stop for decimals"),      # decimal comma
    ("1,5", N, "full stop for decimals"),
    ("12,34", M, "full stop for decimals"),
    ("0.67 per month", N, "single figure"),
    ("12 days", N, "single figure"),
    ("£175k", N, "not money"),                  # money typed for a count
    ("85%", N, "not a percentage"),
    ("£5%", P, "not money"),
    ("85%%", P, ""),
    ("1e5", N, ""),
    ("inf", N, ""),
    ("nan", N, ""),
    ("£", M, ""),
    ("%", P, ""),
    ("1/2/3", R, "separated by /"),
    ("70", R, ""),
    (70, R, "separated by /"),
    (True, N, ""),
    (float("nan"), N, ""),
    (float("inf"), M, ""),
    (10 ** 400, N, "too large"),
    ("9" * 400, N, "too large"),
    (date(2023, 9, 30), N, "a date"),
    (datetime(2023, 9, 30, 12), P, "a date"),
])
def test_anything_else_is_a_problem_saying_what_was_expected(raw, unit, hint_has):
    with pytest.raises(ValueProblem) as caught:
        parse_value(raw, unit)
    problem = caught.value
    assert problem.found, "says what was found"
    assert unit.noun in problem.expected or "ratio" in problem.expected
    assert hint_has in problem.hint
    assert isinstance(problem, ValueError)


def test_problem_message_names_what_was_found_and_expected():
    with pytest.raises(ValueProblem, match=r"found '85 percent', expected a percentage such as 85%.*did you mean 85%"):
        parse_value("85 percent", Unit.PERCENT)


@pytest.mark.parametrize("raw, unit, problem", [
    (1.01, P, "101% is outside 0% to 100%"),
    (-0.05, P, "-5% is outside 0% to 100%"),
    (-3, N, "-3 is negative"),
    (-10, M, "-£10 is negative"),
    (1.0, P, None),
    (0.0, P, None),
    (0, N, None),
    (Ratio(70, 30), R, None),
    (None, N, None),
])
def test_check_range(raw, unit, problem):
    got = check_range(Value(raw), unit)
    assert (got is None) if problem is None else (problem in got)


@pytest.mark.parametrize("figure, unit, shown", [
    (0.89, P, "89%"),
    (0.657, P, "65.7%"),
    (0.0521, P, "5.2%"),
    (1.0, P, "100%"),
    (0.0, P, "0%"),
    (91748, M, "£91,748"),
    (153.13, M, "£153.13"),
    (153.1, M, "£153.10"),
    (1_440_000, M, "£1,440,000"),
    (-1200, M, "-£1,200"),
    (0, M, "£0"),
    (1668, N, "1,668"),
    (0.67, N, "0.67"),
    (1.5, N, "1.5"),
    (12.345, N, "12.35"),
    (0.004, N, "0.004"),
    (0.0675, N, "0.068"),
    (-2.5, N, "-2.5"),
    (2755.0, N, "2,755"),
    (Ratio(70, 30), R, "70/30"),
    (Ratio(62.5, 37.5), R, "62.5/37.5"),
    (None, N, ""),
])
def test_format_value_per_unit(figure, unit, shown):
    assert format_value(figure, unit) == shown


@pytest.mark.parametrize("missing, shown", [
    (Missing.BLANK, ""), (Missing.TBC, "TBC"), (Missing.NOT_AVAILABLE, "Not yet available"),
    (Missing.REPORT_LATER, "Report later"), (Missing.NOT_APPLICABLE, "n/a"),
])
def test_format_missing(missing, shown):
    assert format_value(None, Unit.NUMBER, missing) == shown


@pytest.mark.parametrize("text", ["89%", "65.7%", "£91,748", "£153.13", "1,668", "0.67", "70/30", "0%", "£0"])
def test_format_then_parse_round_trips(text):
    unit = {"%": P, "£": M}.get(text[0] if text[0] == "£" else text[-1], R if "/" in text else N)
    value = parse_value(text, unit)
    assert format_value(value.figure, unit) == text


@pytest.mark.parametrize("raw, unit, kind, figure", [
    ("75%", P, TargetKind.FIGURE, 0.75),
    (0.75, P, TargetKind.FIGURE, 0.75),
    ("£175k", M, TargetKind.FIGURE, 175_000),
    ("2,500", N, TargetKind.FIGURE, 2500),
    ("70/30", R, TargetKind.FIGURE, Ratio(70, 30)),
    ("Increase", N, TargetKind.INCREASE, None),
    ("reduce", P, TargetKind.REDUCE, None),
    ("Maintain", M, TargetKind.MAINTAIN, None),
    ("TBC", P, TargetKind.TBC, None),
    ("Not yet available", N, TargetKind.TBC, None),
    (None, N, TargetKind.NONE, None),
    ("", N, TargetKind.NONE, None),
    ("Monitor", N, TargetKind.NONE, None),
    ("n/a", N, TargetKind.NONE, None),
])
def test_targets(raw, unit, kind, figure):
    target = parse_target(raw, unit)
    assert target.kind is kind
    assert target.figure == (pytest.approx(figure) if isinstance(figure, float) else figure)


@pytest.mark.parametrize("raw, unit", [("lots", N), ("None", N), ("0.67 per month", N), ("85 percent", P)])
def test_bad_targets_raise(raw, unit):
    with pytest.raises(ValueProblem):
        parse_target(raw, unit)


@pytest.mark.parametrize("raw, unit, word", [
    ("%", "%", P), ("percent", "%", P), ("£", "£", M), ("Money", "£", M), ("number", "number", N),
    ("Count", "number", N), ("ratio", "ratio", R), (" RATIO ", "ratio", R),
])
def test_unit_words(raw, unit, word):
    assert Unit.parse(raw) is word and word.value == unit


@pytest.mark.parametrize("raw", ["pct", "", None, "pounds sterling", "miles"])
def test_unknown_unit_word(raw):
    with pytest.raises(ValueError, match="not a unit"):
        Unit.parse(raw)


def test_missing_reason_and_clean_text():
    assert missing_reason(" Final  Result Not Yet Available ") is Missing.NOT_AVAILABLE
    assert missing_reason("85%") is None
    assert clean_text("  a\u00a0\u00a0b\tc\u200b ") == "a b c"
    assert clean_text("\u221212") == "-12"   # Unicode minus from Word


# Anything at all typed or read from a cell is either a Value or a ValueProblem: never a crash,
# never a silent wrong type.
cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.from_regex(r"\s*[£(+-]?\d{1,7}(,\d{3})*(\.\d+)?\s*(%|k|m|million)?\)?\s*", fullmatch=True),
    st.from_regex(r"\d{1,3}\s*[/:]\s*\d{1,3}", fullmatch=True),
    st.dates(),
)


@settings(max_examples=200, deadline=None)
@given(raw=cell_values, unit=st.sampled_from(list(Unit)), percent_format=st.sampled_from([None, True, False]))
def test_parse_value_only_returns_a_value_or_raises_value_problem(raw, unit, percent_format):
    try:
        value = parse_value(raw, unit, percent_format=percent_format)
    except ValueProblem as problem:
        assert problem.found is not None and problem.expected
        return
    assert isinstance(value, Value)
    if value.figure is None:
        assert isinstance(value.missing, Missing)
    else:
        assert value.missing is None
        assert isinstance(value.figure, Ratio if unit is Unit.RATIO else float)
        assert value.number == value.number  # not NaN
        assert abs(value.number) < float("inf")


_FIGURES = st.one_of(st.none(), st.floats(allow_nan=False),
                     st.builds(Ratio, st.floats(0, 1e6), st.floats(0, 1e6)))


@settings(max_examples=200, deadline=None)
@given(_FIGURES, st.one_of(st.none(), st.sampled_from(list(Missing))), st.text(max_size=20), st.text(max_size=20))
def test_values_pickle_back_to_equal_values(figure, missing, raw, note):
    """Value and Ratio pickle as calls with their fields (how collect's workers send them back)."""
    import copy
    import pickle
    value = Value(figure, missing, raw, note)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(value, protocol))
        assert back == value and type(back) is Value and type(back.figure) is type(figure)
        assert (back.figure, back.missing, back.raw, back.note) == (figure, missing, raw, note)
    assert copy.deepcopy(value) == value
