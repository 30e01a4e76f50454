"""Outturns from four collected quarters: each measure by its nature, restated quarters counted,
a quarter not collected never taken as 0, the status under the stored rule."""

from __future__ import annotations

import pytest

from year_cases import CJ, YEAR, make_year_plan, run_quarter, run_year, FIGURES, ACTION_UPDATES
from xlplan.plan import read_plan
from xlplan.status import ActionStatus, Status, Trend
from xlplan.store import load_year
from xlplan.store.outturn import NOT_COLLECTED, NOT_DUE


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    root = tmp_path_factory.mktemp("year")
    db = f"sqlite:///{root}/xlplan.db"
    plan_path = run_year(root, db)
    return load_year(db, read_plan(plan_path), YEAR)


def by_code(results):
    return {m.code: m for m in results.measures}


def test_level_and_cumulative_measures_take_the_q4_figure(year):
    m = by_code(year)
    assert m["Q01"].outturn.figure == pytest.approx(0.76) and m["Q01"].outturn.short == "Q4 level"
    assert m["Q01"].status is Status.GREEN and m["Q01"].target_text == "75%"
    assert m["Q02"].outturn.figure == 101500 and "cumulative to date" in m["Q02"].outturn.how
    assert m["Q02"].target_text == "£100,000" and m["Q02"].status is Status.GREEN   # Q4 of a Cumulative: the year
    assert m["P01"].outturn.figure == 805 and m["P01"].target_text == "800"        # the profile's Q4 target
    assert m["D01"].outturn.figure == 106 and m["D01"].status is Status.GREEN      # Increase on 2022/23's 100


def test_monthly_sum_adds_the_four_quarters_using_the_restated_one(year):
    m = by_code(year)["M01"]
    assert [q.figure for q in m.quarters.values()] == [330, 330, 285, 375]
    assert m.quarters[2].restated and not m.quarters[1].restated    # Q2 300 corrected to 330 in Q3's return
    assert m.outturn.figure == 330 + 330 + 285 + 375 and m.outturn.short == "sum of Q1–Q4"
    assert m.status is Status.CONTEXTUAL                                # a Monitor measure
    assert m.trend_text.startswith("↑ Up on 2022/23")                   # 1,320 against 1,200


def test_monthly_average_is_the_mean_of_the_quarters(year):
    m = by_code(year)["M02"]
    assert m.outturn.figure == pytest.approx((0.80 + 0.81 + 0.82 + 0.83) / 4)
    assert m.outturn.short == "mean of Q1–Q4" and m.status is Status.GREEN


def test_six_monthly_and_annual_measures(year):
    s01, a01 = by_code(year)["S01"], by_code(year)["A01"]
    assert [q.text for q in s01.quarters.values()] == [NOT_DUE, "67%", NOT_DUE, "69%"]
    assert s01.outturn.figure == pytest.approx(0.69) and s01.status is Status.AMBER
    assert [q.text for q in a01.quarters.values()][:3] == [NOT_DUE] * 3
    assert a01.outturn.figure == pytest.approx(0.91) and a01.outturn.short == "annual, Q4"
    # judged against Target 2023/24 (92%), not Target (90%): the rule stored with Q4's figure
    assert a01.target_text == "92%" and a01.status is Status.AMBER and "Target 2023/24" in a01.rule
    assert a01.trend is Trend.IMPROVING and a01.trend_text == "↑ Improving on 2022/23 (89%)"


def test_actions_latest_update_of_the_year(year):
    a = {x.ref: x for x in year.actions}
    assert a["A1"].status is ActionStatus.COMPLETE and a["A1"].as_at == "2023-24-Q4"
    assert a["A2"].status is ActionStatus.AMBER
    assert a["A3"].status is ActionStatus.COMPLETE and a["A3"].as_at == "2023-24-Q2"   # nothing since
    assert a["A4"].status is ActionStatus.REPORT_LATER and a["A4"].as_at == ""


