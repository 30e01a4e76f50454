"""Check every value a manager typed into a return, one function per kind of cell.

Each check returns Issues with stable codes and the cell they are about; nothing is guessed or
zeroed. A figure that cannot be read leaves the measure with no figure and `in_error` set, so it
is shown as Report later and flagged in the data-quality output. Percent cells are
percent-formatted in the template (layout), so a number there is already a fraction.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from xlplan.contract import layout
from xlplan.errors import (
    ACTION_COMPLETE_BEFORE_START, CELL_FORMULA_IN_TEXT, CELL_FORMULA_NO_VALUE, CELL_FORMULA_USED,
    CELL_NOT_A_NUMBER, CELL_NO_DATA, CELL_OUT_OF_RANGE, CELL_READ_AS,
    COMMENT_TOO_LONG, RETURN_FIGURE_FROM_SYSTEM, RETURN_MISSING_COLUMN, RETURN_MISSING_SHEET, RETURN_TEXT_CLEANED,
    STATUS_FORMULA_NO_VALUE, STATUS_UNKNOWN_WORD, Issue, issue, suggestion,
)
from xlplan.periods import Period
from xlplan.plan import Action, Measure, Plan
from xlplan.collect.entries import ActionEntry, MeasureEntry
from xlplan.collect.months import CellChecks, check_by_frequency
from xlplan.collect.read import ReturnFile, SheetData
from xlplan.safety.inspection import clean_comment as safe_text
from xlplan.status import ActionStatus, Status
from xlplan.values import Missing, Unit, Value, ValueProblem, check_range, clean_text, parse_value


def check_values(rf: ReturnFile, matched: dict[str, dict], plan: Plan, service: str,
                 period: Period) -> tuple[dict[str, MeasureEntry], dict[str, ActionEntry], list[Issue]]:
    """Check every input cell of the rows `matched` to `service`'s measures and actions
    (identify.match_rows): (entries by code, entries by ref, issues in sheet and plan order).
    A data sheet or an input column that is missing is an issue of its own."""
    measures: dict[str, MeasureEntry] = {}
    actions: dict[str, ActionEntry] = {}
    found: list[Issue] = []
    file = rf.name
    needs = {layout.MEASURES_SHEET: (plan.measures_for(service), [layout.TO_DATE, layout.STATUS, layout.COMMENTS]),
             layout.ACTIONS_SHEET: (plan.actions_for(service), [layout.STATUS, layout.COMMENTS])}
    for sheet, (items, columns) in needs.items():
        if not items:
            continue
        sd = rf.sheets.get(sheet)
        if sd is None:
            others = [s for s in rf.sheet_names if s != layout.IDENTITY_SHEET]
            found.append(issue(RETURN_MISSING_SHEET, file=file, sheet=sheet, suggestion=suggestion(sheet, others)))
            continue
        key_column = "Code" if sheet == layout.MEASURES_SHEET else "Ref"
        lost = [c for c in columns if sd.col(c) is None] if sd.header_row else [key_column]
        for c in lost:
            found.append(issue(RETURN_MISSING_COLUMN, file=file, sheet=sheet, column=c,
                               suggestion=suggestion(c, [h for h in sd.headers if h])))
        if not sd.header_row:   # no Code/Ref column: no row can be matched to the plan
            continue
        for item in items:
            code = getattr(item, "code", None) or item.ref
            if code not in matched[sheet]:
                continue
            row, values = matched[sheet][code]
            if sheet == layout.MEASURES_SHEET:
                if item.source:                      # fed by a system: nothing in the return is used
                    entry = measures[code] = check_system(item, sd, row, values, file)
                elif not item.due_in(period) or item.frequency.monthly:   # months.py: Frequency column
                    entry = measures[code] = check_by_frequency(item, sd, row, values, file, period,
                                                                CellChecks(MeasureEntry, _figure, _comment,
                                                                           _formula))
                else:
                    entry = measures[code] = check_measure(item, sd, row, values, file)
            else:
                entry = actions[code] = check_action(item, sd, row, values, file, period)
            found.extend(entry.issues)
    return measures, actions, found


def clean_comment(raw: object) -> str:
    """A comment as data: Unicode NFC, line endings normalised, surrounding space trimmed, and what
    only hides or disguises text taken out (safety's `clean_comment`: control characters but line
    breaks and tabs, zero-width spaces, bidirectional overrides; emoji keep their joiners). Never
    interpreted (a leading '=' stays text)."""
    return cleaned_comment(raw)[0]


def cleaned_comment(raw: object) -> tuple[str, int]:
    """(clean_comment's text, how many hidden characters it took out)."""
    if raw is None or raw == "":
        return "", 0
    if type(raw) is str and raw.isascii() and raw.isprintable():   # one line of plain text: as below
        return raw.strip(), 0
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    cleaned = safe_text(unicodedata.normalize("NFC", str(raw)), max_chars=sys.maxsize)
    text = cleaned.text
    return (_TRAILING_SPACE.sub("\n", text) if "\n" in text else text).strip(), cleaned.removed


_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def _value(values: list, idx: int | None):
    """SheetData.value for a column index already looked up: None for a missing column or blank."""
    if idx is None or idx >= len(values):
        return None
    v = values[idx]
    return None if v == "" else v


_MEASURE_INPUTS = (layout.TO_DATE, layout.STATUS, layout.COMMENTS)
_ACTION_INPUTS = (layout.STATUS, layout.COMMENTS)


# The status words are few and parsing one is pure: remember each reading (a word that is not a
# status raises ValueError every time, as it is not cached).
_assessment = functools.lru_cache(maxsize=512)(Status.parse_assessment)
_action_status = functools.lru_cache(maxsize=512)(ActionStatus.parse)


def _formula(sd: SheetData, ref: str, raw) -> tuple[str, bool]:
    """(the formula as shown in a message, whether its calculated value can be used) for an input
    cell `ref` that holds a formula. A value reading as blank counts as none: that is how an error
    value such as #NAME? (what LibreOffice saves for text typed after '=') reads."""
    formula, has_value = sd.formulas[ref]
    return ("=" + formula[:60] if formula else "a formula"), has_value and raw is not None


def check_measure(m: Measure, sd: SheetData, row: int, values: list, file: str) -> MeasureEntry:
    """Read and check the To date, Status and Comments/Progress cells of measure `m`'s row."""
    (to_idx, st_idx, cm_idx), (to_col, st_col, cm_col) = sd.input_columns(_MEASURE_INPUTS)
    suffix = str(row)
    to_ref = None if to_col is None else to_col + suffix
    st_ref = None if st_col is None else st_col + suffix
    entry = MeasureEntry(m.code, None, None, "", sd.name, to_ref, row, st_ref,
                         None if cm_col is None else cm_col + suffix)
    where = dict(file=file, sheet=sd.name, key=m.code, row=row)
    out = entry.issues

    formulas = sd.formulas
    n = len(values)
    raw = None if to_idx is None or to_idx >= n or values[to_idx] == "" else values[to_idx]   # as _value
    usable = True
    if to_ref in formulas:
        shown, usable = _formula(sd, to_ref, raw)
        out.append(issue(CELL_FORMULA_USED, cell=to_ref, found=_shown(raw), **where) if usable else
                   issue(CELL_FORMULA_NO_VALUE, cell=to_ref, formula=shown, **where))
    if usable:
        entry.value = _figure(m, raw, to_ref, where, out)

    raw_status = None if st_idx is None or st_idx >= n or values[st_idx] == "" else values[st_idx]
    if _status_formula(sd, st_ref, raw_status, layout.MEASURE_STATUS_CHOICES, where, out):
        try:
            entry.assessed = _assessment(raw_status if isinstance(raw_status, str) else
                                         (None if raw_status is None else str(raw_status)))
        except ValueError:
            out.append(issue(STATUS_UNKNOWN_WORD, cell=st_ref, found=_shown(raw_status),
                             allowed=", ".join(layout.MEASURE_STATUS_CHOICES), **where))

    entry.comment = _comment(sd, row, values, m.code, file, out, entry.comment_cell, cm_idx)
    entry.in_error = bool(out) and any(i.is_error for i in out)
    if entry.in_error:
        entry.value = None
    return entry


def check_system(m: Measure, sd: SheetData, row: int, values: list, file: str) -> MeasureEntry:
    """The row of a measure whose figures come from a system (the plan's Source): its To date reads
    `from <Source>`, locked; anything else there (typed into an older template) is ignored with a
    warning naming the cell."""
    (to_idx,), (to_col,) = sd.input_columns((layout.TO_DATE,))
    ref = None if to_col is None else f"{to_col}{row}"
    entry = MeasureEntry(m.code, None, None, "", sd.name, ref, row, system=True)
    raw = _value(values, to_idx)
    if raw is not None and _shown(raw).casefold() != layout.from_system(m.source).casefold():
        entry.issues.append(issue(RETURN_FIGURE_FROM_SYSTEM, file=file, sheet=sd.name, cell=ref, row=row, key=m.code,
                                  found=_shown(raw), source=m.source))
    return entry


def _figure(m: Measure, raw, ref: str, where: dict, out: list[Issue]) -> Value | None:
    try:
        value = parse_value(raw, m.unit, percent_format=m.unit is Unit.PERCENT)
    except ValueProblem as p:
        out.append(issue(CELL_NOT_A_NUMBER, cell=ref, found=p.found[:80], expected=p.expected,
                         hint_text=f" ({p.hint})" if p.hint else "", example=m.unit.example, **where))
        return None
    if value.note:
        out.append(issue(CELL_READ_AS, cell=ref, note=value.note, **where))
    if value.figure is None and value.missing not in (None, Missing.BLANK):
        out.append(issue(CELL_NO_DATA, cell=ref, found=value.raw[:80], **where))
    reason = check_range(value, m.unit)
    if reason:
        out.append(issue(CELL_OUT_OF_RANGE, cell=ref, reason=reason, **where))
        return None
    return value


def _status_formula(sd: SheetData, ref: str | None, raw, allowed: tuple[str, ...], where: dict,
                    out: list[Issue]) -> bool:
    """Whether a Status cell's value can be read as a status word: a formula's calculated value
    can (noted), a formula without one cannot (an error naming the cell)."""
    if ref not in sd.formulas:
        return True
    shown, usable = _formula(sd, ref, raw)
    out.append(issue(CELL_FORMULA_USED, cell=ref, found=_shown(raw), **where) if usable else
               issue(STATUS_FORMULA_NO_VALUE, cell=ref, formula=shown, allowed=", ".join(allowed), **where))
    return usable


def _comment(sd: SheetData, row: int, values: list, key: str, file: str, out: list[Issue],
             ref: str | None, idx: int | None) -> str:
    """The Comments/Progress cell `ref` (column `idx`) of a row, cleaned and checked. A formula
    there is free text the manager typed after '=', '+', '-' or '@': a warning, never an error,
    and the comment is its calculated value, or the formula's own text when it has none."""
    raw = _value(values, idx)
    if ref in sd.formulas:
        shown, usable = _formula(sd, ref, raw)
        formula = sd.formulas[ref][0]
        if not usable:
            raw = "=" + formula if formula else None
        kept = clean_comment(raw)
        out.append(issue(CELL_FORMULA_IN_TEXT, file=file, sheet=sd.name, cell=ref, row=row, key=key,
                         formula=shown, kept=kept if len(kept) <= 80 else kept[:79] + "…"))
    text, removed = cleaned_comment(raw)
    if removed:
        out.append(issue(RETURN_TEXT_CLEANED, file=file, sheet=sd.name, cell=ref, row=row, key=key, removed=removed))
    if len(text) > layout.COMMENT_MAX_CHARS:
        out.append(issue(COMMENT_TOO_LONG, file=file, sheet=sd.name, cell=ref, row=row, key=key, length=len(text),
                         limit=layout.COMMENT_MAX_CHARS))
    return text


def check_action(a: Action, sd: SheetData, row: int, values: list, file: str, period: Period) -> ActionEntry:
    """Read and check the Status and Comments/Progress cells of action `a`'s row."""
    (st_idx, cm_idx), (st_col, cm_col) = sd.input_columns(_ACTION_INPUTS)
    suffix = str(row)
    ref = None if st_col is None else st_col + suffix
    entry = ActionEntry(a.ref, None, "", sd.name, ref, row, None if cm_col is None else cm_col + suffix)
    where = dict(file=file, sheet=sd.name, key=a.ref, row=row)
    out = entry.issues
    raw = _value(values, st_idx)
    if _status_formula(sd, ref, raw, layout.ACTION_STATUS_CHOICES, where, out):
        try:
            entry.status = _action_status(None if raw is None else str(raw))
        except ValueError:
            out.append(issue(STATUS_UNKNOWN_WORD, cell=ref, found=_shown(raw),
                             allowed=", ".join(layout.ACTION_STATUS_CHOICES), **where))
    if entry.status is ActionStatus.COMPLETE and a.start is not None and a.start > period.end:
        out.append(issue(ACTION_COMPLETE_BEFORE_START, cell=ref, start=f"{a.start:%d/%m/%Y}", **where))
    entry.comment = _comment(sd, row, values, a.ref, file, out, entry.comment_cell, cm_idx)
    entry.in_error = bool(out) and any(i.is_error for i in out)
    if entry.in_error:
        entry.status = None
    return entry


def _shown(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return clean_text(raw)[:80]
