"""The status engine: period targets, RAG, trends and action statuses, with the seeds' worked cases."""

from datetime import date

import pytest

from xlplan.periods import Period
from xlplan.status import (DEFAULT_TOLERANCE, ActionStatus, Polarity, Profile, ProfileKind, Status,
        Tolerance, Trend, action_overdue, make_rule, measure_status, period_target, trend)
from xlplan.values import Missing, Ratio, TargetKind, Unit, Value, parse_target, parse_value

Q1, Q2, Q3, Q4 = (Period.parse(f"2023-24-Q{q}") for q in (1, 2, 3, 4))
HIGHER, LOWER, MONITOR = Polarity.HIGHER, Polarity.LOWER, Polarity.MONITOR
GREEN, AMBER, RED, LATER, CONTEXT = (Status.GREEN, Status.AMBER, Status.RED, Status.REPORT_LATER,
                                     Status.CONTEXTUAL)


def status_of(figure, unit, target, polarity=HIGHER, profile="Level", period=Q2, tolerance=None,
              previous_outturn=None, assessed=None):
    """Status of a figure typed as text, under a target and profile typed as in the plan."""
    rule = make_rule(unit, polarity, parse_target(target, unit), Profile.parse(profile, unit), period,
                     Tolerance.parse(tolerance, unit) if tolerance is not None else None,
                     previous_outturn=previous_outturn)
    return measure_status(parse_value(figure, unit), rule, assessed)


# --- the seeds' worked cases (issue 2) ------------------------------------------------------------

def test_annual_200000_cumulative_with_91748_at_q2_is_amber():
    # the Q2 target is half the annual £200,000: £100,000; £91,748 misses by £8,252, within 10%
    a = status_of("£91,748", Unit.MONEY, "£200,000", profile="Cumulative", period=Q2)
    assert (a.status, a.basis) == (AMBER, "computed")


def test_63_percent_against_75_is_red():
    assert status_of("63%", Unit.PERCENT, "75%").status is RED


def test_74_percent_against_75_is_amber():
    assert status_of("74%", Unit.PERCENT, "75%").status is AMBER


def test_55_complaints_against_72_lower_is_green():
    assert status_of("55", Unit.NUMBER, "72", polarity=LOWER).status is GREEN


def test_161000_against_159000_lower_is_amber():
    assert status_of("£161,000", Unit.MONEY, "£159,000", polarity=LOWER).status is AMBER


@pytest.mark.parametrize("figure, unit, target, polarity", [
    ("75%", Unit.PERCENT, "75%", HIGHER), ("72", Unit.NUMBER, "72", LOWER), ("£159,000", Unit.MONEY, "£159k", LOWER),
    ("70/30", Unit.RATIO, "70/30", HIGHER), ("0.3", Unit.PERCENT, "30%", HIGHER),
])
def test_target_met_exactly_is_green(figure, unit, target, polarity):
    assert status_of(figure, unit, target, polarity=polarity).status is GREEN


# --- polarity, tolerance and the Amber band --------------------------------------------------------

@pytest.mark.parametrize("figure, target, polarity, status", [
    ("90%", "75%", HIGHER, GREEN),
    ("67.5%", "75%", HIGHER, AMBER),   # exactly at the 10% edge (7.5 points) is still Amber
    ("67%", "75%", HIGHER, RED),
    ("10%", "12%", LOWER, GREEN),
    ("13%", "12%", LOWER, AMBER),
    ("14%", "12%", LOWER, RED),
])
def test_polarity_and_default_tolerance(figure, target, polarity, status):
    assert status_of(figure, Unit.PERCENT, target, polarity=polarity).status is status


@pytest.mark.parametrize("figure, tolerance, status", [
    ("71%", "5 points", AMBER), ("70%", "5 points", AMBER), ("69%", "5 points", RED),
    ("69%", None, AMBER),             # the default 10% of 75% is 7.5 points
    ("73%", "2pp", AMBER), ("72%", "2pp", RED),
    ("72%", "5%", AMBER), ("71%", "5%", RED),  # relative: 5% of 75% is 3.75 points
])
def test_measure_tolerance_relative_and_absolute_points(figure, tolerance, status):
    assert status_of(figure, Unit.PERCENT, "75%", tolerance=tolerance).status is status


def test_absolute_tolerance_in_money():
    assert status_of("£95,500", Unit.MONEY, "£100,000", tolerance="£5,000", period=Q2).status is AMBER
    assert status_of("£94,000", Unit.MONEY, "£100,000", tolerance="£5,000", period=Q2).status is RED


