"""Writer: appends styled paragraphs, headings and tables to a python-docx document as XML.

Shared by the cover report (word.py) and Appendix 1 (appendix.py). Text is always escaped into
plain runs: nothing from a return becomes a field, hyperlink or markup.
"""

from __future__ import annotations

import io
import tempfile
import uuid
import zipfile
from pathlib import Path

from docx.oxml import parse_xml
from docx.oxml.ns import qn

from xlplan.reports.docx_tables import W_NS, Column, Look, table_parts
from xlplan.reports.docx_tables import text as esc
from xlplan.reports.narrative import Block, xml_safe

# zlib level for document.xml: 3 deflates a national report's 160 MB of table XML about 3x faster
# than the default 6, for a file about half as large again (same XML inside).
DOCUMENT_COMPRESSION = 3


class Writer:
    """Appends to the document body: styled paragraphs, headings and tables, written as XML.

    python-docx's own add_paragraph looks each style up by name, which is slow for a long report.
    After `defer()`, what is written goes as UTF-8 XML into a temporary file and is streamed into
    document.xml when the document is saved (`save`), so the appendix's big tables are never parsed
    into a tree, nor held in memory (a national report's document.xml is over 100 MB).
    """

    def __init__(self, doc) -> None:
        self.doc = doc
        self.body = doc.element.body
        self.sect = self.body.find(qn("w:sectPr"))
        self.look = look_of(doc)
        self.style_ids = {s.name: s.style_id for s in doc.styles}
        self.headings: list[tuple[int, str]] = []   # for the table of contents
        self.deferred: _Spool | None = None
        self.pending: list[str] = []          # XML not yet parsed into the body (see flush)
        self.toc_at: int | None = None       # where in the deferred XML the table of contents goes
        self.width = 0
        self.measure_width()

    def measure_width(self) -> None:
        """Remember the text width of the current (last) section, in dxa."""
        s = self.doc.sections[-1]
        self.width = int((s.page_width - s.left_margin - s.right_margin) / 635)

    def defer(self) -> None:
        self.flush()
        self.deferred = _Spool()

    def paragraph(self, text: str = "", style: str | None = None, bold: bool = False, *,
                  keep_with_next: bool = False) -> None:
        """A paragraph; `keep_with_next` for one that introduces the table or chart after it, so the
        page never breaks between the two (the lead-in left alone at the foot of a page)."""
        self.runs(Block("p", [(text, bold)] if text else []), style, keep_with_next=keep_with_next)

    def runs(self, block: Block, style: str | None = None, *, keep_with_next: bool = False) -> None:
        props = (f'<w:pStyle w:val="{self.style_ids.get(style, style.replace(" ", ""))}"/>' if style else "") \
            + ("<w:keepNext/>" if keep_with_next else "")
        ppr = f"<w:pPr>{props}</w:pPr>" if props else ""
        runs = "".join(f'<w:r>{"<w:rPr><w:b/></w:rPr>" if bold else ""}'
                       f'<w:t xml:space="preserve">{esc(t)}</w:t></w:r>' for t, bold in block.runs if t)
        self._emit(f'<w:p xmlns:w="{W_NS}">{ppr}{runs}</w:p>')

    def heading(self, text: str, level: int) -> None:
        if level == 2:
            self.headings.append((level, text))
        self.paragraph(text, f"Heading {level}")

    def picture(self, png: bytes, width_cm: float, description: str) -> None:
        """A picture in a paragraph of its own, `width_cm` wide, with `description` as its
        alternative text (the image is a part of the document; only its reference is written here)."""
        from lxml import etree
        from docx.image.image import Image
        from docx.shared import Cm
        image = Image.from_blob(png)
        width = Cm(width_cm)
        height = int(width * image.px_height / image.px_width)
        inline = self.doc.part.new_pic_inline(io.BytesIO(png), width, height)
        inline.docPr.set("descr", xml_safe(description, keep_newlines=False)[:1000])
        drawing = etree.tostring(inline, encoding="unicode")
        self._emit(f'<w:p xmlns:w="{W_NS}"><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing>{drawing}'
                   f'</w:drawing></w:r></w:p>')

    def page_break(self) -> None:
        self._emit(f'<w:p xmlns:w="{W_NS}"><w:r><w:br w:type="page"/></w:r></w:p>')

    def mark_toc(self) -> None:
        """The table of contents goes here (written at the end, when all headings are known)."""
        self.toc_at = self.deferred.tell() if self.deferred is not None else None

    def table(self, columns: list[Column], rows, *, total_row: bool = False, header: bool = True,
              fit: bool = True) -> None:
        """A table filling the text width (`fit`) or at the columns' own widths; a short table is
        kept on one page."""
        if fit:
            columns = fit_columns(columns, self.width)
        rows = list(rows)
        parts = table_parts(columns, rows, self.look, total_row=total_row, header=header,
                            keep_together=len(rows) <= 12)
        if self.deferred is not None:       # a long table goes to the spool a row at a time
            for part in parts:
                self.deferred.write(part)
        else:
            self._emit("".join(parts))
        self.paragraph("", "Table Text")   # a gap after the table, so tables never merge

    def _emit(self, xml: str) -> None:
        if self.deferred is not None:
            self.deferred.write(xml)
        else:
            self.pending.append(xml)
            if len(self.pending) >= 1000:     # parsed in batches: few calls, little held
                self.flush()

    def flush(self) -> None:
        """Parse what was written since the last flush into the body, in one go (the cover report
        can be thousands of paragraphs). Call before changing the body another way."""
        if not self.pending:
            return
        # as UTF-8 bytes: lxml parses a str holding any non-ASCII character about 2.5x slower
        holder = parse_xml(f'<w:body xmlns:w="{W_NS}">{"".join(self.pending)}</w:body>'.encode("utf-8"))
        self.pending.clear()
        for el in list(holder):
            if self.sect is not None:
                self.sect.addprevious(el)
            else:
                self.body.append(el)

    def save(self, path: Path, toc: str = "") -> None:
        """Save the document with the deferred XML (and `toc` at `toc_at`) in place of a marker
        paragraph, streamed into the zip."""
        marker = f"xlplan-deferred-{uuid.uuid4().hex}"
        deferred, self.deferred = self.deferred or _Spool(), None
        self.paragraph(marker)
        self.flush()
        buffer = io.BytesIO()
        self.doc.save(buffer)
        toc_at = self.toc_at if self.toc_at is not None else deferred.tell()
        with deferred, zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename != "word/document.xml":
                    zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                    continue
                at, end = _split(data, marker.encode("ascii"))
                info.compress_type = zipfile.ZIP_DEFLATED
                info._compresslevel = DOCUMENT_COMPRESSION
                with zout.open(info, "w") as out:
                    out.write(memoryview(data)[:at])
                    deferred.copy_to(out, 0, toc_at)
                    out.write(toc.encode("utf-8"))
                    deferred.copy_to(out, toc_at, None)
                    out.write(memoryview(data)[end:])


