"""Read the plan workbook into a Plan, collecting every problem into a Report (one function per sheet)."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

from xlplan.errors import (
    PLAN_AGGREGATE_IGNORED, PLAN_ASSUMED_POLARITY, PLAN_BUDGET_SHEET_NAME, PLAN_BAD_AGGREGATE, PLAN_BAD_CARRIED_STATUS, PLAN_BAD_DATE, PLAN_BAD_EMAIL, PLAN_BAD_SETTING, PLAN_BAD_TARGET, PLAN_BAD_VALUE,
    PLAN_DEPARTMENT_SPELLING, PLAN_DUPLICATE_KEY, PLAN_EMPTY_SERVICE, PLAN_NO_DEPARTMENT, PLAN_NOTHING_RETURNED,
    PLAN_SOURCE_SPELLING, PLAN_MISSING_COLUMN, PLAN_MONTHLY_CUMULATIVE, PLAN_NO_YEAR_TARGET, PLAN_MISSING_SETTING, PLAN_MISSING_SHEET,
    PLAN_NOT_A_WORKBOOK, PLAN_POLARITY_CONFLICT, PLAN_REQUIRED_VALUE, PLAN_UNKNOWN_ACTION_MEASURE,
    PLAN_UNKNOWN_SERVICE, PLAN_UNKNOWN_SETTING, PLAN_UNKNOWN_THEME, PLAN_UNKNOWN_WORD, Report, Severity, issue,
    suggestion,
)
from xlplan.frequency import AGGREGATE_WORDS, FREQUENCY_WORDS, QUARTERLY, Aggregate, Frequency
from xlplan.heap import cycles_paused
from xlplan.periods import FinancialYear
from xlplan.plan.make import maker
from xlplan.plan.model import REQUIRED_COLUMNS, SETTINGS, SHEETS, Action, Measure, Plan, Service, Settings
from xlplan.plan.risks import find_risks_sheet, read_risks, risk_rules
from xlplan.plan.sheet import (Names, PlanSheet, as_date, column_texts, distinct_texts, lookup, read_word,
                               target_year)
from xlplan.status import DEFAULT_TOLERANCE, ActionStatus, Polarity, Profile, ProfileKind, Tolerance
from xlplan.values import (Target, TargetKind, Unit, Value, ValueProblem, check_range, clean_text,
        parse_target, parse_value)


def read_plan_workbook(path: Path) -> tuple[Plan | None, Report]:
    with cycles_paused():
        return _read_plan_workbook(path)


def _read_plan_workbook(path: Path) -> tuple[Plan | None, Report]:
    report = Report()
    name = path.name
    from xlplan.plan.cells import open_book
    try:
        wb = open_book(path)        # python-calamine: ~30x faster than openpyxl on a large plan
        if wb is None:              # a workbook it cannot be sure of: openpyxl reads it (and explains)
            if path.exists() and not path.is_file() and not path.is_dir():
                raise _NotAFile(path)   # a pipe or a device: openpyxl would wait on it for ever
            import openpyxl
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # missing file, zip, xml or format errors from openpyxl
        report.add(issue(PLAN_NOT_A_WORKBOOK, file=name, reason=_why_unreadable(path, exc)))
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
        rules = risk_rules(sheets["Settings"], report)             # the risk register: optional
        sheets["Risks"] = find_risks_sheet(wb, report)
        risks = read_risks(sheets["Risks"], report, services, rules)
        budget = _budget(wb, report, services, settings)      # the optional Budget sheet
    finally:
        wb.close()
    plan = Plan(settings, themes, services, measures, actions, source=str(path), risks=risks, risk_rules=rules,
                budget=budget)
    # a service named on any Measures/Actions/Risks row has something to report, even if that row has errors
    named = {t.casefold() for n in ("Measures", "Actions", "Risks") if sheets[n] is not None
             for t in distinct_texts(sheets[n].rows, sheets[n].index("Service"))}
    named |= budget.services() if budget is not None else set()
    for s in services:
        if s.name.casefold() not in named:
            report.add(issue(PLAN_EMPTY_SERVICE, sheet="Services", row=s.row, value=s.name))
    if any(m.source for m in measures):
        for s in plan.services_with_returns():
            own = plan.measures_for(s.name)
            if own and all(m.source for m in own) and not plan.actions_for(s.name):
                report.add(issue(PLAN_NOTHING_RETURNED, sheet="Services", row=s.row, value=s.name))
    return plan, report.with_file(name)


def _budget(wb, report: Report, services: list[Service], settings: Settings):
    """The Budget sheet's budget (plan/budget_sheet.py), or None when the plan has no such sheet."""
    from xlplan.plan.budget import BUDGET_SHEET, BUDGET_TOLERANCE
    ws = next((w for w in wb.worksheets if w.title.strip().casefold() == BUDGET_SHEET.casefold()), None)
    if ws is None:
        from xlplan.plan.budget_sheet import near_budget_sheet
        near = near_budget_sheet([w.title for w in wb.worksheets if w.title not in SHEETS])
        if near:
            report.add(issue(PLAN_BUDGET_SHEET_NAME, sheet=near, value=near))
        return None
    from xlplan.plan.budget_sheet import budget_tolerance, read_budget
    tolerance = budget_tolerance(settings.extra.get(BUDGET_TOLERANCE), 0, settings.amber_tolerance, Report())
    return read_budget(ws, report, services, tolerance)