@pytest.mark.parametrize("figure, tolerance, status", [
    ("0", None, GREEN), ("1", None, RED), ("1", "2", AMBER), ("3", "2", RED),
])
def test_target_zero_lower(figure, tolerance, status):
    # e.g. medication errors: a target of 0; 10% of 0 is 0, so any error is Red unless points are allowed
    assert status_of(figure, Unit.NUMBER, "0", polarity=LOWER, tolerance=tolerance).status is status


def test_ratio_compared_by_first_share():
    assert status_of("72/28", Unit.RATIO, "70/30").status is GREEN
    assert status_of("65/35", Unit.RATIO, "70/30").status is AMBER   # 65% vs 70%: within 7 points
    assert status_of("50/50", Unit.RATIO, "70/30").status is RED


# --- profiles --------------------------------------------------------------------------------------

@pytest.mark.parametrize("period, target", [(Q1, 50_000), (Q2, 100_000), (Q3, 150_000), (Q4, 200_000)])
def test_cumulative_target_accrues_evenly(period, target):
    figure, kind, basis = period_target(parse_target("£200,000", Unit.MONEY), Profile(ProfileKind.CUMULATIVE),
                                        period, Unit.MONEY)
    assert (figure, kind) == (pytest.approx(target), TargetKind.FIGURE)
    assert "of annual target £200,000" in basis


@pytest.mark.parametrize("period", [Q1, Q2, Q3, Q4])
def test_level_target_holds_every_quarter(period):
    assert period_target(parse_target("75%", Unit.PERCENT), Profile(), period, Unit.PERCENT)[0] == 0.75


@pytest.mark.parametrize("period, figure, status", [
    (Q1, "20%", GREEN), (Q2, "38%", AMBER), (Q3, "50%", RED), (Q4, "80%", GREEN),
])
def test_quarterly_profile_uses_each_quarters_own_target(period, figure, status):
    a = status_of(figure, Unit.PERCENT, "80%", profile="20%; 40%; 60%; 80%", period=period)
    assert a.status is status


def test_quarterly_profile_with_a_tbc_quarter_has_no_target_that_quarter():
    assert status_of("30%", Unit.PERCENT, "80%", profile="TBC; 40%; 60%; 80%", period=Q1).status is CONTEXT
    assert status_of("30%", Unit.PERCENT, "80%", profile="TBC; 40%; 60%; 80%", period=Q2).status is RED


@pytest.mark.parametrize("text, kind, quarters", [
    ("Level", ProfileKind.LEVEL, ()), ("", ProfileKind.LEVEL, ()), ("cumulative", ProfileKind.CUMULATIVE, ()),
    ("20%; 40%; 60%; 80%", ProfileKind.QUARTERLY, (0.2, 0.4, 0.6, 0.8)),
    ("Q1: 20%; Q2: 40%; Q3: 60%; Q4: 80%", ProfileKind.QUARTERLY, (0.2, 0.4, 0.6, 0.8)),
    ("20%, 40%, 60%, 80%", ProfileKind.QUARTERLY, (0.2, 0.4, 0.6, 0.8)),
    ("20%\n40%\n60%\n80%", ProfileKind.QUARTERLY, (0.2, 0.4, 0.6, 0.8)),   # one per line (Alt+Enter)
])
def test_profile_words(text, kind, quarters):
    profile = Profile.parse(text, Unit.PERCENT)
    assert profile.kind is kind
    assert tuple(t.figure for t in profile.quarters) == pytest.approx(quarters)


def test_quarterly_profile_of_thousands_keeps_thousands_commas():
    profile = Profile.parse("1,000, 2,000, 3,000, 4,000", Unit.NUMBER)
    assert [t.figure for t in profile.quarters] == [1000, 2000, 3000, 4000]


@pytest.mark.parametrize("text", ["Monthly", "20%; 40%; 60%", "Q1;Q2;Q3;Q4", "20%; lots; 60%; 80%", "1,000"])
def test_bad_profile(text):
    with pytest.raises(ValueError):
        Profile.parse(text, Unit.PERCENT)


# --- directional targets: judged against last year's outturn ---------------------------------------

@pytest.mark.parametrize("figure, target, outturn, status", [
    ("80", "Increase", 75, GREEN), ("75", "Increase", 75, AMBER), ("70", "Increase", 75, AMBER),
    ("60", "Increase", 75, RED),
    ("50", "Reduce", 55, GREEN), ("55", "Reduce", 55, AMBER), ("60", "Reduce", 55, AMBER), ("70", "Reduce", 55, RED),
    ("55", "Maintain", 55, GREEN), ("56", "Maintain", 55, GREEN), ("52", "Maintain", 55, AMBER),
])
def test_directional_against_previous_year(figure, target, outturn, status):
    a = status_of(figure, Unit.NUMBER, target, previous_outturn=outturn)
    assert (a.status, a.basis) == (status, "computed")


