"""Make `reference.docx`: the styles, page set-up and header the committee report is built on.

Run `python templates/report/make_reference.py` to rebuild it. A council can instead open
reference.docx in Word, change fonts, colours and the logo in the header (or replace the file with
its own branded template) and save it into its own `templates/report/` folder. The report uses
these styles: Title, Heading 1-3, Normal, List Bullet, Cover Committee, Cover Report By, Table
Text, Table Heading, TOC Heading, toc 2, toc 3 (any missing are added) and the header/footer as
they are; the table header colour follows Heading 1's font colour. A page-number footer is added
only when the footer has no PAGE field.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.shared import Cm, Pt, RGBColor

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BRAND = RGBColor(0x1F, 0x4E, 0x78)
FONT = "Arial"


def placeholder_logo(width: int = 120, height: int = 40) -> bytes:
    """A plain PNG block in the brand colour, standing in for the council's logo."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            inner = 6 <= x < width - 6 and 6 <= y < height - 6 and (x // 10 + y // 10) % 2 == 0
            row += bytes((0x9B, 0xC2, 0xE6) if inner else (0x1F, 0x4E, 0x78))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def _paragraph_style(doc, name: str, *, size: float, bold: bool = False, after: float = 0,
                     before: float = 0, base: str = "Normal"):
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.font.name, style.font.size, style.font.bold = FONT, Pt(size), bold
    style.paragraph_format.space_after, style.paragraph_format.space_before = Pt(after), Pt(before)
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(f"{{{W}}}{attr}", None)
    return style


def make(path: Path) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
    section.header_distance = section.footer_distance = Cm(1)

    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(f"{{{W}}}eastAsia", FONT)

    for name, size, before, after in (("Title", 16, 6, 12), ("Heading 1", 12, 14, 6),
                                      ("Heading 2", 12, 12, 6), ("Heading 3", 11, 10, 4)):
        style = _paragraph_style(doc, name, size=size, bold=True, before=before, after=after)
        style.font.color.rgb = BRAND
        style.paragraph_format.keep_with_next = True
    title = doc.styles["Title"]
    title.element.get_or_add_pPr()
    for el in title.element.pPr.findall(f"{{{W}}}pBdr"):
        title.element.pPr.remove(el)
    _paragraph_style(doc, "Cover Committee", size=12, bold=True, after=12)
    _paragraph_style(doc, "Cover Report By", size=11, bold=True, after=12)
    _paragraph_style(doc, "Table Text", size=9, after=0)
    _paragraph_style(doc, "Table Heading", size=9, bold=True, after=0)
    _paragraph_style(doc, "TOC Heading", size=12, bold=True, before=6, after=6).font.color.rgb = BRAND
    _paragraph_style(doc, "List Bullet", size=11, after=4, base="Normal")
    styles = doc.styles.element
    for level, indent in ((2, 0), (3, 440)):
        styles.append(parse_xml(
            f'<w:style xmlns:w="{W}" w:type="paragraph" w:styleId="TOC{level}"><w:name w:val="toc {level}"/>'
            f'<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>'
            f'<w:pPr><w:spacing w:after="40"/><w:ind w:left="{indent}"/></w:pPr>'
            f'<w:rPr><w:sz w:val="20"/></w:rPr></w:style>'))

    header = section.header
    p = header.paragraphs[0]
    logo = Path(path).with_name("logo-placeholder.png")
    logo.write_bytes(placeholder_logo())
    p.add_run().add_picture(str(logo), height=Cm(1))
    logo.unlink()
    # a tab to the right margin of whichever section it is in (portrait cover, landscape appendix)
    p._p.append(parse_xml(f'<w:r xmlns:w="{W}"><w:ptab w:relativeTo="margin" w:alignment="right" '
                          f'w:leader="none"/></w:r>'))
    # The document's title property (set by xlplan) as a field, in small grey text.
    for xml in ('<w:fldChar w:fldCharType="begin"/>', '<w:instrText xml:space="preserve"> TITLE </w:instrText>',
                '<w:fldChar w:fldCharType="separate"/>', "<w:t>Performance report</w:t>",
                '<w:fldChar w:fldCharType="end"/>'):
        p._p.append(parse_xml(f'<w:r xmlns:w="{W}"><w:rPr><w:color w:val="595959"/><w:sz w:val="16"/></w:rPr>'
                              f"{xml}</w:r>"))
    doc.core_properties.title = "Performance report"
    doc.core_properties.author = "xlplan"
    doc.save(str(path))
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("reference.docx")
    print(make(out))
