"""Loading a plan: `load_plan` never raises for bad content: it returns the Plan it could build and
a Report of every problem, each naming sheet, row and cell. `read_plan` is the strict form for
commands that need a valid plan."""

from __future__ import annotations

from pathlib import Path

from xlplan.errors import Report, XlplanError
from xlplan.plan.model import Plan


def load_plan(path: str | Path) -> tuple[Plan | None, Report]:
    """Read and check the plan workbook at `path`: (plan or None if unreadable, report).

    When the officer's key exists ($XLPLAN_SECRET or `.xlplan-key` beside the plan; never made
    here), what was read from the same bytes at the same path before comes from the signed cache
    beside the plan instead (xlplan/plan/cache.py): the same Plan and Report, and the fingerprint
    once computed. The reader and the cache are imported here, when a plan is loaded, so that
    commands which never read a plan do not pay for openpyxl; the reader (and its Risks and Budget
    sheet readers) only when the plan is not in the cache."""
    from xlplan.plan.cache import load_cached
    return load_cached(Path(path), _read_workbook)


def _read_workbook(path: Path):
    from xlplan.plan.reader import read_plan_workbook
    return read_plan_workbook(path)


def read_plan(path: str | Path) -> Plan:
    """Load a plan that must be valid; raise XlplanError listing its errors otherwise."""
    plan, report = load_plan(path)
    if plan is None or not report.valid:
        lines = "\n".join(f"  {i}" for i in report.errors[:20])
        more = f"\n  … and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""
        raise XlplanError(f"The plan {path} has errors; fix them and try again "
                          f"(`xlplan check {path}` lists them all):\n{lines}{more}")
    return plan