class _NotAFile(OSError):
    """The plan path exists but is neither a file nor a folder."""


def _why_unreadable(path: Path, exc: Exception) -> str:
    """Why the plan could not be opened, in words an officer can act on."""
    suffix = path.suffix.lower()
    if isinstance(exc, FileNotFoundError):
        return "the file does not exist"
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return "it is a folder, not a workbook"
    if isinstance(exc, _NotAFile):
        return "it is not a file (a pipe, socket or device); save the plan workbook as a file"
    if isinstance(exc, PermissionError):
        return "it could not be read (permission denied, or it is locked by another program)"
    if suffix == ".xls":
        return "it is in the old .xls format; open it in Excel and save it as an .xlsx workbook"
    if suffix in (".csv", ".ods", ".txt"):
        return f"it is a {suffix} file; open it in Excel and save it as an .xlsx workbook"
    if isinstance(exc, zipfile.BadZipFile) or "zip" in str(exc).lower():
        return "it is not an .xlsx workbook, or it is damaged or password-protected (remove the password)"
    return str(exc) or type(exc).__name__


def _find_sheets(wb, report: Report) -> dict[str, PlanSheet] | None:
    by_key = {ws.title.strip().casefold(): ws for ws in wb.worksheets}
    found: dict[str, PlanSheet] = {}
    for sheet in SHEETS:
        ws = by_key.get(sheet.casefold())
        if ws is None:
            report.add(issue(PLAN_MISSING_SHEET, sheet=sheet,
                             suggestion=suggestion(sheet, [w.title for w in wb.worksheets])))
            continue
        s = PlanSheet(ws, sheet, report)
        missing = [c for c in REQUIRED_COLUMNS[sheet] if not s.has(c)]
        for column in missing:
            near = s.near_miss(column)
            hint = f" (is the column headed '{near[0]}' in {near[1]} meant to be '{column}'?)" if near else ""
            report.add(issue(PLAN_MISSING_COLUMN, sheet=sheet, row=s.header_row, cell=near[1] if near else None,
                             column=column, suggestion=hint))
        s.warn_unknown_columns(report, exclude=missing)
        found[sheet] = s
    if len(found) < len(SHEETS) or not report.valid:
        return None
    return found


