"""Pre-flight inspection of one returned file, before any spreadsheet library touches it.

Returns come by email from dozens of people; some files are broken, some odd, a few hostile.
`inspect(path)` looks at one file without following links, running macros or expanding XML
entities, and says what it is (`Inspection.kind`) and what is wrong with it (Issues with stable
`return.*` codes, each one line a manager or officer can act on). Collect calls it first and
opens a file only when `inspection.accepted`; it records `skipped` files (lock files, files that
are not spreadsheets) quietly and `rejected` ones with their reasons.

Everything here is bounded (see `Limits`): the file is read once (at most `max_file_bytes`),
the zip directory is judged before anything is inflated, parts are inflated against size and
ratio caps with their CRC checked, XML goes through expat refusing any DTD (plain worksheet cells
through a strict grammar instead, see sheet.py), and worksheets are measured so readers
can stop at the real data (`SheetInfo.rows/cols`) whatever `<dimension>` claims.

`display_name` makes any file name safe to show and store; `clean_comment` (text.py)
neutralises text from a return (control characters out; right-to-left text, emoji and line
breaks kept; length capped with a flag).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from xlplan.errors import (
    RETURN_CORRUPT, RETURN_CSV_RENAMED, RETURN_DUPLICATE, RETURN_EMPTY_FILE, RETURN_HTML_RENAMED, RETURN_LEGACY_XLS,
    RETURN_LOCK_FILE, RETURN_NOT_A_FILE, RETURN_NOT_A_SPREADSHEET, RETURN_NOT_A_WORKBOOK, RETURN_NOT_A_ZIP,
    RETURN_PASSWORD_PROTECTED, RETURN_SHEET_TOO_LARGE, RETURN_STILL_BEING_WRITTEN, RETURN_SYMLINK, RETURN_TOO_LARGE,
    RETURN_TOO_MANY_PARTS, RETURN_TRUNCATED, RETURN_UNREADABLE, RETURN_WRONG_FORMAT, RETURN_XML_ENTITIES,
    RETURN_ZIP_BOMB, Code, Issue, Severity, issue,
)
from xlplan.safety.ole import MAGIC as OLE_MAGIC, OleKind, OleProblem, read_directory
from xlplan.safety.text import CleanText, clean_comment
from xlplan.safety.container import SheetInfo, ZipFindings, ZipFormat, inspect_zip

__all__ = ["Kind", "Limits", "Inspection", "SheetInfo", "inspect", "judge", "judge_ahead", "inspect_folder",
           "is_lock_file", "display_name", "clean_comment", "CleanText"]


class Kind(str, Enum):
    """What a file in the returns folder turned out to be (by content, never by name alone)."""

    XLSX = "xlsx"
    XLSM = "xlsm"
    XLS = "xls"                     # legacy Excel 97-2003 (OLE2)
    ENCRYPTED = "encrypted"         # password-protected workbook (OLE2 EncryptedPackage, or zip password)
    OTHER_SPREADSHEET = "other-spreadsheet"   # .ods, .xlsb, XML Spreadsheet 2003
    CSV = "csv"
    HTML = "html"
    EMPTY = "empty"
    TRUNCATED = "truncated"
    DAMAGED = "damaged"             # a zip/XML that cannot be read safely (corrupt, bomb, entities…)
    NOT_A_WORKBOOK = "not-a-workbook"
    LOCK_FILE = "lock-file"
    SYMLINK = "symlink"
    NOT_A_FILE = "not-a-file"       # a folder, pipe or device
    NOT_A_SPREADSHEET = "not-a-spreadsheet"   # notes.txt, a PDF, Thumbs.db: skipped quietly
    GROWING = "growing"             # still being written
    TOO_LARGE = "too-large"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Limits:
    """Caps on what one return may cost. A real return is well under 1 MB and 2,000 cells."""

    max_file_bytes: int = 50 * 2**20
    max_parts: int = 1_000
    max_part_bytes: int = 16 * 2**20          # one inflated part (a real return: well under 1 MB)
    max_total_bytes: int = 64 * 2**20         # all inflated parts together
    max_ratio: float = 200.0                  # inflated/stored size of a part …
    ratio_floor_bytes: int = 4 * 2**20        # … checked for parts inflating beyond this
    max_cells: int = 500_000                  # <c> elements in all sheets together
    max_rows: int = 5_000                     # furthest row holding data, per sheet
    max_cols: int = 256                       # furthest column holding data, per sheet
    max_area: int = 500_000                   # rows × columns a reader may lay out, per sheet
    quiet_seconds: float = 0.5                # a file modified more recently is watched this long


# What inspect() and inspect_folder() use when given no limits. It is looked up at each call, so a
# test suite can set a quiet period of 0 for files it has just written (tests/conftest.py).
DEFAULT_LIMITS = Limits()

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".csv", ".htm",
                        ".html", ".xml", ".xlt", ".fods", ".numbers"}


@dataclass
class Inspection:
    path: Path
    kind: Kind
    size: int = 0
    sha256: str = ""                # of the bytes read (for a symlink: of its target text)
    issues: list[Issue] = field(default_factory=list)
    sheets: list[SheetInfo] = field(default_factory=list)
    data: bytes | None = field(default=None, repr=False)   # the bytes judged (when accepted)
    # XML parts of `data` the judgement inflated (container.ZipFindings.parts), kept with it
    parts: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    # sheet parts of `parts` whose cells the grammar proved: name → span (container.ZipFindings.proved)
    proved: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)
    infos: list | None = field(default=None, repr=False, compare=False)   # the zip's directory (ZipFindings.infos)
    limits: Limits = field(default=DEFAULT_LIMITS, repr=False, compare=False)
    mtime_ns: int = field(default=0, repr=False, compare=False)   # of the lstat the read began with
    pending: bool = field(default=False, repr=False, compare=False)   # read whole and quiet: to judge

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def skipped(self) -> bool:
        """Lock files, links, folders and files that are not spreadsheets: listed, otherwise ignored
        (a link is never followed)."""
        return self.kind in (Kind.LOCK_FILE, Kind.NOT_A_SPREADSHEET, Kind.NOT_A_FILE, Kind.SYMLINK)

    @property
    def rejected(self) -> bool:
        return not self.skipped and any(i.severity is Severity.ERROR for i in self.issues)

    @property
    def accepted(self) -> bool:
        """Safe to hand to a spreadsheet reader (warnings such as macros may remain)."""
        return not self.skipped and not self.rejected

    @property
    def reason(self) -> str:
        """The first error's message (or the skip note): the one line to show for this file."""
        for i in self.issues:
            if i.severity is Severity.ERROR:
                return i.message
        return self.issues[0].message if self.issues else ""

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)

    def _add(self, code: Code, **params) -> Issue:
        found = _issue(code, display_name(self.path), **params)
        self.issues.append(found)
        return found


