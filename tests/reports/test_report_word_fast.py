"""The Word appendix's fast paths give exactly the slow paths' answers: plain-text table cells, the
remembered figure texts, and tables streamed in blocks of rows."""

from __future__ import annotations

import math

from hypothesis import example, given, settings, strategies as st

from xlplan.reports import docx_tables
from xlplan.reports.appendix import FigureText
from xlplan.reports.docx_tables import (ROWS_PER_PART, Cell, Column, Look, _body_cell, _cell, _Col,
        table_parts)
from xlplan.reports.narrative import xml_safe
from xlplan.values import Ratio, Unit, format_value


class Text(str):
    """A str subclass: takes the general (slow) path through the cell writer."""


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["a & b", "<w:t>x</w:t>", "line\nline", "tab\there", "bell\x07", "", " ", "£1,000", "\ue000"])


@settings(max_examples=300, deadline=None)
@given(value=TEXT, keep=st.booleans())
def test_plain_text_cell_equals_the_general_path(value, keep):
    col = _Col(Column("Head", 1000, "center"), "TableText")
    assert _body_cell(value, col, keep, Look()) == _body_cell(Text(value), col, keep, Look())


class Styled(Cell):
    """A Cell subclass: takes the general (slow) path through the cell writer."""


FILL = st.none() | st.sampled_from(["A9D08E", "FFD966", "", "red", "12345G", "1F4E78"])


@settings(max_examples=300, deadline=None)
@given(value=TEXT, note=TEXT, fill=FILL, bold=st.booleans(), keep=st.booleans())
def test_a_cell_with_fill_bold_or_note_equals_the_general_path(value, note, fill, bold, keep):
    col = _Col(Column("Head", 1000, "center"), "TableText")
    fast = _body_cell(Cell(value, fill, bold, note), col, keep, Look())
    assert fast == _body_cell(Styled(value, fill, bold, note), col, keep, Look())
    assert fast == _cell(Cell(value, fill, bold, note), col.col, "TableText", header=False, look=Look(), keep=keep)


FIGURES = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-9, -0.0049, 0.8125]) \
    | st.integers(-10**9, 10**9) | st.none() | st.builds(Ratio, st.integers(0, 99), st.integers(1, 99))


@settings(max_examples=300, deadline=None)
@given(figures=st.lists(st.tuples(FIGURES, st.sampled_from(list(Unit))), max_size=20))
@example(figures=[(0.0, Unit.PERCENT), (-0.0, Unit.PERCENT), (-0.0, Unit.MONEY), (0.5, Unit.PERCENT),
                  (0.5, Unit.MONEY), (0.5, Unit.PERCENT)])
def test_remembered_figure_text_equals_format_value(figures):
    text = FigureText()
    for _ in range(2):                      # the second time from memory
        for figure, unit in figures:
            if isinstance(figure, float) and math.isinf(figure):
                continue                    # format_value does not take infinities
            assert text(figure, unit) == format_value(figure, unit)


def test_a_long_table_streams_in_blocks_with_the_same_xml(monkeypatch):
    columns = [Column("A", 2000), Column("B", 1000, "center")]
    rows = [[f"row {i} & more", Cell("Green", "A9D08E", True, "note")] for i in range(2 * ROWS_PER_PART + 7)]
    parts = list(table_parts(columns, rows, Look(), total_row=True))
    assert len(parts) == 4                 # the start, two full blocks, the rest with the end
    assert parts[1].startswith("<w:tr>") and parts[1].count("<w:tr>") == ROWS_PER_PART
    monkeypatch.setattr(docx_tables, "ROWS_PER_PART", 1)
    row_by_row = list(table_parts(columns, rows, Look(), total_row=True))
    assert len(row_by_row) == len(rows) + 2     # the start, each row, the end
    assert "".join(parts) == "".join(row_by_row)


@settings(max_examples=500, deadline=None)
@given(value=TEXT | st.text(max_size=20))
@example(value="\x85 next line")
@example(value="\u2028 line separator")
@example(value="café – £5 · x")
def test_printable_text_needs_no_cleaning(value):
    # xml_safe returns printable text as it is: nothing in it would be removed or replaced
    from xlplan.reports.narrative import _INVALID_XML
    if value.isprintable():
        cleaned = _INVALID_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
        assert cleaned == value and "\n" not in value
        assert xml_safe(value) == xml_safe(value, keep_newlines=False) == value


def test_sections_parsed_line_by_line_as_from_the_whole_text(tmp_path):
    # render_section reads the template's output as Jinja2 generates it, never holding it whole
    from results_factory import make_results

    from xlplan.reports.narrative import cover_context, environment, parse_blocks, render_section
    results = make_results(tmp_path)
    env, ctx = environment(), cover_context(results)
    names = ["title", "committee", "report_by", "purpose", "recommendation", "implications", "terms",
             "conclusion", "background", "closing"]
    for name in names:
        whole = env.get_template(f"report/{name}.txt.j2").render(**ctx)
        rows = name == "implications"
        assert render_section(name, ctx, env, rows=rows) == parse_blocks(whole, rows=rows), name
    assert any(len(render_section(n, ctx, env)) > 1 for n in names)


def _blocks_as_before(text, rows=False):
    """parse_blocks as it was before its fast paths: the template's own text worked out for every
    line, and a line's runs split at each `**` and merged once at the end."""
    from xlplan.reports.narrative import _OPEN, _TABLE, _VALUE, _VALUE_SPLIT, Block, _merge, _split_outside, _strip

    def runs(line):
        out, bold = [], False
        for part in _VALUE_SPLIT.split(line):
            if part.startswith(_OPEN):
                out.append((part[1:-1], bold))
                continue
            for j, piece in enumerate(part.split("**")):
                bold = bold if not j else not bold
                if piece:
                    out.append((piece, bold))
        return out

    blocks, current = [], None
    for line in text.split("\n"):
        literal = _VALUE.sub("\x00", line) if _OPEN in line else line
        stripped = line.strip()
        if not stripped:
            current = None
        elif _TABLE.match(literal.strip()):
            blocks.append(Block("table", name=_TABLE.match(literal.strip()).group(1).lower()))
            current = None
        elif literal.lstrip().startswith("- "):
            current = Block("bullet", runs(line.lstrip()[2:]))
            blocks.append(current)
        elif rows and "|" in literal:
            label, rest = _split_outside(line, "|")
            blocks.append(Block("row", runs(rest.strip()), name=_strip(label).strip()))
            current = None
        elif current is not None and current.kind in ("p", "bullet"):
            current.runs.extend(runs(" " + stripped))
        else:
            current = Block("p", runs(stripped))
            blocks.append(current)
    for b in blocks:
        b.runs = _merge(b.runs)
    return blocks


PIECE = st.sampled_from(["- ", "**", "|", " ", "  ", "\n", "\n\n", "[[measure status table]]", "[[ x ]]", "a",
                         "Green", "\ue000", "\ue001", "\ue000v\ue001", "\ue000- **|\ue001", "\ue000\ue001",
                         "\ue000[[t]]\ue001", "\x00", "*"])


@settings(max_examples=1000, deadline=None)
@given(pieces=st.lists(PIECE, max_size=14), rows=st.booleans())
def test_parsed_blocks_equal_the_parser_without_fast_paths(pieces, rows):
    from xlplan.reports.narrative import parse_blocks
    text = "".join(pieces)
    assert parse_blocks(text, rows=rows) == _blocks_as_before(text, rows=rows)
