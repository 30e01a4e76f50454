"""The quarterly report's benchmark chart, as a PNG (matplotlib, imported only here and only when a
report has comparators to chart; drawn as the annual report's charts are, charts.py: a Figure on
the Agg canvas, no pyplot, the same colours)."""

from __future__ import annotations

import io
import textwrap


def bar_label(gap: float, better: bool | None) -> str:
    """What is written beside a bar: the gap and, in words, whether it is better or worse (the
    bar's colour says so too, never alone): `+21% worse`, `-31% better`, `+2%`."""
    word = {True: " better", False: " worse", None: ""}[better]
    return f"{gap * 100:+.0f}%{word}"


def gap_chart(bars: list[tuple[str, float, bool | None]]) -> bytes:
    """A horizontal bar chart of each measure's gap to the family-group average as a share of it:
    `bars` are (label, relative gap, better or None), drawn green (better), red (worse) or grey, each
    labelled with its gap and the word (bar_label)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from xlplan.reports.charts import POINT

    labels = [textwrap.fill(label, 40, max_lines=2, placeholder="…") for label, _, _ in bars][::-1]
    values = [gap * 100 for _, gap, _ in bars][::-1]
    colours = [{True: POINT["Green"], False: POINT["Red"], None: "#8C8C8C"}[better] for _, _, better in bars][::-1]
    fig = Figure(figsize=(7.5, 0.5 * len(bars) + 1.0), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.barh(range(len(values)), values, color=colours, height=0.6)
    ax.set_yticks(range(len(values)), labels, fontsize=8.5)
    ax.axvline(0, color="#404040", linewidth=0.8)
    ax.set_xlabel("Gap to the family-group average (% of that average)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    words = [bar_label(gap, better) for _, gap, better in bars][::-1]
    for i, (v, word) in enumerate(zip(values, words)):
        ax.annotate(word, (v, i), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize=8)
    lo, hi = min(values + [0]), max(values + [0])
    pad = (hi - lo) * 0.3 or 5          # room for the words beside the longest bars
    ax.set_xlim(lo - pad, hi + pad)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