def display_name(path: str | Path) -> str:
    """A file's name fit to show and store: bytes that are not UTF-8 (a name from an old Windows
    share or zip) become U+FFFD, and control characters (newline, escape, bell) become '?'."""
    name = os.fsencode(Path(path).name).decode("utf-8", errors="replace")
    return "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in name)


def is_lock_file(name: str) -> bool:
    """Excel's owner file `~$Book.xlsx` or LibreOffice's `.~lock.Book.xlsx#`."""
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def inspect(path: str | Path, limits: Limits | None = None, *, keep_bytes: bool = False,
            judge_bytes: bool = True) -> Inspection:
    """Judge one file in a returns folder. Never raises for what the file holds.

    `keep_bytes` keeps the bytes read on `Inspection.data` (whatever the verdict, for archiving;
    None for links, pipes and files over the size cap), so the caller reads exactly what was
    inspected: no second read that could see a different file.

    With `judge_bytes` False only the safe read is done (no link followed, no pipe blocked on, the
    size cap, the still-being-written watch; the bytes hashed): `pending` then says the bytes are
    whole and quiet and still to be judged, which `judge(inspection)` does. Collect looks its
    cache up in between.
    """
    path = Path(path)
    limits = DEFAULT_LIMITS if limits is None else limits
    try:
        st = os.lstat(path)
    except OSError as e:
        ins = Inspection(path, Kind.UNREADABLE, limits=limits)
        ins._add(RETURN_UNREADABLE, reason=e.strerror or str(e))
        return ins
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        ins = Inspection(path, Kind.SYMLINK, sha256=hashlib.sha256(os.fsencode(target)).hexdigest(), limits=limits)
        ins._add(RETURN_SYMLINK, target=target)
        return ins
    if not stat.S_ISREG(st.st_mode):
        ins = Inspection(path, Kind.NOT_A_FILE, limits=limits)
        ins._add(RETURN_NOT_A_FILE, what="folder" if stat.S_ISDIR(st.st_mode) else "pipe or device")
        return ins
    if is_lock_file(path.name):
        ins = Inspection(path, Kind.LOCK_FILE, size=st.st_size, limits=limits, mtime_ns=st.st_mtime_ns)
        ins._add(RETURN_LOCK_FILE)
        data = _read_for_hash(path, ins, limits)
        if keep_bytes and ins.kind is Kind.LOCK_FILE:
            ins.data = data
        return ins
    ins = Inspection(path, Kind.XLSX, size=st.st_size, limits=limits, mtime_ns=st.st_mtime_ns)
    data = _read_for_hash(path, ins, limits)
    if ins.kind not in (Kind.TOO_LARGE, Kind.NOT_A_FILE, Kind.UNREADABLE):
        ins.data = data
    ins.pending = not ins.issues and not _still_changing(path, st, ins, limits)
    return judge(ins, keep_bytes=keep_bytes) if judge_bytes else ins


