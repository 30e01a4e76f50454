"""Write plan workbooks: the starter plan of `xlplan init`, the example plan, and plans built in tests.

A plan is written from plain tables (lists of dicts keyed by header), with a header note on every
column saying what it holds, dropdowns where a column takes fixed words, frozen headers and
sensible widths, so that the officer editing it in Excel or LibreOffice is guided.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xlplan.periods import FinancialYear
from xlplan.plan.model import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, SETTINGS

Row = Mapping[str, object]

COLUMN_NOTES = {
    "Setting": "The name of a setting (see the rows below). Do not rename these.",
    "Value": "The setting's value.",
    "Theme": "A council outcome/theme. Reports list themes in this order; a theme with nothing in it still appears.",
    "Service": "The service (team) that makes a return. Each gets its own return template.",
    "Manager": "The team manager who fills in the return.",
    "Email": "Where `xlplan send` emails the template.",
    "Department": "Optional: the department whose officer collects this service's return, when several "
                  "departments collect into one store (`xlplan collect --department NAME`). Blank: collected "
                  "only by a collect of the whole plan.",
    "Code": "A unique code for the measure, e.g. SW01 or SPCC024. Returns are matched by this code.",
    "Measure": "The performance indicator as the committee should read it.",
    "Outcome": "The resource outcome the measure or action serves (groups the report tables).",
    "Unit": "% (percentage), £ (money), number, or ratio (e.g. 70/30).",
    "Polarity": "Higher (bigger is better), Lower (smaller is better) or Monitor (no RAG: contextual).",
    "Target": "The annual target: 75%, £175k, 2,500, 70/30; or Increase / Reduce / Maintain (against last "
              "year's outturn); or TBC; blank for no target.",
    "Profile": "Level (the target holds every quarter), Cumulative (accrues evenly: Q2 is half the annual "
               "target) or four quarterly targets separated by ; (e.g. 20%; 40%; 60%; 80%).",
    "Tolerance": "Optional: how far a figure may miss and still be Amber: 10% of the target, or 5 points. "
                 "Blank uses the Amber tolerance setting.",
    "Baseline": "Optional: the baseline figure.",
    "Links": "Optional: links to council plan priorities, e.g. C6.1.",
    "Category": "Optional: e.g. PUBLIC, WLAM, HIGH LEVEL.",
    "Frequency": "Optional: how often the figure is reported. Quarterly (blank), Monthly (a figure per month "
                 "in the return), Six-monthly (due Q2 and Q4), Annual (due Q4), or Annual (Q2) for another "
                 "quarter. Not due: the return shows the latest figure, and reports say when it is due.",
    "Aggregate": "Optional, monthly measures: how the three months make the quarter figure: Sum, Average "
                 "or Last. Blank: Sum for number and £, Average for % and ratio.",
    "Source": "Optional: the system the measure's figures come from (e.g. CareFirst), imported each quarter "
              "with `xlplan import`. Its return shows the figure as from that system, with nothing to fill in. "
              "Blank: the manager reports it in the return.",
    "Ref": "A unique reference for the action, e.g. A1. Returns are matched by this reference.",
    "Action": "The improvement action.",
    "Measures": "The steps or measures the action is reported against (codes or text).",
    "Owner": "Optional: who owns the action.",
    "Start": "Optional: the start date.",
    "Due": "Optional: the due date; an action past it and not Complete is flagged.",
    "Carried status": "Optional: where an action carried from last year's plan stood at that year's end (Green, "
                      "Amber, Red, Report later); `xlplan rollover` writes it.",
    "Carried progress": "Optional: the carried action's last progress update of last year; `xlplan rollover` "
                        "writes it.",
    "Risk": "The risk's title as the committee should read it, e.g. Insufficient supply to meet demand for care "
            "at home.",
    "Description": "Optional: what could happen, why, and what it would affect.",
    "Likelihood": "How likely the risk is now, as a whole number on the Risk scale (1-5 unless Settings says "
                  "otherwise: 1 rare, 5 almost certain). Each quarter's return asks the owner for the current one.",
    "Impact": "How bad it would be, as a whole number on the Risk scale (1 insignificant, 5 severe). The score "
              "is Likelihood x Impact, coloured by the Risk bands setting.",
    "Target score": "Optional: the score the controls aim to bring the risk down to (Likelihood x Impact).",
    "Controls": "Optional: the controls and mitigations in place or planned.",
}
# Notes of a column whose meaning differs on one sheet (Code, Service and Owner on Risks; the Budget sheet).
SHEET_COLUMN_NOTES = {
    ("Risks", "Code"): "A unique code for the risk, e.g. CCOP001 or SP011. Returns are matched by this code.",
    ("Risks", "Service"): "The service whose return asks for the risk's current likelihood and impact.",
    ("Risks", "Owner"): "Optional: who owns the risk (shown in the report).",
    # the optional Budget sheet (plan/budget.py)
    ("Budget", "Service"): "The service whose return asks for this line's spend to date and forecast outturn.",
    ("Budget", "Line"): "The activity or budget line, e.g. Older People care home provision. Unique within its "
                        "service; the return is matched by it.",
    ("Budget", "FTE"): "Optional: the staff resource in full-time equivalents, e.g. 58.2.",
    ("Budget", "Expenditure"): "The revenue expenditure budget for the year, e.g. 2,362,957 or £2.36 million.",
    ("Budget", "Income"): "Optional: the revenue income budget for the year (46,000, -46,000 or (46,000) all mean "
                          "£46,000 of income).",
    ("Budget", "Net"): "Optional: the net revenue budget, Expenditure − Income; checked when filled in.",
    ("Budget", "Profile"): "Optional: how the budget falls across the year: Even (blank), or four quarter shares or "
                           "amounts separated by ; that add up to the year, e.g. 20%; 25%; 25%; 30%.",
    ("Budget", "Type"): "Optional: Income for a line whose budget is income to recover (falling short is worse); "
                        "blank for a service line (spending over is worse).",
}

DROPDOWNS = {
    ("Measures", "Unit"): ["%", "£", "number", "ratio"],
    ("Measures", "Polarity"): ["Higher", "Lower", "Monitor"],
    ("Measures", "Profile"): ["Level", "Cumulative"],
    ("Measures", "Frequency"): ["Quarterly", "Monthly", "Six-monthly", "Annual", "Annual (Q2)"],
    ("Measures", "Aggregate"): ["Sum", "Average", "Last"],
    ("Budget", "Profile"): ["Even"],
    ("Budget", "Type"): ["Service", "Income"],
}
SUGGESTED_ONLY = ("Profile", "Frequency")   # a dropdown that only suggests: other words are typed

_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_WIDTHS = {"Measure": 60, "Action": 50, "Measures": 30, "Outcome": 36, "Theme": 30, "Value": 50,
           "Setting": 20, "Email": 32, "Manager": 24, "Service": 26, "Contact": 40, "Profile": 20, "Owner": 24,
           "Frequency": 14, "Aggregate": 11, "Risk": 44, "Description": 60, "Controls": 50, "Likelihood": 11,
           "Impact": 9, "Target score": 11, "Department": 26, "Source": 14}


def write_plan(path: str | Path, *, settings: Mapping[str, object], themes: Sequence[str],
               services: Sequence[Row], measures: Sequence[Row], actions: Sequence[Row],
               history_years: Sequence[FinancialYear] = (), extra_sheets: Mapping[str, Sequence[Row]] = {},
               risks: Sequence[Row] | None = None) -> Path:
    """Write a plan workbook at `path` from tables; returns the path. Values are written as given
    (strings stay strings, numbers stay numbers) so tests can feed messy input exactly. `risks`:
    the rows of a Risks sheet (the risk register), written after Actions; None writes none."""
    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Settings", ["Setting", "Value"],
           [{"Setting": k, "Value": v} for k, v in settings.items()],
           notes={k: SETTINGS.get(k, "") for k in settings})
    _sheet(wb, "Themes", ["Theme"], [{"Theme": t} for t in themes])
    _sheet(wb, "Services", _columns("Services", services), services)
    years = [y.slash for y in history_years]
    _sheet(wb, "Measures", _columns("Measures", measures, years), measures)
    _sheet(wb, "Actions", _columns("Actions", actions), actions)
    if risks is not None:
        _sheet(wb, "Risks", _columns("Risks", risks), risks)
    for name, rows in extra_sheets.items():
        _sheet(wb, name, _columns(name, rows), rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _target_note(header: str) -> str:
    """The note of a target column headed by a year (`Target 2024/25`), or ''."""
    from xlplan.plan.sheet import target_year
    year = target_year(header)
    if year is None:
        return ""
    return (f"The annual target for {year.slash}, written as in Target. Where it is filled in it is used "
            f"for {year.slash}'s quarters; blank uses Target.")


def _row_height(row: Row, columns: list[str]) -> float:
    """Points tall enough for the longest wrapped cell (spreadsheet programs do not all re-fit rows)."""
    lines = 1
    for header in columns:
        text = "" if row.get(header) is None else str(row[header])
        chars = max(1, int(_WIDTHS.get(header, 14) * 1.15))
        lines = max(lines, sum(-(-max(len(part), 1) // chars) for part in text.split("\n")))
    return 15.0 * min(lines, 12)


WHEN_USED = ("Frequency", "Aggregate", "Carried status", "Carried progress", "Department", "Source")   # optional columns written only when some row fills them


# Sheets whose columns are written in an order of their own (the register reads left to right).
COLUMN_ORDER = {"Risks": ("Code", "Risk", "Description", "Service", "Owner", "Likelihood", "Impact", "Target score",
                          "Controls")}


def _columns(sheet: str, rows: Sequence[Row], years: Sequence[str] = ()) -> list[str]:
    used = {k for r in rows for k in r}
    cols = list(COLUMN_ORDER.get(sheet, ())) or (
        list(REQUIRED_COLUMNS.get(sheet, ())) + [c for c in OPTIONAL_COLUMNS.get(sheet, ())
                                                 if c not in WHEN_USED or c in used] + list(years))
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def _sheet(wb, name: str, columns: list[str], rows: Sequence[Row], notes: Mapping[str, str] = {}) -> None:
    ws = wb.create_sheet(name)
    for c, header in enumerate(columns, 1):
        cell = ws.cell(row=1, column=c, value=header)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        note = SHEET_COLUMN_NOTES.get((name, header)) or COLUMN_NOTES.get(header) or (f"The outturn for financial year {header}." if
                                            FinancialYear.looks_like(header) else "") or _target_note(header)
        if note:
            cell.comment = Comment(note, "xlplan", width=300, height=110)
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(header, 14)
    for r, row in enumerate(rows, 2):
        for c, header in enumerate(columns, 1):
            if header in row and row[header] is not None:
                cell = ws.cell(row=r, column=c, value=row[header])
                if cell.data_type == "f":   # text such as "=SUM(A1)" is kept as text, never a formula
                    cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if isinstance(row[header], date):
                    cell.number_format = "DD/MM/YYYY"
                if name == "Settings" and header == "Setting" and notes.get(row[header]):
                    cell.comment = Comment(notes[row[header]], "xlplan", width=300, height=80)
        ws.row_dimensions[r].height = _row_height(row, columns)
    ws.freeze_panes = "A2"
    # printed, each sheet is landscape and one page wide, with the header row on every page
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    for (sheet, header), words in DROPDOWNS.items():
        if sheet == name and header in columns:
            col = get_column_letter(columns.index(header) + 1)
            dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
            if header in SUGGESTED_ONLY:  # quarterly targets, Annual (Q3) are typed: the list only suggests
                dv.showErrorMessage = False
            else:
                dv.error, dv.errorTitle, dv.showErrorMessage = f"Choose one of: {', '.join(words)}", header, True
            dv.prompt = SHEET_COLUMN_NOTES.get((name, header)) or COLUMN_NOTES.get(header, "")
            dv.promptTitle, dv.showInputMessage = header, True
            dv.add(f"{col}2:{col}1000")
            ws.add_data_validation(dv)
    if name in ("Measures", "Actions", "Risks", "Budget"):
        # Service and Theme pick from the Services and Themes sheets (written before these)
        for header, source in (("Service", "Services!$A$2:$A$500"), ("Theme", "Themes!$A$2:$A$500")):
            if header in columns:
                col = get_column_letter(columns.index(header) + 1)
                dv = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                                    error=f"Pick a {header.lower()} listed on the {header}s sheet",
                                    errorTitle=header)
                dv.add(f"{col}2:{col}1000")
                ws.add_data_validation(dv)
