"""`xlplan benchmarks import FILE --year 2022-23`: comparator figures per measure from a download.

The officer downloads the Local Government Benchmarking Framework's figures (or any comparator
table) as CSV or xlsx. Columns are mapped by header, case-insensitively, under the LGBF's names or
close ones: Code (Indicator code), Scottish average, Family group average, Best in class, Rank, and
optionally the council's own Value and a Year (rows of another year are left out). A row is matched
to a measure of the plan by its Code, or by a code in the measure's Links; every row that matches
none is listed with its row number. Figures are read by the measure's unit, as the plan's figures
are (85.2, 85.2% or 0.852 for a percentage; £1,493 for money); a figure that cannot be read is an
error naming the row and column, and that row is not imported.

The rows matched are stored in the `benchmarks` table (measure code, year, figures, the file, its
sha256 and row), replacing what was stored for the same measure and year: importing the same file
again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from xlplan import store
from xlplan.benchmarks.read import Table, Unreadable, read_table
from xlplan.errors import (BENCHMARK_BAD_FIGURE, BENCHMARK_MISSING_COLUMN, BENCHMARK_UNMATCHED, BENCHMARK_UNREADABLE,
                           Report, issue, suggestion)
from xlplan.periods import FinancialYear
from xlplan.plan import Measure, Plan
from xlplan.values import ValueProblem, clean_text, parse_value

# canonical field → the headers it is known by (casefolded, spaces squeezed)
HEADERS = {
    "code": ("code", "indicator code", "indicator ref", "measure code", "lgbf code", "pi code", "ref"),
    "scotland": ("scottish average", "scotland", "scotland average", "scottish value", "national average",
                 "scotland value"),
    "family": ("family group average", "family group", "family average", "family group value",
               "family group mean"),
    "best": ("best in class", "best", "best value", "best performing council", "best council value"),
    "rank": ("rank", "ranking", "council rank", "rank (1-32)", "position"),
    "council": ("value", "council value", "our value", "council figure", "local authority value"),
    "year": ("year", "financial year", "period"),
    "name": ("indicator", "indicator name", "description", "indicator description", "measure", "title"),
}
REQUIRED = ("code",)
FIGURES = ("council", "scotland", "family", "best")
COLUMN_NAMES = {"code": "Code", "scotland": "Scottish average", "family": "Family group average",
                "best": "Best in class", "rank": "Rank", "council": "Value", "year": "Year", "name": "Indicator"}


def field_of(header: str) -> str | None:
    key = re.sub(r"\s+", " ", clean_text(header or "")).casefold()
    key = re.sub(r"\s*\(.*?\)$", "", key) if key not in sum(HEADERS.values(), ()) else key
    for name, known in HEADERS.items():
        if key in known:
            return name
    return None


@dataclass
class ImportResult:
    """What an import found: the rows stored, the rows left out and why, every issue."""

    file: str
    year: FinancialYear
    stored: list[store.BenchmarkRow] = field(default_factory=list)
    unmatched: list[tuple[int, str]] = field(default_factory=list)       # (row, code as in the file)
    other_years: int = 0
    report: Report = field(default_factory=Report)
    columns: dict[str, str] = field(default_factory=dict)                # field → header as in the file
    encoding: str = ""
    separator: str = ""

    @property
    def exit_code(self) -> int:
        return 0 if self.report.valid else 1


def import_benchmarks(path: str | Path, plan: Plan, year: FinancialYear | str, db_url: str,
                      *, write: bool = True) -> ImportResult:
    """Read the benchmark file at `path` for `year`, match its rows to `plan`'s measures and store
    them in the store at `db_url` (unless `write` is False). Never raises for bad content."""
    path = Path(path)
    year = FinancialYear.parse(year) if isinstance(year, str) else year
    result = ImportResult(path.name, year)
    try:
        table = read_table(path, lambda h: field_of(h) is not None)
    except Unreadable as e:
        result.report.add(issue(BENCHMARK_UNREADABLE, file=path.name, reason=str(e)))
        return result
    result.encoding, result.separator = table.encoding, table.separator
    columns = {}
    for i, h in enumerate(table.headers):
        name = field_of(h)
        if name and name not in columns:
            columns[name] = i
    result.columns = {k: table.headers[i] for k, i in columns.items()}
    shown = ", ".join(h for h in table.headers if h) or "none"
    missing = [c for c in REQUIRED if c not in columns]
    if not any(c in columns for c in ("scotland", "family", "best", "rank")):
        missing.append("family")
    for c in missing:
        result.report.add(issue(BENCHMARK_MISSING_COLUMN, file=path.name, row=table.header_row,
                                column=COLUMN_NAMES[c], headers=shown,
                                suggestion=suggestion(COLUMN_NAMES[c], [h for h in table.headers if h])))
    if missing:
        return result
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    measures = _index(plan)
    now = store.utc_now()
    for row, values in table.rows:
        got = _row(result, table, columns, row, values, measures, sha, now)
        if got is not None:
            result.stored.append(got)
    latest = {(r.code, r.year): r for r in result.stored}     # a measure twice in the file: its last row
    result.stored = list(latest.values())
    if write and result.stored:
        from xlplan.store.benchmarks import write_benchmarks
        write_benchmarks(db_url, result.stored)
    return result


def _index(plan: Plan) -> dict[str, Measure]:
    """Casefolded code → measure: each measure's Code, then the codes in its Links (LGBF SW1)."""
    found: dict[str, Measure] = {}
    for m in plan.measures:
        found.setdefault(m.code.casefold(), m)
    for m in plan.measures:
        for token in re.split(r"[;,\s]+", m.links or ""):
            if token and len(token) >= 2:
                found.setdefault(token.casefold(), m)
    return found