def _settings(s: PlanSheet, report: Report) -> Settings:
    values: dict[str, tuple[object, int]] = {}
    known = {k.casefold(): k for k in SETTINGS}
    extra: dict[str, str] = {}
    for row, cells in s.rows:
        key = s.text(cells, "Setting")
        if not key:
            continue
        canonical = known.get(key.casefold())
        if canonical is None:
            report.add(issue(PLAN_UNKNOWN_SETTING, sheet="Settings", row=row, setting=key,
                             suggestion=suggestion(key, SETTINGS)))
            extra[key] = s.text(cells, "Value")
            continue
        values[canonical] = (s.value(cells, "Value"), row)
        if canonical == "Budget tolerance" and s.text(cells, "Value"):    # kept only when set (plan/budget.py)
            from xlplan.plan.budget_sheet import budget_tolerance
            budget_tolerance(s.value(cells, "Value"), row, DEFAULT_TOLERANCE, report)
            raw = s.value(cells, "Value")
            extra[canonical] = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else s.text(cells, "Value")

    def text(k: str) -> str:
        v = values.get(k, (None, 0))[0]
        return "" if v is None else clean_text(v)

    year = None
    if text("Year"):
        try:
            year = FinancialYear.parse(text("Year"))
        except ValueError as e:
            report.add(issue(PLAN_BAD_SETTING, sheet="Settings", row=values["Year"][1], setting="Year",
                             value=text("Year"), reason=str(e), expected="Type a financial year such as 2023-24."))
    else:
        report.add(issue(PLAN_MISSING_SETTING, sheet="Settings", setting="Year",
                         consequence="periods and history columns cannot be checked against the plan year"))
    tolerance = DEFAULT_TOLERANCE
    if text("Amber tolerance"):
        try:
            tolerance = _plan_tolerance(values["Amber tolerance"][0])
        except ValueError as e:
            report.add(issue(PLAN_BAD_SETTING, sheet="Settings", row=values["Amber tolerance"][1],
                             setting="Amber tolerance", value=text("Amber tolerance"), reason=str(e),
                             expected="Type a percentage of the target such as 10%."))
    deadline, days, working = None, None, False
    if "Return deadline" in values and text("Return deadline"):
        raw, row = values["Return deadline"]
        m = re.fullmatch(r"(\d+)\s*((working\s+)?days?( after (the )?(end of (the )?quarter|quarter end))?)?",
                         text("Return deadline").lower())
        if m:
            days, working = int(m.group(1)), bool(m.group(3))
        else:
            deadline = as_date(raw)
            if deadline is None:
                report.add(issue(PLAN_BAD_SETTING, sheet="Settings", row=row, setting="Return deadline",
                                 value=text("Return deadline"), reason="it is not a date",
                                 expected="Type a date such as 21/10/2023, or e.g. '21 days' after quarter end."))
    for k in ("Organisation", "Plan"):
        if not text(k):
            report.add(issue(PLAN_MISSING_SETTING, sheet="Settings", setting=k,
                             consequence="templates and reports will show it blank"))
    return Settings(organisation=text("Organisation"), plan=text("Plan"), year=year,
                    committee=text("Committee"), report_by=text("Report by"), contact=text("Contact"),
                    amber_tolerance=tolerance, return_deadline=deadline, deadline_days=days,
                    deadline_working_days=working,
                    template_password=text("Template password"), extra=extra)


def _plan_tolerance(raw: object) -> Tolerance:
    """The plan-wide Amber tolerance: always a share of the target, since it applies to measures of
    every unit (points or pounds are set per measure in the Tolerance column)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not 0 <= raw <= 100:
            raise ValueError(f"'{raw}' is not a percentage from 0% to 100%")
        # a percent-formatted 10% arrives as 0.1; a plain 10 means 10%
        return Tolerance(float(raw) if raw < 1 else float(raw) / 100)
    tolerance = Tolerance.parse(raw)
    if tolerance.absolute:
        raise ValueError("the plan-wide tolerance must be a percentage of the target such as 10%; "
                         "set points or amounts per measure in the Measures sheet's Tolerance column")
    return tolerance


def _themes(s: PlanSheet, report: Report) -> list[str]:
    themes: list[str] = []
    first: dict[str, int] = {}
    for row, cells in s.rows:
        t = s.text(cells, "Theme")
        if not t:
            continue
        if t.casefold() in first:
            report.add(issue(PLAN_DUPLICATE_KEY, sheet="Themes", row=row, cell=s.ref(row, "Theme"),
                             column="Theme", value=t, first=first[t.casefold()]))
            continue
        first[t.casefold()] = row
        themes.append(t)
    return themes


def _services(s: PlanSheet, report: Report) -> list[Service]:
    out: list[Service] = []
    first: dict[str, int] = {}
    departments: dict[str, tuple[str, int]] = {}      # casefolded → (as first spelt, its row)
    for row, cells in s.rows:
        name = s.text(cells, "Service")
        if not name:
            report.add(issue(PLAN_REQUIRED_VALUE, sheet="Services", row=row, cell=s.ref(row, "Service"),
                             column="Service"))
            continue
        if name.casefold() in first:
            report.add(issue(PLAN_DUPLICATE_KEY, sheet="Services", row=row, cell=s.ref(row, "Service"),
                             column="Service", value=name, first=first[name.casefold()]))
            continue
        first[name.casefold()] = row
        email = s.text(cells, "Email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            report.add(issue(PLAN_BAD_EMAIL, sheet="Services", row=row, cell=s.ref(row, "Email"),
                             value=email, service=name))
        elif not email:
            report.add(issue(PLAN_REQUIRED_VALUE, sheet="Services", row=row, cell=s.ref(row, "Email"),
                             column="Email", severity=Severity.WARNING))
        out.append(Service(name, s.text(cells, "Manager"), email, row, _department(s, row, cells, departments, report)))
    _check_departments(s, out, report)
    return out


def _department(s: PlanSheet, row: int, cells: list, seen: dict[str, tuple[str, int]], report: Report) -> str:
    """The service's Department (spaces tidied), spelt as its first row spells it."""
    text = " ".join(s.text(cells, "Department").split())
    if not text:
        return ""
    first = seen.setdefault(text.casefold(), (text, row))
    if first[0] != text:
        report.add(issue(PLAN_DEPARTMENT_SPELLING, sheet="Services", row=row, cell=s.ref(row, "Department"),
                         value=text, first=first[0], first_row=first[1]))
    return first[0]


