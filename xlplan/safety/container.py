"""Bounded inspection of a zip-based workbook before any spreadsheet library opens it.

Order matters: the zip directory is judged first (part count, declared sizes and compression
ratios, duplicate or encrypted parts), so a zip bomb is refused without inflating a byte. Then
every part is inflated and its CRC checked: in one zlib call from its local header when all is
as zipfile would accept it (`_inflate`), else through zipfile in 64 KiB chunks (which stops at
the declared size, so a part that lies about its size is caught as damaged). Every XML part goes
through expat with a handler that refuses any DOCTYPE or entity declaration before it can be
expanded (no DTD, no external entity, no network or file access). Worksheets are measured: the
`<dimension>` they claim, and the real extent of the cells that hold data, with a cell cap. A
worksheet whose cells are plain (sheet.plain_sheet_data: a strict grammar, so well-formed
and entity-free) is measured from them at C speed and expat judges the rest of the part.

Used by xlplan/safety/inspection.py. It returns findings as `(Code, params)`: the issue code each
is reported as and the fields its message needs (inspection adds the file name, and decides the
file's Kind from the code). It also returns the XML parts it inflated (`ZipFindings.parts`), which
inspection hands on with the bytes judged so that the reader (collect.read.read_return) does not
inflate an accepted return's sheets a second time, with the spans of the sheets whose cells the
grammar proved (`ZipFindings.proved`, where the reader finds their formulas) and the zip's directory.

A part byte for byte equal to one judged before in this process (returns made from one set of
templates share most of their parts) is given that judgement again instead of being judged anew
(`_JUDGED`, `_INFLATED`: keyed by the whole bytes, bounded; see `_remember`).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import PurePosixPath
from xml.parsers import expat

from xlplan.errors import (
    RETURN_CORRUPT, RETURN_EXTERNAL_LINKS, RETURN_MACRO_ENABLED, RETURN_NOT_A_WORKBOOK, RETURN_PASSWORD_PROTECTED,
    RETURN_SHEET_TOO_LARGE, RETURN_TOO_MANY_PARTS, RETURN_TRUNCATED, RETURN_WRONG_FORMAT, RETURN_XML_ENTITIES,
    RETURN_ZIP_BOMB, Code,
)
from xlplan.safety.sheet import plain_claim, plain_sheet_data

CHUNK = 64 * 1024
KEEP_BYTES = 4 * 2**20      # inflated XML kept for the reader (ZipFindings.parts): a return's is well under 1 MB
MACRO_CONTENT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384


@dataclass
class SheetInfo:
    """One worksheet as found in the file (before any spreadsheet library reads it).

    `rows`/`cols` are the furthest row and column holding a value or formula: readers should
    read no further than these, whatever `claimed` (the sheet's own `<dimension>`) says.
    """

    name: str
    part: str
    state: str = "visible"          # visible | hidden | veryHidden
    claimed: str = ""               # the <dimension ref="..."> the file declares, e.g. A1:XFD1048576
    rows: int = 0
    cols: int = 0
    cells: int = 0                  # <c> elements, including empty styled cells


class ZipFormat(Enum):
    """What a zip file holds, told by its part names (and, for ODS, its mimetype part)."""

    XLSX = "xlsx"
    XLSM = "xlsm"               # an xlsx with macros (found while describing it)
    ODS = "ods"
    XLSB = "xlsb"
    WORD = "word"
    POWERPOINT = "powerpoint"
    ZIP = "zip"                 # any other zip


@dataclass
class ZipFindings:
    kind: ZipFormat = ZipFormat.XLSX
    findings: list[tuple[Code, dict]] = field(default_factory=list)   # in the order found
    sheets: list[SheetInfo] = field(default_factory=list)
    # XML parts inflated from the bytes judged, by name, as zipfile.ZipFile.read gives them (size
    # and CRC checked); only when the judgement ran to the end, up to KEEP_BYTES in all
    parts: dict[str, bytes] = field(default_factory=dict, repr=False)
    # worksheet parts (of `parts`) whose cells the strict grammar proved (sheet.plain_sheet_data):
    # name → (start, end) of the proved `<sheetData>` and known elements after it
    proved: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    infos: list[zipfile.ZipInfo] | None = field(default=None, repr=False, compare=False)   # the zip's directory, as zipfile read it

    def add(self, code: Code, **params) -> None:
        self.findings.append((code, params))

    def refused(self, refusal: "_Refused", part: str, limits) -> None:
        """Add the finding that stopped the scan of `part` (a sheet too large is named by its part)."""
        params = {"part": part, **refusal.params}
        if refusal.code is RETURN_SHEET_TOO_LARGE:
            params.update(sheet=part, **_grid(limits))
        self.add(refusal.code, **params)

    @property
    def fatal(self) -> bool:
        return any(code not in _NON_FATAL for code, _ in self.findings)


_NON_FATAL = frozenset({RETURN_MACRO_ENABLED, RETURN_EXTERNAL_LINKS})   # warnings: the file is still read


class _Enough(Exception):
    """Raised from a handler once the rest of a part cannot matter (see _Scan._start)."""


_MEASURED_ROOTS = {"worksheet", "macrosheet", "dialogsheet", "chartsheet", "workbook", "Relationships", "Types",
                   "externalLink"}


class _Refused(Exception):
    """Raised while scanning a part: the finding that ends the judgement (the part is added by the catcher)."""

    def __init__(self, code: Code, **params) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def inspect_zip(data: bytes, limits) -> ZipFindings:
    """Judge the zip in `data` (already capped in size by the caller) against `limits`."""
    out = ZipFindings()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        if b"PK\x05\x06" not in data[-(65536 + 22):]:
            out.add(RETURN_TRUNCATED, size=len(data))
        else:
            out.add(RETURN_CORRUPT, reason=_reason(e))
        return out
    except (OSError, ValueError, EOFError, NotImplementedError) as e:
        out.add(RETURN_CORRUPT, reason=_reason(e))
        return out
    with zf:
        infos = zf.infolist()
        if not _directory_ok(infos, data, limits, out):
            return out
        names = {i.filename for i in infos}
        kind = _format(zf, names)
        if kind is not ZipFormat.XLSX:
            out.kind = kind
            what = _FORMAT_WORDS[kind]
            if kind in (ZipFormat.ODS, ZipFormat.XLSB):
                out.add(RETURN_WRONG_FORMAT, what=what)
            else:       # reported as not-a-spreadsheet instead when the name is not a spreadsheet's either
                out.add(RETURN_NOT_A_WORKBOOK, what=what, reason=f"it is {what}")
            return out
        scans: dict[str, _Scan] = {}
        parts = _Kept()
        budget = [limits.max_cells]
        ends = _end_offsets(zf)
        for info in infos:
            try:
                scans[info.filename] = _scan_part(zf, data, info, budget, limits, parts, ends[info.header_offset])
            except _Refused as r:
                out.refused(r, info.filename, limits)
                return out
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                    RuntimeError) as e:
                out.add(RETURN_CORRUPT, reason=f"part {info.filename}: {_reason(e)}")
                return out
        _describe(out, zf, names, scans, limits)
    out.parts = parts
    out.infos = infos
    out.proved = {name: scan.proved for name, scan in scans.items() if scan.proved is not None and name in parts}
    return out


class _Kept(dict):
    """Inflated XML parts by name, up to `KEEP_BYTES` in all."""

    size = 0

    def keep(self, name: str, raw: bytes) -> None:
        if self.size + len(raw) <= KEEP_BYTES:
            self[name] = raw
            self.size += len(raw)


def _directory_ok(infos: list[zipfile.ZipInfo], data: bytes, limits, out: ZipFindings) -> bool:
    if len(infos) > limits.max_parts:
        out.add(RETURN_TOO_MANY_PARTS, parts=len(infos), limit=limits.max_parts)
        return False
    seen: set[str] = set()
    for i in infos:
        if i.filename in seen:
            out.add(RETURN_CORRUPT, reason=f"the part {i.filename} appears twice")
            return False
        seen.add(i.filename)
        if i.flag_bits & 0x1:
            out.add(RETURN_PASSWORD_PROTECTED)
            return False
    total = sum(i.file_size for i in infos)
    for i in infos:
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > limits.max_part_bytes or (
                i.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio):
            out.add(RETURN_ZIP_BOMB, part=i.filename, expanded=i.file_size, ratio=ratio)
            return False
    if total > limits.max_total_bytes:
        out.add(RETURN_ZIP_BOMB, part="all parts", expanded=total, ratio=total / max(len(data), 1))
        return False
    return True


_FORMAT_WORDS = {ZipFormat.ODS: "a LibreOffice/OpenDocument spreadsheet (.ods)",
                 ZipFormat.XLSB: "an Excel binary workbook (.xlsb)",
                 ZipFormat.WORD: "a Word document", ZipFormat.POWERPOINT: "a PowerPoint presentation",
                 ZipFormat.ZIP: "a zip archive holding other files"}


def _format(zf: zipfile.ZipFile, names: set[str]) -> ZipFormat:
    if "mimetype" in names:
        try:
            with zf.open("mimetype") as f:
                mime = f.read(200)
        except Exception:  # noqa: BLE001 - a broken mimetype part just means "not ODS"
            mime = b""
        if b"opendocument.spreadsheet" in mime:
            return ZipFormat.ODS
    if "[Content_Types].xml" not in names:
        return ZipFormat.ZIP
    if any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        return ZipFormat.XLSX
    if any(n.startswith("xl/") and n.endswith("workbook.bin") for n in names):
        return ZipFormat.XLSB
    if any(n.startswith("word/") for n in names):
        return ZipFormat.WORD
    if any(n.startswith("ppt/") for n in names):
        return ZipFormat.POWERPOINT
    return ZipFormat.ZIP


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _scan_part(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, budget: list[int], limits,
               parts: "_Kept", end: int) -> "_Scan":
    """Inflate one part (size cap, CRC) and scan it if it is XML. The usual part is inflated in one
    call (`_inflate`), scanned whole and kept in `parts` (up to `KEEP_BYTES` in all); anything
    unusual goes through zipfile chunk by chunk. A part judged before (the same bytes, the same
    limits, its cells within the budget left) gets that judgement."""
    raw = _inflate(data, info, zf, end)
    if raw is None:
        return _scan_streaming(zf, info, budget, limits)
    if not _is_xml(info.filename):
        return _Scan.binary()
    parts.keep(info.filename, raw)
    key = (raw, limits)
    known = _JUDGED.get(key) if REMEMBER else None
    if known is not None and known.cells <= budget[0]:
        budget[0] -= known.cells        # as judging it again would: its figures hold within this budget
        return known
    scan = _Scan(budget, limits)
    if not (raw.find(b"<worksheet", 0, 1024) >= 0 and scan.measure_plain_sheet(raw)):   # shared strings… need not look
        scan.feed(raw, final=True)
        if scan.sheet_bytes_needed:
            scan.measure_sheet(raw)
    _remember(_JUDGED, key, scan, len(raw))
    return scan


# Parts judged before in this process, by their exact bytes. Returns made from one set of templates
# share most of their parts byte for byte ([Content_Types].xml, relationships, workbook.xml, styles,
# theme, an instructions sheet…). Judging is a pure function of a part's bytes and the limits, so a
# part equal to one judged before (a dict compares the whole bytes) gets that judgement again: the
# same root, figures and relationships, the same budget taken. Only judgements that ended without a
# refusal are kept; a refusal is found again each time. `_INFLATED` does the same for inflating: a
# part whose stored entry (method, sizes, CRC and compressed bytes) equals one inflated and checked
# before inflates to the same bytes. A part is remembered only when it is seen a second time (its
# hash noted the first time), so a return's own sheets and strings are not held; both are bounded
# (REMEMBER_BYTES each, parts up to REMEMBER_PART) and emptied when full.
REMEMBER = True
REMEMBER_BYTES = 8 * 2**20
REMEMBER_PART = 512 * 1024
_JUDGED: dict = {}
_INFLATED: dict = {}
_REMEMBERED = {id(_JUDGED): 0, id(_INFLATED): 0}
_SIGHTED: set[int] = set()          # hashes of the keys seen once


def _remember(memo: dict, key, value, size: int) -> None:
    if not REMEMBER or size > REMEMBER_PART:
        return
    sighted = hash(key)
    if sighted not in _SIGHTED:
        if len(_SIGHTED) >= 100_000:
            _SIGHTED.clear()
        _SIGHTED.add(sighted)
        return
    if isinstance(value, _Scan):
        value.parser = None             # the judgement's figures only (expat's parser cannot parse again)
    held = _REMEMBERED[id(memo)] + size
    if held > REMEMBER_BYTES:
        memo.clear()
        held = size
    memo[key] = value
    _REMEMBERED[id(memo)] = held


def forget() -> None:
    """Drop every remembered judgement (tests that judge the same bytes by another path)."""
    _JUDGED.clear()
    _INFLATED.clear()
    _SIGHTED.clear()
    for k in _REMEMBERED:
        _REMEMBERED[k] = 0


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")    # zipfile's structFileHeader


def _end_offsets(zf: zipfile.ZipFile) -> dict[int, int]:
    """Where each part's data must end (by its header offset): the next part's header, or the
    central directory for the last; newer zipfile versions refuse an entry running past it. Two
    entries at one offset overlap: their end is that offset, so `_inflate` declines both."""
    offsets = sorted((i.header_offset for i in zf.infolist()), reverse=True)
    ends, end = {}, zf.start_dir
    for offset in offsets:
        ends[offset] = offset if offset in ends else end
        end = offset
    return ends


def _inflate(data: bytes, info: zipfile.ZipInfo, zf: zipfile.ZipFile, end: int) -> bytes | None:
    """The part's bytes when zipfile would give exactly these without a complaint (local header
    matching the directory, data not overlapping the next entry (before `end`), stored or deflated,
    the declared size, the right CRC), else None. At most `file_size + 1` bytes are inflated, and
    the directory check has capped `file_size`."""
    at = info.header_offset
    header = data[at:at + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size or info.flag_bits & 0x61:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        return None
    start = at + _LOCAL_HEADER.size + fields[10] + fields[11]
    name = data[at + _LOCAL_HEADER.size:at + _LOCAL_HEADER.size + fields[10]]
    try:
        name_text = name.decode("utf-8" if fields[3] & 0x800 else (zf.metadata_encoding or "cp437"))
    except UnicodeDecodeError:
        return None
    body = data[start:start + info.compress_size]
    if name_text != info.orig_filename or len(body) != info.compress_size or start + info.compress_size > end:
        return None
    key = (info.compress_type, info.file_size, info.CRC, body)
    known = _INFLATED.get(key) if REMEMBER else None
    if known is not None:
        return known
    if info.compress_type == zipfile.ZIP_STORED:
        out = body
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(body, info.file_size + 1)[:info.file_size]
        except zlib.error:
            return None
    else:
        return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    _remember(_INFLATED, key, out, len(out) + len(body))
    return out


def _scan_streaming(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], limits) -> "_Scan":
    scan = _Scan(budget, limits) if _is_xml(info.filename) else None
    actual = 0
    kept: list[bytes] = []      # an XML part's bytes while it may be a worksheet (≤ max_part_bytes)
    with zf.open(info) as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            actual += len(chunk)
            if actual > limits.max_part_bytes:
                raise _Refused(RETURN_ZIP_BOMB, expanded=actual, ratio=actual / max(info.compress_size, 1))
            if scan is not None and not scan.done:
                kept.append(chunk)
                scan.feed(chunk)
    if scan is not None and not scan.done:
        scan.feed(b"", final=True)
    if scan is not None and scan.sheet_bytes_needed:
        scan.measure_sheet(b"".join(kept))
    return scan or _Scan.binary()


class _Scan:
    """Stream one XML part through expat, refusing DTDs and measuring worksheets."""

    def __init__(self, budget: list[int], limits, walk_sheet: bool = False) -> None:
        self.budget, self.limits = budget, limits
        self.walk_sheet = walk_sheet
        self.sheet_bytes_needed = False
        self.proved: tuple[int, int] | None = None     # the span plain_sheet_data proved
        self.root = ""
        self.done = False
        self.depth = 0
        self.claimed = ""
        self.rows = self.cols = self.cells = 0
        self.sheets: list[dict] = []       # workbook.xml: name, rid, state
        self.rels: list[dict] = []         # *.rels: Id, Type, Target, TargetMode
        self.dde: list[str] = []
        self.content_types: list[str] = []
        self._row = 0
        self._col = 0
        self._cell: tuple[int, int] | None = None
        self._cell_has_data = False
        p = expat.ParserCreate(namespace_separator=" ")
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._entity
        p.ExternalEntityRefHandler = self._external
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        self.parser = p

    def measure_sheet(self, data: bytes) -> None:
        """Measure a worksheet (well-formed, no DTD: expat has checked) from its bytes: a regex
        pass for a plain sheet, else the exact walk. Both give the same figures and findings."""
        from xlplan.safety.sheet import measure
        found = measure(data, self.budget[0])
        if found is None:
            exact = _Scan(self.budget, self.limits, walk_sheet=True)
            exact.feed(data, final=True)
            found = (exact.claimed, exact.rows, exact.cols, exact.cells)
        else:
            self.budget[0] -= found[3]
        self.claimed, self.rows, self.cols, self.cells = found

    def measure_plain_sheet(self, data: bytes) -> bool:
        """Judge a worksheet whose cells are plain (sheet.plain_sheet_data) with expat over
        everything but those cells; True when done. False (nothing changed) whenever the result
        might differ from the exact path's: no plain cells, a refusal, or cells outside sheetData."""
        found = plain_sheet_data(data, self.budget[0])
        if found is None:
            return False
        start, end, rows, cols, cells = found
        claimed = plain_claim(data, start, end)
        rest = _Scan([self.limits.max_cells], self.limits, walk_sheet=claimed is None)
        try:
            rest.feed(data[:start] + b"<sheetData/>" + data[end:], final=True)
        except _Refused:
            return False
        if rest.done or rest.root not in _SHEET_ROOTS or rest.cells:
            return False
        self.root, self.claimed, self.done = rest.root, rest.claimed if claimed is None else claimed, True
        self.rows, self.cols, self.cells = rows, cols, cells
        self.budget[0] -= cells
        self.proved = (start, end)
        return True

    @classmethod
    def binary(cls) -> "_Scan":
        s = cls.__new__(cls)
        s.sheet_bytes_needed = False
        s.proved = None
        s.root, s.done, s.sheets, s.rels, s.dde, s.content_types = "", True, [], [], [], []
        s.claimed, s.rows, s.cols, s.cells = "", 0, 0, 0
        return s

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(chunk, final)
        except _Enough:
            self.done = True          # the rest is still inflated (size and CRC checks), not parsed
        except expat.ExpatError as e:
            raise _Refused(RETURN_CORRUPT, reason=f"not well-formed XML ({expat.ErrorString(e.code)})") from None

    def _doctype(self, *args) -> None:
        raise _Refused(RETURN_XML_ENTITIES, what="a document type declaration (DOCTYPE)")

    def _entity(self, *args) -> None:
        raise _Refused(RETURN_XML_ENTITIES, what="an entity declaration")

    def _external(self, *args) -> int:
        raise _Refused(RETURN_XML_ENTITIES, what="an external entity reference")

    def _start(self, name: str, attrs: dict) -> None:
        local = _local(name)
        self.depth += 1
        if self.depth == 1:
            self.root = local
            if local not in _MEASURED_ROOTS:
                # A DTD can only come before the root element, so nothing after it can expand:
                # shared strings, styles, themes… need no element-by-element walk.
                raise _Enough
            if local in _SHEET_ROOTS:
                if self.walk_sheet:     # the exact element-by-element walk (sheet.measure's fallback)
                    self.parser.StartElementHandler = self._sheet_start
                    self.parser.EndElementHandler = self._sheet_end
                else:                   # expat only checks the rest is well-formed; measured afterwards
                    self.parser.StartElementHandler = self.parser.EndElementHandler = None
                    self.sheet_bytes_needed = True
                return
        plain = {_local(k): v for k, v in attrs.items()}
        if self.root in _SHEET_ROOTS:
            self._sheet_element(local, plain)
        elif local == "sheet" and self.root == "workbook":
            self.sheets.append({"name": plain.get("name", ""), "rid": plain.get("id", ""),
                                "state": plain.get("state", "visible")})
        elif local == "Relationship":
            self.rels.append(plain)
        elif local == "ddeLink":
            self.dde.append(f"{plain.get('ddeService', '')}|{plain.get('ddeTopic', '')}")
        elif local in ("Override", "Default") and self.root == "Types":
            self.content_types.append(plain.get("ContentType", ""))

    def _sheet_start(self, name: str, attrs: dict) -> None:
        """`_start` inside a worksheet: the same measurements, without building a dict of plain
        attribute names unless an attribute has a namespace (the usual sheet has none)."""
        self.depth += 1
        local = _LOCAL.get(name) or _local(name)
        if local == "v" or local == "f" or local == "is":
            if self._cell is not None:
                self._cell_has_data = True
            return
        if local in _SHEET_MEASURED:
            for k in attrs:
                if " " in k:
                    attrs = {_local(k): v for k, v in attrs.items()}
                    break
            self._sheet_element(local, attrs)

    def _sheet_end(self, name: str) -> None:
        self.depth -= 1
        if self._cell is not None and (_LOCAL.get(name) or _local(name)) == "c":
            if self._cell_has_data:
                if self._cell[0] > self.rows:
                    self.rows = self._cell[0]
                if self._cell[1] > self.cols:
                    self.cols = self._cell[1]
            self._cell = None

    def _sheet_element(self, local: str, attrs: dict) -> None:
        if local == "dimension":
            self.claimed = attrs.get("ref", "")[:40]
        elif local == "row":
            r = attrs.get("r")
            self._row = _int(r, "row number") if r else self._row + 1
            self._col = 0
        elif local == "c":
            self.cells += 1
            self.budget[0] -= 1
            if self.budget[0] < 0:
                raise _Refused(RETURN_SHEET_TOO_LARGE, extent=f"more than {self.limits.max_cells:,} cells")
            ref = attrs.get("r")
            if ref:
                m = _CELL_REF.match(ref)
                if not m:
                    raise _Refused(RETURN_CORRUPT, reason=f"the cell reference '{ref[:20]}' is not valid")
                col, row = _col_number(m.group(1)), int(m.group(2))
                if col > EXCEL_MAX_COLS or row > EXCEL_MAX_ROWS or row == 0:
                    raise _Refused(RETURN_CORRUPT, reason=f"the cell reference '{ref}' is outside Excel's grid")
                self._col, self._row = col, row
            else:
                self._col += 1
            self._cell = (self._row, self._col)
            self._cell_has_data = False
        elif local in ("v", "f", "is") and self._cell is not None:
            self._cell_has_data = True

    def _end(self, name: str) -> None:
        self.depth -= 1
        if self._cell is not None and _local(name) == "c":
            if self._cell_has_data:
                self.rows = max(self.rows, self._cell[0])
                self.cols = max(self.cols, self._cell[1])
            self._cell = None