def _cell(values: list, i: int | None):
    if i is None or i >= len(values):
        return None
    v = values[i]
    return None if v is None or (isinstance(v, str) and not v.strip()) else v


def _row(result: ImportResult, table: Table, columns: dict[str, int], row: int, values: list,
         measures: dict[str, Measure], sha: str, now) -> store.BenchmarkRow | None:
    code_raw = _cell(values, columns["code"])
    if code_raw is None:
        return None
    code = clean_text(code_raw if not isinstance(code_raw, float) or not code_raw.is_integer() else int(code_raw))
    said_year = _cell(values, columns.get("year"))
    if said_year is not None:
        try:
            if FinancialYear.parse(clean_text(said_year)) != result.year:
                result.other_years += 1
                return None
        except ValueError:
            pass
    m = measures.get(code.casefold())
    if m is None:
        name = _cell(values, columns.get("name"))
        result.unmatched.append((row, code))
        result.report.add(issue(BENCHMARK_UNMATCHED, file=result.file, row=row, key=code,
                                value=code + (f" ({clean_text(name)[:60]})" if name else ""),
                                suggestion=suggestion(code, [x.code for x in measures.values()])))
        return None
    figures, ok = {}, True
    for name in FIGURES:
        i = columns.get(name)
        raw = _cell(values, i)
        if raw is None:
            figures[name] = None
            continue
        try:
            value = parse_value(raw, m.unit, percent_format=(row, i) in table.percent if table.percent else None)
        except ValueProblem as e:
            result.report.add(issue(BENCHMARK_BAD_FIGURE, file=result.file, row=row, key=m.code,
                                    column=table.headers[i], value=clean_text(raw)[:60],
                                    reason=f"expected {e.expected}" + (f" ({e.hint})" if e.hint else "")))
            ok = False
            continue
        figures[name] = value.figure
    rank, rank_of = None, None
    raw = _cell(values, columns.get("rank"))
    if raw is not None:
        try:
            rank, rank_of = parse_rank(raw)
        except ValueError as e:
            result.report.add(issue(BENCHMARK_BAD_FIGURE, file=result.file, row=row, key=m.code,
                                    column=table.headers[columns["rank"]], value=clean_text(raw)[:60], reason=str(e)))
            ok = False
    if not ok:
        return None
    fj = store.figure_json
    return store.BenchmarkRow(code=m.code, year=result.year.slash, council=fj(figures["council"]),
                              scotland=fj(figures["scotland"]), family=fj(figures["family"]),
                              best=fj(figures["best"]), rank=rank, rank_of=rank_of, unit=m.unit.value,
                              file=result.file, sha256=sha, row=row, imported=now)


def parse_rank(raw) -> tuple[int, int | None]:
    """A council's rank: 5, 5.0, '5', '5th', '5 of 32', '5/32' → (5, 32 or None)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer() and raw >= 1:
            return int(raw), None
        raise ValueError("expected a whole number such as 5 or 5 of 32")
    text = clean_text(raw).lower()
    m = re.fullmatch(r"(\d+)\s*(?:st|nd|rd|th)?\s*(?:(?:of|/|out of)\s*(\d+))?", text)
    if not m or int(m.group(1)) < 1 or (m.group(2) and int(m.group(2)) < int(m.group(1))):
        raise ValueError("expected a whole number such as 5 or 5 of 32")
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None
