"""The regex measurement of a plain worksheet (safety_sheet.measure) gives exactly what the exact
expat walk gives, and declines (None) whenever the sheet is not plain, so the walk decides."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import xlplan.safety.container as Z
from xlplan.safety.inspection import Limits
from xlplan.safety.sheet import measure

HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>'


def sheet(body: bytes) -> bytes:
    return HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>"


def walk(data: bytes, budget: int = 10**6):
    scan = Z._Scan([budget], Limits(), walk_sheet=True)
    scan.feed(data, final=True)
    return scan.claimed, scan.rows, scan.cols, scan.cells


PLAIN = sheet(b'<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" s="3"/><c r="C1"></c></row>'
              b'<row r="2"><c r="B2"><f>A1*2</f><v>4</v></c><c r="C2" t="inlineStr"><is><t>x</t></is></c></row>'
              b'<row r="7"><c r="D7" s="2"/></row>')


def test_a_plain_sheet_measures_as_the_walk_does():
    assert measure(PLAIN, 10**6) == walk(PLAIN) == ("A1:C3", 2, 3, 6)


@pytest.mark.parametrize("body", [
    b'<row r="1"><c r="A1"><v>1</v></c><!-- <c r="Z99"><v>1</v></c> --></row>',      # a comment
    b'<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>',                          # CDATA
    b'<row r="1"><c><v>1</v></c></row>',                                             # no reference
    b'<row><c r="A1"><v>1</v></c></row>',                                            # row without r
    b'<row r="1"><c r="A0"><v>1</v></c></row>',                                      # row 0
    b'<row r="1"><c r="XFE1"><v>1</v></c></row>',                                    # past column XFD
    b'<row r="1"><c r="A1048577"><v>1</v></c></row>',                                # past the last row
    b'<row r="1"><c r="A1" t="a&gt;b"><v>1</v></c></row>',                           # an entity
    b'<row r="1"><c r="A1" t="a>b"><v>1</v></c></row>',                              # ">" in a value
    b'<row r="1"><c r="A1"><extLst/><v>1</v></c></row>',                             # odd first child
    b'<row r="1"><x:c xmlns:x="urn:x" r="A1"><v>1</v></x:c></row>',                  # a prefixed cell
])
def test_anything_unusual_is_left_to_the_walk(body):
    data = sheet(body)
    assert measure(data, 10**6) is None


def test_over_the_cell_budget_is_left_to_the_walk():
    assert measure(PLAIN, 5) is None
    with pytest.raises(Z._Refused):
        walk(PLAIN, budget=5)


@given(st.lists(st.tuples(st.integers(1, 40), st.integers(1, 30), st.sampled_from(
    [b"<v>1</v>", b"", b"<f>1</f>", b"<is><t>a</t></is>", b"/"])), max_size=40))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_plain_layout_measures_as_the_walk_does(cells):
    from xlplan.safety.container import col_letters
    body = b"".join(b'<row r="%d"><c r="%s%d"%s</row>' % (
        r, col_letters(c).encode(), r, b"/>" if kid == b"/" else b">" + kid + b"</c>") for r, c, kid in cells)
    data = sheet(body)
    assert measure(data, 10**6) == walk(data)