def judge(ins: Inspection, *, keep_bytes: bool = True, known: Inspection | None = None) -> Inspection:
    """Finish an inspection `inspect(..., judge_bytes=False)` began: judge its bytes if they are
    `pending` (under the limits they were read with). Drops them unless `keep_bytes`.

    `known` is a judgement made ahead (`judge_ahead`): when it judged the same file's same bytes
    (name, size, SHA-256) under the same limits, its verdict is taken instead of judging again (a
    verdict is a pure function of those); the parts it inflated were not kept, so the reader
    inflates what it reads."""
    if ins.pending:
        ins.pending = False
        if known is not None and _same_bytes(known, ins):
            ins.kind, ins.issues, ins.sheets = known.kind, list(known.issues), known.sheets
            ins.proved, ins.infos = known.proved, known.infos
        else:
            _judge(ins, ins.data or b"", ins.limits)
    if not keep_bytes:
        ins.data, ins.parts, ins.proved, ins.infos = None, {}, {}, None
    return ins


def judge_ahead(path: str | Path, limits: Limits | None = None) -> Inspection | None:
    """`inspect(path)`'s judgement of the file's bytes without the bytes or the parts it inflated
    (small enough to send between processes), for `judge(..., known=)` of a later inspection; None
    when there was nothing to judge (the file was not read whole and quiet)."""
    ins = inspect(path, limits, judge_bytes=False)
    if not ins.pending:
        return None
    judge(ins)
    ins.data, ins.parts = None, {}
    return ins


def _same_bytes(known: Inspection, ins: Inspection) -> bool:
    """Whether `known` (judge_ahead) judged exactly what `ins` read, under the same limits."""
    return (not known.pending and known.path == ins.path and known.sha256 == ins.sha256 and known.size == ins.size
            and known.limits == ins.limits and not ins.issues and known.data is None)


def inspect_folder(folder: str | Path, limits: Limits | None = None) -> list[Inspection]:
    """Inspect every entry of a returns folder (sorted by name; sub-folders are not entered).

    A byte-identical copy of an earlier file gets an info `return.duplicate` naming it.
    """
    seen: dict[str, str] = {}
    out = []
    for entry in sorted(Path(folder).iterdir(), key=lambda p: p.name):
        ins = inspect(entry, limits)
        if ins.sha256 and ins.kind not in (Kind.SYMLINK, Kind.LOCK_FILE):
            if ins.sha256 in seen:
                ins._add(RETURN_DUPLICATE, other=seen[ins.sha256])
            else:
                seen[ins.sha256] = ins.name
        out.append(ins)
    return out


# --- reading -------------------------------------------------------------------------------------