def test_a_quarter_not_collected_is_never_zero(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = run_year(tmp_path, db, quarters=(1, 2, 4))
    m = by_code(load_year(db, read_plan(plan_path), YEAR))
    assert m["M01"].quarters[3].text == NOT_COLLECTED and m["M01"].quarters[3].figure is None
    assert m["M01"].outturn.figure is None and m["M01"].outturn.missing == "no outturn: Q3 not collected"
    assert m["M01"].status is Status.REPORT_LATER
    assert m["Q01"].outturn.figure == pytest.approx(0.76)            # Q4 is there: the year's level is known


def test_q4_report_later_leaves_no_outturn_and_says_why(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = make_year_plan(tmp_path)
    for q in (1, 2, 3, 4):
        figures = {k: dict(v) for k, v in FIGURES[q].items()}
        if q == 4:
            figures[CJ]["Q01"] = "Not yet available"
        run_quarter(plan_path, YEAR.quarter(q), db, tmp_path / f"q{q}", figures, ACTION_UPDATES[q])
    q01 = by_code(load_year(db, read_plan(plan_path), YEAR))["Q01"]
    assert q01.outturn.figure is None and q01.status is Status.REPORT_LATER
    assert q01.outturn.missing == "no outturn: Q4: Not yet available"


def test_an_empty_store_gives_a_year_not_collected(tmp_path):
    plan = read_plan(make_year_plan(tmp_path))
    y = load_year(f"sqlite:///{tmp_path}/none.db", plan, YEAR)
    assert y.collected == [] and all(m.outturn.figure is None for m in y.measures)
    assert {q.text for m in y.measures for q in m.quarters.values()} <= {NOT_COLLECTED, NOT_DUE}


def test_the_same_year_on_sqlite_and_postgresql(tmp_path, db_url):
    plan_path = run_year(tmp_path, db_url)
    y = load_year(db_url, read_plan(plan_path), YEAR)
    m = by_code(y)
    assert y.collected == [1, 2, 3, 4]
    assert (m["M01"].outturn.figure, m["Q02"].outturn.figure, m["A01"].status) == (1320, 101500, Status.AMBER)
    assert m["M01"].quarters[2].restated


def test_ratio_measures_average_by_share(tmp_path):
    from xlplan.frequency import Frequency, Aggregate
    from xlplan.store.outturn import QuarterFigure, outturn_of
    from xlplan.values import Ratio
    from builders import measure
    plan = read_plan(make_year_plan(tmp_path, measures=[measure("R01", Unit="ratio", Target="70/30",
                                                                Frequency="Monthly")], actions=[]))
    m = plan.measures[0]
    assert m.frequency == Frequency.parse("Monthly") and m.quarter_rule is Aggregate.AVERAGE
    quarters = {q: QuarterFigure(q, True, Ratio(60 + q, 40 - q), f"{60 + q}/{40 - q}", Status.GREEN, True)
                for q in (1, 2, 3, 4)}
    out = outturn_of(m, quarters)
    assert isinstance(out.figure, Ratio) and out.figure.share == pytest.approx(0.625)



@pytest.mark.parametrize("frequency, aggregate, expected, short", [
    ("Annual (Q2)", "", 2, "annual, Q2"),            # an annual figure reported at Q2: Q2's
    ("Six-monthly", "", 4, "Q4 level"),
    ("Monthly", "Last", 4, "Q4, last month"),
    ("", "", 4, "Q4 level"),
])
def test_the_quarter_an_outturn_comes_from(tmp_path, frequency, aggregate, expected, short):
    from builders import measure
    from xlplan.store.outturn import QuarterFigure, outturn_of
    row = measure("X01", Frequency=frequency, Aggregate=aggregate)
    plan = read_plan(make_year_plan(tmp_path, measures=[{k: v for k, v in row.items() if v}], actions=[]))
    quarters = {q: QuarterFigure(q, True, q / 10, f"{q * 10}%", Status.GREEN, True) for q in (1, 2, 3, 4)}
    out = outturn_of(plan.measures[0], quarters)
    assert out.figure == expected / 10 and out.quarter == expected and out.short == short
