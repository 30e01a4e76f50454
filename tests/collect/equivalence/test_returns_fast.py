"""The fast paths of reading and checking a return give exactly the general code's answers."""

from __future__ import annotations

import hashlib
import hmac
import html
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.contract import layout
from xlplan.contract.identity import canonical, row_digest
from xlplan.periods import Period
from xlplan.collect.identify import _cells_getter, row_code
from xlplan.collect.read import _F_START, _blank_key, _formula_tags, _formulas_in, _unescape
from xlplan.status import ActionStatus, Status
from xlplan.collect.validate import _action_status, _assessment, clean_comment
from xlplan.values import Unit, ValueProblem, clean_text, parse_value

# --- the formula scan ------------------------------------------------------------------------

_XML_BITS = [b"<", b"f", b":", b" ", b">", b"/", b"\n", b"c", b"x", b"_", b"-", b".", b"1", b"<f>", b"<f ",
             b"<x:f>", b"<a.b-c:f/>", b"<1:f>", b":f ", b"ff>", b"<c r=\"A1\">", b"</f>", b"\xc3\xa9"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_XML_BITS), max_size=40))
def test_formula_tags_find_what_the_prefixed_pattern_finds(bits):
    data = b"".join(bits)
    assert list(_formula_tags(data)) == [(m.start(), m.group(1) or b"") for m in _F_START.finditer(data)]


_CELL_BITS = [b'<c r="A1">', b'<c r="B2" s="3" t="str">', b'<c r="AB12"/>', b'<c  r="C3">', b'<c r="c4">',
              b'<x:c r="D4">', b'<col min="1"/>', b'<f>', b'<f t="shared" si="0"/>', b'<f/>', b'</f>', b'<x:f>',
              b'</x:f>', b'<v>', b'</v>', b'<v/>', b'</c>', b'</x:c>', b'IF(A1&lt;2,"a")', b'SUM(1,2)', b'&amp;lt;',
              b'3.5', b' ', b'<c r="E5" x="/">', b'<c r="F6"><is><t>f></t></is>', b'<row r="1">', b'</row>']


_HEADS = [b'<c r="A1">', b'<c r="B2" s="3" t="str">', b'<c  r="C3">', b'<c r="c4">', b'<x:c r="D4">',
          b'<c r="E5" x="/">', b'<c s="1" r="G7">', b'<c r="H8"/>', b'<col min="1"/><c r="J9">', b'<c r="A1">']
_FORMULAS = [b"", b"<f>SUM(1,2)</f>", b"<f></f>", b"<f/>", b'<f t="shared" si="0"/>', b"<f>A&lt;1</f>",
             b"<x:f>X</x:f>", b"<f>a<b</f>", b"<f >Y</f>"]
_VALUES = [b"", b"<v>1</v>", b"<v></v>", b"<v/>", b"<x:v>2</x:v>", b"<is><t>f></t></is>"]
_CLOSES = [b"</c>", b"</x:c>", b"", b" </c>"]
_CELLS_XML = st.tuples(*(st.sampled_from(x) for x in (_HEADS, _FORMULAS, _VALUES, _CLOSES))).map(b"".join)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(_CELLS_XML, st.sampled_from(_CELL_BITS)), max_size=20))
def test_quick_formula_cells_read_as_the_general_trace_reads_them(bits):
    data = b"".join(bits)
    assert _formulas_in(data) == _formulas_in(data, quick=False)


def test_quick_formula_cells_cover_the_usual_shapes():
    data = (b'<row r="7"><c r="O7" s="25" t="str"><f>IF(M7&gt;=0.4,"Green","Red")</f><v>Green</v></c>'
            b'<c r="P7"><f>SUM(1,2)</f></c><c r="Q7"><f>X</f><v></v></c><f>Z</f></c></row>')
    assert _formulas_in(data) == _formulas_in(data, quick=False) == {
        "O7": ('IF(M7>=0.4,"Green","Red")', True), "P7": ("SUM(1,2)", False), "Q7": ("Z", False)}


_TEXT_BITS = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&", "amp;", "lt;", "&#60;", "&#x3C;", "&nbsp;",
              "&LT;", "&ampx;", "&lt", ";", "a", "<", "é", " "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TEXT_BITS), max_size=20))
def test_formula_text_unescapes_as_html_unescape(bits):
    text = "".join(bits)
    assert _unescape(text) == html.unescape(text)


# --- canonical values and row digests --------------------------------------------------------

def _canonical_general(value: object) -> str:
    """canonical as it was before its fast paths (the reference)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        x = float(value)
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return format(x, ".10g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class _Text(str):
    pass


_CELLS = st.one_of(st.none(), st.booleans(), st.integers(-10**17, 10**17), st.floats(allow_nan=True),
                   st.text(max_size=20), st.text(max_size=5).map(_Text), st.datetimes(), st.dates())


@settings(max_examples=600, deadline=None)
@given(_CELLS)
def test_canonical_fast_paths_agree_with_the_general_rules(value):
    assert canonical(value) == _canonical_general(value)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELLS, max_size=14), st.text(max_size=8),
       st.one_of(st.just(b"k3y"), st.binary(max_size=130), st.binary(min_size=63, max_size=65)))
def test_row_digest_is_the_keyed_hash_of_the_canonical_cells(cells, code, key):
    """Also for keys shorter than, as long as and longer than SHA-256's block (the pads are cached)."""
    msg = "\x1f".join(["Measures", code, *(_canonical_general(c) for c in cells)]).encode()
    want = hmac.new(key, msg, hashlib.sha256).hexdigest()[:16]
    assert row_digest(key, "Measures", code, cells) == row_digest(key, "Measures", code, tuple(cells)) == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 8)), min_size=1, max_size=6),
       st.lists(st.one_of(st.just(""), st.text(max_size=3), st.floats(allow_nan=False)), max_size=10))
