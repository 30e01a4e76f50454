"""Read one returned workbook: its cells (python-calamine), its identity sheet and its formulas.

Reading is bounded and never runs anything: values come from python-calamine (cached values of
formulas, never recalculated); the only XML xlplan parses itself is the sheet parts of an .xlsx,
to find input cells that hold a formula (and whether the formula has a cached value), and
docProps/core.xml for when the workbook was last saved. Both are parsed without entity expansion
or network access.

Identifying a return and checking its locked rows against the plan is in identify.py; checking
the values typed into it, in validate.py.

`read_return(path)` never raises for bad content: a file that cannot be read comes back with a
`problem` Issue (not a workbook, password-protected, too large) that collect records as the
reason for rejecting it.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from xlplan.contract import layout
from xlplan.contract.corrections import CORRECTIONS_SHEET
from xlplan.contract.budget import BUDGET_SHEET
from xlplan.contract.risks import RISKS_SHEET
from xlplan.errors import RETURN_NOT_A_WORKBOOK, RETURN_PASSWORD_PROTECTED, RETURN_TOO_LARGE, Issue, issue
from xlplan.contract.identity import Identity
from xlplan.values import clean_text
from xlplan.safety.inspection import SPREADSHEET_SUFFIXES    # what safety judges as a spreadsheet
from xlplan.xlsx_parts import MAIN_NS, PARSER_OPTS, column_letter, parse_xml, sheet_parts

MAX_FILE_BYTES = 50 * 2**20          # a return is a few hundred KB; refuse anything over 50 MB
MAX_UNZIPPED_BYTES = 200 * 2**20     # total uncompressed size of an .xlsx's parts
MAX_RATIO = 200                      # compression ratio per part above which it is a zip bomb
MAX_ROWS = 5000                      # rows read per sheet, whatever the sheet claims



def skip_reason(path: Path) -> str | None:
    """Why a file in the returns folder is not a return to read (lock file, not a spreadsheet,
    a folder or a link), or None for a file to read."""
    name = path.name
    if path.is_symlink():
        return "a link, not a file"
    if path.is_dir():
        return "a folder"
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        return "an Excel or LibreOffice lock file"
    if name.startswith("."):
        return "a hidden file"
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return NOT_A_RETURN.get(path.suffix.lower(), "not a spreadsheet")
    return None


# files an officer drops in the returns folder in place of the return: what each is, and what to do
NOT_A_RETURN = {
    ".eml": "an email with no spreadsheet attached (or one that could not be read as an email)",
    ".msg": ("an Outlook email with no spreadsheet attached (or one that could not be read): save the return "
             "attached to it (the .xlsx) in the returns folder"),
    ".pdf": "a PDF, not the workbook: ask the manager for the .xlsx return (a PDF of it cannot be read)",
    ".zip": "a zip archive: unzip the return in it into the returns folder",
    ".docx": "a Word document, not the return workbook", ".doc": "a Word document, not the return workbook",
}


@dataclass
class SheetData:
    """One data sheet of a return: its header row, columns by header text and its keyed rows."""

    name: str
    header_row: int = 0                                  # 1-based; 0 when no header was found
    columns: dict[str, int] = field(default_factory=dict)  # casefolded header → 0-based column
    headers: list[str] = field(default_factory=list)     # header texts as written
    rows: list[tuple[int, list]] = field(default_factory=list)  # (excel row, values) with a key
    formulas: dict[str, tuple[str, bool]] = field(default_factory=dict)  # A1 → (formula, has value)
    _inputs: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def col(self, header: str) -> int | None:
        return self.columns.get(header.casefold())

    def input_columns(self, headers: tuple[str, ...]) -> tuple[tuple, tuple]:
        """(`col` of each header, its column letter), None where missing: looked up once per sheet
        (every row asks for the same few; `columns` is fixed once the sheet is read)."""
        found = self._inputs.get(headers)
        if found is None:
            idx = tuple(self.col(h) for h in headers)
            found = self._inputs[headers] = (idx, tuple(None if i is None else column_letter(i + 1) for i in idx))
        return found

    def value(self, values: list, header: str):
        idx = self.col(header)
        if idx is None or idx >= len(values):
            return None
        v = values[idx]
        return None if v == "" else v

    def ref(self, row: int, header: str) -> str | None:
        """The A1 reference of `header`'s cell in `row`, or None when the sheet has no such column."""
        idx = self.col(header)
        return f"{column_letter(idx + 1)}{row}" if idx is not None else None


