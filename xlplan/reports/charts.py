"""Charts for the annual report: small multiples per theme, one panel per measure showing its
outturn over the history years and this year, with the year's target, as a PNG.

matplotlib is imported here only, inside the functions, and drawn with its Agg backend (a Figure
and a canvas, no pyplot and no window): the quarterly commands never load it.
"""

from __future__ import annotations

import io
import textwrap

from xlplan.values import Ratio, Unit

# RAG colours for the year's point (darker than the table fills, to read on white)
POINT = {"Green": "#2E7D32", "Amber": "#C77C00", "Red": "#C62828"}
LINE = "#1F4E78"
COLUMNS = 4


def _y(figure, unit: Unit) -> float | None:
    """A figure on the chart's scale: percent as 0–100, a ratio as its first share in %."""
    if figure is None:
        return None
    if isinstance(figure, Ratio):
        return figure.share * 100
    return float(figure) * 100 if unit is Unit.PERCENT else float(figure)


def _axis_label(unit: Unit) -> str:
    return {Unit.PERCENT: "%", Unit.RATIO: "first share, %", Unit.MONEY: "£"}.get(unit, "")


def chartable(m) -> bool:
    """Whether a measure has two or more figures over the years to draw a line through."""
    points = [v for v in [*m.history.values(), m.outturn.figure] if v is not None]
    return len(points) >= 2


def theme_chart(measures: list, year_label: str, width_cm: float = 24.0) -> bytes | None:
    """A PNG of small multiples for `measures` (MeasureYear): a panel each, history years then
    `year_label` along the bottom; None when none of them has two figures to draw."""
    shown = [m for m in measures if chartable(m)]
    if not shown:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    rows = -(-len(shown) // COLUMNS)
    inch = 2.54
    fig = Figure(figsize=(width_cm / inch, rows * 4.6 / inch), dpi=150)
    FigureCanvasAgg(fig)
    for i, m in enumerate(shown):
        ax = fig.add_subplot(rows, COLUMNS, i + 1)
        labels = [*m.history.keys(), year_label]
        ys = [_y(v, m.unit) for v in [*m.history.values(), m.outturn.figure]]
        xs = list(range(len(labels)))
        known = [(x, y) for x, y in zip(xs, ys) if y is not None]
        ax.plot([x for x, _ in known], [y for _, y in known], color=LINE, linewidth=1.4, marker="o",
                markersize=3.5, zorder=2)
        if ys[-1] is not None:
            ax.plot([xs[-1]], [ys[-1]], marker="o", markersize=7, linestyle="none", zorder=3,
                    color=POINT.get(m.status.value, "#7F7F7F"))
        target = _y(m.target, m.unit) if m.polarity != "Monitor" else None
        if target is not None:
            ax.axhline(target, color="#7F7F7F", linestyle="--", linewidth=1, zorder=1)
            ax.annotate(f"target {m.target_text}", xy=(0, target), xycoords=("axes fraction", "data"),
                        xytext=(2, 2), textcoords="offset points", fontsize=5.5, color="#595959")
        ax.set_xticks(xs)
        ax.set_xticklabels([lb.replace("20", "", 1) for lb in labels], fontsize=5.5)
        ax.tick_params(axis="y", labelsize=5.5, length=2)
        ax.tick_params(axis="x", length=2)
        ax.set_xlim(-0.4, len(labels) - 0.6)
        ax.margins(y=0.25)
        ticks = sorted(ax.get_yticks())
        step = min((b - a for a, b in zip(ticks, ticks[1:])), default=1.0) or 1.0
        ax.yaxis.set_major_formatter(FuncFormatter(_tick(m.unit, step)))
        if ys[-1] is None:
            ax.annotate("no outturn", xy=(xs[-1], 0.5), xycoords=("data", "axes fraction"), ha="center",
                        fontsize=5.5, color="#7F7F7F", rotation=90)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        name = textwrap.shorten(m.name, 58, placeholder="…")
        ax.set_title("\n".join(textwrap.wrap(f"{m.code} {name}", 34)[:2]), fontsize=6, loc="left")
        ax.set_ylabel(_axis_label(m.unit), fontsize=5.5)
    fig.tight_layout(pad=0.6, h_pad=0.8, w_pad=0.6)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150)
    return out.getvalue()


def _places(step: float) -> int:
    """Decimal places that tell ticks `step` apart (a step of 0.5 needs one, of 250 none)."""
    places = 0
    while step < 1 - 1e-9 and places < 4:
        step *= 10
        places += 1
    return places + (1 if abs(step - round(step)) > 1e-6 else 0)


def _tick(unit: Unit, step: float):
    """Tick labels for the unit, with as many decimals as the tick step needs (never two the same)."""
    def show(y, _pos) -> str:
        if unit in (Unit.PERCENT, Unit.RATIO):
            return f"{y:.{_places(step)}f}%"
        sign = "£" if unit is Unit.MONEY else ""
        for scale, suffix in ((1e6, "m"), (1e3, "k")):
            if abs(y) >= 10 * scale or (scale == 1e6 and abs(y) >= scale):
                return f"{sign}{y / scale:,.{_places(step / scale)}f}{suffix}"
        return f"{sign}{y:,.{_places(step)}f}"
    return show


def describe(measures: list, year_label: str) -> str:
    """Alternative text for a theme's chart: what each panel shows, in words."""
    parts = []
    for m in measures:
        if not chartable(m):
            continue
        parts.append(f"{m.code}: {m.outturn_text} in {year_label}"
                     + (f" against a target of {m.target_text}" if m.target_text else "")
                     + (f", {m.trend_text}" if m.trend_text else ""))
    return "Outturn over the years for each measure. " + "; ".join(parts)