def _check_departments(s: PlanSheet, services: list[Service], report: Report) -> None:
    """Once any service names a department, each one should: a service without one is collected
    only by a collect of the whole plan."""
    named = list(dict.fromkeys(x.department for x in services if x.department))
    if not named:
        return
    for x in services:
        if not x.department:
            report.add(issue(PLAN_NO_DEPARTMENT, sheet="Services", row=x.row, cell=s.ref(x.row, "Department"),
                             value=x.name, departments=", ".join(named)))


_MEASURE_REQUIRED = ("Code", "Measure", "Theme", "Service", "Unit")
_ACTION_REQUIRED = ("Ref", "Action", "Theme", "Service")


def _required_and_unique(s: PlanSheet, sheet: str, row: int, columns: tuple[str, ...], texts: tuple[str, ...],
                         first: dict[str, int], report: Report) -> bool:
    """Report each empty required cell of a Measures/Actions row and a key (its first column) already
    used on an earlier row (`first`: casefolded key -> row, updated); whether the row passed."""
    ok = True
    if not all(texts):
        for column, text in zip(columns, texts):
            if not text:
                report.add(issue(PLAN_REQUIRED_VALUE, sheet=sheet, row=row, cell=s.ref(row, column), column=column))
                ok = False
    key = texts[0]
    if key:
        folded = key.casefold()
        if folded in first:
            report.add(issue(PLAN_DUPLICATE_KEY, sheet=sheet, row=row, cell=s.ref(row, columns[0]),
                             column=columns[0], value=key, first=first[folded]))
            ok = False
        else:
            first[folded] = row
    return ok