@dataclass
class ReturnFile:
    """What was read from one file in the returns folder."""

    path: Path
    name: str
    sha256: str
    size: int
    received: datetime                   # the file's modification time: when it was saved here
    saved_at: datetime | None = None     # when the workbook says it was last saved (core.xml)
    identity: Identity | None = None
    sheets: dict[str, SheetData] = field(default_factory=dict)
    sheet_names: list[str] = field(default_factory=list)
    problem: Issue | None = None         # set when the file could not be read at all


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_return(path: Path, data: bytes | None = None, parts: dict[str, bytes] | None = None, *,
                proved: dict[str, tuple[int, int]] | None = None, sha256: str | None = None,
                infos: list[zipfile.ZipInfo] | None = None) -> ReturnFile:
    """Read the file at `path` (or its bytes `data`, already read) into a ReturnFile. `parts` are
    XML parts the pre-flight inflated from exactly these bytes (safety.Inspection.parts): taken as
    they are instead of being inflated again. The pre-flight of the same bytes may also hand on
    which sheet parts its grammar proved (`proved`, Inspection.proved: their formulas are then
    read from the proved cells by one pattern), their `sha256` and the zip's directory (`infos`,
    Inspection.infos: the zip is then opened again only if a part not in `parts` is read)."""
    stat = path.stat()
    received = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(microsecond=0, tzinfo=None)
    if data is None:
        if stat.st_size > MAX_FILE_BYTES:
            return ReturnFile(path, path.name, "", stat.st_size, received,
                              problem=issue(RETURN_TOO_LARGE, file=path.name,
                                            reason=f"{stat.st_size / 2**20:.0f} MB"))
        data = path.read_bytes()
    rf = ReturnFile(path, path.name, sha256 or file_digest(data), len(data), received)
    rf.problem = _read_into(rf, data, parts or {}, proved or {}, infos)
    return rf


def _read_into(rf: ReturnFile, data: bytes, parts: dict[str, bytes], proved: dict[str, tuple[int, int]],
               infos: list[zipfile.ZipInfo] | None) -> Issue | None:
    import python_calamine as calamine

    name = rf.name
    if len(data) > MAX_FILE_BYTES:
        return issue(RETURN_TOO_LARGE, file=name, reason=f"{len(data) / 2**20:.0f} MB")
    if not data:
        return issue(RETURN_NOT_A_WORKBOOK, file=name, reason="the file is empty (0 bytes)")
    zf = None
    if data[:4] == b"PK\x03\x04":
        try:
            zf = _Zip(data, parts, infos)
        except (zipfile.BadZipFile, ValueError) as exc:
            return issue(RETURN_NOT_A_WORKBOOK, file=name, reason=f"the file is damaged ({exc})")
        too_big = _zip_too_big(zf)
        if too_big:
            return issue(RETURN_TOO_LARGE, file=name, reason=too_big)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and _is_encrypted_ole(data):
        return issue(RETURN_PASSWORD_PROTECTED, file=name)
    try:
        wb = calamine.load_workbook(io.BytesIO(data))
    except calamine.PasswordError:
        return issue(RETURN_PASSWORD_PROTECTED, file=name)
    except Exception as exc:  # calamine raises several error types for damaged or foreign files
        return issue(RETURN_NOT_A_WORKBOOK, file=name, reason=_reason(exc))
    try:
        rf.sheet_names = list(wb.sheet_names)
        if zf is not None:
            rf.saved_at = _saved_at(zf)
        if layout.IDENTITY_SHEET in rf.sheet_names:
            rows = _sheet_rows(wb, layout.IDENTITY_SHEET, 2)
            rf.identity = Identity.from_rows([(r[0], r[1] if len(r) > 1 else None) for r in rows if r])
        parts = sheet_parts(zf) if zf is not None else {}
        for sheet, key in ((layout.MEASURES_SHEET, "Code"), (layout.ACTIONS_SHEET, "Ref"),
                           (CORRECTIONS_SHEET, "Code"),      # last quarter's figures corrected (corrections.py)
                           (BUDGET_SHEET, "Line"),           # spend against the activity budget (budget.py)
                           (RISKS_SHEET, "Code")):           # the risk register's assessments (risks.py)
            if sheet in rf.sheet_names:
                rf.sheets[sheet] = _data_sheet(wb, sheet, key)
                if sheet in parts:
                    rf.sheets[sheet].formulas = _formulas(zf, parts[sheet], proved.get(parts[sheet]))
    except Exception as exc:
        return issue(RETURN_NOT_A_WORKBOOK, file=name, reason=_reason(exc))
    finally:
        wb.close()
    return None