_SHEET_ROOTS = {"worksheet", "macrosheet", "dialogsheet", "chartsheet"}
_SHEET_MEASURED = {"dimension", "row", "c"}   # the sheet elements _sheet_element looks at
_LOCAL: dict[str, str] = {}                   # expanded name → local name (few distinct names)


def _local(name: str) -> str:
    """The local part of an expat name ("namespace local" with namespace_separator=" ")."""
    local = _LOCAL.get(name)
    if local is None:
        local = name.rsplit(" ", 1)[-1]
        if len(_LOCAL) < 4096:
            _LOCAL[name] = local
    return local


def _int(text: str, what: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise _Refused(RETURN_CORRUPT, reason=f"the {what} '{text[:20]}' is not a number") from None
    if not 0 < n <= EXCEL_MAX_ROWS:
        raise _Refused(RETURN_CORRUPT, reason=f"the {what} {n} is outside Excel's grid")
    return n


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def _describe(out: ZipFindings, zf: zipfile.ZipFile, names: set[str], scans: dict[str, _Scan], limits) -> None:
    """Name the sheets, check their extent, and flag macros and external links."""
    workbook = _workbook_part(scans, names)
    wb_scan = scans.get(workbook)
    rels = _rels_for(workbook, scans)
    for s in (wb_scan.sheets if wb_scan else []):
        target = rels.get(s["rid"], "")
        scan = scans.get(target)
        info = SheetInfo(s["name"], target, s["state"])
        if scan is not None:
            info.claimed, info.rows, info.cols, info.cells = scan.claimed, scan.rows, scan.cols, scan.cells
        out.sheets.append(info)
        if info.rows > limits.max_rows or info.cols > limits.max_cols or info.rows * info.cols > limits.max_area:
            out.add(RETURN_SHEET_TOO_LARGE, sheet=info.name,
                    extent=f"{col_letters(info.cols)}{info.rows} ({info.rows:,} rows × {info.cols:,} columns)",
                    **_grid(limits))
    content_types = scans.get("[Content_Types].xml")
    macro_parts = sorted(n for n in names if n.lower().endswith("vbaproject.bin")
                         or n.lower().startswith(("xl/activex/", "xl/macrosheets/", "xl/dialogsheets/")))
    if macro_parts or (content_types and MACRO_CONTENT in content_types.content_types):
        out.kind = ZipFormat.XLSM
        out.add(RETURN_MACRO_ENABLED, parts=", ".join(macro_parts[:3]) or "a macro-enabled workbook type")
    links = []
    for name in sorted(names):
        if name.lower().startswith("xl/externallinks/") and _is_xml(name) and not name.endswith(".rels"):
            scan = scans.get(name)
            targets = [r.get("Target", "") for r in _rels_for(name, scans, raw=True)]
            links += [t for t in targets if t] + (scan.dde if scan else [])
            if scan and not targets and not scan.dde:
                links.append(PurePosixPath(name).name)
    if "xl/connections.xml" in names:
        links.append("a data connection (xl/connections.xml)")
    if links:
        out.add(RETURN_EXTERNAL_LINKS, count=len(links), targets=", ".join(t[:60] for t in links[:3]))


def _grid(limits) -> dict[str, int]:
    """The per-sheet caps a sheet-too-large message quotes."""
    return {"max_rows": limits.max_rows, "max_cols": limits.max_cols, "max_area": limits.max_area}


def _workbook_part(scans: dict[str, _Scan], names: set[str]) -> str:
    root = scans.get("_rels/.rels")
    for r in (root.rels if root else []):
        if r.get("Type", "").endswith("/officeDocument"):
            target = r.get("Target", "").lstrip("/")
            if target in names:
                return target
    return "xl/workbook.xml"


def _rels_for(part: str, scans: dict[str, _Scan], raw: bool = False):
    """The relationships of `part`: Id → resolved part name (or the raw Relationship dicts)."""
    p = PurePosixPath(part)
    scan = scans.get(str(p.parent / "_rels" / (p.name + ".rels")))
    rels = scan.rels if scan else []
    if raw:
        return rels
    out = {}
    for r in rels:
        target = r.get("Target", "")
        if r.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else _join(p.parent, target)
        out[r.get("Id", "")] = resolved
    return out


def _join(base: PurePosixPath, target: str) -> str:
    parts = [x for x in str(base).split("/") if x and x != "."]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _reason(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text[:120]
