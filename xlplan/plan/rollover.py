"""Next year's plan workbook from this year's (`xlplan rollover`): the officer's workbook copied
with its formats, notes, dropdowns and extra columns, and changed only where the year changes it.

- Settings: Year becomes the new year.
- Measures: each measure's outturn goes into a history column headed by the old year (`2023/24`);
  the old year's target is kept in `Target 2023/24`; `Target` becomes the new year's target from
  `Target 2024/25` where the plan has one, stays where it is a direction (Increase, Reduce, Maintain:
  judged on the outturn just written), and is otherwise left blank for the officer to set, so that
  `xlplan check` names the cell (plan.no-year-target). A target is never made up: four quarterly
  targets in Profile belong to the old year, so they are kept only when the new year's target is
  the same, and otherwise become Cumulative (when they rose to the annual target) or Level.
- Actions: an action whose latest update of the year is Complete is closed: taken off Actions
  and listed on a `Closed actions` sheet; an open one is carried with its latest status and
  progress in `Carried status` and `Carried progress`.

Pure of the store: the caller brings the outturns and the actions' latest updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange

from xlplan.periods import FinancialYear
from xlplan.plan.model import Plan
from xlplan.plan.sheet import target_year
from xlplan.status import ProfileKind
from xlplan.values import Figure, Ratio, TargetKind, Unit, clean_text

CLOSED_SHEET = "Closed actions"
CARRIED_STATUS, CARRIED_PROGRESS = "Carried status", "Carried progress"
NUMBER_FORMATS = {Unit.PERCENT: "0.0%", Unit.MONEY: "£#,##0", Unit.NUMBER: "#,##0.##"}


@dataclass(frozen=True)
class ActionUpdate:
    """An action's latest update of the year (the store's ActionYear has the same fields)."""

    status: object       # the status of the latest update (Complete, Green…: a word or an ActionStatus)
    progress: str
    as_at: str           # the period of that update, e.g. 2023-24-Q4; "" when none


def _word(u) -> str:
    """The status word of an update, "" when there was none in the year."""
    if u is None or not u.as_at:
        return ""
    return str(getattr(u.status, "value", u.status) or "")


@dataclass
class Rollover:
    """What `roll_over` did, for the officer."""

    path: Path
    outturns: list[str] = field(default_factory=list)            # codes given a history figure
    no_outturn: list[str] = field(default_factory=list)          # codes left blank in the history column
    targets_set: list[str] = field(default_factory=list)         # from Target <new year>
    targets_kept: list[str] = field(default_factory=list)        # directional targets carried
    targets_needed: list[tuple[str, str]] = field(default_factory=list)   # (code, cell) left blank
    profiles_reset: list[tuple[str, str, str]] = field(default_factory=list)  # (code, was, now)
    closed: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    risks_moved: list[str] = field(default_factory=list)         # risks given their latest assessment


def roll_over(source: Path, plan: Plan, to_year: FinancialYear, outturns: dict[str, Figure | None],
              actions: dict[str, "ActionUpdate"], out: Path, risks: dict | None = None) -> Rollover:
    """Write next year's plan (`to_year`) to `out` from the plan workbook `source` (read as `plan`).
    `risks` (code → the year's latest assessment, with `likelihood` and `impact`) become the risk
    register's Likelihood and Impact: the new year starts from where each risk stood."""
    from_year = to_year.previous()
    wb = openpyxl.load_workbook(source)
    sheets = {ws.title.strip().casefold(): ws for ws in wb.worksheets}
    done = Rollover(Path(out))
    _settings(sheets["settings"], to_year)
    _measures(sheets["measures"], plan, from_year, to_year, outturns, done)
    _actions(wb, sheets["actions"], from_year, actions, done)
    if risks and "risks" in sheets:
        _risks(sheets["risks"], risks, done)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return done


# --- sheets ----------------------------------------------------------------------------------------


class _Sheet:
    """A plan sheet's header row and columns (casefolded header → column number)."""

    def __init__(self, ws, wanted: tuple[str, ...]) -> None:
        self.ws = ws
        keys = {w.casefold() for w in wanted}
        best, hits = 1, 0
        for r in range(1, min(ws.max_row, 10) + 1):
            n = sum(1 for c in ws[r] if isinstance(c.value, str) and clean_text(c.value).casefold() in keys)
            if n > hits:
                best, hits = r, n
        self.header = best
        self._index()

    def _index(self) -> None:
        self.cols = {}
        for c in self.ws[self.header]:
            if isinstance(c.value, str) and c.value.strip():
                self.cols.setdefault(clean_text(c.value).casefold(), c.column)

    def col(self, name: str) -> int | None:
        return self.cols.get(name.casefold())

    def rows(self):
        return range(self.header + 1, self.ws.max_row + 1)

    def insert(self, at: int, header: str, like: int | None = None, note: str = "") -> int:
        """Insert a column headed `header` at column `at` (dropdowns and widths move with the columns
        after it); styled like column `like`. Returns `at`."""
        ws = self.ws
        widths = {c: ws.column_dimensions[get_column_letter(c)].width for c in range(at, ws.max_column + 1)}
        ws.insert_cols(at)
        for c, width in widths.items():
            if width:
                ws.column_dimensions[get_column_letter(c + 1)].width = width
        ws.column_dimensions[get_column_letter(at)].width = 14
        for dv in ws.data_validations.dataValidation:
            ranges = []
            for rng in dv.sqref.ranges:
                if rng.min_col >= at:
                    rng.shift(col_shift=1)
                ranges.append(rng.coord)
            dv.sqref = MultiCellRange(" ".join(ranges))
        cell = ws.cell(row=self.header, column=at, value=header)
        if like is not None:
            model = ws.cell(row=self.header, column=like + (1 if like >= at else 0))
            cell._style = model._style
        if note:
            cell.comment = Comment(note, "xlplan", width=300, height=110)
        self._index()
        return at


def _risks(ws, latest: dict, done: Rollover) -> None:
    """The register's Likelihood and Impact set to each risk's latest assessment of the year (a risk
    not assessed keeps the plan's)."""
    s = _Sheet(ws, ("Code", "Risk", "Likelihood", "Impact"))
    code_col, l_col, i_col = s.col("Code"), s.col("Likelihood"), s.col("Impact")
    if None in (code_col, l_col, i_col):
        return
    for r in s.rows():
        code = ws.cell(r, code_col).value
        code = clean_text(str(code)) if code is not None else ""
        found = latest.get(code)
        if found is None or found.likelihood is None or found.impact is None:
            continue
        ws.cell(r, l_col).value, ws.cell(r, i_col).value = int(found.likelihood), int(found.impact)
        done.risks_moved.append(code)


def _settings(ws, to_year: FinancialYear) -> None:
    s = _Sheet(ws, ("Setting", "Value"))
    key, value = s.col("Setting"), s.col("Value")
    for r in s.rows():
        if clean_text(ws.cell(r, key).value or "").casefold() == "year":
            ws.cell(r, value).value = to_year.label
            return
    r = ws.max_row + 1
    ws.cell(r, key).value, ws.cell(r, value).value = "Year", to_year.label


def _measures(ws, plan: Plan, from_year: FinancialYear, to_year: FinancialYear,
              outturns: dict[str, Figure | None], done: Rollover) -> None:
    s = _Sheet(ws, ("Code", "Measure", "Theme", "Outcome", "Service", "Unit", "Polarity", "Target", "Profile"))
    by_code = {m.code.casefold(): m for m in plan.measures}
    history = s.col(from_year.slash) or next((s.col(h) for h in _headers(s) if FinancialYear.looks_like(h)
                                              and FinancialYear.parse(h) == from_year), None)
    if history is None:
        years = [s.col(h) for h in _headers(s) if FinancialYear.looks_like(h)]
        at = max(years) + 1 if years else s.ws.max_column + 1
        history = s.insert(at, from_year.slash, like=max(years) if years else s.col("Code"),
                           note=f"The outturn for financial year {from_year.slash}.")
    old_target = _year_column(s, from_year)
    if old_target is None:
        later = [s.col(h) for h in _headers(s) if target_year(h)]
        at = min(later) if later else s.ws.max_column + 1
        old_target = s.insert(at, f"Target {from_year.slash}", like=s.col("Target"),
                              note=f"The annual target for {from_year.slash}, kept from last year's plan.")
    new_target = _year_column(s, to_year)
    code_col, target_col, profile_col = s.col("Code"), s.col("Target"), s.col("Profile")
    for r in s.rows():
        code = clean_text(ws.cell(r, code_col).value or "")
        m = by_code.get(code.casefold())
        if m is None:
            continue
        _history(ws.cell(r, history), outturns.get(m.code), m.unit, m.code, done)
        target, column = m.target_for(from_year) if m.year_targets else (m.target, "Target")
        source = ws.cell(r, s.col(column) or target_col)
        if target.kind is not TargetKind.NONE:
            _copy(source, ws.cell(r, old_target))
        upcoming = m.year_targets.get(to_year)
        if upcoming is not None and new_target is not None:
            _copy(ws.cell(r, new_target), ws.cell(r, target_col))
            done.targets_set.append(m.code)
        elif target.is_directional:
            if source.column != target_col:
                _copy(source, ws.cell(r, target_col))
            done.targets_kept.append(m.code)
        else:
            ws.cell(r, target_col).value = None
            if target.kind is not TargetKind.NONE:
                cell = ws.cell(r, new_target or target_col).coordinate
                done.targets_needed.append((m.code, cell))
        if m.profile.kind is ProfileKind.QUARTERLY and (upcoming is None or repr(upcoming) != repr(target)):
            was = m.profile.describe(m.unit)
            now = "Cumulative" if _rising_to(m.profile.quarters, target) else "Level"
            ws.cell(r, profile_col).value = now
            done.profiles_reset.append((m.code, was, now))


def _headers(s: _Sheet) -> list[str]:
    return [clean_text(c.value) for c in s.ws[s.header] if isinstance(c.value, str) and c.value.strip()]


def _year_column(s: _Sheet, year: FinancialYear) -> int | None:
    return next((s.col(h) for h in _headers(s) if target_year(h) == year), None)


def _rising_to(quarters, annual) -> bool:
    """Whether four quarterly targets rise to the annual target (so they accrued over the year)."""
    figures = [q.figure for q in quarters]
    if any(f is None or isinstance(f, Ratio) for f in figures) or annual.figure is None:
        return False
    return all(a <= b for a, b in zip(figures, figures[1:])) and abs(figures[-1] - float(annual.figure)) < 1e-9


def _copy(source, target) -> None:
    value = source.value
    target.value = value
    target.number_format = source.number_format
    if target.data_type == "f":        # text such as "=1" stays text
        target.data_type = "s"


def _history(cell, figure: Figure | None, unit: Unit, code: str, done: Rollover) -> None:
    if figure is None:              # left as it is: blank, or what the officer typed there already
        done.no_outturn.append(code)
        return
    if isinstance(figure, Ratio):
        cell.value = str(figure)
        cell.number_format = "@"
    else:
        cell.value = float(figure)
        cell.number_format = NUMBER_FORMATS[unit]
    done.outturns.append(code)


def _actions(wb, ws, from_year: FinancialYear, updates: dict[str, ActionUpdate], done: Rollover) -> None:
    s = _Sheet(ws, ("Ref", "Action", "Measures", "Theme", "Outcome", "Service"))
    headers = [ws.cell(s.header, c).value for c in range(1, ws.max_column + 1)]
    status_col = s.col(CARRIED_STATUS) or s.insert(ws.max_column + 1, CARRIED_STATUS, like=s.col("Ref"),
                                                   note=CARRIED_NOTES[CARRIED_STATUS])
    progress_col = s.col(CARRIED_PROGRESS) or s.insert(ws.max_column + 1, CARRIED_PROGRESS, like=s.col("Ref"),
                                                       note=CARRIED_NOTES[CARRIED_PROGRESS])
    ws.column_dimensions[get_column_letter(progress_col)].width = 50
    closed_rows = []
    ref_col = s.col("Ref")
    for r in s.rows():
        ref = clean_text(ws.cell(r, ref_col).value or "")
        if not ref:
            continue
        u = updates.get(ref)
        word = _word(u)
        if word.casefold() in ("complete", "completed"):
            closed_rows.append((r, u))
            done.closed.append(ref)
            continue
        ws.cell(r, status_col).value = word or None
        ws.cell(r, progress_col).value = (u.progress or None) if word else \
            f"No update was returned in {from_year.slash}."
        if ws.cell(r, progress_col).data_type == "f":
            ws.cell(r, progress_col).data_type = "s"
        done.carried.append(ref)
    if not closed_rows:
        return
    closed = wb[CLOSED_SHEET] if CLOSED_SHEET in wb.sheetnames else _closed_sheet(wb, headers)
    for r, u in closed_rows:
        values = [ws.cell(r, c).value for c in range(1, len(headers) + 1)]
        closed.append([*values, u.as_at, u.progress])
        for c, v in enumerate(values, 1):
            if isinstance(v, str) and v.startswith("="):
                closed.cell(closed.max_row, c).data_type = "s"
        closed.cell(closed.max_row, len(headers) + 2).data_type = "s"
    for r, _ in sorted(closed_rows, reverse=True):
        ws.delete_rows(r)


CARRIED_NOTES = {
    CARRIED_STATUS: "Optional: the action's status at the end of the year it was carried from (Green, Amber, "
                    "Red, Report later), written by `xlplan rollover`.",
    CARRIED_PROGRESS: "Optional: the action's latest progress update of the year it was carried from, written by "
                      "`xlplan rollover`.",
}


def _closed_sheet(wb, headers: list) -> object:
    ws = wb.create_sheet(CLOSED_SHEET)
    ws.append([*headers, "Closed at", "Final progress"])
    for c in ws[1]:
        c.font = openpyxl.styles.Font(bold=True, color="FFFFFF")
        c.fill = openpyxl.styles.PatternFill("solid", fgColor="1F4E78")
    ws.freeze_panes = "A2"
    return ws