def test_locked_cells_are_picked_as_sheetdata_value_would(indexes, values):
    def value(idx):   # SheetData.value for a column index
        if idx is None or idx >= len(values):
            return None
        return None if values[idx] == "" else values[idx]

    got = _cells_getter(indexes)(values)
    assert [canonical(c) for c in got] == [canonical(value(i)) for i in indexes]


@settings(max_examples=500, deadline=None)
@given(st.one_of(_CELLS, st.text(alphabet=" \t\u00a0\u200bAb1-", max_size=10)))
def test_row_codes_read_as_clean_canonical_text(cell):
    assert row_code(cell) == clean_text(_canonical_general(cell))


@settings(max_examples=300, deadline=None)
@given(st.one_of(_CELLS, st.text(alphabet=" \t\u00a0\u200b\x01A", max_size=6)))
def test_blank_keys_are_those_clean_text_leaves_empty(cell):
    assert _blank_key(cell) == (cell in ("", None) or (isinstance(cell, str) and not clean_text(cell)))


# --- typed values ----------------------------------------------------------------------------

def _clean_comment_general(raw: object) -> str:
    """clean_comment without its fast path (the reference)."""
    import re
    if raw is None or raw == "":
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFC", str(raw)).replace("\r\n", "\n").replace("\r", "\n")
    from xlplan.safety.text import _DROP     # the invisible format characters taken out; emoji joiners stay
    text = "".join(ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) not in ("Cc", "Cs")
                                                          and ord(ch) not in _DROP))
    return re.sub(r"[ \t]+\n", "\n", text).strip()


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet=" \t\r\nab=é\u200b\u0301e\u06dd\u200d\u202e", max_size=20),
                 st.floats(allow_nan=False), st.integers(), st.none()))
def test_clean_comment_fast_path_agrees_with_the_general_rules(raw):
    assert clean_comment(raw) == _clean_comment_general(raw)


class _Float(float):
    """A float subclass takes parse_value's general numbers.Real path: the reference for plain floats."""


def _outcome(fn):
    try:
        return fn()
    except ValueProblem as p:
        return ("problem", p.found, p.expected, p.hint)


@settings(max_examples=500, deadline=None)
@given(st.floats(), st.sampled_from(list(Unit)), st.sampled_from([None, True, False]))
def test_parse_value_fast_path_for_floats_agrees_with_the_general_path(x, unit, percent_format):
    fast = _outcome(lambda: parse_value(x, unit, percent_format=percent_format))
    general = _outcome(lambda: parse_value(_Float(x), unit, percent_format=percent_format))
    assert fast == general


@pytest.mark.parametrize("word", ["Green", " amber ", "R", "report later", "", None, "Purple", "Complete", "g"])
def test_status_words_read_once_read_the_same_every_time(word):
    for parse, cached in ((Status.parse_assessment, _assessment), (ActionStatus.parse, _action_status)):
        for _ in range(2):
            want = _outcome_status(parse, word)
            assert _outcome_status(cached, word) == want


def _outcome_status(parse, word):
    try:
        return parse(word)
    except ValueError as e:
        return ("error", str(e))


def test_measure_headers_are_a_fresh_list_each_time():
    period = Period.parse("2023-24-Q2")
    first = layout.measure_headers(period)
    first.append("mine")
    assert layout.measure_headers(period)[-1] == layout.COMMENTS
    assert layout.measure_headers(period)[8:11] == ["2020/21", "2021/22", "2022/23"]


_HEADER_TEXTS = ["To date", "TO DATE", "Status", "Comments/Progress", "Code", "Ref", "RAG (calculated)", "x"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(_HEADER_TEXTS), st.integers(0, 800), max_size=6), st.integers(1, 5000))
def test_input_columns_are_col_and_ref_looked_up_once(columns, row):
    from xlplan.collect.read import SheetData
    sd = SheetData("Measures", 1, {h.casefold(): i for h, i in columns.items()})
    for headers in ((layout.TO_DATE, layout.STATUS, layout.COMMENTS), (layout.STATUS, layout.COMMENTS)):
        for _ in range(2):                                   # looked up, then remembered
            idx, letters = sd.input_columns(headers)
            assert idx == tuple(sd.col(h) for h in headers)
            assert tuple(None if x is None else x + str(row) for x in letters) == \
                tuple(sd.ref(row, h) for h in headers)
    assert sd == SheetData("Measures", 1, dict(sd.columns))  # the memo is not part of the sheet's data
