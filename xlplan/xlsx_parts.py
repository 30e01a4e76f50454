"""The parts of an .xlsx package that both the plan reader and collect look into themselves.

An .xlsx is a zip of XML parts. xlplan reads cell values with python-calamine, but finds a few
things calamine does not give (which sheet part holds which sheet, formulas, number formats,
when the workbook was saved) in the XML. This module holds what both sides need: column letters,
an XML parser that never expands entities or touches the network, and the sheet name → part map.
"""

from __future__ import annotations

import functools
import posixpath
import threading
import zipfile

from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
PARSER_OPTS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@functools.lru_cache(maxsize=1024)      # a workbook's few columns, named for every cell
def column_letter(n: int) -> str:
    """The letters of the 1-based column `n`: 1 → A, 27 → AA."""
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def parse_xml(raw: bytes):
    """`raw` parsed with no entity expansion, DTD loading or network access."""
    return etree.fromstring(raw, _xml_parser())


_LOCAL = threading.local()


def _xml_parser() -> etree.XMLParser:
    """One entity-free parser per thread (lxml parsers are reusable but not shareable across threads)."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.XMLParser(**PARSER_OPTS)
    return parser


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip part name, from xl/workbook.xml and its relationships ({} if unreadable)."""
    try:
        sheets = _book_sheets(zf.read("xl/workbook.xml"))
        targets = dict(_rel_targets(zf.read("xl/_rels/workbook.xml.rels")))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    parts = {}
    for name, rel_id in sheets:
        target = targets.get(rel_id, "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        parts[name] = part
    return parts


# Returns made from one set of templates share these two parts: each is parsed once (by its bytes).
@functools.lru_cache(maxsize=64)
def _book_sheets(raw: bytes) -> tuple[tuple[str, str | None], ...]:
    """(name, relationship id) of each <sheet> in xl/workbook.xml."""
    book = parse_xml(raw)
    return tuple((s.get("name", ""), s.get(f"{{{REL_NS}}}id")) for s in book.iter(f"{{{MAIN_NS}}}sheet"))


@functools.lru_cache(maxsize=64)
def _rel_targets(raw: bytes) -> tuple[tuple[str | None, str], ...]:
    """(Id, Target) of each relationship in xl/_rels/workbook.xml.rels."""
    rels = parse_xml(raw)
    return tuple((r.get("Id"), r.get("Target", "")) for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship"))
