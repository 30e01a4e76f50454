"""Check a return's row for a measure that is not quarterly (the plan's Frequency column).

A measure not due this quarter has nothing to check but its comment: its To date is locked (and
covered by the row digest), and it is stored as Not due. A monthly measure has a figure per month
of the quarter, each read and checked exactly as a To date figure is (errors name the month's
cell); the quarter figure is made from them by the measure's Aggregate rule.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from xlplan.collect.read import SheetData
from xlplan.contract import layout
from xlplan.errors import CELL_FORMULA_NO_VALUE, CELL_FORMULA_USED, CELL_NO_DATA, RETURN_MISSING_COLUMN, issue
from xlplan.frequency import combine_months, quarter_months
from xlplan.periods import Period
from xlplan.plan import Measure


class CellChecks(NamedTuple):
    """validate.py's entry type and cell checks, handed in (validate imports this module)."""

    entry: type
    figure: Callable
    comment: Callable
    formula: Callable


def check_by_frequency(m: Measure, sd: SheetData, row: int, values: list, file: str,
                       period: Period, checks: CellChecks):
    """The MeasureEntry of a not-due or monthly measure's row (see the module's docstring), its cells
    read with validate.py's own `checks`, exactly as a To date figure is."""
    MeasureEntry, _figure, _comment, _formula = checks
    (cm_idx,), (cm_col,) = sd.input_columns((layout.COMMENTS,))
    suffix = str(row)
    where = dict(file=file, sheet=sd.name, key=m.code, row=row)
    months = quarter_months(period)
    cells = [sd.ref(row, h) for h in months]
    first, last = cells[0], cells[-1]
    to_ref = sd.ref(row, layout.TO_DATE)
    cell = f"{first}:{last}" if m.due_in(period) and first and last else to_ref
    entry = MeasureEntry(m.code, None, None, "", sd.name, cell, row, None,
                         None if cm_col is None else cm_col + suffix)
    out = entry.issues
    if not m.due_in(period):
        entry.not_due = True
    else:
        got = []
        for label, ref in zip(months, cells):
            if ref is None:
                out.append(issue(RETURN_MISSING_COLUMN, file=file, sheet=sd.name, column=label, suggestion=""))
                got.append((label, None))
                continue
            raw = sd.value(values, label)
            usable = True
            if ref in sd.formulas:
                shown, usable = _formula(sd, ref, raw)
                out.append(issue(CELL_FORMULA_USED, cell=ref, found=str(raw or "")[:80], **where) if usable else
                           issue(CELL_FORMULA_NO_VALUE, cell=ref, formula=shown, **where))
            month_out: list = []
            value = _figure(m, raw, ref, where, month_out) if usable else None
            out.extend(i for i in month_out if i.code is not CELL_NO_DATA)
            if any(i.is_error for i in month_out):
                value = None
            got.append((label, value))
        if not any(i.is_error for i in out):
            entry.value = combine_months(got, m.quarter_rule, m.unit)
            if entry.value.figure is None and entry.value.raw:
                empty = next(ref for (label, v), ref in zip(got, cells) if v is None or v.figure is None)
                out.append(issue(CELL_NO_DATA, cell=empty, found=entry.value.raw[:80], **where))
    entry.comment = _comment(sd, row, values, m.code, file, out, entry.comment_cell, cm_idx)
    entry.in_error = bool(out) and any(i.is_error for i in out)
    if entry.in_error:
        entry.value = None
    return entry