def test_directional_target_sets_the_direction_of_better():
    # the plan says Higher but the target says Reduce: the target's direction wins
    rule = make_rule(Unit.NUMBER, HIGHER, parse_target("Reduce", Unit.NUMBER), Profile(), Q2, previous_outturn=75)
    assert rule.polarity is LOWER and rule.target == 75
    assert "Reduce on 2022/23 outturn 75" in rule.describe()


def test_directional_cumulative_compares_with_the_same_share_of_last_year():
    rule = make_rule(Unit.NUMBER, HIGHER, parse_target("Increase", Unit.NUMBER), Profile(ProfileKind.CUMULATIVE),
                     Q2, previous_outturn=2500)
    assert rule.target == 1250
    assert measure_status(parse_value("1,300", Unit.NUMBER), rule).status is GREEN


def test_directional_without_last_years_outturn_has_no_target():
    a = status_of("80", Unit.NUMBER, "Increase", previous_outturn=None)
    assert (a.status, a.basis) == (CONTEXT, "no target")
    assert "not recorded" in a.reason


# --- no target, Monitor, no figure -----------------------------------------------------------------

@pytest.mark.parametrize("target", ["75%", "", "TBC"])
def test_monitor_is_contextual(target):
    a = status_of("80%", Unit.PERCENT, target, polarity=MONITOR)
    assert a.status is CONTEXT


@pytest.mark.parametrize("target", ["", "TBC", "Monitor"])
def test_a_figure_without_target_is_contextual(target):
    a = status_of("400", Unit.NUMBER, target)
    assert (a.status, a.basis) == (CONTEXT, "no target")


@pytest.mark.parametrize("assessed", [GREEN, AMBER, RED])
def test_managers_assessment_is_the_status_where_there_is_no_target(assessed):
    a = status_of("400", Unit.NUMBER, "", assessed=assessed)
    assert (a.status, a.basis) == (assessed, "assessed")


def test_managers_assessment_does_not_override_a_computed_status():
    a = status_of("63%", Unit.PERCENT, "75%", assessed=GREEN)
    assert (a.status, a.basis) == (RED, "computed")


@pytest.mark.parametrize("figure, target, polarity, reason", [
    ("", "75%", HIGHER, "no figure"), ("TBC", "75%", HIGHER, "TBC"), ("Report later", "", HIGHER, "Report later"),
    ("Final Result Not Yet Available", "Reduce", LOWER, "Not yet available"), ("n/a", "75%", MONITOR, "n/a"),
])
def test_no_figure_is_report_later_with_or_without_target(figure, target, polarity, reason):
    a = status_of(figure, Unit.PERCENT, target, polarity=polarity, previous_outturn=0.7)
    assert (a.status, a.basis, a.reason) == (LATER, "no data", reason)


def test_no_value_at_all_is_report_later():
    rule = make_rule(Unit.NUMBER, HIGHER, parse_target("10", Unit.NUMBER), Profile(), Q2)
    assert measure_status(None, rule).status is LATER


def test_rule_describes_what_the_status_was_computed_from():
    rule = make_rule(Unit.MONEY, HIGHER, parse_target("£200,000", Unit.MONEY), Profile(ProfileKind.CUMULATIVE), Q2)
    assert rule.describe() == ("Higher is better; target £100,000; amber within 10%; "
                               "2/4 of annual target £200,000")
    points = make_rule(Unit.PERCENT, LOWER, parse_target("12%", Unit.PERCENT), Profile(), Q2,
                       Tolerance.parse("2 points", Unit.PERCENT))
    assert points.describe() == "Lower is better; target 12%; amber within 2 points"
    assert make_rule(Unit.NUMBER, HIGHER, parse_target("TBC", Unit.NUMBER), Profile(), Q2).describe() == "target TBC"
    assert DEFAULT_TOLERANCE == Tolerance(0.10)
    monitor = make_rule(Unit.PERCENT, MONITOR, parse_target("80%", Unit.PERCENT), Profile(), Q2)
    assert monitor.describe() == "monitoring measure: no RAG; target 80% shown for information"