def _measures(s: PlanSheet, report: Report, themes: list[str], services: list[Service],
              settings: Settings) -> list[Measure]:
    """The Measures sheet's measures. Written for a plan of 50,000 rows: columns are cleaned as
    lists, and words, targets, profiles, tolerances and figures are read once per distinct value
    (`_Memo`); a value with a problem is read, and reported, on every row it is on."""
    out: list[Measure] = []
    first: dict[str, int] = {}
    service_names, themes = Names(x.name for x in services), Names(themes)
    years = [(FinancialYear.parse(h), h, s.index(h)) for h in s.header if FinancialYear.looks_like(h)]
    target_years = sorted((target_year(h), h) for h in s.header if target_year(h))
    i_frequency, i_aggregate, i_source = s.index("Frequency"), s.index("Aggregate"), s.index("Source")
    sources: dict[str, tuple[str, int]] = {}          # casefolded → (as first spelt, its row)
    rows = s.rows
    texts = {c: column_texts(rows, s.index(c), repeats=c not in ("Code", "Measure"))
             for c in ("Code", "Measure", "Theme", "Service", "Unit", "Polarity")}
    i_target, i_profile, i_tolerance, i_baseline = (s.index(c) for c in ("Target", "Profile", "Tolerance", "Baseline"))
    memo, figures = _Memo(report), _Memo(report)
    found, found_figures, formats = memo.found, figures.found, s.formats
    by_theme, by_service, by_unit, by_polarity = (_Memo(report) for _ in range(4))
    known_themes, known_services, known_units, known_polarities = (
        m.found for m in (by_theme, by_service, by_unit, by_polarity))
    words = {c: column_texts(rows, s.index(c)) for c in ("Outcome", "Links", "Category")}
    for (row, cells), code, name, theme_text, service_text, unit_text, polarity_text, outcome, links, category in zip(
            rows, *(texts[c] for c in ("Code", "Measure", "Theme", "Service", "Unit", "Polarity")),
            *(words[c] for c in ("Outcome", "Links", "Category"))):
        folded = code.casefold()
        if name and theme_text and service_text and unit_text and code and folded not in first:
            first[folded], ok = row, True       # the common case of `_required_and_unique`, inline
        else:
            ok = _required_and_unique(s, "Measures", row, _MEASURE_REQUIRED,
                                      (code, name, theme_text, service_text, unit_text), first, report)
        theme = known_themes.get(theme_text)
        if theme is None:
            theme = by_theme(theme_text, lambda: lookup(theme_text, themes, PLAN_UNKNOWN_THEME, s, row, "Theme",
                                                        report) if theme_text else "")
        service = known_services.get(service_text)
        if service is None:
            service = by_service(service_text, lambda: lookup(service_text, service_names, PLAN_UNKNOWN_SERVICE, s,
                                                              row, "Service", report) if service_text else "")
        unit = known_units.get(unit_text) or by_unit(unit_text, lambda: read_word(
            Unit.parse, s, cells, row, "Unit", "%, £, number, ratio", report) if unit_text else None)
        polarity = known_polarities.get(polarity_text) or by_polarity(polarity_text, lambda: read_word(
            Polarity.parse, s, cells, row, "Polarity", "Higher, Lower, Monitor", report, default=Polarity.HIGHER))
        if unit is None:
            continue
        ukey = unit._value_     # a unit in a memo key as its value: an Enum member hashes in Python
        row_formats = formats.get(row) if formats else None
        raw = cells[i_target]
        key = ("target", raw.__class__, raw, ukey, row_formats is not None and s.percent(row, "Target"))
        target = found.get(key) or memo(_key(*key[:1], *key[2:]), lambda: _target(s, cells, row, code, unit, report))
        if polarity is not None and target is not None and (not polarity_text or target.kind in _DIRECTIONS):
            _check_direction(s, cells, row, code, polarity, target, report)
        raw = cells[i_profile]
        key = ("profile", raw.__class__, raw, ukey)
        profile = found.get(key) or memo(_key("profile", raw, ukey), lambda: read_word(
            lambda _: Profile.parse(raw, unit), s, cells, row, "Profile",
            "Level, Cumulative, or four quarterly targets separated by ;", report, default=Profile()))
        if profile is not None and profile.quarters:
            ok = memo(("quarters", id(profile), ukey), lambda: _check_quarters(s, row, code, unit, profile, report)) \
                and ok
        tolerance = None if cells[i_tolerance] is None else _tolerance(s, cells, row, unit, report, memo)
        ok = ok and tolerance is not False
        baseline = None if cells[i_baseline] is None else _figure(s, cells, row, "Baseline", unit, report, figures)
        history = {}
        for year, header, i in years:
            raw = cells[i]
            if raw is None:
                continue
            if row_formats is None:   # the common case, inline (see `_key`: a zero is never found)
                key = ("figure", raw.__class__, raw, ukey, False)
                v = found_figures.get(key)
                if v is None:
                    if unit in _PLAIN_UNITS and key[1] in (float, int) and raw and math.isfinite(raw):
                        v = found_figures[key] = plain_figure(raw)
                    else:
                        v = _figure(s, cells, row, header, unit, report, figures)
            else:
                v = _figure(s, cells, row, header, unit, report, figures)
            if v is not None:
                history[year] = v
        frequency, aggregate, year_targets = QUARTERLY, None, {}
        if cells[i_frequency] is not None:
            raw = cells[i_frequency]
            frequency = memo(_key("frequency", raw), lambda: read_word(
                Frequency.parse, s, cells, row, "Frequency", FREQUENCY_WORDS, report, default=QUARTERLY))
            ok = ok and frequency is not None
        if cells[i_aggregate] is not None:
            aggregate = _aggregate(s, cells, row, code, unit, frequency, report)
            ok = ok and aggregate is not False
        if frequency is not QUARTERLY and frequency is not None and frequency.monthly and profile is not None \
                and profile.kind is ProfileKind.CUMULATIVE and (aggregate or Aggregate.default_for(unit)) is Aggregate.SUM:
            report.add(issue(PLAN_MONTHLY_CUMULATIVE, sheet="Measures", row=row, cell=s.ref(row, "Profile"), key=code,
                             code=code or f"row {row}"))
        if target_years:
            year_targets = _year_targets(s, cells, row, code, unit, target_years, settings, target, report)
            ok = ok and year_targets is not None
        source = "" if cells[i_source] is None else _source(s, cells, row, code, sources, report)
        if polarity is None:
            continue
        if not ok or target is None or profile is None:
            continue
        out.append(_new_measure(code, name, theme, outcome, service, unit, polarity, target, profile,
                                tolerance or None, baseline, links, category, history, row, frequency,
                                aggregate or None, year_targets, source))      # Measure's fields in order
    return out


