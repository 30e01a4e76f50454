"""The annual report's words shared by the Word report and the summary workbook: how outturns are
worked out, which quarters were collected, and where the files go."""

from __future__ import annotations

from pathlib import Path

RULES = [
    "A figure in a return is the year to date, so for most measures the outturn is the Q4 figure: for a "
    "Cumulative measure the year's total, for a percentage, ratio or rate the level at the year end.",
    "An Annual measure's outturn is its one figure of the year (reported at Q4, or the quarter its Frequency "
    "names); a Six-monthly measure's is its Q4 report.",
    "A Monthly measure whose months are summed has the sum of its four quarters as its outturn (each quarter "
    "the sum of its three months); one whose months are averaged, the mean of its four quarters.",
    "Each quarter's figure is the latest version: a figure corrected in a later return (marked restated) "
    "replaces the one first reported. A quarter not collected shows as not collected, never as 0, and leaves "
    "a measure that needs it without an outturn.",
    "The outturn's status is worked out with the rule stored with the quarter it comes from (the year's target, "
    "tolerance and polarity as they were then). Where a measure has no target the manager's own assessment "
    "is used. The trend compares the outturn with last year's: the arrow is the way the figure moved, the "
    "word whether that is better.",
]


def annual_paths(year_label: str, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    return (out_dir / f"{year_label} annual performance report.docx", out_dir / f"{year_label} annual summary.xlsx")


def collected_text(results: YearResults) -> str:
    """`Figures were collected for Q1, Q2, Q3 and Q4.` or which quarters were not."""
    got = [f"Q{q}" for q in results.collected]
    missing = [f"Q{q}" for q in (1, 2, 3, 4) if q not in results.collected]
    if not got:
        return f"No quarter of {results.year.slash} has been collected yet: every figure shows as not collected."
    said = f"Figures were collected for {_and(got)}."
    if missing:
        said += f" {_and(missing)} {'was' if len(missing) == 1 else 'were'} not collected: " \
                "those figures show as not collected, and an outturn that needs them is not given."
    return said


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def signoff_text(results) -> str:
    """Which collected quarters were signed off (by whom, when), and which were not."""
    signed = {q: s for q, s in results.signed_off.items() if s is not None and q in results.collected}
    if not results.collected:
        return ""
    parts = [f"Q{q} was signed off by {s.by} on {s.at:%d/%m/%Y}" + ("" if s.matches else
             " (the store no longer holds exactly what was signed off)") for q, s in sorted(signed.items())]
    open_ = [f"Q{q}" for q in results.collected if q not in signed]
    if open_:
        parts.append(f"{_and(open_)} {'has' if len(open_) == 1 else 'have'} not been signed off, so "
                     f"{'its' if len(open_) == 1 else 'their'} figures may still change")
    return "Sign-off: " + "; ".join(parts) + "."
