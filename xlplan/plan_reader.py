"""Read the plan workbook into a Plan, collecting every problem into a Report (one function per sheet)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from .errors import Report, issue, suggestion
from .periods import FinancialYear
from .plan import (OPTIONAL_COLUMNS, REQUIRED_COLUMNS, SETTINGS, SHEETS, Action, Measure, Plan,
                   Service, Settings)
from .status import DEFAULT_TOLERANCE, Polarity, Profile, Tolerance
from .values import TargetKind, Unit, Value, ValueProblem, check_range, clean_text, parse_target, parse_value


class _Sheet:
    """A plan sheet's rows as dicts keyed by canonical header, with cell lookups for messages."""

    def __init__(self, ws, name: str, report: Report) -> None:
        self.name = name
        rows = list(ws.iter_rows())
        self.header: dict[str, int] = {}       # canonical name → column index (0-based)
        self.raw_headers: list[str] = []
        self.rows: list[tuple[int, list]] = []  # (excel row number, cells)
        if not rows:
            return
        wanted = {c.casefold(): c for c in REQUIRED_COLUMNS.get(name, ()) + OPTIONAL_COLUMNS.get(name, ())}
        seen: dict[str, list[str]] = {}
        for idx, cell in enumerate(rows[0]):
            text = clean_text(cell.value) if cell.value is not None else ""
            self.raw_headers.append(text)
            key = text.casefold()
            canonical = wanted.get(key, text)
            if key and canonical in self.header:
                seen.setdefault(canonical, [f"{get_column_letter(self.header[canonical] + 1)}1"])
                seen[canonical].append(f"{get_column_letter(idx + 1)}1")
                continue
            if key:
                self.header[canonical] = idx
        for column, cells in seen.items():
            report.add(issue("plan.duplicate-column", sheet=name, column=column, cells=", ".join(cells)))
        for r in rows[1:]:
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in r):
                continue
            self.rows.append((r[0].row, list(r)))

    def has(self, column: str) -> bool:
        return column in self.header

    def cell(self, cells: list, column: str):
        idx = self.header.get(column)
        return cells[idx] if idx is not None and idx < len(cells) else None

    def value(self, cells: list, column: str):
        c = self.cell(cells, column)
        return None if c is None else c.value

    def text(self, cells: list, column: str) -> str:
        v = self.value(cells, column)
        return "" if v is None else clean_text(v)

    def ref(self, row: int, column: str) -> str:
        idx = self.header.get(column, 0)
        return f"{get_column_letter(idx + 1)}{row}"


def read_plan_workbook(path: Path) -> tuple[Plan | None, Report]:
    report = Report()
    name = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        report.add(issue("plan.not-a-workbook", file=name, reason="the file does not exist"))
        return None, report
    except Exception as exc:  # zip, xml or format errors from openpyxl
        report.add(issue("plan.not-a-workbook", file=name, reason=str(exc) or type(exc).__name__))
        return None, report
    try:
        sheets = _find_sheets(wb, report)
        if sheets is None:
            return None, report.with_file(name)
        settings = _settings(sheets["Settings"], report)
        themes = _themes(sheets["Themes"], report)
        services = _services(sheets["Services"], report)
        measures = _measures(sheets["Measures"], report, themes, services, settings)
        actions = _actions(sheets["Actions"], report, themes, services, measures)
    finally:
        wb.close()
    plan = Plan(settings, themes, services, measures, actions, source=str(path))
    for s in services:
        if not plan.measures_for(s.name) and not plan.actions_for(s.name):
            report.add(issue("plan.empty-service", sheet="Services", row=s.row, value=s.name))
    return plan, report.with_file(name)


def _find_sheets(wb, report: Report) -> dict[str, _Sheet] | None:
    by_key = {ws.title.strip().casefold(): ws for ws in wb.worksheets}
    found: dict[str, _Sheet] = {}
    for sheet in SHEETS:
        ws = by_key.get(sheet.casefold())
        if ws is None:
            report.add(issue("plan.missing-sheet", sheet=sheet,
                             suggestion=suggestion(sheet, [w.title for w in wb.worksheets])))
            continue
        s = _Sheet(ws, sheet, report)
        missing = [c for c in REQUIRED_COLUMNS[sheet] if not s.has(c)]
        for column in missing:
            report.add(issue("plan.missing-column", sheet=sheet, cell=None, column=column,
                             suggestion=suggestion(column, [h for h in s.raw_headers if h])))
        found[sheet] = s
    if len(found) < len(SHEETS) or not report.valid:
        return None
    return found


