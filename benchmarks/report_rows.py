"""The Word report's tables for the synthetic data, as the report lays them out (setup for floor c).

Statuses come from xlplan's own status engine on the answers the managers typed, so the floor
writes the same tables, rows and words as `xlplan report` (theme summary, a measure table per
theme and outcome, action summary, an action table per theme and outcome).
"""

from __future__ import annotations

from collections import Counter

from synth import THEMES, YEARS, Synthetic

from xlplan.periods import FinancialYear, Period
from xlplan.status import (DEFAULT_TOLERANCE, Polarity, Profile, Status, Tolerance, make_rule,
        measure_status)
from xlplan.values import Unit, ValueProblem, format_value, parse_target, parse_value

MEASURE_COLUMNS = ["Green", "Amber", "Red", "Report later", "Contextual"]
ACTION_COLUMNS = ["Complete", "Green", "Amber", "Red", "Report later"]


def _figure_text(raw, unit: Unit) -> tuple[str, object]:
    try:
        v = parse_value(raw, unit, percent_format=unit is Unit.PERCENT)
    except ValueProblem:
        return str(raw), None
    return format_value(v.figure, unit, v.missing), v


def report_tables(data: Synthetic, period_id: str) -> dict:
    """The report's tables; also, under "statuses", each measure's status by code."""
    period = Period.parse(period_id)
    statuses: dict[str, str] = {}
    last_year = FinancialYear.parse(YEARS[-1])
    year_headers = [FinancialYear.parse(y).slash for y in YEARS]
    grouped: dict[str, dict[str, list]] = {t: {} for t in THEMES}
    counts = {t: Counter() for t in THEMES}
    for m in data.measures:
        unit = Unit.parse(m["Unit"])
        answer = data.answers[m["Service"]]["measures"][m["Code"]]
        history = {y: _figure_text(m.get(y), unit) for y in year_headers}
        prev = history[last_year.slash][1]
        tolerance = Tolerance.parse(m["Tolerance"], unit) if m.get("Tolerance") else None
        rule = make_rule(unit, Polarity.parse(m["Polarity"]), parse_target(m["Target"] or None, unit),
                         Profile.parse(m["Profile"], unit), period, tolerance, DEFAULT_TOLERANCE,
                         previous_outturn=prev.figure if prev is not None else None)
        shown, value = _figure_text(answer["To date"], unit)
        assessed = Status.parse_assessment(answer["Status"]) if answer["Status"] else None
        status = measure_status(value, rule, assessed).status.value
        statuses[m["Code"]] = status
        counts[m["Theme"]][status] += 1
        target = format_value(rule.target, unit) if rule.target is not None else (m["Target"] or "")
        grouped[m["Theme"]].setdefault(m["Outcome"], []).append(
            [m["Measure"], answer["Comments/Progress"], status, target, shown, *(history[y][0] for y in year_headers)])
    a_grouped: dict[str, dict[str, list]] = {t: {} for t in THEMES}
    a_counts = {t: Counter() for t in THEMES}
    for a in data.actions:
        answer = data.answers[a["Service"]]["actions"][a["Ref"]]
        a_counts[a["Theme"]][answer["Status"]] += 1
        a_grouped[a["Theme"]].setdefault(a["Outcome"], []).append(
            [a["Action"], a["Measures"], answer["Comments/Progress"], answer["Status"]])

    def summary(counter: dict, columns: list[str]) -> list[list[str]]:
        rows = [[t, *(str(counter[t][c]) for c in columns), str(sum(counter[t].values()))] for t in THEMES]
        totals = [sum(counter[t][c] for t in THEMES) for c in columns]
        return rows + [["Total", *map(str, totals), str(sum(totals))]]

    return {"title": f"SOCIAL WORK RESOURCES – PERFORMANCE REPORT {period.year.label} QUARTER {period.quarter}",
            "summary_headers": ["Theme", *MEASURE_COLUMNS, "Total"], "summary": summary(counts, MEASURE_COLUMNS),
            "measure_headers": ["Performance Indicators", "Comments/Progress", "Status", "Target", "To Date",
                                *year_headers],
            "measures": [(t, list(grouped[t].items())) for t in THEMES],
            "action_summary_headers": ["Theme", *ACTION_COLUMNS, "Total"],
            "action_summary": summary(a_counts, ACTION_COLUMNS),
            "actions": [(t, list(a_grouped[t].items())) for t in THEMES], "statuses": statuses}