def _read_for_hash(path: Path, ins: Inspection, limits: Limits) -> bytes:
    """Hash the whole file; keep its bytes only up to the size cap. Opens without following links
    and without blocking on a pipe swapped in after lstat."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    digest = hashlib.sha256()
    kept = bytearray()
    try:
        fd = os.open(path, flags)
    except OSError as e:
        ins.kind = Kind.UNREADABLE
        ins._add(RETURN_UNREADABLE, reason=e.strerror or str(e))
        return b""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            ins.kind = Kind.NOT_A_FILE
            ins._add(RETURN_NOT_A_FILE, what="pipe or device")
            return b""
        total = 0
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            total += len(chunk)
            if total <= limits.max_file_bytes:
                kept += chunk
    ins.sha256 = digest.hexdigest()
    ins.size = total
    if total > limits.max_file_bytes and not ins.skipped:
        ins.kind = Kind.TOO_LARGE
        ins._add(RETURN_TOO_LARGE, reason=f"{_bytes(total)}, over the {_bytes(limits.max_file_bytes)} limit")
        return b""
    return bytes(kept)


def _still_changing(path: Path, before: os.stat_result, ins: Inspection, limits: Limits) -> bool:
    """A file whose size or modification time moves while we look is still being written."""
    age = time.time() - before.st_mtime
    if 0 <= age < limits.quiet_seconds:
        time.sleep(limits.quiet_seconds - age)
    try:
        after = os.lstat(path)
    except OSError:
        after = None
    if after is None or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) \
            or ins.size != before.st_size:
        ins.kind = Kind.GROWING
        ins._add(RETURN_STILL_BEING_WRITTEN)
        return True
    return False


# --- judging the bytes ---------------------------------------------------------------------------


def _judge(ins: Inspection, data: bytes, limits: Limits) -> None:
    suffix = ins.path.suffix.lower()
    if not data:
        if suffix in SPREADSHEET_SUFFIXES:
            ins.kind = Kind.EMPTY
            ins._add(RETURN_EMPTY_FILE)
        else:
            ins.kind = Kind.NOT_A_SPREADSHEET
            ins._add(RETURN_NOT_A_SPREADSHEET, what=f"a {suffix} file")
        return
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        _judge_zip(ins, data, limits)
    elif head == OLE_MAGIC:
        _judge_ole(ins, data, suffix)
    else:
        _judge_other(ins, data, suffix)


def _judge_zip(ins: Inspection, data: bytes, limits: Limits) -> None:
    found = inspect_zip(data, limits)
    ins.sheets, ins.parts, ins.proved, ins.infos = found.sheets, found.parts, found.proved, found.infos
    _report_zip(ins, found)


def _report_zip(ins: Inspection, found: ZipFindings) -> None:
    """Report the zip judgement's findings (each already carries its Code) and set the Kind they imply."""
    ins.kind = _ZIP_KINDS.get(found.kind, Kind.NOT_A_WORKBOOK)
    for code, params in found.findings:
        if code is RETURN_TRUNCATED:
            ins.kind = Kind.TRUNCATED
        elif code is RETURN_PASSWORD_PROTECTED:
            ins.kind = Kind.ENCRYPTED
        elif code in _DAMAGING and ins.kind in (Kind.XLSX, Kind.XLSM):
            ins.kind = Kind.DAMAGED
        elif code is RETURN_NOT_A_WORKBOOK and ins.path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            # a Word document or plain zip saved alongside the returns: skipped, not rejected
            ins.kind, code = Kind.NOT_A_SPREADSHEET, RETURN_NOT_A_SPREADSHEET
        ins._add(code, **params)


_ZIP_KINDS = {ZipFormat.XLSX: Kind.XLSX, ZipFormat.XLSM: Kind.XLSM, ZipFormat.ODS: Kind.OTHER_SPREADSHEET,
              ZipFormat.XLSB: Kind.OTHER_SPREADSHEET}
_DAMAGING = frozenset({RETURN_CORRUPT, RETURN_ZIP_BOMB, RETURN_XML_ENTITIES, RETURN_TOO_MANY_PARTS,
                       RETURN_SHEET_TOO_LARGE})   # a workbook these are found in is damaged


