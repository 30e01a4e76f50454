"""Fill a return template the way a manager's save leaves it, by editing the sheet XML in the zip.

Filling is benchmark setup, not a measured stage, so it need not go through Excel: it writes into
the input cells exactly what Excel stores after typing — a number in `<v>` (a typed 85% in a
percent-formatted cell is stored as 0.85), text as a shared string — keeps each cell's style
(and so its unlocked protection and number format), and leaves every other part of the workbook
(identity sheet, validations, protection, formulas) byte for byte as the template had it.
Columns are found by header text in the header row (the `xlplan.contract.layout` contract), rows by Code/Ref.
What it does not imitate: Excel's recalculated formula caches and its rewritten XML.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from xlplan.contract import layout
from xlplan.contract.budget import BUDGET_SHEET
from xlplan.contract.risks import RISKS_SHEET

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def sheet_parts(parts: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    """Sheet name → (part path inside the zip, state) from workbook.xml and its relationships."""
    wb = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    target = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG_NS}}}Relationship")}
    out = {}
    for s in wb.iter(_q("sheet")):
        t = target[s.get(f"{{{R_NS}}}id")]
        path = t.lstrip("/") if t.startswith("/") else "xl/" + t
        out[s.get("name")] = (path, s.get("state") or "visible")
    return out


class SharedStrings:
    def __init__(self, xml: bytes | None):
        self.root = etree.fromstring(xml) if xml else etree.Element(_q("sst"), nsmap={None: NS})
        self.items = ["".join(si.itertext()) for si in self.root.iter(_q("si"))]
        self.added = 0

    def add(self, text: str) -> int:
        si = etree.SubElement(self.root, _q("si"))
        t = etree.SubElement(si, _q("t"))
        t.text = text
        if text != text.strip():
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        self.items.append(text)
        self.added += 1
        return len(self.items) - 1

    def to_xml(self) -> bytes:
        self.root.set("uniqueCount", str(len(self.items)))
        self.root.set("count", str(int(self.root.get("count") or len(self.items) - self.added) + self.added))
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


def cell_text(c, sst: SharedStrings) -> object:
    """A cell's value (string, number or None) as stored."""
    t = c.get("t")
    if t == "inlineStr":
        return "".join(c.find(_q("is")).itertext())
    v = c.find(_q("v"))
    if v is None or v.text is None:
        return None
    if t == "s":
        return sst.items[int(v.text)]
    if t in ("str", "e"):
        return v.text
    if t == "b":
        return v.text == "1"
    return float(v.text)


def _set_cell(row, ref: str, value: object, sst: SharedStrings) -> None:
    col = col_index(_CELL_REF.fullmatch(ref).group(1))
    cell = None
    for i, c in enumerate(row.iter(_q("c"))):
        cidx = col_index(_CELL_REF.fullmatch(c.get("r")).group(1))
        if cidx == col:
            cell = c
            break
        if cidx > col:
            cell = etree.Element(_q("c"), r=ref)
            c.addprevious(cell)
            break
    if cell is None:
        cell = etree.SubElement(row, _q("c"), r=ref)
    for child in list(cell):
        cell.remove(child)
    if isinstance(value, str):
        cell.set("t", "s")
        etree.SubElement(cell, _q("v")).text = str(sst.add(value))
    else:
        cell.attrib.pop("t", None)
        etree.SubElement(cell, _q("v")).text = repr(float(value)) if isinstance(value, float) else str(value)


def _fill_sheet(xml: bytes, key_header: str, answers: dict[str, dict], sst: SharedStrings,
                sheet: str) -> tuple[bytes, int]:
    root = etree.fromstring(xml)
    rows = list(root.find(_q("sheetData")).iter(_q("row")))
    columns: dict[str, str] = {}
    key_col = None
    filled = 0
    for row in rows:
        if key_col is None:
            if int(row.get("r")) > layout.HEADER_SEARCH_ROWS:
                break
            texts = {cell_text(c, sst): _CELL_REF.fullmatch(c.get("r")).group(1) for c in row.iter(_q("c"))}
            if key_header in texts:
                columns = {str(k).strip(): v for k, v in texts.items() if isinstance(k, str)}
                key_col = columns[key_header]
            continue
        key_cell = next((c for c in row.iter(_q("c")) if c.get("r") == f"{key_col}{row.get('r')}"), None)
        key = cell_text(key_cell, sst) if key_cell is not None else None
        if not isinstance(key, str) or key not in answers:
            continue
        for header, value in answers[key].items():
            if value is None:
                continue
            if header not in columns:
                raise ValueError(f"{sheet} has no column headed {header!r} (headers: {sorted(columns)})")
            _set_cell(row, f"{columns[header]}{row.get('r')}", value, sst)
        filled += 1
    if key_col is None:
        raise ValueError(f"{sheet}: no header row with {key_header!r} in the first {layout.HEADER_SEARCH_ROWS} rows")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), filled


def fill(template: Path, out: Path, measures: dict[str, dict], actions: dict[str, dict],
         risks: dict[str, dict] | None = None, budget: dict[str, dict] | None = None) -> tuple[int, int]:
    """Write `out`: `template` with the answers typed in (`risks` on its Risks sheet, where it has
    one; `budget` on its Budget sheet, by Line). Returns (measure rows, action rows) filled."""
    with zipfile.ZipFile(template) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i.filename) for i in infos}
    sheets = sheet_parts(parts)
    sst = SharedStrings(parts.get("xl/sharedStrings.xml"))
    if "xl/sharedStrings.xml" not in parts:
        raise ValueError(f"{template}: no shared strings part (not an xlplan template?)")
    counts = []
    for sheet, key_header, answers in ((layout.MEASURES_SHEET, "Code", measures),
                                       (layout.ACTIONS_SHEET, "Ref", actions)):
        path = sheets[sheet][0]
        parts[path], n = _fill_sheet(parts[path], key_header, answers, sst, sheet)
        counts.append(n)
    if risks and RISKS_SHEET in sheets:
        path = sheets[RISKS_SHEET][0]
        parts[path], _ = _fill_sheet(parts[path], "Code", risks, sst, RISKS_SHEET)
    if budget and BUDGET_SHEET in sheets:
        path = sheets[BUDGET_SHEET][0]
        parts[path], _ = _fill_sheet(parts[path], "Line", budget, sst, BUDGET_SHEET)
    parts["xl/sharedStrings.xml"] = sst.to_xml()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            z.writestr(info.filename, parts[info.filename])
    return counts[0], counts[1]
