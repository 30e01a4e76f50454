"""Reading and checking the plan's optional Budget sheet (the model is budget.py).

Every problem is reported with its sheet, row and cell, as for the other plan sheets: a missing
column (with the near-miss header it may have been meant to be), an unknown service, a line used
twice in a service, a figure or profile that cannot be read, and a Net that is not Expenditure −
Income. A line with an error is left out of the plan's budget.
"""

from __future__ import annotations

from xlplan.errors import (PLAN_BAD_SETTING, PLAN_BUDGET_BAD_FIGURE, PLAN_BUDGET_BAD_PROFILE,
                           PLAN_BUDGET_NET_MISMATCH, PLAN_DUPLICATE_KEY, PLAN_MISSING_COLUMN, PLAN_REQUIRED_VALUE,
                           PLAN_UNKNOWN_SERVICE, PLAN_UNKNOWN_WORD, Report, did_you_mean, issue)
from xlplan.plan.budget import (ALIASES, BUDGET_OPTIONAL, BUDGET_REQUIRED, BUDGET_SHEET, BUDGET_TOLERANCE,
                                TYPE_ALLOWED, TYPE_WORDS, Budget, BudgetLine, header_key, money, parse_profile)
from xlplan.plan.sheet import Names, PlanSheet, lookup
from xlplan.status import Tolerance
from xlplan.values import Unit, ValueProblem, clean_text, format_value


class BudgetSheet(PlanSheet):
    """The Budget sheet, its headers matched by canonical name or by the names the seeds' tables use
    (`Staff Resource (FTE)`, `Revenue Expenditure Budget 2020/21`, `Activity`)."""

    def __init__(self, ws, report: Report) -> None:
        super().__init__(ws, BUDGET_SHEET, report)
        for name, i in list(self.header.items()):
            canonical = header_key(name)
            if canonical and canonical != name and canonical not in self.header:
                del self.header[name]
                self.header[canonical] = i

    def known(self) -> list[str]:
        return [*BUDGET_REQUIRED, *BUDGET_OPTIONAL, *{a.title() for a in ALIASES}]

    def unknown_headers(self) -> list[tuple[str, str]]:
        return [(h, self.header_cell(i)) for i, h in enumerate(self.raw_headers) if h and header_key(h) is None]


def budget_tolerance(raw: object, row: int, default: Tolerance, report: Report) -> Tolerance:
    """The Settings row `Budget tolerance`: 5% (of the profiled budget) or an amount (£50,000)."""
    if raw is None or not clean_text(raw):
        return default
    try:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if raw < 0:
                raise ValueError(f"'{raw}' is negative")
            return Tolerance(float(raw) if raw < 1 else float(raw) / 100)
        return Tolerance.parse(raw, Unit.MONEY)
    except ValueError as e:
        report.add(issue(PLAN_BAD_SETTING, sheet="Settings", row=row, setting=BUDGET_TOLERANCE,
                         value=clean_text(raw), reason=str(e),
                         expected="Type a percentage of the profiled budget such as 5%, or an amount such as £50,000."))
        return default


def read_budget(ws, report: Report, services: list, tolerance: Tolerance) -> Budget:
    """The Budget sheet's lines (those without errors), with every problem in `report`."""
    s = BudgetSheet(ws, report)
    missing = [c for c in BUDGET_REQUIRED if not s.has(c)]
    for column in missing:
        near = s.near_miss(column)
        hint = f" (is the column headed '{near[0]}' in {near[1]} meant to be '{column}'?)" if near else ""
        report.add(issue(PLAN_MISSING_COLUMN, sheet=BUDGET_SHEET, row=s.header_row, cell=near[1] if near else None,
                         column=column, suggestion=hint))
    s.warn_unknown_columns(report, exclude=missing)
    if missing:
        return Budget((), tolerance)
    names = Names(x.name for x in services)
    lines: list[BudgetLine] = []
    first: dict[tuple[str, str], int] = {}
    for row, cells in s.rows:
        line = _line(s, row, cells, names, first, report)
        if line is not None:
            lines.append(line)
    return Budget(tuple(lines), tolerance)