def _settings(s: _Sheet, report: Report) -> Settings:
    values: dict[str, tuple[object, int]] = {}
    known = {k.casefold(): k for k in SETTINGS}
    extra: dict[str, str] = {}
    for row, cells in s.rows:
        key = s.text(cells, "Setting")
        if not key:
            continue
        canonical = known.get(key.casefold())
        if canonical is None:
            report.add(issue("plan.unknown-setting", sheet="Settings", row=row, setting=key,
                             suggestion=suggestion(key, SETTINGS)))
            extra[key] = s.text(cells, "Value")
            continue
        values[canonical] = (s.value(cells, "Value"), row)

    def text(k: str) -> str:
        v = values.get(k, (None, 0))[0]
        return "" if v is None else clean_text(v)

    year = None
    if text("Year"):
        try:
            year = FinancialYear.parse(text("Year"))
        except ValueError as e:
            report.add(issue("plan.bad-setting", sheet="Settings", row=values["Year"][1], setting="Year",
                             value=text("Year"), reason=str(e), expected="Type a financial year such as 2023-24."))
    else:
        report.add(issue("plan.missing-setting", sheet="Settings", setting="Year",
                         consequence="periods and history columns cannot be checked against the plan year"))
    tolerance = DEFAULT_TOLERANCE
    if text("Amber tolerance"):
        try:
            raw = values["Amber tolerance"][0]
            # a percent-formatted 10% arrives as the number 0.1: a share of the target
            tolerance = Tolerance(float(raw)) if isinstance(raw, float) and 0 < raw < 1 else Tolerance.parse(raw)
        except ValueError as e:
            report.add(issue("plan.bad-setting", sheet="Settings", row=values["Amber tolerance"][1],
                             setting="Amber tolerance", value=text("Amber tolerance"), reason=str(e),
                             expected="Type a percentage of the target such as 10%, or points such as 5 points."))
    deadline, days = None, None
    if "Return deadline" in values and text("Return deadline"):
        raw, row = values["Return deadline"]
        m = re.fullmatch(r"(\d+)\s*(working\s+)?days?( after quarter end)?", text("Return deadline").lower())
        if m:
            days = int(m.group(1))
        else:
            deadline = _as_date(raw)
            if deadline is None:
                report.add(issue("plan.bad-setting", sheet="Settings", row=row, setting="Return deadline",
                                 value=text("Return deadline"), reason="it is not a date",
                                 expected="Type a date such as 21/10/2023, or e.g. '21 days' after quarter end."))
    for k in ("Organisation", "Plan"):
        if not text(k):
            report.add(issue("plan.missing-setting", sheet="Settings", setting=k,
                             consequence="templates and reports will show it blank"))
    return Settings(organisation=text("Organisation"), plan=text("Plan"), year=year,
                    committee=text("Committee"), report_by=text("Report by"), contact=text("Contact"),
                    amber_tolerance=tolerance, return_deadline=deadline, deadline_days=days,
                    template_password=text("Template password"), extra=extra)


def _themes(s: _Sheet, report: Report) -> list[str]:
    themes: list[str] = []
    first: dict[str, int] = {}
    for row, cells in s.rows:
        t = s.text(cells, "Theme")
        if not t:
            continue
        if t.casefold() in first:
            report.add(issue("plan.duplicate-key", sheet="Themes", row=row, cell=s.ref(row, "Theme"),
                             column="Theme", value=t, first=first[t.casefold()]))
            continue
        first[t.casefold()] = row
        themes.append(t)
    return themes


