"""Benchmarks in the reports: how the council compares, beside each measure that has comparators.

A table of the measures with benchmark figures (imported with `xlplan benchmarks import`): the
council's figure for the benchmark year (the file's own Value, else the plan's outturn for that
year), the Scottish average, the family-group average, best in class, the rank, and the gap to the
family-group average with whether it is better or worse by the measure's polarity. Then a chart of
the measures furthest from the family-group average (relative to it), drawn by chart.py. The summary
workbook has a Benchmarks sheet with the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlplan.reports.docx_tables import Cell, Column, cm
from xlplan.store import Benchmark, MeasureResult, PeriodResults
from xlplan.values import Ratio, Unit, format_value

if TYPE_CHECKING:
    from xlplan.reports.docx_writer import Writer

TITLE = "How we compare"
CHART_MEASURES = 8
BETTER, WORSE = "A9D08E", "FF8B8B"


@dataclass(frozen=True)
class Comparison:
    measure: MeasureResult
    bench: Benchmark
    ours: float | None               # the council's figure for the benchmark year
    gap: float | None                # ours − family-group average
    better: bool | None              # None: no direction (Monitor) or no gap

    @property
    def relative(self) -> float | None:
        """The gap as a share of the family-group average (for ranking and the chart)."""
        fam = self.bench.family
        if self.gap is None or not isinstance(fam, (int, float)) or not fam:
            return None
        return self.gap / abs(fam)


def comparisons(results: PeriodResults) -> list[Comparison]:
    """The measures with benchmarks, in report order."""
    found = []
    for m in results.measures:
        b = results.benchmarks.get(m.code)
        if b is not None:
            found.extend(comparisons_of(m, b))
    return found


def comparisons_of(m: MeasureResult, b: Benchmark) -> list[Comparison]:
    """The one comparison of measure `m` with its benchmark `b`."""
    ours = b.council if b.council is not None else m.history.get(b.year)
    if isinstance(ours, Ratio) or isinstance(b.family, Ratio):
        return [Comparison(m, b, None, None, None)]
    gap = None if ours is None or b.family is None else float(ours) - float(b.family)
    better = None
    if gap is not None and abs(gap) > 1e-9 and m.polarity in ("Higher", "Lower"):
        better = (gap > 0) == (m.polarity == "Higher")
    return [Comparison(m, b, ours, gap, better)]


def beside(m: MeasureResult, results: PeriodResults) -> str:
    """The comparators a measure's row shows under its name: ` · 2022/23: family group 70%, Scotland
    74%, best 90%, rank 12 of 32; 1.0 points better` ('' when it has none)."""
    b = results.benchmarks.get(m.code)
    if b is None:
        return ""
    c = next(iter(comparisons_of(m, b)))
    parts = [f"{label} {b.shown(x)}" for label, x in (("family group", b.family), ("Scotland", b.scotland),
                                                         ("best", b.best)) if x is not None]
    if b.rank is not None:
        parts.append(f"rank {_rank(b)}")
    gap = gap_text(c)
    return f" · {b.year}: {', '.join(parts)}" + (f"; {gap}" if gap != "–" else "")


def gap_text(c: Comparison) -> str:
    """`3.2 points better`, `£53 worse`, `level`, or – when there is nothing to compare."""
    if c.gap is None:
        return "–"
    unit = c.measure.unit
    if abs(c.gap) < 1e-9:
        return "level"
    size = f"{abs(c.gap) * 100:.1f} points" if unit is Unit.PERCENT else format_value(abs(c.gap), unit)
    if c.better is None:
        return f"{size} {'above' if c.gap > 0 else 'below'}"
    return f"{size} {'better' if c.better else 'worse'}"


def _rank(b: Benchmark) -> str:
    if b.rank is None:
        return "–"
    return f"{b.rank} of {b.rank_of}" if b.rank_of else str(b.rank)


def write_section(w: "Writer", results: PeriodResults) -> None:
    """The appendix's comparison table and chart (nothing when no measure has benchmarks)."""
    found = comparisons(results)
    if not found:
        return
    w.heading(TITLE, 2)
    years = sorted({c.bench.year for c in found})
    w.paragraph(f"The council's figures against the Local Government Benchmarking Framework's comparators for "
                f"{' and '.join(years)}: the Scottish average, the family group of similar councils and the best "
                "in class. The gap is to the family-group average; better or worse follows whether a higher or "
                "lower figure is better for the measure.", keep_with_next=True)
    columns = [Column("Performance Indicator", cm(7.2)), Column("Year", cm(1.6), "center"),
               Column("Council", cm(2.2), "center"), Column("Scotland", cm(2.2), "center"),
               Column("Family group", cm(2.2), "center"), Column("Best in class", cm(2.2), "center"),
               Column("Rank", cm(1.8), "center"), Column("Gap to family group", cm(3.4), "center")]
    w.table(columns, (_row(c) for c in found))
    chart = chart_data(found)
    if chart:
        from xlplan.reports.chart import gap_chart
        png = gap_chart(chart)
        w.paragraph(f"The {len(chart)} measures furthest from the family-group average (the gap as a share of "
                    "that average; green better, red worse):", keep_with_next=True)
        said = {True: "better", False: "worse", None: "neither better nor worse"}
        w.picture(png, 17, "Bar chart of the gap to the family-group average: "
                  + "; ".join(f"{label} {gap:+.0%}, {said[better]}" for label, gap, better in chart))


def _row(c: Comparison) -> list:
    b, unit = c.bench, c.measure.unit
    shown = lambda x: format_value(x, unit) if x is not None else "–"   # noqa: E731
    gap = gap_text(c)
    fill = None if c.better is None else (BETTER if c.better else WORSE)
    return [Cell(c.measure.name, note=f"{c.measure.code} · {c.measure.service}"), b.year, shown(c.ours),
            shown(b.scotland), shown(b.family), shown(b.best), _rank(b), Cell(gap, fill=fill, bold=fill is not None)]


def chart_data(found: list[Comparison]) -> list[tuple[str, float, bool | None]]:
    """(label, relative gap, better) of the measures furthest from the family-group average."""
    ranked = sorted((c for c in found if c.relative is not None and abs(c.relative) > 1e-9),
                    key=lambda c: -abs(c.relative))[:CHART_MEASURES]
    return [(f"{c.measure.code} {c.measure.name}", c.relative, c.better) for c in ranked]


# --- the summary workbook --------------------------------------------------------------------------

HEADERS = ["Code", "Measure", "Service", "Unit", "Polarity", "Year", "Council", "Scottish average",
           "Family group average", "Best in class", "Rank", "Rank of", "Gap to family group", "Better or worse",
           "Source file", "Source row"]
WIDTHS = {"Measure": 48, "Service": 22, "Gap to family group": 20, "Source file": 30}


def write_sheet(wb, f, results: PeriodResults, table, figure_cell) -> None:
    """The summary workbook's Benchmarks sheet (only when some measure has benchmarks)."""
    found = comparisons(results)
    if not found:
        return
    rows = []
    for c in found:
        b, m = c.bench, c.measure
        rows.append([m.code, m.name, m.service, m.unit.value, m.polarity, b.year, figure_cell(c.ours, m.unit, f),
                     figure_cell(b.scotland, m.unit, f), figure_cell(b.family, m.unit, f),
                     figure_cell(b.best, m.unit, f), b.rank, b.rank_of, gap_text(c),
                     "" if c.better is None else ("Better" if c.better else "Worse"), b.file, b.row])
    table(wb.add_worksheet("Benchmarks"), f, HEADERS, rows, WIDTHS)