def _line(s: BudgetSheet, row: int, cells: list, names: Names, first: dict, report: Report) -> BudgetLine | None:
    service_text, line = s.text(cells, "Service"), s.text(cells, "Line")
    if _total_row(service_text, line):
        return None                       # a "Total :-" row of a pasted table: totals are worked out
    ok = True
    for column, text in (("Service", service_text), ("Line", line)):
        if not text:
            report.add(issue(PLAN_REQUIRED_VALUE, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, column), column=column))
            ok = False
    service = lookup(service_text, names, PLAN_UNKNOWN_SERVICE, s, row, "Service", report) if service_text else ""
    if service and service not in names.spellings:
        ok = False
    if service and line:
        key = (service.casefold(), line.casefold())
        if key in first:
            report.add(issue(PLAN_DUPLICATE_KEY, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, "Line"),
                             column="Line", value=line, first=first[key]))
            ok = False
        else:
            first[key] = row
    shown = line or f"row {row}"
    figures = {}
    for column in ("FTE", "Expenditure", "Income", "Net"):
        raw = s.value(cells, column)
        try:
            x = _number(raw) if column == "FTE" else money(raw)
        except (ValueProblem, ValueError) as e:
            reason = f"expected {'a number of full-time equivalent staff such as 58.2' if column == 'FTE' else 'an amount of money such as £165,000'}"
            if isinstance(e, ValueProblem) and e.hint:
                reason += f" ({e.hint})"
            report.add(issue(PLAN_BUDGET_BAD_FIGURE, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, column), key=shown,
                             column=column, value=clean_text(raw), line=shown, reason=reason))
            ok = False
            continue
        if column == "FTE" and x is not None and x < 0:
            report.add(issue(PLAN_BUDGET_BAD_FIGURE, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, column), key=shown,
                             column=column, value=clean_text(raw), line=shown, reason="FTE cannot be negative"))
            ok = False
        figures[column] = x
    type_text = s.text(cells, "Type")
    income_line = TYPE_WORDS.get(type_text.casefold())
    if income_line is None:
        report.add(issue(PLAN_UNKNOWN_WORD, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, "Type"), column="Type",
                         value=type_text, allowed=TYPE_ALLOWED))
        ok, income_line = False, False
    if not ok:
        return None
    expenditure = figures.get("Expenditure")
    if expenditure is None:
        if not income_line:
            report.add(issue(PLAN_REQUIRED_VALUE, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, "Expenditure"),
                             column="Expenditure"))
            return None
        expenditure = 0.0
    income = abs(figures.get("Income") or 0.0)       # the seeds type income as -46,000 or (787,000)
    if expenditure < 0:
        report.add(issue(PLAN_BUDGET_BAD_FIGURE, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, "Expenditure"),
                         key=shown, column="Expenditure", value=format_value(expenditure, Unit.MONEY), line=shown,
                         reason="expenditure cannot be negative"))
        return None
    expected = round(expenditure - income, 2)
    net = figures.get("Net")
    if net is not None and abs(net - expected) > 0.5:
        report.add(issue(PLAN_BUDGET_NET_MISMATCH, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, "Net"), key=shown,
                         value=format_value(net, Unit.MONEY), line=shown,
                         expenditure=format_value(expenditure, Unit.MONEY), income=format_value(income, Unit.MONEY),
                         expected=format_value(expected, Unit.MONEY)))
        return None
    budget = income if income_line else expected
    try:
        profile = parse_profile(s.value(cells, "Profile"), budget)
    except ValueError as e:
        report.add(issue(PLAN_BUDGET_BAD_PROFILE, sheet=BUDGET_SHEET, row=row, cell=s.ref(row, "Profile"), key=shown,
                         value=s.text(cells, "Profile"), line=shown, reason=str(e)))
        return None
    return BudgetLine(service=service, line=line, fte=figures.get("FTE"), expenditure=expenditure, income=income,
                      net=expected, profile=profile, income_line=income_line, row=row)


def _total_row(service: str, line: str) -> bool:
    return line.casefold().rstrip(":- ") in ("total", "totals", "grand total") or \
        (not service and line.casefold().startswith("total"))


def _number(raw) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError("not a number")
    if isinstance(raw, (int, float)):
        return float(raw)
    return float(clean_text(raw).replace(",", ""))


def near_budget_sheet(titles: list[str]) -> str | None:
    """A sheet title that looks like a misspelt `Budget` (the sheet is optional: only a near miss is said)."""
    others = [t for t in titles if t.strip().casefold() != BUDGET_SHEET.casefold()]
    plural = next((t for t in others if t.strip().casefold() in ("budgets", "activity budget", "activity budgets")), None)
    return plural or did_you_mean(BUDGET_SHEET, others, 1)