def _reason(exc: Exception) -> str:
    text = clean_text(str(exc))[:200]
    return text or type(exc).__name__


class _Zip:
    """The return's zip, whose `read` gives the XML parts the pre-flight inflated from these same
    bytes (`inflated`) instead of inflating them again; zipfile's own read for any other part.
    With `infos` (the directory the pre-flight read from these bytes) zipfile opens the bytes only
    when such a part is read; without, at once (a damaged zip raises here, as zipfile does)."""

    def __init__(self, data: bytes, inflated: dict[str, bytes], infos: list[zipfile.ZipInfo] | None = None) -> None:
        self.data, self.inflated, self.infos = data, inflated, infos
        self.zf = zipfile.ZipFile(io.BytesIO(data)) if infos is None else None

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.infos if self.infos is not None else self.zf.infolist()

    def read(self, name) -> bytes:
        raw = self.inflated.get(name) if type(name) is str else None
        if raw is not None:
            return raw
        if self.zf is None:
            self.zf = zipfile.ZipFile(io.BytesIO(self.data))
        return self.zf.read(name)

    def open(self, name):
        if self.zf is None:
            self.zf = zipfile.ZipFile(io.BytesIO(self.data))
        return self.zf.open(name)


def _zip_too_big(zf: zipfile.ZipFile) -> str | None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return f"part {info.filename} would inflate {info.file_size // max(info.compress_size, 1)}-fold"
    if total > MAX_UNZIPPED_BYTES:
        return f"{total / 2**20:.0f} MB once unzipped"
    return None


def _is_encrypted_ole(data: bytes) -> bool:
    """An OLE2 file holding an encrypted OOXML package (how Excel saves a password-protected .xlsx)."""
    head = data[: 2**16]
    return "EncryptionInfo".encode("utf-16-le") in head or "EncryptedPackage".encode("utf-16-le") in head


def _sheet_rows(wb, sheet: str, width: int | None = None) -> list[list]:
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_ROWS)
    return [r[:width] for r in rows] if width else rows


def _data_sheet(wb, sheet: str, key: str) -> SheetData:
    """Find the header row (the first of HEADER_SEARCH_ROWS rows with `key` in it) and the data rows:
    rows whose key cell is filled (a row with an empty key is a group heading)."""
    data = SheetData(sheet)
    rows = _sheet_rows(wb, sheet)
    want = key.casefold()
    for i, values in enumerate(rows[: layout.HEADER_SEARCH_ROWS]):
        texts = [clean_text(v).casefold() if isinstance(v, str) and v else "" for v in values]
        if want in texts:
            data.header_row = i + 1
            for idx, v in enumerate(values):
                text = clean_text(v) if isinstance(v, str) else ("" if v in ("", None) else str(v))
                data.headers.append(text)
                if text and text.casefold() not in data.columns:
                    data.columns[text.casefold()] = idx
            break
    if not data.header_row:
        return data
    kcol = data.columns[want]
    for i in range(data.header_row, len(rows)):
        values = rows[i]
        if _blank_key(values[kcol] if kcol < len(values) else ""):
            continue
        data.rows.append((i + 1, values))
    return data