RETURN_SOURCES = {"return", "returns", "manager", "manager's return", "managers return", "the return"}   # = blank


def _source(s: PlanSheet, cells, row: int, code: str, seen: dict[str, tuple[str, int]], report: Report) -> str:
    """A measure's Source: the system its figures are imported from ('' for the service's return:
    blank, or a word such as Return), spaces tidied and spelt as its first row spells it."""
    text = " ".join(s.text(cells, "Source").split())
    if text.casefold() in RETURN_SOURCES:
        return ""
    first = seen.setdefault("".join(text.split()).casefold(), (text, row))     # Care First is CareFirst
    if text and first[0] != text:
        report.add(issue(PLAN_SOURCE_SPELLING, sheet="Measures", row=row, cell=s.ref(row, "Source"), key=code,
                         code=code or f"row {row}", value=text, first=first[0], first_row=first[1]))
    return first[0] if text else ""


def _aggregate(s: PlanSheet, cells, row: int, code: str, unit: Unit, frequency: Frequency | None,
               report: Report) -> Aggregate | None | bool:
    """A monthly measure's Aggregate (Sum, Average, Last); None when blank or not monthly (said so),
    False (reported) when not understood or meaningless for the unit (a sum of percentages)."""
    text = s.text(cells, "Aggregate")
    if not text:
        return None
    aggregate = read_word(Aggregate.parse, s, cells, row, "Aggregate", AGGREGATE_WORDS, report)
    if aggregate is None:
        return False
    where = dict(sheet="Measures", row=row, cell=s.ref(row, "Aggregate"), key=code, code=code or f"row {row}",
                 value=text)
    if aggregate is Aggregate.SUM and unit in (Unit.PERCENT, Unit.RATIO):
        report.add(issue(PLAN_BAD_AGGREGATE, reason=f"does not fit a {unit.value} measure: "
                         f"{'percentages' if unit is Unit.PERCENT else 'ratios'} cannot be added up month by month", allowed="Average or Last", **where))
        return False
    if frequency is not None and not frequency.monthly:
        report.add(issue(PLAN_AGGREGATE_IGNORED, frequency=frequency.describe(), **where))
        return None
    return aggregate


def _year_targets(s: PlanSheet, cells, row: int, code: str, unit: Unit, columns: list, settings: Settings,
                  target: Target | None, report: Report) -> dict | None:
    """The measure's targets from the columns headed by a year (`Target 2024/25`), blank ones left
    out; None (reported) when one is not understood. A measure with other years' targets but none
    for the plan's year, and no Target, is warned about (naming the year's cell, or Target's)."""
    found, ok = {}, True
    for year, header in columns:
        if s.value(cells, header) is None or not s.text(cells, header):
            continue
        t = _target(s, cells, row, code, unit, report, column=header)
        if t is None:
            ok = False
        else:
            found[year] = t
    plan_year = settings.year
    if ok and found and plan_year is not None and plan_year not in found \
            and (target is None or target.kind is TargetKind.NONE):
        header = next((h for y, h in columns if y == plan_year), "Target")
        report.add(issue(PLAN_NO_YEAR_TARGET, sheet="Measures", row=row, cell=s.ref(row, header), key=code,
                         code=code or f"row {row}", years=", ".join(y.slash for y in sorted(found)),
                         year=plan_year.slash))
    return found if ok else None


