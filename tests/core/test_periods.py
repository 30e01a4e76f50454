"""UK financial years (April–March) and their quarters."""

from datetime import date

import pytest

from xlplan.periods import FinancialYear, Period, parse_period


@pytest.mark.parametrize("text, start", [
    ("2023-24", 2023), ("2023/24", 2023), ("2023-2024", 2023), ("2023/2024", 2023), ("FY2023-24", 2023),
    (" 2022/23 ", 2022), ("2020–21", 2020), ("1999-00", 1999), ("2099-00", 2099),
])
def test_financial_year_forms(text, start):
    assert FinancialYear.parse(text) == FinancialYear(start)


@pytest.mark.parametrize("text", ["2023", "2023-25", "2024-23", "23-24", "2023/4", "twenty", "", "2023-24-Q2"])
def test_not_a_financial_year(text):
    with pytest.raises(ValueError, match="not a financial year"):
        FinancialYear.parse(text)
    assert not FinancialYear.looks_like(text)


def test_financial_year_labels_days_and_history():
    fy = FinancialYear(2023)
    assert (fy.label, fy.slash, str(fy)) == ("2023-24", "2023/24", "2023-24")
    assert (fy.first_day, fy.last_day) == (date(2023, 4, 1), date(2024, 3, 31))
    assert FinancialYear(1999).label == "1999-00"
    assert [y.slash for y in fy.prior_years()] == ["2020/21", "2021/22", "2022/23"]
    assert fy.previous() == FinancialYear(2022) and fy.previous(3) == FinancialYear(2020)


@pytest.mark.parametrize("day, year", [
    (date(2023, 4, 1), 2023), (date(2024, 3, 31), 2023), (date(2023, 3, 31), 2022), (date(2023, 12, 25), 2023),
])
def test_year_containing(day, year):
    assert FinancialYear.containing(day) == FinancialYear(year)


@pytest.mark.parametrize("text", [
    "2023-24-Q2", "2023/24 Q2", "2023-2024 Q2", "Q2 2023-24", "q2 2023/24", "Q2-2023/24", "2023/24-Q2",
    " 2023-24-Q2 ", "2023-24 Quarter 2", "2023-24 quarter2", "FY2023-24 Q2",
])
def test_period_forms(text):
    assert Period.parse(text) == Period(FinancialYear(2023), 2) == parse_period(text)


@pytest.mark.parametrize("text", ["2023-24-Q5", "2023-24-Q0", "2023-24", "Q2", "2023-25-Q1", "202324Q2",
                                  "2023-24-Q2x", "", "Quarter 2"])
def test_not_a_period(text):
    with pytest.raises(ValueError, match="expected a quarter such as 2023-24-Q2"):
        Period.parse(text)


def test_quarter_must_be_one_to_four():
    with pytest.raises(ValueError):
        Period(FinancialYear(2023), 5)


@pytest.mark.parametrize("q, quarter_start, end, months", [
    (1, date(2023, 4, 1), date(2023, 6, 30), "April 2023 – June 2023, cumulative"),
    (2, date(2023, 7, 1), date(2023, 9, 30), "April 2023 – September 2023, cumulative"),
    (3, date(2023, 10, 1), date(2023, 12, 31), "April 2023 – December 2023, cumulative"),
    (4, date(2024, 1, 1), date(2024, 3, 31), "April 2023 – March 2024, cumulative"),
])
def test_quarter_dates_are_cumulative_from_april(q, quarter_start, end, months):
    p = Period(FinancialYear(2023), q)
    assert p.start == date(2023, 4, 1)
    assert (p.quarter_start, p.end, p.months_text) == (quarter_start, end, months)
    assert p.fraction == q / 4


@pytest.mark.parametrize("period, previous, last_year", [
    ("2023-24-Q2", "2023-24-Q1", "2022-23-Q2"),
    ("2023-24-Q1", "2022-23-Q4", "2022-23-Q1"),
    ("2023-24-Q4", "2023-24-Q3", "2022-23-Q4"),
    ("2000-01-Q1", "1999-00-Q4", "1999-00-Q1"),
])
def test_previous_and_same_quarter_last_year(period, previous, last_year):
    p = Period.parse(period)
    assert p.previous().id == previous
    assert p.same_quarter_last_year().id == last_year


def test_ids_labels_ordering_and_history_years():
    p = Period.parse("2023/24 Q2")
    assert (p.id, p.label, str(p)) == ("2023-24-Q2", "2023-24 Quarter 2", "2023-24-Q2")
    assert Period.parse(p.label) == p and Period.parse(p.id) == p
    assert sorted([Period.parse("2023-24-Q1"), Period.parse("2022-23-Q4"), Period.parse("2023-24-Q3")]) == \
        [Period.parse("2022-23-Q4"), Period.parse("2023-24-Q1"), Period.parse("2023-24-Q3")]
    assert [y.slash for y in p.prior_years(3)] == ["2020/21", "2021/22", "2022/23"]
    assert parse_period(p) is p
