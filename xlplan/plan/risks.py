"""Reading the plan's risk register: the optional Risks sheet and the Risk scale and Risk bands
settings, each problem reported with its sheet, row and cell.

A plan without a Risks sheet has no risks (and templates, collect and reports show none). A risk
row is kept only when its Code, Risk, Service, Likelihood and Impact are all understood; its
Likelihood and Impact are whole numbers on the plan's scale, its Target score one the scale can
give.
"""

from __future__ import annotations

import re

from xlplan.errors import (PLAN_BAD_RISK_BANDS, PLAN_BAD_RISK_SCORE, PLAN_BAD_SETTING, PLAN_DUPLICATE_KEY,
                           PLAN_MISSING_COLUMN, PLAN_REQUIRED_VALUE, PLAN_UNKNOWN_SERVICE, PLAN_UNKNOWN_SHEET,
                           Report, did_you_mean, issue)
from xlplan.plan.model import (BAND_WORDS, DEFAULT_RISK_RULES, REQUIRED_COLUMNS, RISKS_SHEET, SHEETS, Risk,
                               RiskBand, RiskRules, Service)
from xlplan.plan.sheet import Names, PlanSheet, lookup

_REQUIRED = ("Code", "Risk", "Service", "Likelihood", "Impact")
_RANGE = re.compile(r"(\d+)\s*(?:-|to)\s*(\d+)", re.I)
_BAND = re.compile(r"(\d+)\s*(?:(?:-|to)\s*(\d+)|\+)?\s*([A-Za-z]+)", re.I)


def find_risks_sheet(wb, report: Report) -> PlanSheet | None:
    """The Risks sheet, or None; a sheet whose name is a near miss of it is pointed out."""
    found = None
    for ws in wb.worksheets:
        title = ws.title.strip()
        if title.casefold() == RISKS_SHEET.casefold():
            found = ws
        elif title.casefold() not in {s.casefold() for s in SHEETS} and did_you_mean(title, [RISKS_SHEET]):
            report.add(issue(PLAN_UNKNOWN_SHEET, sheet=title, value=title, suggestion=f' (did you mean "{RISKS_SHEET}"?)'))
    if found is None:
        return None
    return PlanSheet(found, RISKS_SHEET, report)


def risk_rules(settings: PlanSheet, report: Report) -> RiskRules:
    """The Risk scale and Risk bands settings (defaults 1-5 and 1-4 Green; 5-12 Amber; 15-25 Red)."""
    scale = bands = None
    for row, cells in settings.rows:
        key = settings.text(cells, "Setting").casefold()
        if key == "risk scale" and settings.text(cells, "Value"):
            scale = (settings.text(cells, "Value"), row)
        elif key == "risk bands" and settings.text(cells, "Value"):
            bands = (settings.text(cells, "Value"), row)
    low, high = DEFAULT_RISK_RULES.low, DEFAULT_RISK_RULES.high
    if scale is not None:
        m = _RANGE.fullmatch(scale[0].strip())
        if m and 1 <= int(m.group(1)) < int(m.group(2)) <= 10:
            low, high = int(m.group(1)), int(m.group(2))
        else:
            report.add(issue(PLAN_BAD_SETTING, sheet="Settings", row=scale[1], cell=settings.ref(scale[1], "Value"),
                             setting="Risk scale", value=scale[0],
                             reason="it is not a range of whole numbers such as 1-5 (from 1, up to 10)",
                             expected="Type the scale Likelihood and Impact are scored on, e.g. 1-5."))
    default = RiskRules.default_for(low, high)
    if bands is None:
        return default
    parsed = _bands(bands[0], low, high, settings, bands[1], report)
    return RiskRules(low, high, parsed) if parsed is not None else default


