"""The starter plan that `xlplan init` writes: every sheet and setting, with a few example rows to
copy and overwrite. The rows are realistic (modelled on Scottish council resource plans) so that an
officer sees how each column is filled in, and the plan passes `xlplan check` as written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from xlplan.errors import XlplanError
from xlplan.periods import FinancialYear
from xlplan.plan.writer import write_plan

PLAN_NAME = "plan.xlsx"


def starter_settings(year: FinancialYear) -> dict[str, str]:
    """Every Settings row, in the order the Settings sheet lists them."""
    return {
        "Organisation": "Your Council",
        "Plan": "Social Work Resource Plan",
        "Year": year.label,
        "Committee": "Social Work Resources Committee",
        "Report by": "Director, Social Work Resources",
        "Contact": "Performance Officer, performance@yourcouncil.example, 01234 567890",
        "Amber tolerance": "10%",
        "Return deadline": "21 days",
        "Template password": "",
        "Email from": "",
        "Budget tolerance": "",
        "Risk scale": "1-5",
        "Risk bands": "1-4 Green; 5-12 Amber; 15-25 Red",
    }


THEMES = [
    "Ensure communities are safe, strong and sustainable",
    "Improve health, care and wellbeing",
    "Delivering the plan and achieving best value",
]

SERVICES = [
    {"Service": "Children and Justice", "Manager": "Team Manager (Children and Justice)",
     "Email": "children.justice@yourcouncil.example", "Department": "Children and Families"},
    {"Service": "Adult and Older People", "Manager": "Team Manager (Adult and Older People)",
     "Email": "adult.services@yourcouncil.example", "Department": "Adult Social Care"},
]


def starter_measures(year: FinancialYear) -> list[dict]:
    y1, y2, y3 = (y.slash for y in year.prior_years(3))
    return [
        {"Code": "SW01", "Measure": "Criminal Justice Social Work reports submitted to court by the due date",
         "Theme": THEMES[0], "Outcome": "Community Justice Outcome Improvement Plan is progressed",
         "Service": "Children and Justice", "Unit": "%", "Polarity": "Higher", "Target": "95%",
         "Profile": "Level", "Baseline": "95%", "Links": "C6.6", y1: "93%", y2: "96%", y3: "94%"},
        {"Code": "SW02", "Measure": "Number of new clients supported by the Money Matters Advice Service",
         "Theme": THEMES[1], "Outcome": "Tackling poverty and deprivation", "Service": "Adult and Older People",
         "Unit": "number", "Polarity": "Higher", "Target": "2,500", "Profile": "Cumulative",
         "Baseline": "2,500", y1: "2,310", y2: "2,480", y3: "2,612"},
        {"Code": "SW03", "Measure": "Sickness absence: days lost per employee",
         "Theme": THEMES[2], "Outcome": "Promote equality and the well-being of staff",
         "Service": "Adult and Older People", "Unit": "number", "Polarity": "Lower", "Target": "Reduce",
         "Profile": "Cumulative", "Tolerance": "0.5", "Source": "iTrent", y1: "11.2", y2: "12.9", y3: "12.1"},
        {"Code": "SW04", "Measure": "% of foster carer reviews that happen on an annual basis",
         "Theme": THEMES[1], "Outcome": "Deliver better health and social care outcomes for all",
         "Service": "Children and Justice", "Unit": "%", "Polarity": "Higher", "Target": "90%",
         "Profile": "Level", "Frequency": "Annual", f"Target {year.slash}": "92%",
         f"Target {FinancialYear(year.start + 1).slash}": "95%", y2: "88%", y3: "89%"},
        {"Code": "SW05", "Measure": "Number of adult support and protection inquiries completed",
         "Theme": THEMES[1], "Outcome": "Deliver better health and social care outcomes for all",
         "Service": "Adult and Older People", "Unit": "number", "Polarity": "Monitor", "Target": "",
         "Profile": "Level", "Frequency": "Monthly", "Aggregate": "Sum"},
    ]


def starter_actions(year: FinancialYear) -> list[dict]:
    return [
        {"Ref": "A1", "Action": "Improve management of all offenders including high risk offenders",
         "Measures": "Produce and publish the MAPPA annual report", "Theme": THEMES[0],
         "Outcome": "Community Justice Outcome Improvement Plan is progressed", "Service": "Children and Justice",
         "Owner": "Service Manager (Justice)", "Start": date(year.start, 4, 1), "Due": date(year.start, 11, 1)},
        {"Ref": "A2", "Action": "Extend the range and choice of day opportunities for older people",
         "Measures": "Consult on the review of day care services for older people; report in quarters 2 and 4",
         "Theme": THEMES[1], "Outcome": "Deliver better health and social care outcomes for all",
         "Service": "Adult and Older People", "Owner": "Service Manager (Older People)",
         "Start": date(year.start, 4, 1), "Due": year.last_day,
         # carried from last year's plan (`xlplan rollover` fills these two in)
         "Carried status": "Amber",
         "Carried progress": "The consultation was delayed by staff absence; carried into this year."},
    ]


def starter_risks() -> list[dict]:
    """The optional Risks sheet's example rows (modelled on a social policy management plan's register)."""
    return [
        {"Code": "SW-R01", "Risk": "Insufficient supply of care at home to meet service demands",
         "Description": "Market pressure in older people's services leaves people waiting for care at home and "
                        "adds to delayed discharge from hospital.",
         "Service": "Adult and Older People", "Owner": "Service Manager (Older People)", "Likelihood": 3,
         "Impact": 3, "Target score": 6, "Controls": "Weekly review of unmet need; recruitment campaign with "
                                                     "providers; step-down beds."},
        {"Code": "SW-R02", "Risk": "Injury to a staff member or service user arising from professional error",
         "Service": "Children and Justice", "Owner": "Service Manager (Justice)", "Likelihood": 2, "Impact": 3,
         "Target score": 4, "Controls": "Supervision policy; case file audits; lone working procedures."},
    ]


def write_starter(folder: str | Path, *, year: FinancialYear | None = None, force: bool = False,
                  risks: bool = False) -> Path:
    """Write the starter plan as FOLDER/plan.xlsx; refuse to replace an existing plan unless `force`.
    With `risks`, it has a Risks sheet (the optional risk register) with example rows too."""
    path = Path(folder) / PLAN_NAME
    if path.exists() and not force:
        raise XlplanError(f"{path} already exists; edit it, or run `xlplan init --force` to replace it "
                          "with a fresh starter plan (the existing plan will be lost).")
    if path.exists() and path.is_dir():
        raise XlplanError(f"{path} is a folder, not a plan workbook.")
    year = year or FinancialYear.containing(date.today())
    try:
        return write_plan(path, settings=starter_settings(year), themes=THEMES, services=SERVICES,
                          measures=starter_measures(year), actions=starter_actions(year),
                          history_years=year.prior_years(3), risks=starter_risks() if risks else None)
    except PermissionError:
        raise XlplanError(f"Could not write {path}: it is open in Excel or the folder is read-only. "
                          "Close it and try again.") from None
