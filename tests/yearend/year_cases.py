"""A year to run through four quarters for the year-end tests: a plan with quarterly (Level and
Cumulative, a quarterly profile, a direction), monthly (Sum and Average), six-monthly and annual
measures, targets for 2023/24 and 2024/25, four actions; and `run_quarter` making each quarter's
templates from the store (last quarter's figures, Corrections), filling them as managers would
(`xlplan.demo.fill`) and collecting them."""

from __future__ import annotations

from pathlib import Path

from builders import action, build_plan, measure
from xlplan.collect import collect
from xlplan.contract.corrections import REASON, corrected_header
from xlplan.demo.fill import fill_return
from xlplan.frequency import quarter_months
from xlplan.periods import FinancialYear, Period
from xlplan.plan import read_plan
from xlplan.store import correction_offers, load_results
from xlplan.templates.build import last_quarter_values, write_templates

YEAR, NEXT = FinancialYear(2023), FinancialYear(2024)
CJ, AOP = "Children and Justice", "Adult and Older People"
SAFE, HEALTH = "Safe, strong communities", "Improve health, care and wellbeing"

MEASURES = [
    measure("Q01", Target="75%", **{"2021/22": "70%", "2022/23": "72%"}),
    measure("Q02", Unit="£", Target="£100,000", Profile="Cumulative", **{"Target 2024/25": "£120,000",
                                                                         "2022/23": "£90,000"}),
    measure("P01", Unit="number", Target="800", Profile="200; 400; 600; 800", **{"2022/23": "780"}),
    measure("D01", Unit="number", Target="Increase", **{"2022/23": "100"}),
    measure("M01", Service=AOP, Theme=HEALTH, Unit="number", Polarity="Monitor", Target="", Frequency="Monthly",
            Aggregate="Sum", **{"2022/23": "1,200"}),
    measure("M02", Service=AOP, Theme=HEALTH, Unit="%", Target="80%", Frequency="Monthly", Aggregate="Average"),
    measure("S01", Service=AOP, Theme=HEALTH, Unit="%", Target="70%", Frequency="Six-monthly",
            **{"2022/23": "66%"}),
    measure("A01", Service=AOP, Theme=HEALTH, Unit="%", Target="90%", Frequency="Annual",
            **{"Target 2023/24": "92%", "Target 2024/25": "95%", "2021/22": "88%", "2022/23": "89%"}),
]
ACTIONS = [action("A1"), action("A2"), action("A3", Service=AOP, Theme=HEALTH), action("A4", Service=AOP, Theme=HEALTH)]

# quarter → service → code → what the manager types (a monthly measure: a figure per month)
FIGURES = {
    1: {CJ: {"Q01": "71%", "Q02": "£24,000", "P01": "190", "D01": "101"},
        AOP: {"M01": [100, 110, 120], "M02": ["78%", "80%", "82%"]}},
    2: {CJ: {"Q01": "73%", "Q02": "£49,000", "P01": "410", "D01": "103"},
        AOP: {"M01": [100, 100, 100], "M02": ["79%", "81%", "83%"], "S01": "67%"}},
    3: {CJ: {"Q01": "74%", "Q02": "£76,000", "P01": "590", "D01": "104"},
        AOP: {"M01": [90, 95, 100], "M02": ["80%", "82%", "84%"]}},
    4: {CJ: {"Q01": "76%", "Q02": "£101,500", "P01": "805", "D01": "106"},
        AOP: {"M01": [120, 125, 130], "M02": ["81%", "83%", "85%"], "S01": "69%", "A01": "91%"}},
}
ACTION_UPDATES = {
    1: {CJ: {"A1": "Green", "A2": "Green"}, AOP: {"A3": "Green"}},
    2: {CJ: {"A1": "Green", "A2": "Amber"}, AOP: {"A3": "Complete"}},
    3: {CJ: {"A1": "Green", "A2": "Amber"}, AOP: {}},
    4: {CJ: {"A1": "Completed", "A2": "Amber"}, AOP: {}},
}
# Q3's return corrects M01's Q2 (300 → 330): the year's sum uses the restated figure
CORRECTIONS = {3: {AOP: {"M01": ("330", "Twenty calls in August were logged in September.")}}}


def make_year_plan(root: Path, **over) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return build_plan(root / "plan.xlsx", measures=over.pop("measures", MEASURES),
                      actions=over.pop("actions", ACTIONS), **over)


def run_quarter(plan_path: Path, period: Period, db: str, returns: Path, figures: dict, actions: dict | None = None,
                corrections: dict | None = None):
    """Templates for `period` made from the store, filled with `figures`, collected into `db`."""
    plan = read_plan(plan_path)
    out = returns.parent / "templates" / period.id
    paths = write_templates(plan, period, out, plan_path=plan_path,
                            last_values=last_quarter_values(load_results(db, plan, period)),
                            corrections=correction_offers(db, plan, period))
    months = quarter_months(period)
    for service, entries in figures.items():
        template = next(p for p in paths if service in p.name)
        typed = {}
        for code, value in entries.items():
            if isinstance(value, list):
                typed[code] = {m: (v if isinstance(v, str) else str(v)) for m, v in zip(months, value)}
            else:
                typed[code] = {"To date": value, "Comments/Progress": f"{code} commentary"}
        acts = {ref: {"Status": st, "Comments/Progress": f"{ref} at {period.id}: {st}"}
                for ref, st in (actions or {}).get(service, {}).items()}
        fixes = {code: {corrected_header(period): fig, REASON: why}
                 for code, (fig, why) in (corrections or {}).get(service, {}).items()}
        fill_return(template, returns / f"{service}.xlsx", measures=typed, actions=acts, corrections=fixes)
    return collect(plan_path, period, returns, db)


def run_year(root: Path, db: str, quarters=(1, 2, 3, 4)) -> Path:
    """The plan in `root` with `quarters` of 2023-24 collected into `db`; returns the plan's path."""
    plan_path = make_year_plan(root)
    for q in quarters:
        period = YEAR.quarter(q)
        result = run_quarter(plan_path, period, db, root / period.id / "returns", FIGURES[q], ACTION_UPDATES[q],
                             CORRECTIONS.get(q))
        assert result.exit_code == 0, [str(i) for i in result.issues]
    return plan_path