def _judge_ole(ins: Inspection, data: bytes, suffix: str) -> None:
    try:
        directory = read_directory(data)
    except OleProblem as e:
        ins.kind = Kind.TRUNCATED if e.truncated else Kind.DAMAGED
        if e.truncated:
            ins._add(RETURN_TRUNCATED, size=len(data))
        else:
            ins._add(RETURN_CORRUPT, reason=str(e))
        return
    kind = directory.kind
    if kind is OleKind.ENCRYPTED:
        ins.kind = Kind.ENCRYPTED
        ins._add(RETURN_PASSWORD_PROTECTED)
    elif kind is OleKind.XLS:
        ins.kind = Kind.XLS
        ins._add(RETURN_LEGACY_XLS)
    elif suffix in SPREADSHEET_SUFFIXES:
        ins.kind = Kind.NOT_A_WORKBOOK
        what = {OleKind.WORD: "an old-style Word document (.doc)",
                OleKind.POWERPOINT: "an old-style PowerPoint presentation (.ppt)"}.get(
                    kind, "an Office file of another kind")
        ins._add(RETURN_NOT_A_WORKBOOK, reason=f"it is {what}")
    else:   # Thumbs.db, a .doc or .msg saved alongside: not a return
        ins.kind = Kind.NOT_A_SPREADSHEET
        ins._add(RETURN_NOT_A_SPREADSHEET, what=f"a {suffix or 'nameless'} file")


_OTHER_MAGIC = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
                b"GIF8": "a GIF image", b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7-Zip archive",
                b"\x1f\x8b": "a gzip archive", b"{\\rtf": "a Rich Text document"}


def _judge_other(ins: Inspection, data: bytes, suffix: str) -> None:
    what = next((w for magic, w in _OTHER_MAGIC.items() if data.startswith(magic)), None)
    text = None if what else _as_text(data[:8192])
    if text is not None:
        low = text.lstrip("\ufeff \t\r\n").lower()
        if "urn:schemas-microsoft-com:office:spreadsheet" in low[:4096] and low.startswith("<?xml"):
            ins.kind = Kind.OTHER_SPREADSHEET
            ins._add(RETURN_WRONG_FORMAT, what="an Excel 2003 XML spreadsheet")
            return
        if low.startswith("<") and any(t in low[:4096] for t in ("<html", "<!doctype html", "<table", "<body")):
            ins.kind = Kind.HTML
            if suffix in SPREADSHEET_SUFFIXES:
                ins._add(RETURN_HTML_RENAMED, ext=suffix or "no extension")
                return
        elif _looks_like_csv(text) or suffix == ".csv":
            ins.kind = Kind.CSV
            if suffix in SPREADSHEET_SUFFIXES:
                ins._add(RETURN_CSV_RENAMED, ext=suffix or "no extension")
                return
    if suffix not in SPREADSHEET_SUFFIXES:
        ins.kind = Kind.NOT_A_SPREADSHEET
        ins._add(RETURN_NOT_A_SPREADSHEET, what=what or f"a {suffix or 'nameless'} file")
        return
    ins.kind = Kind.NOT_A_WORKBOOK
    if what:
        ins._add(RETURN_NOT_A_WORKBOOK, reason=f"it is {what}")
    else:
        ins._add(RETURN_NOT_A_ZIP, ext=suffix)


def _as_text(head: bytes) -> str | None:
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(enc, errors="ignore")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:        # not just a character cut at the end of the sample
            text = head.decode("cp1252", errors="replace")
        else:
            text = head[:e.start].decode("utf-8")
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    return text if text and bad <= len(text) // 100 else None


def _looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return False
    for sep in (",", "\t", ";", "|"):
        counts = [ln.count(sep) for ln in lines[:-1] or lines]
        if counts and min(counts) >= 1:
            return True
    return False


# --- issues --------------------------------------------------------------------------------------


def _issue(code: Code, file: str, **params) -> Issue:
    """The Issue for a finding about `file`; a zip bomb's sizes are shown in KB/MB/GB."""
    if "expanded" in params:
        params["expanded"] = _bytes(params["expanded"])
        params["ratio"] = f"{params.get('ratio', 0):,.0f}"
    return issue(code, file=file, **params)


def _bytes(n: int) -> str:
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,} bytes"
