"""Reports for a quarter: the Word committee report and the summary workbook.

`write_reports(results, out_dir)` renders both from a PeriodResults (see xlplan/store/results.py), so
`xlplan report` and the end of `xlplan collect` produce the same files from the same figures.
"""

from __future__ import annotations

from pathlib import Path

from xlplan.store import PeriodResults


def report_paths(period_id: str, out_dir: Path) -> tuple[Path, Path]:
    """Where the Word report and the summary workbook for a period go."""
    out_dir = Path(out_dir)
    return out_dir / f"{period_id} performance report.docx", out_dir / f"{period_id} summary.xlsx"


def write_reports(results: PeriodResults, out_dir: Path, *, templates_dir=None) -> list[Path]:
    """Write `<period> performance report.docx` and `<period> summary.xlsx` into `out_dir`.

    Raises XlplanError when a template is missing or has a mistake (the message names it).
    """
    from xlplan.reports.word import write_word
    from xlplan.reports.workbook import write_summary
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    docx_path, xlsx_path = report_paths(results.period.id, out_dir)
    return [write_word(results, docx_path, templates_dir=templates_dir), write_summary(results, xlsx_path)]


def write_annual_reports(results, out_dir: Path, *, templates_dir=None) -> list[Path]:
    """Write `<year> annual performance report.docx` and `<year> annual summary.xlsx` from a
    YearResults (xlplan.store.load_year) into `out_dir` (matplotlib is loaded only here)."""
    from xlplan.reports.annual import write_annual_word
    from xlplan.reports.annual_text import annual_paths
    from xlplan.reports.annual_workbook import write_annual_summary
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    docx_path, xlsx_path = annual_paths(results.year.label, out_dir)
    return [write_annual_word(results, docx_path, templates_dir=templates_dir),
            write_annual_summary(results, xlsx_path)]


__all__ = ["write_reports", "report_paths", "write_annual_reports"]
