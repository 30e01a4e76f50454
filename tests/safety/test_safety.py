"""safety.inspect on every hostile case of issue #7: each file is named with a stable code and a
one-line message, nothing is opened that should not be, and limits hold whatever a file claims."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import hostile
from hostile import CASES
from xlplan.safety import inspection as safety
from xlplan.errors import Severity
from xlplan.safety.inspection import Kind, Limits, clean_comment, inspect, inspect_folder
from xlplan.safety.ole import build_compound_file

FAST = Limits(quiet_seconds=0.0)       # files made by the test a moment ago are not "growing"


@pytest.fixture(scope="module")
def quarter(tmp_path_factory) -> hostile.Quarter:
    return hostile.hostile_quarter(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def folder(quarter, tmp_path_factory) -> tuple[Path, dict[str, list[Path]]]:
    f = tmp_path_factory.mktemp("returns")
    return f, hostile.build_all(f, quarter)


KINDS = {
    "good": Kind.XLSX, "good2": Kind.XLSX, "duplicate": Kind.XLSX, "not-a-zip": Kind.NOT_A_WORKBOOK,
    "empty": Kind.EMPTY, "truncated": Kind.TRUNCATED, "csv": Kind.CSV, "html": Kind.HTML, "xls": Kind.XLS,
    "encrypted": Kind.ENCRYPTED, "xlsm": Kind.XLSM, "xxe": Kind.DAMAGED, "laughs": Kind.DAMAGED,
    "bomb": Kind.DAMAGED, "lying-bomb": Kind.DAMAGED, "far-cell": Kind.DAMAGED, "links": Kind.XLSX,
    "lock-files": Kind.LOCK_FILE, "symlink": Kind.SYMLINK, "symlink-out": Kind.SYMLINK, "fifo": Kind.NOT_A_FILE,
    "notes": Kind.NOT_A_SPREADSHEET, "thumbs": Kind.NOT_A_SPREADSHEET,
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_hostile_case_gets_its_code(folder, name):
    _, made = folder
    case = CASES[name]
    for path in made[name]:
        found = inspect(path, FAST)
        assert [i.code for i in found.issues] == ([case.safety] if case.safety else []), found.issues
        if name in KINDS:
            assert found.kind is KINDS[name]
        # what collect does with it follows from the code's severity
        if case.outcome == "skipped" or name.startswith("symlink"):
            assert found.skipped and not found.accepted
        elif case.safety and any(i.is_error for i in found.issues):
            assert found.rejected and found.reason == found.issues[0].message
        else:
            assert found.accepted
        for i in found.issues:
            assert i.file == safety.display_name(path) and i.file in i.message
            assert "\n" not in i.message and i.message[0].isprintable()
            assert i.hint or i.severity is Severity.INFO


def test_messages_say_what_to_do(folder):
    f, _ = folder
    by_name = {i.name: i for i in inspect_folder(f, FAST)}
    enc = by_name["Protected return.xlsx"].issues[0]
    assert "password-protected" in enc.message and "remove the password" in enc.hint
    assert "Save As" in by_name["Old format return.xls"].issues[0].hint
    bomb = by_name["Bomb return.xlsx"].issues[0]
    assert "1.0 GB" in bomb.message and "xl/media/image1.png" in bomb.message
    far = by_name["Far cell return.xlsx"].issues[0]
    assert (far.code, "XFD1048576" in far.message, "'Measures'" in far.message) == ("return.sheet-too-large", True, True)


def test_folder_inspection_names_byte_identical_duplicates(folder):
    f, _ = folder
    found = {i.name: i for i in inspect_folder(f, FAST)}
    dup = found["Copy of AOP return.xlsx"]          # sorted after "AOP return (1).xlsx"
    assert [(i.code, i.severity) for i in dup.issues] == [("return.duplicate", Severity.INFO)]
    assert "AOP return (1).xlsx" in dup.issues[0].message
    assert found["AOP return (1).xlsx"].sha256 == dup.sha256 and dup.accepted


def test_a_huge_dimension_claim_is_measured_not_trusted(quarter, tmp_path):
    path = hostile.huge_dimension(tmp_path, quarter.good["dimension"])
    found = inspect(path, FAST)
    measures = found.sheet("Measures")
    assert found.accepted and measures.claimed == "A1:XFD1048576"
    assert 5 < measures.rows < 40 and 5 < measures.cols < 30     # the real table
    assert found.sheet("xlplan").state == "veryHidden"


def test_a_stray_cell_far_out_is_refused_before_a_reader_lays_out_the_grid(quarter, tmp_path):
    def stray(ref: str, row: int):
        def edit(parts):
            name = hostile.sheet_part(parts, "Measures")
            cell = b'<row r="%d"><c r="%s"><v>1</v></c></row></sheetData>' % (row, ref.encode())
            parts[name] = parts[name].replace(b"</sheetData>", cell, 1)
        return hostile.mutate(quarter.good["good"], tmp_path / f"{ref}.xlsx", edit)
    assert inspect(stray("CV5000", 5000), FAST).accepted                     # 5,000 × 100: within limits
    for ref, row in (("SF5000", 5000), ("A5001", 5001), ("IW10", 10)):      # area, rows, columns
        found = inspect(stray(ref, row), FAST)
        assert [i.code for i in found.issues] == ["return.sheet-too-large"] and ref in found.reason, ref


def test_links_and_macros_are_named_but_not_followed(quarter, tmp_path):
    links = inspect(hostile.external_links(tmp_path, quarter.good["links"]), FAST)
    assert [i.code for i in links.issues] == ["return.external-links"]
    assert "budget.xlsx" in links.issues[0].message and "cmd|/C calc" in links.issues[0].message
    macros = inspect(hostile.xlsm(tmp_path, quarter.good["xlsm"]), FAST)
    assert (macros.kind, macros.accepted, macros.issues[0].severity) == (Kind.XLSM, True, Severity.WARNING)


def test_a_file_still_being_written_is_not_read(quarter, tmp_path):
    grower = hostile.Grower(tmp_path / "Arriving return.xlsx").start(quarter.good["good"])
    try:
        found = inspect(grower.path, Limits(quiet_seconds=0.3))
    finally:
        grower.finish()
    assert (found.kind, [i.code for i in found.issues]) == (Kind.GROWING, ["return.still-being-written"])
    assert "run collect again" in found.issues[0].hint


def test_a_quiet_recent_file_is_accepted_after_waiting(quarter, tmp_path):
    path = Path(shutil.copy(quarter.good["good"], tmp_path / "Just saved.xlsx"))
    assert inspect(path, Limits(quiet_seconds=0.2)).accepted


# --- limits ---------------------------------------------------------------------------------------


def test_size_part_count_ratio_and_cell_limits(quarter, tmp_path):
    good = quarter.good["good"]
    assert [i.code for i in inspect(good, Limits(quiet_seconds=0, max_file_bytes=1000)).issues] == ["return.too-large"]
    big = inspect(good, Limits(quiet_seconds=0, max_file_bytes=1000))
    assert big.kind is Kind.TOO_LARGE and len(big.sha256) == 64      # still hashed, for the archive
    assert [i.code for i in inspect(good, Limits(quiet_seconds=0, max_parts=3)).issues] == ["return.too-many-parts"]
    assert [i.code for i in inspect(good, Limits(quiet_seconds=0, max_cells=20)).issues] == ["return.sheet-too-large"]
    assert [i.code for i in inspect(good, Limits(quiet_seconds=0, max_rows=3)).issues][:1] == ["return.sheet-too-large"]
    assert [i.code for i in inspect(good, Limits(quiet_seconds=0, max_area=50)).issues][:1] == ["return.sheet-too-large"]
    small_bomb = hostile.zip_bomb(tmp_path, good, megabytes=3)
    assert inspect(small_bomb, FAST).accepted                        # 3 MB of zeros is under the ratio floor …
    ratio = inspect(small_bomb, Limits(quiet_seconds=0, ratio_floor_bytes=2**20))
    assert [i.code for i in ratio.issues] == ["return.zip-bomb"]     # … but not a 1,000:1 ratio over 1 MB


def _zip(path: Path, parts: dict[str, bytes], **kw) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_other_zip_formats(tmp_path):
    ods = _zip(tmp_path / "r.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                    "content.xml": b"<office:document-content/>"})
    docx = _zip(tmp_path / "r.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    plain = _zip(tmp_path / "r2.xlsx", {"a.txt": b"hello"})
    other = _zip(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8\xff"})
    got = {p.name: (inspect(p, FAST).kind, [i.code for i in inspect(p, FAST).issues]) for p in (ods, docx, plain, other)}
    assert got == {"r.ods": (Kind.OTHER_SPREADSHEET, ["return.wrong-format"]),
                   "r.xlsx": (Kind.NOT_A_WORKBOOK, ["return.not-a-workbook"]),
                   "r2.xlsx": (Kind.NOT_A_WORKBOOK, ["return.not-a-workbook"]),
                   "photos.zip": (Kind.NOT_A_SPREADSHEET, ["return.not-a-spreadsheet"])}
    assert "Word document" in inspect(docx, FAST).issues[0].message


def test_duplicate_parts_and_zip_passwords_are_refused(quarter, tmp_path):
    parts = hostile.parts_of(quarter.good["good"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zf.writestr("xl/workbook.xml", parts["xl/workbook.xml"])      # a second copy: which is real?
    (tmp_path / "twice.xlsx").write_bytes(buf.getvalue())
    found = inspect(tmp_path / "twice.xlsx", FAST)
    assert [i.code for i in found.issues] == ["return.corrupt"] and "appears twice" in found.reason
    data = bytearray((tmp_path / "twice.xlsx").read_bytes())
    # set the "encrypted" flag on every entry (local headers and central directory)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i != -1:
            data[i + off] |= 1
            i = data.find(sig, i + 4)
    (tmp_path / "zip-password.xlsx").write_bytes(bytes(data))
    assert [i.code for i in inspect(tmp_path / "zip-password.xlsx", FAST).issues] == ["return.password-protected"]


def test_utf16_xml_with_a_doctype_is_still_refused(quarter, tmp_path):
    def edit(parts):
        xml = b'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE w [<!ENTITY a "b">]><workbook/>'
        parts["docProps/app.xml"] = xml.decode().encode("utf-16")
    path = hostile.mutate(quarter.good["good"], tmp_path / "utf16.xlsx", edit)
    assert [i.code for i in inspect(path, FAST).issues] == ["return.xml-entities"]


def test_damaged_compound_files(tmp_path):
    ole = build_compound_file({"Workbook": b"\x09\x08" + b"\0" * 20})
    (tmp_path / "cut.xls").write_bytes(ole[:700])
    assert [i.code for i in inspect(tmp_path / "cut.xls", FAST).issues] == ["return.truncated"]
    looped = bytearray(ole)
    looped[512 + 4:512 + 8] = (1).to_bytes(4, "little")        # FAT: the directory sector points to itself
    (tmp_path / "loop.xls").write_bytes(bytes(looped))
    assert [i.code for i in inspect(tmp_path / "loop.xls", FAST).issues] == ["return.corrupt"]
    (tmp_path / "letter.xlsx").write_bytes(build_compound_file({"WordDocument": b"\0" * 10}))
    found = inspect(tmp_path / "letter.xlsx", FAST)
    assert [i.code for i in found.issues] == ["return.not-a-workbook"] and "Word document" in found.reason


def test_other_files_and_odd_entries(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n...")
    (tmp_path / "scan.xlsx").write_bytes(b"%PDF-1.4\n...")
    (tmp_path / "sub").mkdir()
    (tmp_path / "blank.txt").write_bytes(b"")
    found = {i.name: (i.kind, [x.code for x in i.issues]) for i in inspect_folder(tmp_path, FAST)}
    assert found == {"scan.pdf": (Kind.NOT_A_SPREADSHEET, ["return.not-a-spreadsheet"]),
                     "scan.xlsx": (Kind.NOT_A_WORKBOOK, ["return.not-a-workbook"]),
                     "sub": (Kind.NOT_A_FILE, ["return.not-a-file"]),
                     "blank.txt": (Kind.NOT_A_SPREADSHEET, ["return.not-a-spreadsheet"])}
    missing = inspect(tmp_path / "gone.xlsx", FAST)
    assert (missing.kind, [i.code for i in missing.issues]) == (Kind.UNREADABLE, ["return.unreadable"])


def test_keep_bytes_returns_exactly_what_was_judged(quarter, tmp_path):
    found = inspect(quarter.good["good"], FAST, keep_bytes=True)
    assert found.data == quarter.good["good"].read_bytes()
    assert inspect(quarter.good["good"], FAST).data is None
    assert inspect(tmp_path / "empty.xlsx", FAST, keep_bytes=True).data is None     # cannot be read: nothing
    (tmp_path / "bad.xlsx").write_bytes(b"junk")
    assert inspect(tmp_path / "bad.xlsx", FAST, keep_bytes=True).data == b"junk"     # rejected, still archived


def test_display_name_makes_any_file_name_safe_to_show_and_store(tmp_path):
    markup, latin1 = hostile.odd_names(tmp_path)
    assert safety.display_name(markup) == "[bold red]ALARM[blink] ?[31mred?[0m?line.xlsx"
    assert safety.display_name(latin1) == "Retour \ufffdt\ufffd.xlsx"
    assert safety.display_name(tmp_path / "Copy of return FINAL (2).xlsx") == "Copy of return FINAL (2).xlsx"
    found = inspect(latin1, FAST)
    found.issues[0].message.encode("utf-8")                   # storable: no lone surrogates


# --- text from a return -----------------------------------------------------------------------------


def test_clean_comment_keeps_languages_and_emoji_and_drops_invisible_tricks():
    cleaned = clean_comment(hostile.UNICODE_COMMENT)
    assert "التقدم جيد" in cleaned.text and "👍🏽" in cleaned.text and "👨‍👩‍👧" in cleaned.text
    assert "\u200b" not in cleaned.text and "\u202e" not in cleaned.text and cleaned.removed == 3
    assert "zerowidth" in cleaned.text and not cleaned.truncated
    assert clean_comment("line one\r\nline two\x07\x1b[31m").text == "line one\nline two[31m"
    assert clean_comment("half \ud800 surrogate").text == "half  surrogate"
    assert clean_comment(None) == safety.CleanText("", 0)


def test_clean_comment_caps_length_and_says_so():
    cleaned = clean_comment("x" * hostile.LONG_COMMENT_CHARS, max_chars=4000)
    assert (len(cleaned.text), cleaned.text[-1], cleaned.truncated, cleaned.original_length) == (
        4000, "…", True, 40_000)


def test_formula_text_stays_text():
    for text in hostile.INJECTIONS:
        assert clean_comment(text).text == text.strip()      # neutralising is the writer's job: store as text


# --- real files from LibreOffice ----------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_real_xls_and_ods_from_libreoffice(quarter, tmp_path):
    src = Path(shutil.copy(quarter.good["good"], tmp_path / "return.xlsx"))
    for fmt in ("xls", "ods"):
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile-{fmt}", "--headless",
                        "--convert-to", fmt, "--outdir", str(tmp_path / fmt), str(src)],
                       check=True, capture_output=True, timeout=120)
    xls = inspect(tmp_path / "xls" / "return.xls", FAST)
    ods = inspect(tmp_path / "ods" / "return.ods", FAST)
    assert (xls.kind, [i.code for i in xls.issues]) == (Kind.XLS, ["return.legacy-xls"])
    assert (ods.kind, [i.code for i in ods.issues]) == (Kind.OTHER_SPREADSHEET, ["return.wrong-format"])
    renamed = Path(shutil.copy(tmp_path / "xls" / "return.xls", tmp_path / "renamed.xlsx"))
    assert [i.code for i in inspect(renamed, FAST).issues] == ["return.legacy-xls"]
