"""Build small plans in tests from inline tables (see test_plan.py for use)."""

from __future__ import annotations

from pathlib import Path

from xlplan.periods import FinancialYear
from xlplan.plan import write_plan

SETTINGS = {
    "Organisation": "Anytown Council",
    "Plan": "Social Work Resource Plan",
    "Year": "2023-24",
    "Committee": "Social Work Resources Committee",
    "Report by": "Director, Social Work Resources",
    "Contact": "Pat Officer, pat.officer@anytown.gov.uk, 01234 567890",
    "Amber tolerance": "10%",
    "Return deadline": "21 days",
}
THEMES = ["Safe, strong communities", "Improve health, care and wellbeing", "Delivering the plan"]
SERVICES = [
    {"Service": "Children and Justice", "Manager": "Alex Manager", "Email": "alex@anytown.gov.uk"},
    {"Service": "Adult and Older People", "Manager": "Sam Manager", "Email": "sam@anytown.gov.uk"},
]


def measure(code: str, **over) -> dict:
    row = {"Code": code, "Measure": f"Measure {code}", "Theme": THEMES[0], "Outcome": "Outcome one",
           "Service": "Children and Justice", "Unit": "%", "Polarity": "Higher", "Target": "75%",
           "Profile": "Level"}
    row.update(over)
    return row


def action(ref: str, **over) -> dict:
    row = {"Ref": ref, "Action": f"Action {ref}", "Measures": "Report quarterly", "Theme": THEMES[0],
           "Outcome": "Outcome one", "Service": "Children and Justice", "Due": "31/03/2024"}
    row.update(over)
    return row


def risk(code: str, **over) -> dict:
    row = {"Code": code, "Risk": f"Risk {code}", "Description": "What could happen", "Service": "Children and Justice",
           "Owner": "Alex Manager", "Likelihood": 3, "Impact": 2, "Target score": 4, "Controls": "Weekly review"}
    row.update(over)
    return row


def build_plan(path: Path, measures=None, actions=None, settings=None, themes=None, services=None,
               years=("2020-21", "2021-22", "2022-23"), risks=None, budget=None) -> Path:
    return write_plan(
        path,
        settings={**SETTINGS, **(settings or {})},
        themes=themes if themes is not None else THEMES,
        services=services if services is not None else SERVICES,
        measures=measures if measures is not None else [measure("SW01"), measure("SW02", Service="Adult and Older People")],
        actions=actions if actions is not None else [action("A1"), action("A2", Service="Adult and Older People")],
        history_years=[FinancialYear.parse(y) for y in years],
        risks=risks,
        extra_sheets={"Budget": budget} if budget is not None else {},
    )


def budget_line(service: str, line: str, **over) -> dict:
    """A Budget sheet row (plan/budget.py), figures as the seeds' activity budget tables give them."""
    row = {"Service": service, "Line": line, "FTE": 10.5, "Expenditure": "£1,000,000", "Income": "-200,000",
           "Net": "800,000"}
    row.update(over)
    return row
