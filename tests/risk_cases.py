"""A plan with a risk register for the risk tests: two services' risks, Q1 and Q2 templates, and
returns with the owners' assessments typed in as a manager would."""

from __future__ import annotations

from pathlib import Path

from builders import risk
from quarter import AOP, CJ, make_plan
from xlplan.contract import risks as sheet
from xlplan.demo.fill import fill_return
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.store import risks_before
from xlplan.templates.build import write_templates

Q1, Q2 = Period.parse("2023-24-Q1"), Period.parse("2023-24-Q2")
RISKS = [risk("R1", Likelihood=2, Impact=3), risk("R2", Likelihood=3, Impact=3, Risk="Insufficient care at home"),
         risk("R3", Service=AOP, Likelihood=4, Impact=4, Owner="Sam Manager")]


def risk_plan(root: Path, **over) -> Path:
    return make_plan(root, risks=over.pop("risks", RISKS), **over)


def templates(plan_path: Path, period: Period, db: str | None = None) -> dict[str, Path]:
    """The period's templates, showing each risk's latest stored assessment (as `xlplan templates`)."""
    plan = read_plan(plan_path)
    before = {c: (b.likelihood, b.impact) for c, b in risks_before(db, period).items()} if db else None
    paths = write_templates(plan, period, plan_path.parent / "templates" / period.id, plan_path=plan_path,
                            risks_before=before)
    return {s.name: next(p for p in paths if s.name in p.name) for s in plan.services_with_returns()}


def returns(templates: dict[str, Path], folder: Path, cj: dict, aop: dict | None = None) -> Path:
    """Returns filled with the given risk assessments ({code: {Likelihood, Impact, Commentary}})."""
    folder.mkdir(parents=True, exist_ok=True)
    fill_return(templates[CJ], folder / "cj.xlsx", risks=cj)
    if aop is not None:
        fill_return(templates[AOP], folder / "aop.xlsx", risks=aop)
    return folder


def cell_of(template: Path, code: str, column: str) -> str:
    import openpyxl
    ws = openpyxl.load_workbook(template)[sheet.RISKS_SHEET]
    head = next(r for r in ws.iter_rows(min_row=1, max_row=10) if any(c.value == "Code" for c in r))
    cols = {c.value: c.column_letter for c in head}
    row = next(c.row for c in ws[cols["Code"]] if c.value == code)
    return f"{cols[column]}{row}"