# --- trends ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("current, previous, polarity, expected", [
    (0.80, 0.75, HIGHER, Trend.IMPROVING), (0.70, 0.75, HIGHER, Trend.WORSENING),
    (55, 72, LOWER, Trend.IMPROVING), (80, 72, LOWER, Trend.WORSENING),
    (0.75, 0.75, HIGHER, Trend.NO_CHANGE), (0, 0, LOWER, Trend.NO_CHANGE),
    (Ratio(72, 28), Ratio(70, 30), HIGHER, Trend.IMPROVING),
    (0.8, None, HIGHER, None), (None, 0.8, HIGHER, None), (0.8, 0.7, MONITOR, None),
])
def test_trend_is_polarity_aware(current, previous, polarity, expected):
    assert trend(current, previous, polarity) is expected


def test_cumulative_trend_compares_per_quarter():
    # Q2's half-year £91,748 is £45,874 a quarter: below Q1's £50,000 although the total rose
    assert trend(91_748, 50_000, HIGHER, current_quarters=2, previous_quarters=1) is Trend.WORSENING
    assert trend(91_748, 50_000, HIGHER) is Trend.IMPROVING
    # same quarter last year: both cover two quarters
    assert trend(91_748, 80_000, HIGHER, current_quarters=2, previous_quarters=2) is Trend.IMPROVING


# --- words and actions ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, polarity", [
    ("Higher", HIGHER), ("higher is better", HIGHER), ("LOWER", LOWER), ("Monitor", MONITOR), (" monitor ", MONITOR),
])
def test_polarity_words(text, polarity):
    assert Polarity.parse(text) is polarity


@pytest.mark.parametrize("text", ["Upwards", "", "Better"])
def test_unknown_polarity(text):
    with pytest.raises(ValueError, match="expected Higher, Lower or Monitor"):
        Polarity.parse(text)


@pytest.mark.parametrize("text, status", [
    ("Green", GREEN), ("amber", AMBER), ("R", RED), ("Report later", LATER), ("", None), (None, None),
])
def test_assessment_words(text, status):
    assert Status.parse_assessment(text) is status


@pytest.mark.parametrize("text, status", [
    ("Complete", ActionStatus.COMPLETE), ("completed", ActionStatus.COMPLETE), ("Green", ActionStatus.GREEN),
    ("AMBER", ActionStatus.AMBER), ("red", ActionStatus.RED), ("Report later", ActionStatus.REPORT_LATER),
    ("", None),
])
def test_action_status_words(text, status):
    assert ActionStatus.parse(text) is status


@pytest.mark.parametrize("text", ["Done", "On track", "Blue"])
def test_unknown_action_status(text):
    with pytest.raises(ValueError, match="expected Complete, Green, Amber, Red or Report later"):
        ActionStatus.parse(text)


@pytest.mark.parametrize("status, due, overdue", [
    (ActionStatus.GREEN, date(2023, 9, 1), True),
    (ActionStatus.AMBER, date(2023, 9, 30), True),     # due on the last day of the quarter, not done
    (None, date(2023, 6, 30), True),                   # nothing reported and past due
    (ActionStatus.COMPLETE, date(2023, 9, 1), False),
    (ActionStatus.RED, date(2023, 10, 1), False),
    (ActionStatus.GREEN, None, False),
])
def test_overdue_actions_at_q2(status, due, overdue):
    assert action_overdue(status, due, Q2) is overdue


@pytest.mark.parametrize("raw, unit, tolerance", [
    ("10%", Unit.PERCENT, Tolerance(0.10)), ("10 % of target", Unit.NUMBER, Tolerance(0.10)),
    ("5 points", Unit.PERCENT, Tolerance(0.05, True)), ("5pp", Unit.PERCENT, Tolerance(0.05, True)),
    ("5", Unit.NUMBER, Tolerance(5, True)), (5, Unit.PERCENT, Tolerance(0.05, True)),
    ("£5,000", Unit.MONEY, Tolerance(5000, True)),
])
def test_tolerance_forms(raw, unit, tolerance):
    assert Tolerance.parse(raw, unit) == tolerance


@pytest.mark.parametrize("raw, unit", [
    ("-5%", Unit.PERCENT), (-5, Unit.NUMBER), ("lots", Unit.NUMBER), ("", Unit.NUMBER), ("£5", Unit.PERCENT),
    ("1,5", Unit.NUMBER),
])
def test_bad_tolerance(raw, unit):
    with pytest.raises(ValueError, match="not a tolerance"):
        Tolerance.parse(raw, unit)


def test_missing_reason_is_kept_on_the_value():
    assert parse_value("TBC", Unit.NUMBER).missing is Missing.TBC
    assert Value(None, Missing.BLANK).is_missing