def _blank_key(k) -> bool:
    """A Code/Ref cell that leaves its row a group heading: blank, or only spaces/invisible characters."""
    if type(k) is str and k.isascii() and k.isprintable():
        return not k.strip()                 # what clean_text gives plain text, but quicker
    return k in ("", None) or (isinstance(k, str) and not clean_text(k))


def _formulas(zf: "_Zip", part: str, proved: tuple[int, int] | None = None) -> dict[str, tuple[str, bool]]:
    """Cells of one sheet part that hold a formula: A1 → (formula text, has a cached value).

    A byte scan rather than an XML parse (a return's sheets hold one formula per row, in the RAG
    column, so only those few cells are looked at): each `<f` element is traced back to its `<c`
    cell for the reference and forward to `</c>` for a `<v>` value. Any namespace prefix is allowed.
    """
    try:
        data = zf.read(part)
    except KeyError:
        return {}
    if proved is not None:
        return _proved_formulas(data, *proved)
    return _formulas_in(data)


def _proved_formulas(data: bytes, start: int, end: int) -> dict[str, tuple[str, bool]]:
    """`_formulas_in(data)` for a sheet part whose `data[start:end]` (`<sheetData>` and the known
    elements after it) the pre-flight's grammar proved (safety.sheet.plain_sheet_data): there
    every `<f` is the formula of the cell it follows and no prefixed tag can be read as one, so
    one pattern reads them all. Only when the rest of the part (judged by expat, anything
    well-formed) holds nothing the general scan would look at; else the general scan of it all."""
    for lo, hi in ((0, start), (end, len(data))):
        if next(_formula_tags(data, lo, hi), None) is not None:
            return _formulas_in(data)
    found: dict[str, tuple[str, bool]] = {}
    rfind, find = data.rfind, data.find
    for m in _PROVED_F.finditer(data, start, find(b"</sheetData>", start)):
        at = rfind(b'<c r="', start, m.start()) + 6         # the cell this formula is the first child of
        text, value = m.groups()
        found[data[at:find(b'"', at)].decode("ascii")] = (
            _unescape(text.decode("utf-8", "replace")).strip() if text else "", bool(value))
    return found


def _formulas_in(data: bytes, quick: bool = True) -> dict[str, tuple[str, bool]]:
    """`_formulas` of a sheet part's bytes. With `quick`, a cell written the usual way
    (`<c r="A1" …><f>…</f><v>…</v></c>`, no prefix) is read by one anchored regex; any other is
    traced by `_formula_at` (both give the same answer: the tests compare them)."""
    found: dict[str, tuple[str, bool]] = {}
    for f_start, prefix in _formula_tags(data):
        if quick and not prefix:
            start = data.rfind(b"<c", 0, f_start)
            m = _PLAIN_CELL.match(data, start) if start >= 0 else None
            if m is not None and m.start(2) == f_start + 3:
                text = m.group(2)
                found[m.group(1).decode("ascii")] = (
                    _unescape(text.decode("utf-8", "replace")).strip() if text else "", bool(m.group(3)))
                continue
        got = _formula_at(data, f_start, prefix)
        if got is not None:
            found[got[0]] = got[1]
    return found


def _formula_at(data: bytes, f_start: int, prefix: bytes) -> tuple[str, tuple[str, bool]] | None:
    """(A1, (formula, has a value)) for the `<f` tag at `f_start`, or None if no cell holds it."""
    start = _cell_start(data, b"<" + prefix + b"c", f_start)
    if start < 0:
        return None
    head_end = data.find(b">", start)
    ref = _REF.search(data, start, head_end)
    end = data.find(b"</" + prefix + b"c>", f_start)
    if ref is None or end < 0:
        return None
    cell = data[f_start:end]
    f = _F_TEXT.match(cell)
    v = _V_TEXT.search(cell)
    text = _unescape(f.group(1).decode("utf-8", "replace")) if f and f.group(1) else ""
    return ref.group(1).decode("ascii"), (text.strip(), bool(v and v.group(1)))