class _Memo:
    """Results of pure readers by key, kept only when reading them reported nothing: a value that
    has a problem is read again on every row it is on, so each row's issue is reported as before."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.found: dict = {}

    def __call__(self, key, read):
        if key is None:
            return read()
        try:
            return self.found[key]
        except KeyError:
            pass
        before = len(self.report.issues)
        result = read()
        if len(self.report.issues) == before:
            self.found[key] = result
        return result

    def word(self, text: str) -> str:
        """`text`, one object for each distinct text (a plan repeats its outcomes and categories)."""
        return self.found.setdefault(("word", text), text)


def _key(kind: str, raw, *more):
    """A memo key for a cell value: its type and value (True is not 1, '1' is not 1). None - do not
    memoise - for a zero or NaN number, whose sign or identity an equal key would not keep."""
    if type(raw) is float and not raw:   # -0.0 == 0.0
        return None
    if raw != raw:
        return None
    return (kind, type(raw), raw, *more)


def _target(s: PlanSheet, cells, row: int, code: str, unit: Unit, report: Report,
            column: str = "Target") -> Target | None:
    """The measure's annual target (in `column`: Target, or a year's Target 2024/25), or None
    (reported) when it is not understood or out of range."""
    text = s.text(cells, column)
    try:
        target = parse_target(s.value(cells, column), unit, percent_format=s.percent(row, column))
    except ValueProblem as e:
        reason = f"expected {unit.noun} such as {unit.example}, a direction (Increase, Reduce, Maintain), " \
                 "TBC, or blank for no target" + (f" ({e.hint})" if e.hint else "")
        report.add(issue(PLAN_BAD_TARGET, sheet="Measures", row=row, cell=s.ref(row, column), key=code,
                         code=code or f"row {row}", value=text, reason=reason))
        return None
    problem = check_range(Value(target.figure), unit) if target.kind is TargetKind.FIGURE else None
    if problem:
        report.add(issue(PLAN_BAD_TARGET, sheet="Measures", row=row, cell=s.ref(row, column), key=code,
                         code=code or f"row {row}", value=text, reason=problem))
        return None
    return target


_DIRECTIONS = (TargetKind.INCREASE, TargetKind.REDUCE)


def _check_direction(s: PlanSheet, cells, row: int, code: str, polarity: Polarity, target: Target,
                     report: Report) -> None:
    """A blank Polarity is read as Higher (said so unless an Increase/Reduce target sets the direction);
    an explicit one that contradicts Increase/Reduce is pointed out, since the target's direction wins."""
    said = s.text(cells, "Polarity")
    implied = {TargetKind.INCREASE: Polarity.HIGHER, TargetKind.REDUCE: Polarity.LOWER}.get(target.kind)
    if not said and implied is None:
        report.add(issue(PLAN_ASSUMED_POLARITY, sheet="Measures", row=row, cell=s.ref(row, "Polarity"),
                         key=code, code=code or f"row {row}"))
    elif said and implied is not None and polarity not in (implied, Polarity.MONITOR):
        report.add(issue(PLAN_POLARITY_CONFLICT, sheet="Measures", row=row, cell=s.ref(row, "Polarity"),
                         key=code, code=code or f"row {row}", value=said, target=target.kind.value,
                         direction=implied.value))


def _check_quarters(s: PlanSheet, row: int, code: str, unit: Unit, profile: Profile, report: Report) -> bool:
    """Quarterly targets must be in range for the unit, like the annual target."""
    ok = True
    for q, t in enumerate(profile.quarters, 1):
        problem = check_range(Value(t.figure), unit) if t.kind is TargetKind.FIGURE else None
        if problem:
            report.add(issue(PLAN_BAD_TARGET, sheet="Measures", row=row, cell=s.ref(row, "Profile"), key=code,
                             code=code or f"row {row}", value=profile.describe(unit), reason=f"Q{q}: {problem}"))
            ok = False
    return ok


def _tolerance(s: PlanSheet, cells, row: int, unit: Unit, report: Report, memo=None) -> Tolerance | None | bool:
    """The measure's own tolerance; None when blank, False (reported) when not understood."""
    raw = s.value(cells, "Tolerance")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if memo is not None:
        return memo(_key("tolerance", raw, unit._value_, s.percent(row, "Tolerance")),
                    lambda: _tolerance(s, cells, row, unit, report))
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and s.percent(row, "Tolerance") and raw >= 0:
        return Tolerance(float(raw))  # a percent-formatted 10% arrives as 0.1: a share of the target
    try:
        return Tolerance.parse(raw, unit)
    except ValueError:
        report.add(issue(PLAN_UNKNOWN_WORD, sheet=s.name, row=row, cell=s.ref(row, "Tolerance"),
                         column="Tolerance", value=clean_text(raw),
                         allowed="a percentage of the target (10%) or points/units (5 points)"))
        return False


def _figure(s: PlanSheet, cells, row: int, column: str, unit: Unit, report: Report, memo=None, index=None):
    raw = cells[s.index(column) if index is None else index]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if memo is not None:
        return memo(_key("figure", raw, unit._value_, s.percent(row, column)),
                    lambda: _figure(s, cells, row, column, unit, report))
    if unit in _PLAIN_UNITS and raw.__class__ in (float, int) and math.isfinite(raw):
        return plain_figure(raw)
    try:
        return parse_value(raw, unit, percent_format=s.percent(row, column))
    except ValueProblem as e:
        report.add(issue(PLAN_BAD_VALUE, sheet=s.name, row=row, cell=s.ref(row, column), column=column,
                         value=clean_text(raw), reason=f"expected {e.expected}"))
        return None


_PLAIN_UNITS = (Unit.NUMBER, Unit.MONEY)


