"""Appendix 1 of the committee report, laid out as the South Lanarkshire quarterly report.

A summary of measures by theme (every theme of the plan, in order, empty ones too), then per theme
and outcome a measure table; then a summary of actions by theme and per outcome action tables.
Every table's figures come from the same PeriodResults, so the summary counts equal the rows.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING

from xlplan.store import ActionResult, MeasureResult, PeriodResults
from xlplan.status import ACTION_STATUS_ORDER, MEASURE_STATUS_ORDER, ActionStatus, Status
from xlplan.values import Unit, format_value
from xlplan.reports import benchmarks, resources, restated, risks
from xlplan.reports.docx_tables import Cell, Column, cm, status_cell

if TYPE_CHECKING:
    from xlplan.reports.docx_writer import Writer

MEANING = {
    Status.GREEN: "On target, or better than target.",
    Status.AMBER: "Short of target, but within the agreed tolerance.",
    Status.RED: "Short of target by more than the tolerance.",
    Status.REPORT_LATER: "No figure is available yet; it will be reported when it is.",
    Status.CONTEXTUAL: "Monitored for context: there is no target to judge it against.",
    Status.NOT_DUE: "Not reported this quarter: the measure is reported less often (e.g. Annual — reported "
                    "at Q4). Not counted as Report later.",
    ActionStatus.COMPLETE: "The action is complete.",
}


def write_appendix(w: "Writer", results: PeriodResults) -> None:
    """Write the appendix (the table of contents goes where `w.mark_toc()` is called)."""
    period, s = results.period, results.plan.settings
    w.heading(f"Appendix 1 – Performance report {period.label}", 1)
    w.paragraph(f"{s.plan}{', ' + s.organisation if s.organisation else ''}. Figures are "
                f"cumulative to date ({period.months_text}).")
    w.paragraph("Contents", "TOC Heading")
    w.mark_toc()
    _key(w, results)
    w.page_break()                                   # the summary starts on a fresh page
    measure_summary(w, results)
    restated.write_table(w, results)                 # earlier quarters' figures corrected this quarter
    order = _plan_outcomes(results)
    by_theme = _group(results.measures)
    years = [y.slash for y in results.period.prior_years(3)]
    figure_text = FigureText()
    for theme in results.plan.themes:
        w.heading(theme, 2)
        outcomes = by_theme.get(theme, {})
        if not outcomes:
            w.paragraph("No measures are reported under this theme this quarter.")
        for outcome, measures in _in_plan_order(order.get(theme, {}), outcomes):
            w.heading(outcome, 3)
            w.table(measure_columns(results), (measure_row(m, results, years, figure_text) for m in measures))
    action_summary(w, results)
    actions = _group(results.actions)
    for theme in results.plan.themes:
        if theme not in actions:
            continue
        w.heading(f"Actions: {theme}", 2)
        for outcome, items in _in_plan_order(order.get(theme, {}), actions[theme]):
            w.heading(outcome, 3)
            w.table(ACTION_COLUMNS, (action_row(a) for a in items))
    benchmarks.write_section(w, results)             # how we compare (measures with comparators)
    resources.write_section(w, results)              # the activity budget per service
    risks.write_section(w, results)                  # the risk register: heat map and movement


def _key(w: "Writer", results: PeriodResults) -> None:
    w.paragraph("Key to status", "Table Heading", keep_with_next=True)
    rows = [(status_cell(st.value), MEANING[st]) for st in measure_statuses(results)]
    rows.append((status_cell(ActionStatus.COMPLETE.value), MEANING[ActionStatus.COMPLETE] + " (actions only)"))
    table = [Column("Status", cm(3.5)), Column("Meaning", cm(14))]
    w.table(table, rows, fit=False)


# --- measures ------------------------------------------------------------------------------------


def measure_statuses(results: PeriodResults) -> list[Status]:
    """The summary's status columns: Contextual only when a measure is Contextual, and Not due (a
    column of its own, never part of Report later) only when a measure is not due this quarter."""
    has_contextual = any(m.status is Status.CONTEXTUAL for m in results.measures)
    shown = [st for st in MEASURE_STATUS_ORDER if st is not Status.CONTEXTUAL or has_contextual]
    return shown + ([Status.NOT_DUE] if not_due_count(results) else [])


def not_due_count(results: PeriodResults) -> int:
    return sum(1 for m in results.measures if m.status is Status.NOT_DUE)


def not_due_mark(m: MeasureResult, results: PeriodResults) -> str:
    """What a report shows of a measure not due this quarter: `Annual — reported at Q4`."""
    marks = results.__dict__.get("_not_due_marks")
    if marks is None:
        marks = results.__dict__["_not_due_marks"] = {
            p.code: p.frequency.mark() for p in results.plan.measures if not p.frequency.is_quarterly}
    return marks.get(m.code, "Not due this quarter")


def measure_summary(w: "Writer", results: PeriodResults) -> None:
    _status_summary(w, "Summary of measures by theme", measure_statuses(results), results.plan.themes,
                    _counts_by_theme(results.measures, Status))
    n = not_due_count(results)
    if n:
        w.paragraph(f"{n} measure{'s are' if n != 1 else ' is'} not due this quarter (reported annually or "
                    "six-monthly) and not counted as Report later.")


def _status_summary(w: "Writer", title: str, statuses: list, themes: list[str], counts_for) -> None:
    """A theme × status count table, every theme of the plan in order (empty ones too), with a
    Total column and a Total row; `counts_for(theme or None)` gives {status: count}."""
    w.heading(title, 2)
    columns = [Column("Theme", cm(9))] + [Column(st.value, cm(2.4), "center") for st in statuses] \
        + [Column("Total", cm(2.4), "center")]
    rows = []
    for label, counts in [*((t, counts_for(t)) for t in themes), ("Total", counts_for(None))]:
        rows.append([label, *(str(counts[st]) for st in statuses), str(sum(counts.values()))])
    w.table(columns, rows, total_row=True)


def _counts_by_theme(items, statuses):
    """`counts_for(theme or None)` giving {status: count} as PeriodResults.measure_counts and
    action_counts do, from one pass over `items` instead of one per theme."""
    by_theme: dict[str, dict] = {}
    total = {s: 0 for s in statuses}
    for item in items:
        counts = by_theme.get(item.theme)
        if counts is None:
            counts = by_theme[item.theme] = {s: 0 for s in statuses}
        counts[item.status] += 1
        total[item.status] += 1
    return lambda theme: total if theme is None else by_theme.get(theme, {s: 0 for s in statuses})


def measure_columns(results: PeriodResults) -> list[Column]:
    years = [y.slash for y in results.period.prior_years(3)]
    # figure columns wide enough for "£1,402,650" on one line in a wide fallback font (LibreOffice's
    # DejaVu Sans split it at 2.1 cm); the comments give up the room
    return [Column("Performance Indicators", cm(5.8)), Column("Comments/Progress", cm(6.0)),
            Column("Status", cm(2.3), "center"), Column("Target", cm(2.4), "center"),
            Column("To Date", cm(2.4), "center")] + [Column(y, cm(2.4), "center") for y in years]


class FigureText:
    """`format_value(figure, unit)`, remembering the text of each float figure: a national plan's
    200,000 figures hold about 50,000 distinct values. Zero is not remembered (0.0 equals -0.0,
    which a percentage shows as "-0%")."""

    def __init__(self) -> None:
        self.memo: dict[tuple[float, Unit], str] = {}

    def __call__(self, figure, unit: Unit) -> str:
        if figure.__class__ is not float or not figure:
            return "" if figure is None else format_value(figure, unit)   # format_value(None, unit) is ""
        text = self.memo.get((figure, unit))
        if text is None:
            text = self.memo[figure, unit] = format_value(figure, unit)
        return text


_NOT_VALID = "Figure returned was not valid"


def measure_row(m: MeasureResult, results: PeriodResults, years: list[str] | None = None,
                figure_text=format_value) -> list:
    years = years or [y.slash for y in results.period.prior_years(3)]
    unit, status, history = m.unit, m.status, m.history
    shown = m.display if m.figure is None else figure_text(m.figure, unit)   # as MeasureResult.display
    if status is Status.NOT_DUE:
        shown = not_due_mark(m, results)
    to_date = Cell(shown, note=_NOT_VALID if m.in_error else "")
    system = m.source.system if m.source is not None else ""     # a figure imported from a system extract
    name = Cell(m.name, note=f"{m.code} · {m.service}" + (f" · from {system}" if system else "")
                + (benchmarks.beside(m, results) if results.benchmarks else ""))
    return [name, m.comment, _status_cells(status)[m.basis == "assessed"], m.target_text or "–", to_date,
            *[figure_text(history.get(y), unit) or "–" for y in years]]


@lru_cache(maxsize=64)
def _status_cells(status: Status) -> tuple[Cell, Cell]:
    """A measure's status cell, and the same for a manager's assessment."""
    return status_cell(status.value), status_cell(status.value, "manager's assessment")


# --- actions -------------------------------------------------------------------------------------

ACTION_COLUMNS = [Column("Action", cm(7.5)), Column("Measures", cm(5.5)), Column("Comments/Progress", cm(10)),
                  Column("Status", cm(2.6), "center")]


def action_summary(w: "Writer", results: PeriodResults) -> None:
    _status_summary(w, "Summary of actions by theme", ACTION_STATUS_ORDER, results.plan.themes,
                    _counts_by_theme(results.actions, ActionStatus))


@lru_cache(maxsize=4096)
def _due(day) -> str:
    return f"Due {day.day} {day:%B %Y}"


def action_row(a: ActionResult) -> list:
    due = _due(a.due) if a.due else ""     # 30,000 actions share a few hundred due dates
    if a.overdue:
        due += " – overdue"
    note = " · ".join(x for x in (a.ref, a.service, due) if x)
    return [Cell(a.name, note=note), a.measures, a.comment, status_cell(a.status.value)]


# --- grouping ------------------------------------------------------------------------------------


def _group(items) -> dict[str, dict[str, list]]:
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        out[item.theme][item.outcome].append(item)
    return out


def _plan_outcomes(results: PeriodResults) -> dict[str, dict[str, None]]:
    """Each theme's outcomes in first-appearance order, measures first (Plan.outcomes, for every
    theme in one pass)."""
    plan = results.plan
    order: dict[str, dict[str, None]] = defaultdict(dict)
    for item in [*plan.measures, *plan.actions]:
        order[item.theme].setdefault(item.outcome, None)
    return order


def _in_plan_order(order: dict[str, None], outcomes: dict[str, list]):
    for o in order:
        if o in outcomes:
            yield o, outcomes[o]
    for o, items in outcomes.items():
        if o not in order:
            yield o, items