def _services(s: _Sheet, report: Report) -> list[Service]:
    out: list[Service] = []
    first: dict[str, int] = {}
    for row, cells in s.rows:
        name = s.text(cells, "Service")
        if not name:
            report.add(issue("plan.required-value", sheet="Services", row=row, cell=s.ref(row, "Service"),
                             column="Service"))
            continue
        if name.casefold() in first:
            report.add(issue("plan.duplicate-key", sheet="Services", row=row, cell=s.ref(row, "Service"),
                             column="Service", value=name, first=first[name.casefold()]))
            continue
        first[name.casefold()] = row
        email = s.text(cells, "Email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            report.add(issue("plan.bad-email", sheet="Services", row=row, cell=s.ref(row, "Email"),
                             value=email, service=name))
        out.append(Service(name, s.text(cells, "Manager"), email, row))
    return out


def _lookup(value: str, names: list[str], code: str, s: _Sheet, row: int, column: str,
            report: Report) -> str:
    """Canonical spelling of `value` from `names`, reporting it when it is not there."""
    match = next((n for n in names if n.casefold() == value.casefold()), None)
    if match is None:
        report.add(issue(code, sheet=s.name, row=row, cell=s.ref(row, column), value=value,
                         suggestion=suggestion(value, names)))
        return value
    return match


def _word(parse, s: _Sheet, cells, row: int, column: str, allowed: str, report: Report, default=None):
    raw = s.text(cells, column)
    if not raw and default is not None:
        return default
    try:
        return parse(raw)
    except ValueError:
        report.add(issue("plan.unknown-word", sheet=s.name, row=row, cell=s.ref(row, column),
                         column=column, value=raw, allowed=allowed))
        return None


def _is_percent(cell) -> bool:
    return cell is not None and "%" in str(getattr(cell, "number_format", "") or "")


def _measures(s: _Sheet, report: Report, themes: list[str], services: list[Service],
              settings: Settings) -> list[Measure]:
    out: list[Measure] = []
    first: dict[str, int] = {}
    service_names = [x.name for x in services]
    year_columns = [(FinancialYear.parse(h), h) for h in s.header if FinancialYear.looks_like(h)]
    for row, cells in s.rows:
        code = s.text(cells, "Code")
        ok = True
        for column in ("Code", "Measure", "Theme", "Service", "Unit"):
            if not s.text(cells, column):
                report.add(issue("plan.required-value", sheet="Measures", row=row, cell=s.ref(row, column),
                                 column=column))
                ok = False
        if code and code.casefold() in first:
            report.add(issue("plan.duplicate-key", sheet="Measures", row=row, cell=s.ref(row, "Code"),
                             column="Code", value=code, first=first[code.casefold()]))
            ok = False
        elif code:
            first[code.casefold()] = row
        theme = _lookup(s.text(cells, "Theme"), themes, "plan.unknown-theme", s, row, "Theme", report) \
            if s.text(cells, "Theme") else ""
        service = _lookup(s.text(cells, "Service"), service_names, "plan.unknown-service", s, row, "Service",
                          report) if s.text(cells, "Service") else ""
        unit = _word(Unit.parse, s, cells, row, "Unit", "%, £, number, ratio", report) \
            if s.text(cells, "Unit") else None
        polarity = _word(Polarity.parse, s, cells, row, "Polarity", "Higher, Lower, Monitor", report,
                         default=Polarity.HIGHER)
        if unit is None or polarity is None:
            continue
        target_cell = s.cell(cells, "Target")
        try:
            target = parse_target(s.value(cells, "Target"), unit, percent_format=_is_percent(target_cell))
            problem = check_range(Value(target.figure), unit) if target.kind is TargetKind.FIGURE else None
            if problem:
                raise ValueProblem(s.text(cells, "Target"), f"a target in range: {problem}")
        except ValueProblem as e:
            reason = f"expected {e.expected}" + (f" ({e.hint})" if e.hint else "")
            if "in range" in e.expected:
                reason = e.expected.removeprefix("a target in range: ")
            report.add(issue("plan.bad-target", sheet="Measures", row=row, cell=s.ref(row, "Target"),
                             key=code, code=code or f"row {row}", value=s.text(cells, "Target"), reason=reason))
            ok = False
            target = None
        profile = _word(lambda raw: Profile.parse(raw, unit), s, cells, row, "Profile",
                        "Level, Cumulative, or four quarterly targets separated by ;", report,
                        default=Profile())
        tolerance = None
        if s.text(cells, "Tolerance"):
            tolerance = _word(lambda raw: Tolerance.parse(raw, unit), s, cells, row, "Tolerance",
                              "a percentage of the target (10%) or points/units (5 points)", report)
            ok = ok and tolerance is not None
        baseline = _figure(s, cells, row, "Baseline", unit, report)
        history = {}
        for year, header in year_columns:
            v = _figure(s, cells, row, header, unit, report)
            if v is not None:
                history[year] = v
        if not ok or target is None or profile is None:
            continue
        out.append(Measure(code=code, name=s.text(cells, "Measure"), theme=theme,
                           outcome=s.text(cells, "Outcome"), service=service, unit=unit, polarity=polarity,
                           target=target, profile=profile, tolerance=tolerance, baseline=baseline,
                           links=s.text(cells, "Links"), category=s.text(cells, "Category"),
                           history=history, row=row))
    return out


