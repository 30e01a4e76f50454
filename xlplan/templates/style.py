"""Look of a return template: cell formats, RAG colours and number formats per unit.

Yellow means "type here"; everything else is locked. RAG colours always come with the word (the
cell holds the word; conditional formatting only colours it).
"""

from __future__ import annotations

from xlplan.values import Ratio, Unit

INPUT_FILL = "#FFF2CC"       # light yellow: cells the manager fills in
INPUT_HEADER = "#FFD966"
HEADER_FILL = "#1F4E78"
THEME_FILL = "#D9E1F2"
OUTCOME_FILL = "#EEF2F9"
GREYED = "#EDEDED"
BORDER = "#BFBFBF"

# word → (fill, font colour): the usual Excel "good / neutral / bad" palette, readable in greyscale
RAG_COLOURS = {
    "Green": ("#C6EFCE", "#006100"),
    "Amber": ("#FFEB9C", "#9C5700"),
    "Red": ("#FFC7CE", "#9C0006"),
    "Report later": ("#E7E6E6", "#3A3838"),
    "Contextual": ("#DDEBF7", "#1F4E78"),
    "Not due": ("#F2F2F2", "#595959"),
    "Complete": ("#A9D08E", "#274E13"),
    "Check figure": ("#FFFFFF", "#C00000"),
}


class Formats:
    """xlsxwriter formats made on demand and cached by their properties (one per distinct look)."""

    def __init__(self, workbook) -> None:
        self._wb = workbook
        self._cache: dict[tuple, object] = {}

    def get(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
            self._cache[key] = self._wb.add_format({**base, **props})
        return self._cache[key]

    # named looks -------------------------------------------------------------------------------
    def title(self):
        return self.get(bold=True, font_size=14, font_color=HEADER_FILL, valign="vcenter")

    def subtitle(self):
        return self.get(font_size=10, italic=True, valign="vcenter")

    def header(self, input_column: bool = False):
        if input_column:
            return self.get(bold=True, bg_color=INPUT_HEADER, border=1, border_color=BORDER, text_wrap=True,
                            valign="vcenter", align="center")
        return self.get(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, border=1, border_color=BORDER,
                        text_wrap=True, valign="vcenter", align="center")

    def theme(self):
        return self.get(bold=True, font_size=11, bg_color=THEME_FILL, valign="vcenter")

    def outcome(self):
        return self.get(italic=True, bold=True, bg_color=OUTCOME_FILL, valign="vcenter")

    # The looks used per cell are remembered by their arguments too, so a cell costs one lookup.
    def text(self, wrap: bool = True, **extra):
        key = ("text", wrap, *extra.items())
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.get(text_wrap=wrap, border=1, border_color=BORDER, **extra)
        return fmt

    def figure(self, num_format: str, **extra):
        key = ("figure", num_format, *extra.items())
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.get(num_format=num_format, border=1, border_color=BORDER,
                                              align="right", **extra)
        return fmt

    def input(self, num_format: str | None = None, wrap: bool = False, align: str | None = None):
        key = ("input", num_format, wrap, align)
        fmt = self._cache.get(key)
        if fmt is None:
            props = {"locked": False, "bg_color": INPUT_FILL, "border": 1, "border_color": BORDER, "text_wrap": wrap}
            if num_format:
                props["num_format"] = num_format
            if align:
                props["align"] = align
            fmt = self._cache[key] = self.get(**props)
        return fmt

    def greyed(self):
        fmt = self._cache.get(("greyed",))
        if fmt is None:
            fmt = self._cache[("greyed",)] = self.get(bg_color=GREYED, border=1, border_color=BORDER)
        return fmt

    def rag_cell(self):
        fmt = self._cache.get(("rag_cell",))
        if fmt is None:
            fmt = self._cache[("rag_cell",)] = self.get(bold=True, align="center", border=1, border_color=BORDER)
        return fmt

    def word(self, word: str):
        """A status word in its colour (for Instructions)."""
        fill, font = RAG_COLOURS[word]
        return self.get(bold=True, bg_color=fill, font_color=font, border=1, border_color=BORDER, align="center")

    def rag_conditional(self, word: str):
        """A conditional format colouring a cell that holds `word` (fill and font only)."""
        key = ("conditional", word)
        if key not in self._cache:
            fill, font = RAG_COLOURS[word]
            self._cache[key] = self._wb.add_format({"bg_color": fill, "font_color": font, "bold": True})
        return self._cache[key]


def figure_format(unit: Unit, x: float | None = None) -> str:
    """Number format for a locked figure in `unit`, with decimals only where `x` needs them."""
    whole = x is None or round(x * (100 if unit is Unit.PERCENT else 1), 6).is_integer()
    if unit is Unit.PERCENT:
        return "0%" if whole else "0.0%"
    if unit is Unit.MONEY:
        return "£#,##0" if whole else "£#,##0.00"
    return "#,##0" if whole else "#,##0.0#"


def input_format(unit: Unit) -> str:
    """Number format of a To date cell: percent cells make 85% (or 85) mean 85%; ratio cells are
    text so that 70/30 is not turned into a date or a division."""
    return {Unit.PERCENT: "0.0%", Unit.MONEY: "£#,##0.00", Unit.NUMBER: "General", Unit.RATIO: "@"}[unit]


def cell_value(figure, unit: Unit):
    """(value, number format or None) for writing a figure: numbers stay numbers, ratios are text."""
    if figure is None:
        return None, None
    if isinstance(figure, Ratio):
        return str(figure), None
    x = float(figure)
    return x, figure_format(unit, x)
