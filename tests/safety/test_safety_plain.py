"""The fast paths of the pre-flight give exactly the exact path's answer.

`_Scan.measure_plain_sheet` judges a worksheet's plain `<sheetData>` (and the protection, merges,
conditional formats and validations after it) by a strict grammar and lets expat see only the
rest; `_inflate` inflates a usual part in one call. Whenever either gives an answer, the old path
(zipfile chunk by chunk, expat over the whole part, the element walk) must give the same one:
on real sheets from openpyxl, xlsxwriter and LibreOffice, on every hostile case, and on
generated sheets with junk spliced in (where the fast path must decline whatever is not plain).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import hostile
import xlplan.safety.container as Z
from xlplan.safety.inspection import Limits, inspect
from xlplan.safety.container import col_letters

FAST = Limits(quiet_seconds=0.0)


def exact(data: bytes, budget: int = 10**6):
    """The element-by-element walk under expat over the whole part: figures or the refusal."""
    scan = Z._Scan([budget], FAST, walk_sheet=True)
    try:
        scan.feed(data, final=True)
    except Z._Refused as r:
        return ("refused", r.code)
    return scan.root, scan.claimed, scan.rows, scan.cols, scan.cells, scan.budget[0]


def fast(data: bytes, budget: int = 10**6):
    scan = Z._Scan([budget], FAST)
    if not scan.measure_plain_sheet(data):
        assert (scan.root, scan.cells, scan.budget[0]) == ("", 0, budget)     # declined: nothing changed
        return None
    return scan.root, scan.claimed, scan.rows, scan.cols, scan.cells, scan.budget[0]


def agree(data: bytes, budget: int = 10**6):
    found = fast(data, budget)
    if found is not None:
        assert found == exact(data, budget)
    return found


@pytest.fixture(scope="module")
def quarter(tmp_path_factory) -> hostile.Quarter:
    return hostile.hostile_quarter(tmp_path_factory.mktemp("plain"))


def sheet_parts(path: Path) -> dict[str, bytes]:
    return {n: b for n, b in hostile.parts_of(path).items() if n.startswith("xl/worksheets/sheet")}


def test_real_returns_and_templates_take_the_fast_path_with_the_same_figures(quarter):
    """openpyxl (filled returns) and xlsxwriter (templates) sheets are plain: measured fast, equal."""
    for path in [*quarter.good.values(), *quarter.templates.values()]:
        for name, data in sheet_parts(path).items():
            assert agree(data) is not None, (path.name, name)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_saved_sheets_agree(quarter, tmp_path):
    from lo import resave
    saved = resave(Path(shutil.copy(quarter.good["good"], tmp_path / "return.xlsx")), tmp_path / "lo")
    for data in sheet_parts(Path(saved)).values():
        assert agree(data) is not None          # LibreOffice's cells are plain too
    assert inspect(saved, FAST).accepted


def _with_exact_paths(monkeypatch):
    monkeypatch.setattr(Z, "REMEMBER", False)
    monkeypatch.setattr(Z._Scan, "measure_plain_sheet", lambda self, data: False)
    monkeypatch.setattr(Z, "_inflate", lambda data, info, zf, end: None)


def _verdict(path: Path):
    found = inspect(path, FAST)
    return found.kind, [(i.code, i.message) for i in found.issues], found.sheets


def test_every_hostile_case_gets_the_exact_paths_verdict(quarter, tmp_path, monkeypatch):
    made = hostile.build_all(tmp_path / "returns", quarter)
    paths = [p for ps in made.values() for p in ps]
    quick = {p: _verdict(p) for p in paths}
    _with_exact_paths(monkeypatch)
    for p in paths:
        assert quick[p] == _verdict(p), p.name


HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.' \
       b'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/' \
       b'officeDocument/2006/relationships"><dimension ref="A1:C3"/>'
TAIL = b'<sheetProtection sheet="1" objects="1"/><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>' \
       b'<conditionalFormatting sqref="C1:C9"><cfRule type="cellIs" dxfId="0" priority="1" operator="equal">' \
       b'<formula>"Green"</formula></cfRule></conditionalFormatting><dataValidations count="1"><dataValidation ' \
       b'type="list" allowBlank="1" prompt="Pick &amp; choose&#10;one" sqref="C2"><formula1>"a,b"</formula1>' \
       b'</dataValidation></dataValidations><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" ' \
       b'header="0.3" footer="0.3"/></worksheet>'
PLAIN = b'<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" s="3"/><c r="C1"></c></row>' \
        b'<row r="2"><c r="B2"><f>A1*2&lt;3</f><v>4</v></c>' \
        b'<c r="C2" t="inlineStr"><is><t>x \xc2\xa3</t></is></c></row>' \
        b'<row r="7"><c r="D7" s="2"/></row>'


def sheet(body: bytes, tail: bytes = TAIL) -> bytes:
    return HEAD + b"<sheetData>" + body + b"</sheetData>" + tail


def test_a_plain_sheet_is_measured_fast_and_exactly():
    assert agree(sheet(PLAIN)) == ("worksheet", "A1:C3", 2, 3, 6, 10**6 - 6)
    late = sheet(PLAIN, TAIL.replace(b"<pageMargins", b'<dimension ref="A1:XFD9"/><pageMargins'))
    assert agree(late) == ("worksheet", "A1:XFD9", 2, 3, 6, 10**6 - 6)      # the last claim counts
    hidden = sheet(PLAIN, TAIL.replace(b"<pageMargins", b'<!-- <dimension ref="A1:XFD9"/> --><pageMargins'))
    assert agree(hidden) == ("worksheet", "A1:C3", 2, 3, 6, 10**6 - 6)     # a claim in a comment is no claim
    odd = sheet(PLAIN, TAIL.replace(b"<pageMargins", b'<dimension ref="A1:&#x58;FD9"/><pageMargins'))
    assert agree(odd) == ("worksheet", "A1:XFD9", 2, 3, 6, 10**6 - 6)      # the walk reads the reference
    pretty = sheet(PLAIN.replace(b"<row", b"\n  <row").replace(b"<c ", b"\n    <c ")
                   .replace(b"<v>", b"\n<v>").replace(b"</v>", b"</v>\r\n"))
    assert agree(pretty) == ("worksheet", "A1:C3", 2, 3, 6, 10**6 - 6)


@pytest.mark.parametrize("body, tail", [
    (PLAIN[:-20], TAIL),                                                     # sheetData cut short
    (PLAIN.replace(b'<c r="B1"', b'<c r="B1" r="XFD1"'), TAIL),              # a duplicated attribute
    (PLAIN.replace(b' s="3"', b' s="3" s="4"'), TAIL),
    (PLAIN.replace(b"<v>4</v>", b"<v>4]]>5</v>"), TAIL),                     # "]]>" in text
    (PLAIN.replace(b"<v>4</v>", b"<v>4\x01</v>"), TAIL),                     # a control character
    (PLAIN.replace(b"<v>4</v>", b"<v>4\xff</v>"), TAIL),                     # not UTF-8
    (PLAIN.replace(b"<v>4</v>", b"<v>4\xef\xbf\xbe</v>"), TAIL),             # U+FFFE
    (PLAIN.replace(b"<v>4</v>", b"<v>&foo;</v>"), TAIL),                     # an undeclared entity
    (PLAIN.replace(b"<v>4</v>", b"<v>&#0;</v>"), TAIL),                      # a reference to no character
    (PLAIN.replace(b"<v>4</v>", b"<v>4 & 5</v>"), TAIL),                     # a bare ampersand
    (PLAIN.replace(b"</row>", b"</rows>", 1), TAIL),                         # mismatched end tag
    (PLAIN.replace(b'<c r="D7" s="2"/>', b'<c r="XFD1048576"><v>1</v></c>'), TAIL),   # past the grammar's grid
    (PLAIN.replace(b'r="7"', b'r="0"'), TAIL),                               # row 0
    (PLAIN, TAIL.replace(b"</worksheet>", b"")),                             # root never closed
    (PLAIN, TAIL.replace(b"<pageMargins", b"<q:x/><pageMargins")),           # unbound prefix after the cells
    (PLAIN, TAIL.replace(b"<pageMargins", b'<c r="Z99"><v>1</v></c><pageMargins')),   # a cell outside sheetData
    (PLAIN, TAIL.replace(b'prompt="Pick', b'prompt="Pick" prompt="x')),     # duplicate in a validation
    (PLAIN, TAIL + b"<junk/>"),                                               # junk after the root
])
def test_damage_anywhere_is_declined_or_judged_the_same(body, tail):
    data = sheet(body, tail)
    assert fast(data) is None or fast(data) == exact(data)
    assert fast(data) is None      # none of these is plain and well-formed


def test_entities_and_encodings_in_the_prolog_go_the_exact_way():
    doctype = hostile.with_prolog(sheet(PLAIN), b'<!DOCTYPE w [<!ENTITY a "b">]>')
    assert fast(doctype) is None and exact(doctype) == ("refused", "return.xml-entities")
    utf16 = sheet(PLAIN).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert fast(utf16) is None and exact(utf16)[0] == "worksheet"
    latin = sheet(PLAIN).replace(b"UTF-8", b"ISO-8859-1")        # non-ASCII text in another encoding
    assert fast(latin) is None
    ascii_latin = sheet(PLAIN.replace(b"\xc2\xa3", b"GBP")).replace(b"UTF-8", b"ISO-8859-1")
    assert agree(ascii_latin) is not None


def test_excel_row_heights_are_plain_only_where_the_root_binds_their_prefix():
    rows = PLAIN.replace(b'<row r="2">', b'<row r="2" x14ac:dyDescent="0.25">')
    bound = sheet(rows).replace(b"<worksheet ", b'<worksheet xmlns:x14ac="http://schemas.microsoft.com/office/'
                                               b'spreadsheetml/2009/9/ac" ')
    assert agree(bound) == ("worksheet", "A1:C3", 2, 3, 6, 10**6 - 6)
    unbound = sheet(rows)
    assert fast(unbound) is None and exact(unbound) == ("refused", "return.corrupt")
    quoted = sheet(rows).replace(b"<worksheet ", b"<worksheet a=' xmlns:x14ac=\"urn:x\"' ")
    assert fast(quoted) is None and exact(quoted) == ("refused", "return.corrupt")


def test_sheet_data_that_is_only_text_in_a_comment_or_instruction_goes_the_exact_way():
    for opener, closer in ((b"<!--", b"-->"), (b"<?pi ", b"?>")):
        data = HEAD + opener + b"<sheetData>" + PLAIN + b"</sheetData>" + closer + b"<sheetData/></worksheet>"
        assert fast(data) is None and exact(data)[4] == 0


def test_over_the_budget_is_left_to_the_walk():
    assert fast(sheet(PLAIN), budget=5) is None and exact(sheet(PLAIN), budget=5) == \
        ("refused", "return.sheet-too-large")
    assert agree(sheet(PLAIN), budget=6) is not None


JUNK = [b"<", b">", b"&", b'"', b"'", b"\x00", b"</c>", b"<c>", b'<c r="ZZZZ9">', b"<v>1e999</v>", b"&amp;",
        b"&amp", b"\xff\xfe", b'r="A0"', b't="s"', b"<!--x-->", b"<![CDATA[<c>]]>", b"]]>", b"<?pi x?>",
        b' xmlns="urn:x"', b" xmlns:q='urn:q'", b"<q:c/>", b"\t", b"\n", b"/", b"=", b"<is><t>a</t></is>",
        b"<f>1</f>", b"<v/>", b"</row><row r=\"9\">", b"</sheetData>", b"<sheetData>", b"<extLst/>", b"&#10;",
        b"&#x41;", b"\xc2\xa3", b"\xef\xbf\xbf", b"<dimension ref=\"A1\"/>", b' r="B2"', b"</worksheet>"]


@given(st.lists(st.tuples(st.one_of(st.integers(1, 40), st.sampled_from([5000, 5001, 999_999, 10**6, 1_048_576])),
                          st.one_of(st.integers(1, 30), st.sampled_from([256, 702, 703, 16_384])), st.sampled_from(
    [b"<v>1</v>", b"", b"<f>1</f>", b"<f>A1</f><v>2</v>", b"<is><t>a</t></is>", b"/", b"\n<v>1</v>\n"])),
    max_size=30), st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(JUNK),
                                      st.booleans()), max_size=3), st.integers(0, 40))
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_sheets_with_junk_spliced_in_agree(cells, junk, budget):
    body = b"".join(b'<row r="%d"><c r="%s%d" s="1"%s</row>' % (
        r, col_letters(c).encode(), r, b"/>" if kid == b"/" else b">" + kid + b"</c>") for r, c, kid in cells)
    data = bytearray(sheet(body))
    for where, piece, replace in junk:
        at = int(where * len(data))
        data[at:at + (len(piece) if replace else 0)] = piece
    agree(bytes(data), budget if budget < 40 else 10**6)


def _part_bytes(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_inflate_gives_zipfiles_bytes_or_declines(quarter, tmp_path):
    good = quarter.good["good"]
    data = good.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ends = Z._end_offsets(zf)
        for info in zf.infolist():
            assert Z._inflate(data, info, zf, ends[info.header_offset]) == zf.read(info)
        wrong = bytearray(data)
        info = zf.infolist()[3]
        at = info.header_offset + 30 + len(info.filename.encode()) + 5
        wrong[at] ^= 0xFF                                           # a damaged byte: zipfile complains
        assert Z._inflate(bytes(wrong), info, zf, ends[info.header_offset]) is None
        # data running into the next entry (newer zipfile refuses "overlapped entries"): declined
        assert Z._inflate(data, info, zf, ends[info.header_offset] - 1) is None
    lying = hostile.lying_bomb(tmp_path, good)
    lying_data = lying.read_bytes()
    with zipfile.ZipFile(io.BytesIO(lying_data)) as zf:
        ends = Z._end_offsets(zf)
        assert any(Z._inflate(lying_data, i, zf, ends[i.header_offset]) is None for i in zf.infolist())


def test_end_offsets_are_where_the_next_entry_or_the_directory_begins(quarter):
    data = quarter.good["good"].read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ends = Z._end_offsets(zf)
        infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
        for info, after in zip(infos, infos[1:]):
            assert ends[info.header_offset] == after.header_offset
        assert ends[infos[-1].header_offset] == zf.start_dir


# --- the pre-flight's inflated parts, handed to the reader --------------------------------------

def _read(path: Path, data: bytes, parts: dict | None = None, proved: dict | None = None, infos=None):
    from xlplan.collect.read import read_return
    rf = read_return(path, data, parts, proved=proved, infos=infos)
    return rf.problem, rf.sheet_names, rf.identity, rf.sheets, rf.saved_at, rf.sha256


def test_reading_with_the_pre_flight_parts_gives_what_reading_alone_gives(quarter, tmp_path):
    """read_return takes the XML parts the pre-flight inflated from the same bytes: on every good
    and hostile file it reads exactly what it reads when it inflates them itself."""
    made = hostile.build_all(tmp_path / "returns", quarter)
    paths = [*quarter.good.values(), *quarter.templates.values(), *(p for ps in made.values() for p in ps)]
    handed = 0
    for p in paths:
        found = inspect(p, FAST, keep_bytes=True)
        if found.data is None or not found.accepted:
            continue
        handed += bool(found.parts)
        assert _read(p, found.data, found.parts) == _read(p, found.data), p.name
    assert handed >= len(quarter.good)


def test_the_parts_kept_are_zipfiles_bytes_and_the_reader_takes_them(quarter, monkeypatch):
    data = quarter.good["good"].read_bytes()
    parts = Z.inspect_zip(data, FAST).parts
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = {i.filename for i in zf.infolist() if Z._is_xml(i.filename)}
        assert set(parts) == xml and all(parts[n] == zf.read(n) for n in xml)
    # the reader really takes them: with zipfile unable to inflate anything, it still reads the sheets
    whole = _read(quarter.good["good"], data)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: pytest.fail("inflated again"))
    assert _read(quarter.good["good"], data, parts) == whole
    assert Z.inspect_zip(data[:-30], FAST).parts == {}                # stopped early: nothing kept


def test_parts_are_dropped_with_the_bytes(quarter):
    found = inspect(quarter.good["good"], FAST)
    assert found.data is None and found.parts == {}
    assert inspect(quarter.good["good"], FAST, keep_bytes=True).parts


def test_only_so_much_inflated_xml_is_kept_and_the_rest_is_read_as_usual(quarter, monkeypatch):
    path = quarter.good["good"]
    data = path.read_bytes()
    whole = _read(path, data)
    monkeypatch.setattr(Z, "KEEP_BYTES", 6000)
    kept = Z.inspect_zip(data, FAST).parts
    assert kept and sum(map(len, kept.values())) <= 6000
    assert _read(path, data, kept) == whole


def test_two_entries_at_one_offset_are_not_inflated_in_one_call(quarter):
    data = quarter.good["good"].read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        infos[1].header_offset = infos[0].header_offset           # as a zip of overlapping entries says
        ends = Z._end_offsets(zf)
        assert ends[infos[0].header_offset] == infos[0].header_offset
        assert Z._inflate(data, infos[0], zf, ends[infos[0].header_offset]) is None


# --- formulas read from the cells the grammar proved (collect.read._proved_formulas) -------------

def _formulas_agree(data: bytes) -> bool:
    """Whether the grammar proved `data`'s cells; if it did, the formulas read from them are the
    general scan's (and the full parse's reference cells agree with both, see test_returns)."""
    from xlplan.collect.read import _formulas_in, _proved_formulas
    scan = Z._Scan([10**6], FAST)
    if not scan.measure_plain_sheet(data):
        return False
    assert _proved_formulas(data, *scan.proved) == _formulas_in(data) == _formulas_in(data, quick=False)
    _data_refs_agree(data, *scan.proved)
    return True


def _data_refs_agree(data: bytes, start: int, end: int) -> None:
    """In proved cells the possessive pattern finds the cells holding data the earlier one found."""
    from xlplan.safety import sheet as S
    stop = data.index(b"</sheetData>", start)
    assert S._DATA_REF.findall(data, start, stop) == S._DATA_REF_BEFORE.findall(data, start, stop)


def test_formulas_from_proved_cells_are_the_general_scans_on_real_and_hostile_files(quarter, tmp_path):
    from xlplan.collect.read import _formulas_in, _proved_formulas
    made = hostile.build_all(tmp_path / "returns", quarter)
    paths = [*quarter.good.values(), *quarter.templates.values(), *(p for ps in made.values() for p in ps)]
    proved = 0
    for p in paths:
        found = inspect(p, FAST, keep_bytes=True)
        for name, span in found.proved.items():
            data = found.parts[name]
            assert _proved_formulas(data, *span) == _formulas_in(data) == _formulas_in(data, quick=False), p.name
            _data_refs_agree(data, *span)
            proved += 1
    assert proved >= len(quarter.good)


def test_the_pre_flight_hands_on_the_proved_spans_and_the_reader_takes_them(quarter, monkeypatch):
    from xlplan.collect import read
    found = inspect(quarter.good["good"], FAST, keep_bytes=True)
    assert found.proved and set(found.proved) <= set(found.parts) and found.infos
    whole = _read(quarter.good["good"], found.data)
    monkeypatch.setattr(read, "_formulas_in", lambda *a, **k: pytest.fail("the general scan"))
    assert _read(quarter.good["good"], found.data, found.parts, found.proved, found.infos) == whole
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *a, **k: pytest.fail("opened again"))
    assert _read(quarter.good["good"], found.data, found.parts, found.proved, found.infos) == whole


PROVED_F = b'<row r="2"><c r="A2" t="str"><f>IF(B2&gt;1,"a","b")</f><v>a</v></c><c r="B2"><f/></c>' \
           b'<c r="C2"><f t="shared" ref="C2:C3" si="0">B2*2</f><v></v></c>' \
           b'<c r="D2" s="1" t="str">\n <f t="shared" si="0"/>\n <v>x</v>\n</c><c r="E2"><f></f><v/></c></row>'


@pytest.mark.parametrize("after", [
    b"",
    b"<extLst><ext uri='x'><f>SUM(1)</f></ext></extLst>",                       # an unprefixed <f> after the tail
    b'<extLst><ext xmlns:xm="urn:xm"><xm:f>A1</xm:f></ext></extLst>',           # a prefixed one
    b'<extLst><ext><c2 r="Z9"><f>1</f><v>1</v></c2></ext></extLst>',            # traced back into sheetData
])
def test_formulas_outside_the_proved_cells_send_the_part_the_general_way(after):
    from xlplan.collect import read
    data = sheet(PLAIN + PROVED_F, TAIL.replace(b"</worksheet>", after + b"</worksheet>"))
    assert _formulas_agree(data)        # proved: the cells, and the rest well-formed
    general = read._formulas_in(data)
    assert general["A2"] == ('IF(B2>1,"a","b")', True) and general["B2"] == ("", False)
    assert general["C2"] == ("B2*2", False) and general["D2"] == ("", True) and general["E2"] == ("", False)


@given(st.lists(st.sampled_from([b'<c r="A1"><f>1+1</f><v>2</v></c>', b'<c r="B1" t="str"><f>"a&amp;b"</f></c>',
                                 b'<c r="C1"><f t="shared" si="1"/><v>3</v></c>', b'<c r="D1"><v>4</v></c>',
                                 b'<c r="E1" s="2"/>', b'<c r="F1"><f></f><v/></c>', b'<c r="G1"></c>',
                                 b'<c r="H1">\n<f>X&lt;1</f>\r\n<v> </v>\n</c>', b'<c r="I1" t="inlineStr"><is><t>f></t></is></c>',
                                 b'<c r="J1"><f ca="1">NOW()</f><v>1</v><is><t>a</t></is></c>', b"\n"]),
                max_size=12),
       st.sampled_from([b"", b"<extLst><f>Q</f></extLst>", b"<extLst><a:f xmlns:a='u'/></extLst>"]))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_proved_cells_read_their_formulas_as_the_general_scan(cells, after):
    body = b'<row r="1">' + b"".join(cells) + b"</row>"
    assert _formulas_agree(sheet(body, TAIL.replace(b"</worksheet>", after + b"</worksheet>")))


# --- parts judged before, remembered by their bytes (container._JUDGED, _INFLATED) ----------------

def _judged(path: Path):
    found = inspect(path, FAST, keep_bytes=True)
    return found.kind, [(i.code, i.message) for i in found.issues], found.sheets, found.parts, found.proved


def test_remembered_judgements_are_what_judging_again_gives(quarter, tmp_path, monkeypatch):
    """Every good and hostile file judged with the parts of earlier files remembered (each file
    three times: a part is remembered when seen again, so the third judgement takes every part it
    can from what is remembered) gets the verdict, sheets, parts and proved spans it gets with
    nothing remembered."""
    made = hostile.build_all(tmp_path / "returns", quarter)
    paths = [*quarter.good.values(), *quarter.templates.values(), *(p for ps in made.values() for p in ps)]
    Z.forget()
    remembered = [(_judged(p), _judged(p), _judged(p)) for p in paths]
    assert Z._JUDGED and Z._INFLATED
    monkeypatch.setattr(Z, "REMEMBER", False)
    for p, (first, again, third) in zip(paths, remembered):
        assert first == again == third == _judged(p), p.name


def test_a_remembered_sheet_is_judged_again_when_the_cell_budget_left_is_smaller(quarter):
    data = quarter.good["good"].read_bytes()
    Z.forget()
    whole = Z.inspect_zip(data, FAST)
    assert Z.inspect_zip(data, FAST) == whole        # seen again: remembered
    assert not whole.fatal and Z._JUDGED
    cells = sum(s.cells for s in whole.sheets)
    tight = Limits(quiet_seconds=0.0, max_cells=cells - 1)
    Z.inspect_zip(data, Limits(quiet_seconds=0.0, max_cells=cells))      # remembered under these limits
    found = Z.inspect_zip(data, tight)
    assert [c for c, _ in found.findings] == ["return.sheet-too-large"]
    exact_budget = Z.inspect_zip(data, Limits(quiet_seconds=0.0, max_cells=cells))
    assert exact_budget.sheets == whole.sheets and not exact_budget.fatal


def test_what_is_remembered_is_bounded(quarter, monkeypatch):
    data = quarter.good["good"].read_bytes()
    Z.forget()
    monkeypatch.setattr(Z, "REMEMBER_BYTES", 20_000)
    first = Z.inspect_zip(data, FAST)
    assert not Z._JUDGED and not Z._INFLATED            # seen once: only noted
    first = Z.inspect_zip(data, FAST)
    assert Z._REMEMBERED[id(Z._JUDGED)] <= 20_000 and Z._REMEMBERED[id(Z._INFLATED)] <= 20_000
    assert sum(len(k[0]) for k in Z._JUDGED) <= 20_000
    again = Z.inspect_zip(data, FAST)
    assert (again.kind, again.findings, again.sheets, again.parts, again.proved) == \
        (first.kind, first.findings, first.sheets, first.parts, first.proved)
    Z.forget()
    assert not Z._JUDGED and not Z._INFLATED


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_saved_returns_read_the_same_with_the_pre_flights_proofs(quarter, tmp_path):
    """A return LibreOffice saved: its proved sheets' formulas are the general scan's, and reading
    it with everything the pre-flight hands on gives what reading it alone gives."""
    from lo import resave
    from xlplan.collect.read import _formulas_in, _proved_formulas
    saved = Path(resave(Path(shutil.copy(quarter.good["good"], tmp_path / "return.xlsx")), tmp_path / "lo"))
    found = inspect(saved, FAST, keep_bytes=True)
    assert found.accepted and found.proved
    for name, span in found.proved.items():
        data = found.parts[name]
        assert _proved_formulas(data, *span) == _formulas_in(data) == _formulas_in(data, quick=False)
        _data_refs_agree(data, *span)
    assert _read(saved, found.data, found.parts, found.proved, found.infos) == _read(saved, found.data)