def _figure(s: _Sheet, cells, row: int, column: str, unit: Unit, report: Report):
    raw = s.value(cells, column)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return parse_value(raw, unit, percent_format=_is_percent(s.cell(cells, column)))
    except ValueProblem as e:
        report.add(issue("plan.bad-value", sheet=s.name, row=row, cell=s.ref(row, column), column=column,
                         value=clean_text(raw), reason=f"expected {e.expected}"))
        return None


def _actions(s: _Sheet, report: Report, themes: list[str], services: list[Service],
             measures: list[Measure]) -> list[Action]:
    out: list[Action] = []
    first: dict[str, int] = {}
    service_names = [x.name for x in services]
    codes = {m.code.casefold() for m in measures}
    for row, cells in s.rows:
        ref = s.text(cells, "Ref")
        ok = True
        for column in ("Ref", "Action", "Theme", "Service"):
            if not s.text(cells, column):
                report.add(issue("plan.required-value", sheet="Actions", row=row, cell=s.ref(row, column),
                                 column=column))
                ok = False
        if ref and ref.casefold() in first:
            report.add(issue("plan.duplicate-key", sheet="Actions", row=row, cell=s.ref(row, "Ref"),
                             column="Ref", value=ref, first=first[ref.casefold()]))
            ok = False
        elif ref:
            first[ref.casefold()] = row
        theme = _lookup(s.text(cells, "Theme"), themes, "plan.unknown-theme", s, row, "Theme", report) \
            if s.text(cells, "Theme") else ""
        service = _lookup(s.text(cells, "Service"), service_names, "plan.unknown-service", s, row, "Service",
                          report) if s.text(cells, "Service") else ""
        measures_text = s.text(cells, "Measures")
        for token in re.findall(r"\b[A-Z]{2,}[A-Z0-9_]*\d+[A-Za-z0-9_.]*\b", measures_text):
            if token.casefold() not in codes and any(c[:2] == token[:2].casefold() for c in codes):
                report.add(issue("plan.unknown-action-measure", sheet="Actions", row=row,
                                 cell=s.ref(row, "Measures"), ref=ref, value=token))
        dates = {}
        for column in ("Start", "Due"):
            raw = s.value(cells, column)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                dates[column] = None
                continue
            d = _as_date(raw, end_of_month=(column == "Due"))
            if d is None:
                report.add(issue("plan.bad-date", sheet="Actions", row=row, cell=s.ref(row, column),
                                 column=column, value=clean_text(raw)))
            dates[column] = d
        if not ok:
            continue
        out.append(Action(ref=ref, name=s.text(cells, "Action"), measures=measures_text, theme=theme,
                          outcome=s.text(cells, "Outcome"), service=service, owner=s.text(cells, "Owner"),
                          start=dates["Start"], due=dates["Due"], row=row))
    return out


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"], 1)}


def _as_date(raw, end_of_month: bool = False) -> date | None:
    """A date from a cell: a real date, 31/03/2024, 2024-03-31, 'March 2024' or 'Mar 24'."""
    import calendar
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = clean_text(raw).lower()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    m = re.fullmatch(r"([a-z]{3})[a-z]*\.?\s+(\d{2}|\d{4})", text)
    if m and m.group(1) in _MONTHS:
        month, year = _MONTHS[m.group(1)], int(m.group(2))
        year = year + 2000 if year < 100 else year
        day = calendar.monthrange(year, month)[1] if end_of_month else 1
        return date(year, month, day)
    return None