def _formula_tags(data: bytes, pos: int = 0, endpos: int | None = None):
    """(where each `<f` start tag begins, its namespace prefix with the ':' or b''): the matches of
    `_F_START`, found faster by a scan for `f` followed by a space, '>' or '/' (a literal-led
    pattern, searched at C speed) and a look back to the '<' or prefix before it. With `pos` and
    `endpos`, those whose `f` is in `data[pos:endpos]`."""
    for m in _F_CANDIDATE.finditer(data, pos, len(data) if endpos is None else endpos):
        i = m.start() - 1
        if i < 0:
            continue
        before = data[i]
        if before == 0x3C:                       # '<f'
            yield i, b""
        elif before == 0x3A:                     # ':f': the prefix is the whole run since the last '<'
            lt = data.rfind(b"<", 0, i)
            if lt >= 0 and _PREFIX.fullmatch(data, lt + 1, i):
                yield lt, data[lt + 1:i + 1]


def _cell_start(data: bytes, tag: bytes, pos: int) -> int:
    """Where the `<c` element holding position `pos` starts (skipping tags such as `<col`), or -1."""
    while True:
        i = data.rfind(tag, 0, pos)
        if i < 0 or data[i + len(tag):i + len(tag) + 1] in (b" ", b"\t", b"\n", b"\r", b">"):
            return i
        pos = i


_F_START = re.compile(rb"<([A-Za-z_][\w.-]*:)?f[\s>/]")   # what _formula_tags finds (tests compare)
_F_CANDIDATE = re.compile(rb"f[\s>/]")
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^<>/]*><f>([^<]*)</f>(?:<v>([^<]*)</v>)?</c>')
_PREFIX = re.compile(rb"[A-Za-z_][\w.-]*")
# in proved cells (safety.sheet._CELL_RE: no '>' in a start tag's attribute values, no '<' in text,
# children f, v, is in that order, each f the first child of the cell whose `<c r="` is the last
# before it): a formula's text (None when `<f .../>`) and its value's text (None when there is none
# or it is empty)
_PROVED_F = re.compile(rb'<f(?: [^>/]*+(?:/(?!>)[^>/]*+)*+)?(?:/>|>([^<]*+)</f>)[ \t\r\n]*+(?:<v>([^<]++)</v>)?')
_REF = re.compile(rb"\sr=\"([A-Z]{1,3}[0-9]{1,7})\"")
_F_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f(?:\s[^>]*)?(?:/>|>([^<]*)<)", re.S)
_V_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v(?:\s[^>]*)?>([^<]+)<", re.S)


def _unescape(text: str) -> str:
    """html.unescape, quicker for the text a formula element holds: none, or only the five XML
    entities (replaced one kind at a time, &amp; last, which gives the same text)."""
    if "&" not in text:
        return text
    if _OTHER_AMPERSAND.search(text) is None:
        return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                .replace("&apos;", "'").replace("&amp;", "&"))
    return html.unescape(text)


_OTHER_AMPERSAND = re.compile(r"&(?!(?:lt|gt|quot|apos|amp);)")


def _formulas_by_parsing(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, bool]]:
    """The same as `_formulas` by a full (entity-free) XML parse: the reference the tests compare with."""
    found: dict[str, tuple[str, bool]] = {}
    try:
        with zf.open(part) as fh:
            c_tag, f_tag, v_tag = (f"{{{MAIN_NS}}}{t}" for t in ("c", "f", "v"))
            for _, el in etree.iterparse(fh, events=("end",), tag=c_tag, **PARSER_OPTS):
                f = el.find(f_tag)
                if f is not None:
                    v = el.find(v_tag)
                    found[el.get("r", "")] = ((f.text or "").strip(), v is not None and (v.text or "") != "")
                el.clear()
    except (KeyError, etree.XMLSyntaxError):
        pass
    return found


def _saved_at(zf: "_Zip") -> datetime | None:
    """dcterms:modified from docProps/core.xml: when Excel or LibreOffice last saved the workbook."""
    try:
        core = parse_xml(zf.read("docProps/core.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return None
    el = core.find("{http://purl.org/dc/terms/}modified")
    if el is None or not (el.text or "").strip():
        return None
    try:
        when = datetime.fromisoformat(el.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when
