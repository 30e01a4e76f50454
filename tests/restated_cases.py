"""Two quarters for the restatement tests: Q1 collected, then Q2 templates offering Q1's figures for
correction on their Corrections sheet, and helpers to type corrections in as a manager would."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, header, make_plan, row_of
from xlplan.collect import collect
from xlplan.contract import corrections as sheet
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.store import correction_offers
from xlplan.templates.build import last_quarter_values, write_templates

Q1, Q2 = Period.parse("2023-24-Q1"), Period.parse("2023-24-Q2")

Q1_CJ = {"SW01": {"To date": 0.71, "Comments/Progress": "Two vacancies in the north team"},
         "SW02": {"To date": 20000, "Comments/Progress": "On profile"},
         "SW03": {"To date": "Final Result Not Yet Available", "Comments/Progress": "System figure due"},
         "SW04": {"To date": 10, "Status": "Green", "Comments/Progress": "New measure"}}
Q1_AOP = {"SW10": {"To date": 0.9, "Comments/Progress": "On target"}, "SW11": {"To date": "70/30"}}


def templates_for(root: Path, period: Period, db: str) -> dict[str, Path]:
    """Templates for `period` with last quarter's figures from the store (as `xlplan templates`)."""
    plan_path = root / "plan.xlsx"
    plan = read_plan(plan_path)
    from xlplan.store import load_results
    paths = write_templates(plan, period, root / "templates" / period.id, plan_path=plan_path,
                            last_values=last_quarter_values(load_results(db, plan, period)),
                            corrections=correction_offers(db, plan, period))
    return {s: next(p for p in paths if s in p.name) for s in (CJ, AOP)}


def q1_collected(root: Path, db: str) -> dict[str, Path]:
    """A plan in `root`, its Q1 returns collected into `db`; the Q2 templates (with Corrections)."""
    plan_path = make_plan(root)
    q1 = templates_for(root, Q1, db)
    fill(q1[CJ], root / "returns-q1" / "cj.xlsx", Q1_CJ)
    fill(q1[AOP], root / "returns-q1" / "aop.xlsx", Q1_AOP)
    result = collect(plan_path, Q1, root / "returns-q1", db)
    assert result.exit_code == 0, [str(i) for i in result.issues]
    return templates_for(root, Q2, db)


def corrections(entries: dict[str, dict[str, object]]):
    """An `edit` for quarter.fill typing into the Corrections sheet: {code: {"corrected": x, "reason": y}}."""
    def edit(wb) -> None:
        ws = wb[sheet.CORRECTIONS_SHEET]
        _, cols = header(ws, "Code")
        for code, values in entries.items():
            r = row_of(ws, "Code", code)
            for what, value in values.items():
                column = sheet.corrected_header(Q2) if what == "corrected" else sheet.REASON
                ws.cell(r, cols[column]).value = value
    return edit


def cell_of(template: Path, code: str, column: str) -> str:
    """The A1 reference of `column` in `code`'s row of the Corrections sheet."""
    ws = openpyxl.load_workbook(template)[sheet.CORRECTIONS_SHEET]
    _, cols = header(ws, "Code")
    return ws.cell(row_of(ws, "Code", code), cols[column]).coordinate


def q2_returns(root: Path, templates: dict[str, Path], cj_corrections: dict | None = None,
               folder: str = "returns-q2") -> Path:
    """Good Q2 returns from both services, the Children and Justice one carrying `cj_corrections`."""
    out = root / folder
    fill(templates[CJ], out / "cj.xlsx", GOOD_CJ, edit=corrections(cj_corrections or {}))
    fill(templates[AOP], out / "aop.xlsx", GOOD_AOP)
    return out
