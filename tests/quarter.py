"""A quarter to collect, shared by the collect, store and report tests: a plan with two services,
its Q2 templates, returns filled in as managers would, and `run()` collecting them."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl

from builders import action, build_plan, measure
from xlplan.collect import collect
from xlplan.contract import layout
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.templates.build import write_templates

Q2 = Period.parse("2023-24-Q2")
CJ, AOP = "Children and Justice", "Adult and Older People"

MEASURES = [
    measure("SW01", Target="75%", **{"2021/22": "68%", "2022/23": "71%"}),  # percent, Higher, level
    measure("SW02", Unit="£", Target="£100,000", Profile="Cumulative"),    # Q2 target £50,000
    measure("SW03", Unit="number", Polarity="Lower", Target="50"),
    measure("SW04", Unit="number", Target="", Polarity="Higher"),          # no target: manager assesses
    measure("SW10", Service=AOP, Unit="%", Target="90%"),
    measure("SW11", Service=AOP, Unit="ratio", Target="70/30"),
]
ACTIONS = [action("A1"), action("A2", Start="01/01/2024"), action("A3", Service=AOP)]


def make_plan(root: Path, **over) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return build_plan(root / "plan.xlsx", measures=over.pop("measures", MEASURES),
                      actions=over.pop("actions", ACTIONS), **over)


def make_templates(plan_path: Path, period: Period = Q2, out: Path | None = None) -> dict[str, Path]:
    plan = read_plan(plan_path)
    out = out or plan_path.parent / "templates" / period.id
    paths = write_templates(plan, period, out, plan_path=plan_path)
    return {svc: next(p for p in paths if svc in p.name) for svc in (s.name for s in plan.services_with_returns())}


def fill(template: Path, out: Path, measures: dict | None = None, actions: dict | None = None,
         edit=None) -> Path:
    """Fill a template's input cells as a manager would (openpyxl, matched by Code/Ref) and save it
    as `out`. `edit(wb)` may make further changes (tampering) before saving."""
    wb = openpyxl.load_workbook(template)
    for sheet, entries in ((layout.MEASURES_SHEET, measures or {}), (layout.ACTIONS_SHEET, actions or {})):
        ws = wb[sheet]
        head_row, cols = header(ws, "Code" if sheet == layout.MEASURES_SHEET else "Ref")
        key_col = cols["Code" if sheet == layout.MEASURES_SHEET else "Ref"]
        rows = {ws.cell(r, key_col).value: r for r in range(head_row + 1, ws.max_row + 1)}
        for code, values in entries.items():
            for column, value in values.items():
                ws.cell(rows[code], cols[column]).value = value
    if edit:
        edit(wb)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def header(ws, key: str) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows(min_row=1, max_row=layout.HEADER_SEARCH_ROWS):
        if any(c.value == key for c in row):
            return row[0].row, {c.value: c.column for c in row if c.value}
    raise AssertionError(f"no header row with {key}")


def row_of(ws, key: str, code: str) -> int:
    head_row, cols = header(ws, key)
    return next(r for r in range(head_row + 1, ws.max_row + 1) if ws.cell(r, cols[key]).value == code)


def set_saved(path: Path, when: datetime) -> None:
    """Rewrite docProps/core.xml's dcterms:modified: when the workbook says it was last saved."""
    with zipfile.ZipFile(path) as zin:
        parts = {i: zin.read(i.filename) for i in zin.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            zout.writestr(info, data)


def run(root: Path, period: Period = Q2, db: str | None = None, **kw):
    """Collect root's returns into `db` (a store URL; by default the SQLite store root/xlplan.db)."""
    return collect(root / "plan.xlsx", period, root / "returns", db or f"sqlite:///{root}/xlplan.db", **kw)


GOOD_CJ = {"SW01": {"To date": 0.80, "Comments/Progress": "On track"},
           "SW02": {"To date": 46000, "Comments/Progress": "Slightly behind: two posts vacant"},
           "SW03": {"To date": 70, "Comments/Progress": "Demand up since July; recovery plan agreed"},
           "SW04": {"To date": 12, "Status": "Amber", "Comments/Progress": "New measure this year"}}
GOOD_AOP = {"SW10": {"To date": "Report later", "Comments/Progress": "Data due from NHS in November"},
            "SW11": {"To date": "72/28"}}


def two_good_returns(root: Path, measures=MEASURES) -> Path:
    """A plan in `root` and good returns from both its services in `root/returns`."""
    t = make_templates(make_plan(root, measures=measures))
    fill(t[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    fill(t[AOP], root / "returns" / "aop.xlsx", GOOD_AOP)
    return root