def plain_figure(raw: float | int) -> Value:
    """`parse_value(raw, unit)` for a finite number and a number or money unit, without its checks
    for text, dates, percent formats and ratios (none of which apply)."""
    x = float(raw)
    return _new_value(x, None, str(int(x)) if x.is_integer() else f"{x:g}", "")


_new_value = maker(Value)       # Value(figure, missing, raw, note), built slot by slot
_new_measure = maker(Measure)
_new_action = maker(Action)


def _actions(s: PlanSheet, report: Report, themes: list[str], services: list[Service],
             measures: list[Measure]) -> list[Action]:
    out: list[Action] = []
    first: dict[str, int] = {}
    service_names, themes = Names(x.name for x in services), Names(themes)
    codes = {m.code.casefold() for m in measures}
    prefixes = {c[:2] for c in codes}
    rows = s.rows
    texts = {c: column_texts(rows, s.index(c), repeats=c not in ("Ref", "Action", "Measures"))
             for c in ("Ref", "Action", "Theme", "Service", "Measures", "Outcome", "Owner")}
    i_start, i_due = s.index("Start"), s.index("Due")
    i_carried = s.index("Carried status") if s.has("Carried status") else None
    memo = _Memo(report)
    found = memo.found
    theme_of: dict[str, str] = {}       # a Theme or Service text found in the plan → its spelling there
    service_of: dict[str, str] = {}
    for (row, cells), ref, name, theme_text, service_text, measures_text, outcome, owner in zip(
            rows, *texts.values()):
        folded = ref.casefold()
        if ref and name and theme_text and service_text and folded not in first:
            first[folded], ok = row, True       # the common case of `_required_and_unique`, inline
        else:
            ok = _required_and_unique(s, "Actions", row, _ACTION_REQUIRED, (ref, name, theme_text, service_text),
                                      first, report)
        theme = theme_of.get(theme_text)
        if theme is None:
            theme = lookup(theme_text, themes, PLAN_UNKNOWN_THEME, s, row, "Theme", report) if theme_text else ""
            if theme_text.casefold() in themes.by_fold:     # not an unknown one: that is reported on each row
                theme_of[theme_text] = theme
        service = service_of.get(service_text)
        if service is None:
            service = lookup(service_text, service_names, PLAN_UNKNOWN_SERVICE, s, row, "Service", report) \
                if service_text else ""
            if service_text.casefold() in service_names.by_fold:
                service_of[service_text] = service
        for token in _CODE_TOKEN.findall(measures_text):
            if token.casefold() not in codes and token[:2].casefold() in prefixes:
                report.add(issue(PLAN_UNKNOWN_ACTION_MEASURE, sheet="Actions", row=row,
                                 cell=s.ref(row, "Measures"), ref=ref, value=token))
        dates = {}
        for column, i in (("Start", i_start), ("Due", i_due)):
            raw = cells[i]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                dates[column] = None
                continue
            d = found.get((column, raw.__class__, raw))     # a zero is never there (see `_key`)
            dates[column] = d if d is not None else memo(_key(column, raw), lambda: _date(s, row, column, raw, report))
        if i_carried is not None and cells[i_carried] is not None:
            _carried_status(s, cells, row, ref, report)
        if not ok:
            continue
        out.append(_new_action(ref, name, measures_text, theme, outcome, service, owner, dates["Start"], dates["Due"],
                               row))      # Action's fields in order
    return out


def _carried_status(s: PlanSheet, cells, row: int, ref: str, report: Report) -> None:
    """`Carried status` (written by `xlplan rollover`) must be an action status word, or blank."""
    text = s.text(cells, "Carried status")
    if not text:
        return
    try:
        ActionStatus.parse(text)
    except ValueError:
        report.add(issue(PLAN_BAD_CARRIED_STATUS, sheet="Actions", row=row, cell=s.ref(row, "Carried status"),
                         key=ref, ref=ref or f"row {row}", value=text,
                         allowed="Green, Amber, Red, Report later (or Complete)"))


_CODE_TOKEN = re.compile(r"\b[A-Z]{2,}[A-Z0-9_]*\d+[A-Za-z0-9_.]*\b")


def _date(s: PlanSheet, row: int, column: str, raw, report: Report):
    """An action's Start or Due date, or None (reported) when it is not a date."""
    d = as_date(raw, end_of_month=(column == "Due"))
    if d is None:
        report.add(issue(PLAN_BAD_DATE, sheet="Actions", row=row, cell=s.ref(row, column),
                         column=column, value=clean_text(raw)))
    return d
