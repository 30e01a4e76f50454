"""The Measures and Actions sheets of a return template (one function per sheet).

Each writer returns the sheet's header row and, for every data row, its key (Code/Ref), Excel row
and the values written to its hashed (locked, non-formula) cells, from which templates.py makes the
identity sheet's row digests. Text from the plan is always written as a string, so a measure name
starting with = + - @ stays text and never becomes a formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from xlplan.contract import layout
from xlplan.frequency import MONTH_HEADER, Aggregate
from xlplan.periods import Period
from xlplan.plan import Action, Measure, Plan
from xlplan.status import Polarity, Rule
from xlplan.templates.rag import CHECK_FIGURE, NO_DATA_WORDS, rag_formula, to_date_rule
from xlplan.templates.style import Formats, cell_value, input_format
from xlplan.values import Missing, TargetKind, Unit

HEADER_ROW = 3        # 0-based: Excel row 4, under a title and two lines of guidance
PROTECT_OPTIONS = {"format_columns": True, "format_rows": True}   # resizing is harmless; nothing else

MEASURE_WIDTHS = {"Code": 9, "Measure": 46, "Theme": 22, "Outcome": 26, "Unit": 7, "Polarity": 9,
                  "Target": 11, "Annual target": 11, layout.LAST_QUARTER: 10, layout.TO_DATE: 12,
                  layout.STATUS: 13, layout.RAG: 13, layout.COMMENTS: 48}
ACTION_WIDTHS = {"Ref": 8, "Action": 50, "Measures": 34, "Theme": 22, "Outcome": 26, "Due": 11,
                 layout.STATUS: 13, layout.COMMENTS: 60}
HIDDEN = ("Theme", "Outcome")  # shown as group heading rows instead; kept as columns for collect

# Header notes (hover comments) explaining the locked columns to a manager.
HEADER_NOTES = {
    "Polarity": "Higher: a bigger figure is better. Lower: a smaller figure is better. "
                "Monitor: reported for information, no RAG.",
    "Target": "The target for this period. For a cumulative measure it is the share of the annual target "
              "due by the end of the period (e.g. half at Quarter 2).",
    "Annual target": "The target for the whole year, as set in the plan.",
    layout.LAST_QUARTER: "The figure returned for the previous quarter, where there is one.",
    layout.DUE: "How often the measure is reported. A measure not due this quarter shows its latest figure "
                "in To date, locked: nothing to fill in until it is next due. A monthly measure takes a "
                "figure for each month; To date is then worked out from them.",
    layout.TO_DATE: "Type the figure for the period to date here (or TBC / Report later).",
    layout.STATUS: "Choose a status where the cell is yellow (measures with no target). Grey: calculated for you.",
    layout.RAG: "Worked out from your To date figure and the Target as you type. Not editable.",
    layout.COMMENTS: "Explain the figure and progress, especially anything Amber or Red.",
}
ACTION_NOTES = {
    "Measures": "The steps or measures this action is reported against.",
    "Due": "When the action is due to be finished.",
    layout.STATUS: "Choose Complete, Green (on track), Amber (some slippage), Red (off track) or Report later.",
    layout.COMMENTS: "What has been done, and what happens next.",
}


@dataclass(frozen=True)
class DataRow:
    key: str            # Code or Ref
    row: int            # 1-based Excel row
    cells: list         # values of the hashed columns, in header order


@dataclass(frozen=True)
class SheetContext:
    plan: Plan
    service: str
    period: Period
    formats: Formats
    password: str
    deadline: str       # e.g. "Saturday 21 October 2023" or "" when the plan sets none


def hashed(headers: list[str], values: dict[str, object]) -> list:
    return [values.get(h) for h in layout.hashed_columns(headers)]


# --- Measures ---------------------------------------------------------------------------------------


def write_measures(wb, ctx: SheetContext, last_values: dict | None) -> tuple[list[str], list[DataRow]]:
    ws = wb.add_worksheet(layout.MEASURES_SHEET)
    fm = ctx.formats
    measures = ctx.plan.measures_for(ctx.service)
    headers = layout.measure_headers(ctx.period, due=any(not m.frequency.is_quarterly for m in measures),
                                     months=any(m.frequency.monthly for m in measures))
    col = {h: i for i, h in enumerate(headers)}
    _banner(ws, fm, f"{ctx.service}: measures for {ctx.period.label}",
            f"Figures to date for {ctx.period.months_text}" + (f". Return by {ctx.deadline}." if ctx.deadline else "."),
            "Fill in the yellow cells. Type each figure in To date: RAG (calculated) shows the status it gives "
            "against the Target. No figure yet? Type TBC or Report later. See the Instructions sheet.")
    months = [h for h in headers if MONTH_HEADER.fullmatch(h)]
    _headers(ws, fm, headers, MEASURE_WIDTHS, inputs=[*layout.MEASURE_INPUTS, *months], notes=HEADER_NOTES,
             years_width=9)
    rows: list[DataRow] = []
    r = HEADER_ROW + 1
    for kind, item in _grouped(measures):
        if kind != "item":
            _group_row(ws, fm, r, len(headers), item, kind, col["Measure"])
        else:
            rows.append(_measure_row(ws, ctx, r, item, headers, col, last_values or {}))
        r += 1
    if not measures:
        ws.write_string(r, col["Measure"], "This service has no measures in the plan.", fm.get(italic=True))
        r += 1
    last = max(r - 1, HEADER_ROW + 1)
    for word in ("Green", "Amber", "Red", "Report later", "Contextual", "Not due", CHECK_FIGURE):
        for h in (layout.RAG, layout.STATUS):
            ws.conditional_format(HEADER_ROW + 1, col[h], last, col[h],
                                  {"type": "cell", "criteria": "==", "value": f'"{word}"',
                                   "format": fm.rag_conditional(word)})
    finish_sheet(ws, ctx, headers, last, freeze_cols=2)
    return headers, rows


def _measure_row(ws, ctx: SheetContext, r: int, m: Measure, headers: list[str], col: dict[str, int],
                 last_values: dict) -> DataRow:
    fm, unit = ctx.formats, m.unit
    rule = m.rule(ctx.period, ctx.plan.settings.amber_tolerance)
    values: dict[str, object] = {
        "Code": m.code, "Measure": m.name, "Theme": m.theme, "Outcome": m.outcome, "Unit": unit.value,
        "Polarity": m.polarity.value,
    }
    for h in ("Code", "Measure", "Theme", "Outcome", "Unit", "Polarity"):
        ws.write_string(r, col[h], values[h], fm.text(align="center") if h in ("Unit", "Code") else fm.text())
    values["Target"] = _write_figure(ws, fm, r, col["Target"], *_period_target(m, rule, ctx.period))
    year_target = m.target_for(ctx.period.year)[0]
    annual = year_target.figure if year_target.kind is TargetKind.FIGURE else year_target.describe(unit) or None
    values["Annual target"] = _write_figure(ws, fm, r, col["Annual target"], annual, unit)
    for year in ctx.period.prior_years(3):
        v = m.history.get(year)
        shown = v.figure if v is not None and v.figure is not None else _missing_text(v)
        values[year.slash] = _write_figure(ws, fm, r, col[year.slash], shown, unit)
    figure, text = last_values.get(m.code, (None, None))
    values[layout.LAST_QUARTER] = _write_figure(ws, fm, r, col[layout.LAST_QUARTER],
                                                figure if figure is not None else (text or None), unit)
    due = m.due_in(ctx.period)
    if layout.DUE in col:
        values[layout.DUE] = _write_figure(ws, fm, r, col[layout.DUE], due_text(m, ctx.period), unit)
    months = [h for h in headers if MONTH_HEADER.fullmatch(h)]
    if m.source:
        return _system_row(ws, ctx, r, m, headers, col, values, months)
    if not due:
        return _not_due_row(ws, ctx, r, m, headers, col, values, figure, months)
    to_date = _a1(r, col[layout.TO_DATE])
    status = _a1(r, col[layout.STATUS])
    for h in months:
        if m.frequency.monthly:
            ref = _a1(r, col[h])
            ws.write_blank(r, col[h], None, fm.input(input_format(unit), align="right"))
            _to_date_validation(ws, ctx, r, col[h], unit, ref, month=h)
        else:
            ws.write_blank(r, col[h], None, fm.greyed())
    if m.frequency.monthly:
        first, last = _a1(r, col[months[0]]), _a1(r, col[months[-1]])
        ws.write_formula(r, col[layout.TO_DATE], quarter_formula(m.quarter_rule, unit, f"{first}:{last}"),
                         fm.figure(input_format(unit) or "General"), "")
    else:
        ws.write_blank(r, col[layout.TO_DATE], None, fm.input(input_format(unit), align="right"))
        _to_date_validation(ws, ctx, r, col[layout.TO_DATE], unit, to_date)
    own_status = rule.target is None and m.polarity is not Polarity.MONITOR
    if own_status:
        ws.write_blank(r, col[layout.STATUS], None, fm.input(align="center"))
        ws.data_validation(r, col[layout.STATUS], r, col[layout.STATUS], {
            "validate": "list", "source": layout.MEASURE_STATUS_CHOICES, "ignore_blank": True,
            "input_title": "Your assessment",
            "input_message": "This measure has no target to calculate a status from: choose Green, Amber, "
                             "Red or Report later, and explain it in Comments/Progress.",
            "error_title": "Choose from the list", "error_type": "stop",
            "error_message": "Choose Green, Amber, Red or Report later from the dropdown."})
    else:
        ws.write_blank(r, col[layout.STATUS], None, fm.greyed())
        ws.data_validation(r, col[layout.STATUS], r, col[layout.STATUS], {
            "validate": "any", "input_title": "Calculated for you",
            "input_message": "This measure's status is worked out from its target: see RAG (calculated)."})
    ws.write_formula(r, col[layout.RAG], rag_formula(rule, to_date, status), fm.rag_cell(), "Report later")
    ws.write_blank(r, col[layout.COMMENTS], None, fm.input(wrap=True))
    _comment_validation(ws, r, col[layout.COMMENTS])
    ws.set_row(r, row_height(m.name, MEASURE_WIDTHS["Measure"]))
    return DataRow(m.code, r + 1, hashed(headers, values))


def due_text(m: Measure, period: Period) -> str:
    """The Due cell: `Quarterly`, `Monthly: a figure for each month`, `Annual: due this quarter`,
    `Annual: next due Q4` (the words layout.not_due looks for)."""
    f = m.frequency
    if f.is_quarterly:
        return "Quarterly"
    if f.monthly:
        return "Monthly: a figure for each month"
    if f.due_in(period):
        return f"{f.describe()}: due this quarter"
    return f"{f.describe()}: {layout.NEXT_DUE} {f.next_due(period)}"


def latest_figure(m: Measure, period: Period, last_quarter):
    """The latest figure a not-due measure has: last quarter's, else last year's outturn."""
    if last_quarter is not None:
        return last_quarter
    v = m.history.get(period.year.previous())
    return v.figure if v is not None else None


def _not_due_row(ws, ctx: SheetContext, r: int, m: Measure, headers: list[str], col: dict[str, int],
                 values: dict, last_quarter, months: list[str]) -> DataRow:
    """A measure not due this quarter: its latest figure in To date, locked, and nothing to fill in
    but a comment. The row digest covers To date as well."""
    fm = ctx.formats
    for h in months:
        ws.write_blank(r, col[h], None, fm.greyed())
    shown = _write_figure(ws, fm, r, col[layout.TO_DATE], latest_figure(m, ctx.period, last_quarter), m.unit)
    ws.write_blank(r, col[layout.STATUS], None, fm.greyed())
    ws.write_string(r, col[layout.RAG], "Not due", fm.rag_cell())
    ws.write_blank(r, col[layout.COMMENTS], None, fm.input(wrap=True))
    _comment_validation(ws, r, col[layout.COMMENTS])
    ws.set_row(r, row_height(m.name, MEASURE_WIDTHS["Measure"]))
    return DataRow(m.code, r + 1, [*hashed(headers, values), shown])


def _system_row(ws, ctx: SheetContext, r: int, m: Measure, headers: list[str], col: dict[str, int],
                values: dict, months: list[str]) -> DataRow:
    """A measure whose figures come from a system (the plan's Source): To date says so, locked, and
    nothing is filled in (the officer imports the figure with `xlplan import`)."""
    fm = ctx.formats
    for h in months:
        ws.write_blank(r, col[h], None, fm.greyed())
    ws.write_string(r, col[layout.TO_DATE], layout.from_system(m.source), fm.greyed())
    ws.write_blank(r, col[layout.STATUS], None, fm.greyed())
    ws.write_string(r, col[layout.RAG], "", fm.rag_cell())
    ws.write_blank(r, col[layout.COMMENTS], None, fm.greyed())
    ws.set_row(r, row_height(m.name, MEASURE_WIDTHS["Measure"]))
    return DataRow(m.code, r + 1, hashed(headers, values))


def quarter_formula(aggregate: Aggregate, unit: Unit, months: str) -> str:
    """To date of a monthly measure, worked out live from its month cells (blank until all three are
    figures, as collect does): Sum, Average or the last month. Ratios are text: left to collect."""
    if unit is Unit.RATIO:
        return '=""'
    body = {Aggregate.SUM: f"SUM({months})", Aggregate.AVERAGE: f"AVERAGE({months})",
            Aggregate.LAST: f"INDEX({months},1,3)"}[aggregate]
    return f'=IF(COUNT({months})<3,"",{body})'


def _period_target(m: Measure, rule: Rule, period: Period | None = None):
    """(shown value, unit) for the Target column: the profiled figure, or words when there is none."""
    unit = m.unit
    if rule.target is None:
        target = m.target_for(period.year)[0] if period is not None else m.target
        if target.kind is TargetKind.NONE:
            return "No target", unit
        return target.describe(unit), unit
    if rule.target_kind is TargetKind.FIGURE:
        return rule.target, unit
    better = rule.polarity is Polarity.HIGHER
    word = {TargetKind.INCREASE: "Above", TargetKind.REDUCE: "Below",
            TargetKind.MAINTAIN: "At least" if better else "At most"}[rule.target_kind]
    from xlplan.values import format_value
    return f"{word} {format_value(rule.target, unit)}", unit


def _missing_text(v) -> str | None:
    if v is None or v.missing in (None, Missing.BLANK):
        return None
    return v.missing.value


def _write_figure(ws, fm: Formats, r: int, c: int, figure, unit: Unit):
    """Write a figure (number in its unit's format), a word, or nothing; returns the value written."""
    if figure is None or figure == "":
        ws.write_blank(r, c, None, fm.text())
        return None
    if isinstance(figure, str):
        ws.write_string(r, c, figure, fm.text(align="right"))
        return figure
    value, num_format = cell_value(figure, unit)
    if num_format is None:
        ws.write_string(r, c, value, fm.text(align="right"))
    else:
        ws.write_number(r, c, value, fm.figure(num_format))
    return value


def _to_date_validation(ws, ctx: SheetContext, r: int, c: int, unit: Unit, ref: str, month: str = "") -> None:
    words = " or ".join(NO_DATA_WORDS[:2])
    what = {Unit.PERCENT: ("a percentage", "type it with the % sign, e.g. 85%", "from 0% to 100%, e.g. 85%"),
            Unit.MONEY: ("an amount in pounds", "e.g. 165000 or £165,000", "of 0 or more, e.g. 165000"),
            Unit.NUMBER: ("a number", "e.g. 2755", "of 0 or more, e.g. 2755"),
            Unit.RATIO: ("a ratio", "both parts with a slash, e.g. 70/30", "with a slash, e.g. 70/30")}[unit]
    ws.data_validation(r, c, r, c, {
        "validate": "custom", "value": to_date_rule(unit, ref), "ignore_blank": True,
        "input_title": f"{month or 'To date'}: {what[0]}"[:32],
        "input_message": (f"The figure for {month or ctx.period.months_text}: {what[1]}. "
                          f"No figure yet? Type {words}.")[:255],
        "error_title": f"Not {what[0]}"[:32], "error_type": "stop",
        "error_message": (f"Type {what[0]} {what[2]}. If there is no figure yet, type {words} "
                          "and say why in Comments/Progress.")[:255]})


def _comment_validation(ws, r: int, c: int) -> None:
    ws.data_validation(r, c, r, c, {
        "validate": "length", "criteria": "<=", "value": layout.COMMENT_MAX_CHARS, "ignore_blank": True,
        "error_title": "Comment too long", "error_type": "stop",
        "error_message": f"Please keep comments to {layout.COMMENT_MAX_CHARS:,} characters or fewer."})


# --- Actions ----------------------------------------------------------------------------------------


def write_actions(wb, ctx: SheetContext) -> tuple[list[str], list[DataRow]]:
    ws = wb.add_worksheet(layout.ACTIONS_SHEET)
    fm = ctx.formats
    headers = layout.action_headers()
    col = {h: i for i, h in enumerate(headers)}
    _banner(ws, fm, f"{ctx.service}: actions for {ctx.period.label}",
            f"Progress to the end of {ctx.period.end:%B %Y}" + (f". Return by {ctx.deadline}." if ctx.deadline else "."),
            "Choose a Status for every action and say what has been done in Comments/Progress.")
    _headers(ws, fm, headers, ACTION_WIDTHS, inputs=layout.ACTION_INPUTS, notes=ACTION_NOTES)
    actions = ctx.plan.actions_for(ctx.service)
    rows: list[DataRow] = []
    r = HEADER_ROW + 1
    for kind, item in _grouped(actions):
        if kind != "item":
            _group_row(ws, fm, r, len(headers), item, kind, col["Action"])
        else:
            rows.append(_action_row(ws, ctx, r, item, headers, col))
        r += 1
    if not actions:
        ws.write_string(r, col["Action"], "This service has no actions in the plan.", fm.get(italic=True))
        r += 1
    last = max(r - 1, HEADER_ROW + 1)
    for word in layout.ACTION_STATUS_CHOICES:
        ws.conditional_format(HEADER_ROW + 1, col[layout.STATUS], last, col[layout.STATUS],
                              {"type": "cell", "criteria": "==", "value": f'"{word}"',
                               "format": fm.rag_conditional(word)})
    finish_sheet(ws, ctx, headers, last, freeze_cols=2)
    return headers, rows


def _action_row(ws, ctx: SheetContext, r: int, a: Action, headers: list[str], col: dict[str, int]) -> DataRow:
    fm = ctx.formats
    values: dict[str, object] = {"Ref": a.ref, "Action": a.name, "Measures": a.measures, "Theme": a.theme,
                                 "Outcome": a.outcome}
    for h in ("Ref", "Action", "Measures", "Theme", "Outcome"):
        ws.write_string(r, col[h], values[h], fm.text(align="center") if h == "Ref" else fm.text())
    if a.due is not None:
        due = datetime(a.due.year, a.due.month, a.due.day)
        ws.write_datetime(r, col["Due"], due, fm.figure("dd/mm/yyyy"))
        values["Due"] = a.due
    else:
        ws.write_blank(r, col["Due"], None, fm.text())
    ws.write_blank(r, col[layout.STATUS], None, fm.input(align="center"))
    ws.data_validation(r, col[layout.STATUS], r, col[layout.STATUS], {
        "validate": "list", "source": layout.ACTION_STATUS_CHOICES, "ignore_blank": True,
        "input_title": "Status of this action",
        "input_message": "Complete: finished. Green: on track. Amber: some slippage. Red: off track or will "
                         "miss the due date. Report later: no update yet.",
        "error_title": "Choose from the list", "error_type": "stop",
        "error_message": "Choose Complete, Green, Amber, Red or Report later from the dropdown."})
    ws.write_blank(r, col[layout.COMMENTS], None, fm.input(wrap=True))
    _comment_validation(ws, r, col[layout.COMMENTS])
    ws.set_row(r, max(row_height(a.name, ACTION_WIDTHS["Action"]), row_height(a.measures, ACTION_WIDTHS["Measures"])))
    return DataRow(a.ref, r + 1, hashed(headers, values))


# --- shared layout ----------------------------------------------------------------------------------


def _banner(ws, fm: Formats, title: str, line1: str, line2: str) -> None:
    ws.set_row(0, 24)
    ws.write_string(0, 0, title, fm.title())
    ws.write_string(1, 0, line1, fm.subtitle())
    ws.write_string(2, 0, line2, fm.get(bold=True, valign="vcenter"))
    ws.set_row(2, 18)


def _headers(ws, fm: Formats, headers: list[str], widths: dict[str, float], inputs: list[str],
             notes: dict[str, str], years_width: float = 10) -> None:
    ws.set_row(HEADER_ROW, 30)
    for c, h in enumerate(headers):
        ws.write_string(HEADER_ROW, c, h, fm.header(input_column=h in inputs))
        if h in notes:
            ws.write_comment(HEADER_ROW, c, notes[h], {"author": "xlplan", "x_scale": 2, "y_scale": 1.2})
        width = widths.get(h, years_width)
        ws.set_column(c, c, width, None, {"hidden": True} if h in HIDDEN else {})


def _grouped(items):
    """('theme', name) and ('outcome', name) heading markers around items in plan order."""
    theme = outcome = None
    for item in items:
        if item.theme != theme:
            theme, outcome = item.theme, None
            yield "theme", theme
        if item.outcome != outcome:
            outcome = item.outcome
            yield "outcome", outcome
        yield "item", item


def _group_row(ws, fm: Formats, r: int, width: int, text: str, kind: str, text_col: int) -> None:
    """A heading row (empty Code/Ref, so collect skips it): the theme or outcome across the row."""
    look = fm.theme() if kind == "theme" else fm.outcome()
    for c in range(width):
        if c == text_col:
            ws.write_string(r, c, text or "(no outcome)", look)
        else:
            ws.write_blank(r, c, None, look)
    ws.set_row(r, 18 if kind == "theme" else 16)


def finish_sheet(ws, ctx: SheetContext, headers: list[str], last: int, freeze_cols: int,
                 title: str | None = None) -> None:
    """Page setup (A4 landscape, one page wide, header row repeated, the running header naming the
    service and `title`), the print area down to row `last`, and the sheet's protection."""
    ws.freeze_panes(HEADER_ROW + 1, freeze_cols)
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.set_paper(9)                       # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f"&L&8{_escape(ctx.service)} return&R&8{_escape(title or f'Return for {ctx.period.label}')}")
    ws.set_footer("&L&8Printed &D&R&8Page &P of &N")
    ws.print_area(0, 0, last, len(headers) - 1)
    ws.protect(ctx.password, PROTECT_OPTIONS)


def _escape(text: str) -> str:
    return text.replace("&", "&&")


def row_height(text: str, width: float) -> float:
    """Row height (points) fitting `text` wrapped in a column `width` characters wide."""
    lines = sum(max(1, math.ceil(len(part) / max(width * 1.25, 1))) for part in (text or "").split("\n"))
    return max(15.0, 13.0 * lines + 3)


def _a1(r: int, c: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell
    return xl_rowcol_to_cell(r, c)


def deadline_text(day: date | None) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}" if day else ""
