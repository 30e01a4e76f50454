"""Fill in a return template as a team manager would in Excel: for the demo, tests and benchmarks.

`fill_return(template, out, measures={"SW01": {"To date": "89%", "Comments/Progress": "…"}},
actions={"A1": {"Status": "Green"}})` matches rows by Code/Ref (never by position) and columns by
header, and *types* each text the way Excel reads a keyboard entry:

- in a percent cell `89%`, `89` and `0.89` all become 0.89 (Excel's automatic percent entry);
- `1,668` becomes 1668, `£1,668.50` 1668.5, `(5)` -5, and `89%` in any other cell 0.89;
- `31/03/2024` becomes a date (UK day/month order), except in a text-formatted cell;
- a cell formatted as text (ratio To date cells) keeps exactly what was typed, e.g. `70/30`;
- anything else (Green, TBC, a comment) stays text; `=…` is a formula, as in Excel.

Non-text values (numbers, dates, None to clear) are written as they are, as when pasting values.
Data validation is *not* applied, as when pasting, so tests can make returns with bad entries.
Protection, validations, formatting and the identity sheet are kept (openpyxl round trip).
`cells={("Measures", "B7"): "new text"}` types into any cell, locked or not: a tampering manager.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Mapping

import openpyxl

from xlplan.contract import layout
from xlplan.contract.corrections import CORRECTIONS_SHEET
from xlplan.contract.budget import BUDGET_SHEET
from xlplan.contract.risks import RISKS_SHEET
from xlplan.errors import XlplanError, suggestion

Entries = Mapping[str, Mapping[str, object]]

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")


def fill_return(template: str | Path, out: str | Path, measures: Entries | None = None,
                actions: Entries | None = None, cells: Mapping[tuple[str, str], object] | None = None,
                corrections: Entries | None = None, risks: Entries | None = None,
                budget: Entries | None = None) -> Path:
    """Copy `template` to `out` with the given entries typed in; returns `out`. `corrections` go on
    the Corrections sheet (last quarter's figures), by Code: {"CF01": {"Q1 corrected": "73%", …}};
    `risks` on the Risks sheet, by Code: {"SP011": {"Likelihood": "3", "Impact": "4", "Commentary": …}};
    `budget` on the Budget sheet, by Line: {"Family Placement": {"Spend to date": "3,702,114", …}}.

    Raises XlplanError naming an unknown Code/Ref or column (with a did-you-mean).
    """
    wb = openpyxl.load_workbook(template)
    for sheet, key_header, entries in ((layout.MEASURES_SHEET, "Code", measures),
                                       (layout.ACTIONS_SHEET, "Ref", actions),
                                       (CORRECTIONS_SHEET, "Code", corrections),
                                       (RISKS_SHEET, "Code", risks),
                                       (BUDGET_SHEET, "Line", budget)):
        if entries:
            _fill_sheet(wb[sheet], sheet, key_header, entries)
    for (sheet, ref), value in (cells or {}).items():
        type_into(wb[sheet][ref], value)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _fill_sheet(ws, sheet: str, key_header: str, entries: Entries) -> None:
    header_row, columns = _header(ws, key_header)
    rows: dict[str, int] = {}
    for r in range(header_row + 1, ws.max_row + 1):
        key = ws.cell(r, columns[key_header]).value
        if key not in (None, ""):
            rows.setdefault(str(key).strip(), r)
    for key, values in entries.items():
        if key not in rows:
            raise XlplanError(f"{sheet} has no row with {key_header} '{key}'{suggestion(key, rows)}")
        for column, value in values.items():
            if column not in columns:
                raise XlplanError(f"{sheet} has no column '{column}'{suggestion(column, columns)}")
            type_into(ws.cell(rows[key], columns[column]), value)


def _header(ws, key_header: str) -> tuple[int, dict[str, int]]:
    for r in range(1, layout.HEADER_SEARCH_ROWS + 1):
        row = {str(c.value).strip(): c.column for c in ws[r] if c.value not in (None, "")}
        if key_header in row:
            return r, row
    raise XlplanError(f"Sheet '{ws.title}' has no header row with '{key_header}' in its first "
                      f"{layout.HEADER_SEARCH_ROWS} rows")


def type_into(cell, value: object) -> None:
    """Put `value` in `cell` as Excel would: text is read as a keyboard entry, anything else pasted."""
    if not isinstance(value, str):
        cell.value = value
        return
    cell.value = typed_value(value, cell.number_format or "General")


def typed_value(text: str, number_format: str = "General") -> object:
    """What Excel stores when `text` is typed into a cell with `number_format`."""
    if number_format == "@":
        return text
    s = text.strip()
    if s.startswith("=") and len(s) > 1:
        return s
    percent_cell = "%" in number_format
    number = _as_number(s)
    if number is not None:
        x, had_percent = number
        if had_percent:
            return x / 100
        if percent_cell:       # automatic percent entry: 85 → 85%, and 0.85 → 85% too
            return x / 100 if abs(x) >= 1 else x
        return int(x) if x.is_integer() and "." not in s else x
    m = _DATE.fullmatch(s)
    if m:
        day, month, year = (int(g) for g in m.groups())
        year += 2000 if year < 100 else 0
        try:
            return datetime(year, month, day)
        except ValueError:
            return text
    return text


def _as_number(s: str) -> tuple[float, bool] | None:
    negative = s.startswith("(") and s.endswith(")")
    body = s[1:-1].strip() if negative else s
    body = body.replace("£", "", 1).strip() if body.lstrip("+-").startswith("£") else body
    body = body.replace("+£", "+").replace("-£", "-")
    had_percent = body.endswith("%")
    body = body.removesuffix("%").strip()
    if not body or not _NUMBER.fullmatch(body):
        return None
    x = float(body.replace(",", ""))
    return (-x if negative else x), had_percent
