"""The summary workbook's trend charts: on `Trend data`, one row per measure with its history (the
three prior years' outturns) and this year's quarters, and a small line chart (sparkline) of that
row; on `Trends`, pick any measure from a dropdown and see the same figures as a full chart.

One chart driven by a dropdown works the same for 10 measures or 10,000 (a chart per measure
would make the workbook slow to write and to open). The figures sit on the `Trend data` sheet,
one row per measure; the `Trends` sheet looks up the chosen code with INDEX/MATCH. Only measure
codes from the plan are in those formulas, never text from a return.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from xlplan.store import MeasureResult, PeriodResults
from xlplan.values import Ratio, Unit
from xlplan.reports.xlsx_sheets import FastSheet, StreamSheet

UNIT_WORDS = {Unit.PERCENT: "%", Unit.MONEY: "£", Unit.NUMBER: "number", Unit.RATIO: "% share (first part)"}


def points(figure, unit: Unit) -> float | None:
    """A figure on the chart's scale: percentages and ratio shares in points (80% → 80)."""
    if figure is None:
        return None
    if isinstance(figure, Ratio):
        return round(figure.share * 100, 2)
    x = float(figure)
    return round(x * 100, 2) if unit is Unit.PERCENT else x


def series(m: MeasureResult, results: PeriodResults, years: list[str] | None = None) -> list[float | None]:
    """Prior years, then this year's quarters up to the period's."""
    years = years or [y.slash for y in results.period.prior_years(3)]
    q = results.period.quarter
    quarters: dict[str, object] = dict(m.quarters)
    if not quarters:
        if q > 1 and m.previous_quarter is not None:
            quarters[f"Q{q - 1}"] = m.previous_quarter
        quarters[f"Q{q}"] = m.figure
    return [points(m.history.get(y), m.unit) for y in years] + \
           [points(quarters.get(f"Q{i}"), m.unit) for i in range(1, q + 1)]


def write_trends(wb, f, results: PeriodResults) -> None:
    period = results.period
    labels = [y.slash for y in period.prior_years(3)] + \
        [f"Q{i} {period.year.slash}" for i in range(1, period.quarter + 1)]
    data = wb.add_worksheet("Trend data", StreamSheet)
    headers = ["Code", "Measure", "Unit", *labels, "Trend"]
    for c, h in enumerate(headers):
        data.write_string(0, c, h, f.header)
    data.set_column(0, 0, 9)
    data.set_column(1, 1, 50)
    data.set_column(2, 2, 12)
    data.set_column(3, len(headers) - 2, 11)
    data.set_column(len(headers) - 1, len(headers) - 1, 22)
    last_col, trend_col = xl_col_to_name(len(headers) - 2), xl_col_to_name(len(headers) - 1)
    spark_cells: list[str] = []
    spark_ranges: list[str] = []
    rows = {}
    years = [y.slash for y in period.prior_years(3)]
    for r, m in enumerate(results.measures, 1):
        data._write_string(r, 0, m.code, f.plain)     # undecorated writers, as workbook.put
        data._write_string(r, 1, m.name, f.plain)
        data._write_string(r, 2, UNIT_WORDS[m.unit], f.plain)
        values = series(m, results, years)
        for c, v in enumerate(values, 3):
            if v is not None:
                data._write_number(r, c, v, f.numbers["n0" if float(v).is_integer() else "n2"])
        rows[m.code] = (m, values)
        if sum(v is not None for v in values) >= 2:   # a small line chart of the row, in the last column
            spark_cells.append(f"{trend_col}{r + 1}")
            spark_ranges.append(f"'Trend data'!D{r + 1}:{last_col}{r + 1}")
    if spark_cells:   # one group: xlsxwriter works out a sparkline style per call, slowly
        data.add_sparkline(1, len(headers) - 1, {"location": spark_cells, "range": spark_ranges,
                                                  "markers": True, "series_color": "#1F4E78"})
    n = len(results.measures)
    data.freeze_panes(1, 0)
    data.autofilter(0, 0, max(n, 1), len(headers) - 1)

    ws = wb.add_worksheet("Trends", FastSheet)
    ws.set_column(0, 0, 16)
    ws.set_column(1, len(labels), 12)
    ws.write_string(0, 0, "Trend for one measure: choose its code in the yellow cell", f.title)
    if not n:
        ws.write_string(2, 0, "No measures this quarter.", f.plain)
        return
    first = results.measures[0]
    last_row = n + 1
    codes = f"'Trend data'!$A$2:$A${last_row}"
    pick = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "bold": True, "font_name": "Arial"})
    ws.write_string(2, 0, "Measure code", f.bold)
    ws.write_string(2, 1, first.code, pick)
    ws.data_validation(2, 1, 2, 1, {"validate": "list", "source": codes, "error_title": "Measure code",
                                    "error_message": "Choose a measure code from the list."})

    def lookup(col: int) -> str:
        letter = xl_col_to_name(col)
        return f"INDEX('Trend data'!${letter}$2:${letter}${last_row},MATCH($B$3,{codes},0))"

    ws.write_string(3, 0, "Measure", f.bold)
    ws.write_formula(3, 1, f"=IFERROR({lookup(1)},\"\")", f.plain, first.name)
    ws.write_string(4, 0, "Unit", f.bold)
    ws.write_formula(4, 1, f"=IFERROR({lookup(2)},\"\")", f.plain, UNIT_WORDS[first.unit])
    ws.write_string(6, 0, "Period", f.header)
    ws.write_string(7, 0, "Figure", f.header)
    muted = wb.add_format({"font_color": "#A6A6A6"})
    for i, label in enumerate(labels):
        col = 3 + i
        ws.write_string(6, 1 + i, label, f.header)
        cached = rows[first.code][1][i]
        ws.write_formula(7, 1 + i, f"=IF(IFERROR({lookup(col)},\"\")=\"\",NA(),{lookup(col)})", f.plain,
                         "#N/A" if cached is None else cached)
    ws.conditional_format(7, 1, 7, len(labels), {"type": "errors", "format": muted})
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"name": ["Trends", 3, 1], "categories": ["Trends", 6, 1, 6, len(labels)],
                      "values": ["Trends", 7, 1, 7, len(labels)], "marker": {"type": "circle", "size": 7},
                      "line": {"color": "#1F4E78", "width": 2.25}, "data_labels": {"value": True}})
    chart.set_title({"name": ["Trends", 3, 1], "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"name": ["Trends", 4, 1], "major_gridlines": {"visible": True}})
    chart.show_na_as_empty_cell()
    chart.show_blanks_as("gap")
    chart.set_size({"width": 820, "height": 380})
    ws.insert_chart(9, 0, chart)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    ws.write_string(29, 0, "Percentages and ratio shares are shown in points (80 = 80%). History is each year's "
                           "outturn; quarters are cumulative to date.", f.plain)
