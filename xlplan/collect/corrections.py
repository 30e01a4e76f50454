"""Check the Corrections sheet of one return: last quarter's figures corrected by the manager.

The sheet (xlplan/contract/corrections.py) has, per measure, last quarter's figure as reported
(locked, covered by a row digest on the identity sheet) beside a corrected figure and a reason.
A corrected figure is read exactly as a To date figure is (by the measure's unit; a formula counts
by its calculated value); a no-data word or a blank means no correction. A figure equal to the
one reported is no correction either. A change without a reason is an error naming the reason
cell, and the correction is not used; a figure that cannot be read is an error naming its cell.

Pure per file, like the rest of examine: what the store holds for last quarter is compared in
collect/restated.py, once every file is examined.
"""

from __future__ import annotations


from xlplan.collect.entries import CorrectionEntry, same_figure
from xlplan.collect.identify import row_code
from xlplan.collect.read import ReturnFile
from xlplan.collect.validate import _comment, _figure, _formula
from xlplan.contract import corrections as sheet
from xlplan.contract.identity import row_digest
from xlplan.errors import (CELL_FORMULA_NO_VALUE, CELL_FORMULA_USED, CELL_NO_DATA, CORRECTION_NO_FIGURE,
                           CORRECTION_NO_REASON, RETURN_MISSING_COLUMN, RETURN_MISSING_SHEET, RETURN_ROW_EDITED,
                           RETURN_ROW_INSERTED, Issue, issue, suggestion)
from xlplan.periods import Period
from xlplan.values import Unit, ValueProblem, format_value, parse_value


def check_corrections(rf: ReturnFile, plan, service: str, period: Period,
                      key: bytes) -> tuple[dict[str, CorrectionEntry], list[Issue]]:
    """The corrections a return carries (by code) and the issues its Corrections sheet raises. A
    return whose template had no Corrections sheet carries none."""
    entries = {e.key: e for e in rf.identity.rows if e.sheet == sheet.CORRECTIONS_SHEET} if rf.identity else {}
    if not entries:
        return {}, []
    file = rf.name
    sd = rf.sheets.get(sheet.CORRECTIONS_SHEET)
    if sd is None or not sd.header_row:
        return {}, [issue(RETURN_MISSING_SHEET, file=file, sheet=sheet.CORRECTIONS_SHEET, suggestion="")]
    found: list[Issue] = []
    lost = [h for h in sheet.headers(period) if sd.col(h) is None]
    for h in lost:
        found.append(issue(RETURN_MISSING_COLUMN, file=file, sheet=sd.name, column=h,
                           suggestion=suggestion(h, [x for x in sd.headers if x])))
    if lost:
        return {}, found
    measures = {m.code: m for m in plan.measures_for(service)}
    hashed = [sd.col(h) for h in sheet.hashed_columns(period)]
    corrected_header, q = sheet.corrected_header(period), sheet.quarter_name(period)
    got: dict[str, CorrectionEntry] = {}
    seen: set[str] = set()
    for row, values in sd.rows:
        code = row_code(values[sd.col("Code")])
        entry = entries.get(code)
        if entry is None or code in seen or code not in measures:
            found.append(issue(RETURN_ROW_INSERTED, file=file, sheet=sd.name, row=row, key=code[:40]))
            continue
        seen.add(code)
        cells = [values[i] if i < len(values) else None for i in hashed]
        trusted = row_digest(key, sd.name, code, cells) == entry.digest
        if not trusted:
            found.append(issue(RETURN_ROW_EDITED, file=file, sheet=sd.name, row=row, key=code))
        m = measures[code]
        ref, reason_ref = sd.ref(row, corrected_header), sd.ref(row, sheet.REASON)
        where = dict(file=file, sheet=sd.name, key=code, row=row)
        out: list[Issue] = []
        raw = sd.value(values, corrected_header)
        usable = True
        if ref in sd.formulas:
            shown, usable = _formula(sd, ref, raw)
            out.append(issue(CELL_FORMULA_USED, cell=ref, found=str(raw)[:80], **where) if usable else
                       issue(CELL_FORMULA_NO_VALUE, cell=ref, formula=shown, **where))
        value = None
        if usable and raw is not None:
            read: list[Issue] = []
            value = _figure(m, raw, ref, where, read)
            out.extend(i for i in read if i.code is not CELL_NO_DATA)   # a no-data word: no correction
        reason = _comment(sd, row, values, code, file, out, reason_ref, sd.col(sheet.REASON))
        errors = any(i.is_error for i in out)
        reported = _reported(cells[-1], m.unit) if trusted else None
        if value is None or value.figure is None or errors:
            if reason and not errors:
                out.append(issue(CORRECTION_NO_FIGURE, cell=reason_ref, quarter=q,
                                 corrected_cell=f"{sd.name}!{ref}", **where))
        elif reported is not None and same_figure(reported, value.figure):
            pass                                              # the figure as reported: nothing changed
        elif not reason:
            out.append(issue(CORRECTION_NO_REASON, cell=reason_ref, quarter=q, corrected_cell=f"{sd.name}!{ref}",
                             reported=format_value(reported, m.unit) if reported is not None
                             else (_text(cells[-1]) or "no figure"),
                             corrected=format_value(value.figure, m.unit), **where))
        else:
            got[code] = CorrectionEntry(code, value, reported, reason, sd.name, ref, reason_ref, row)
        found.extend(out)
    return got, found


def _reported(cell, unit: Unit):
    """The figure a locked "as reported" cell shows, or None (a no-data word, blank)."""
    try:
        return parse_value(cell, unit, percent_format=unit is Unit.PERCENT).figure
    except ValueProblem:
        return None


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