def _bands(text: str, low: int, high: int, s: PlanSheet, row: int, report: Report) -> tuple[RiskBand, ...] | None:
    """The bands of `1-4 Green; 5-12 Amber; 15-25 Red`, or None (reported) when they are not
    understood, overlap, or leave a score the scale can give without a band."""
    rules = RiskRules(low, high, ())
    top = high * high
    example = RiskRules.default_for(low, high).describe().split("; ", 1)[1]

    def bad(reason: str) -> None:
        report.add(issue(PLAN_BAD_RISK_BANDS, sheet="Settings", row=row, cell=s.ref(row, "Value"),
                         setting="Risk bands", value=text, reason=reason, example=example))

    found: list[RiskBand] = []
    for part in (p.strip() for p in re.split(r"[;,\n]", text) if p.strip()):
        m = _BAND.fullmatch(part)
        word = next((w for w in BAND_WORDS if m and w.casefold() == m.group(3).casefold()), None)
        if m is None or word is None:
            bad(f"has '{part}', which is not a range of scores and a band such as 5-12 Amber")
            return None
        first = int(m.group(1))
        last = top if part.rstrip(" " + m.group(3)).endswith("+") else int(m.group(2) or first)
        if last < first:
            bad(f"has '{part}', whose scores run backwards")
            return None
        found.append(RiskBand(first, last, word))
    if not found:
        bad("has no bands")
        return None
    found.sort(key=lambda b: b.low)
    for a, b in zip(found, found[1:]):
        if b.low <= a.high:
            bad(f"has bands that overlap: {a.low}-{a.high} {a.word} and {b.low}-{b.high} {b.word}")
            return None
    rules = RiskRules(low, high, tuple(found))
    gaps = [score for score in rules.scores() if rules.band(score) is None]
    if gaps:
        bad(f"leaves the score{'s' if len(gaps) > 1 else ''} {', '.join(map(str, gaps))} without a band "
            f"(a {low}-{high} scale gives scores from {low * low} to {top})")
        return None
    return tuple(found)


def read_risks(s: PlanSheet | None, report: Report, services: list[Service], rules: RiskRules) -> list[Risk]:
    """The register's risks, in row order; [] when the plan has no Risks sheet (or it lacks a
    required column, which is reported)."""
    if s is None:
        return []
    missing = [c for c in REQUIRED_COLUMNS[RISKS_SHEET] if not s.has(c)]
    for column in missing:
        near = s.near_miss(column)
        hint = f" (is the column headed '{near[0]}' in {near[1]} meant to be '{column}'?)" if near else ""
        report.add(issue(PLAN_MISSING_COLUMN, sheet=RISKS_SHEET, row=s.header_row, cell=near[1] if near else None,
                         column=column, suggestion=hint))
    s.warn_unknown_columns(report, exclude=missing)
    if missing:
        return []
    names = Names(x.name for x in services)
    first: dict[str, int] = {}
    out: list[Risk] = []
    scale = f"{rules.low}-{rules.high}"
    for row, cells in s.rows:
        texts = tuple(s.text(cells, c) for c in _REQUIRED)
        ok = _required_and_unique(s, row, texts, first, report)
        code, name, service_text = texts[:3]
        service = lookup(service_text, names, PLAN_UNKNOWN_SERVICE, s, row, "Service", report) if service_text else ""
        ok = ok and service.casefold() in names.by_fold
        ratings = {}
        for column, low, high in (("Likelihood", rules.low, rules.high), ("Impact", rules.low, rules.high),
                                  ("Target score", rules.low * rules.low, rules.high * rules.high)):
            raw = s.value(cells, column)
            if raw is None or not s.text(cells, column):
                ratings[column] = None
                continue
            value = whole_number(raw)
            if value is None or not low <= value <= high:
                report.add(issue(PLAN_BAD_RISK_SCORE, sheet=RISKS_SHEET, row=row, cell=s.ref(row, column), key=code,
                                 column=column, value=s.text(cells, column), code=code or f"row {row}", low=low,
                                 high=high, scale=scale))
                ok = False
            ratings[column] = value
        if not ok or ratings["Likelihood"] is None or ratings["Impact"] is None:
            continue
        out.append(Risk(code=code, name=name, service=service, likelihood=ratings["Likelihood"],
                        impact=ratings["Impact"], description=s.text(cells, "Description"),
                        owner=s.text(cells, "Owner"), target=ratings["Target score"],
                        controls=s.text(cells, "Controls"), row=row))
    return out


def _required_and_unique(s: PlanSheet, row: int, texts: tuple[str, ...], first: dict[str, int],
                         report: Report) -> bool:
    """Each empty required cell of a risk row reported, and a Code already used on an earlier row
    (`first`: casefolded code -> row, updated); whether the row passed."""
    ok = True
    for column, text in zip(_REQUIRED, texts):
        if not text:
            report.add(issue(PLAN_REQUIRED_VALUE, sheet=RISKS_SHEET, row=row, cell=s.ref(row, column), column=column))
            ok = False
    code = texts[0]
    if code:
        if code.casefold() in first:
            report.add(issue(PLAN_DUPLICATE_KEY, sheet=RISKS_SHEET, row=row, cell=s.ref(row, "Code"), column="Code",
                             value=code, first=first[code.casefold()]))
            ok = False
        else:
            first[code.casefold()] = row
    return ok


def whole_number(raw) -> int | None:
    """A whole number from a cell: 3, 3.0 or the text '3'; None for anything else (3.5, 'high')."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return int(raw) if float(raw).is_integer() else None
    text = str(raw).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    return None