class _Spool:
    """XML text written as UTF-8 to a temporary file, to be copied out in blocks."""

    BLOCK = 1 << 20

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.size = 0

    def write(self, xml: str) -> None:
        self.size += self.file.write(xml.encode("utf-8"))

    def tell(self) -> int:
        return self.size

    def copy_to(self, out, start: int, end: int | None) -> None:
        end = self.size if end is None else end
        self.file.seek(start)
        while start < end:
            block = self.file.read(min(self.BLOCK, end - start))
            if not block:
                break
            out.write(block)
            start += len(block)
        self.file.seek(0, io.SEEK_END)

    def __enter__(self) -> "_Spool":
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()


def _split(xml: bytes, marker: bytes) -> tuple[int, int]:
    """Where the paragraph holding `marker` starts and ends in `xml` (UTF-8: the markup searched
    for is ASCII, so no copy of the cover report's XML is decoded)."""
    at = xml.index(marker)
    start = max(xml.rfind(b"<w:p>", 0, at), xml.rfind(b"<w:p ", 0, at))
    end = xml.index(b"</w:p>", at) + len(b"</w:p>")
    return start, end


def look_of(doc) -> Look:
    ids = {s.name: s.style_id for s in doc.styles}
    fill = "1F4E78"
    try:
        rgb = doc.styles["Heading 1"].font.color.rgb
        if rgb is not None and str(rgb) not in ("000000", "FFFFFF"):
            fill = str(rgb)
    except (KeyError, AttributeError, ValueError):
        pass
    return Look(table_style=ids.get("Table Grid"), text_style=ids.get("Table Text", "TableText"),
                heading_style=ids.get("Table Heading", "TableHeading"), header_fill=fill)


def fit_columns(columns: list[Column], width: int) -> list[Column]:
    """Scale column widths to fill the page's text width."""
    total = sum(c.width for c in columns)
    if not total or abs(total - width) < 30:
        return columns
    return [Column(c.header, int(c.width * width / total), c.align) for c in columns]
