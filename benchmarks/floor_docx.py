"""Floor (c): the Word report's document.xml written by string templating, zipped into a minimal
.docx — the same tables and rows as `xlplan report` (see report_rows.py), streamed a table at a
time. Run through `floors.py docx TABLES.pickle OUT.docx`."""

from __future__ import annotations

import pickle
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_RAG_FILL = {"Green": "00B050", "Amber": "FFC000", "Red": "FF0000", "Report later": "BFBFBF",
             "Complete": "0070C0", "Contextual": "DDEBF7"}
_P = '<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
_CELL = ('<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{shade}</w:tcPr><w:p><w:r>{bold}'
         '<w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>')


def _cell(text: str, width: int, fill: str | None = None, bold: bool = False) -> str:
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    return _CELL.format(w=width, shade=shade, bold="<w:rPr><w:b/></w:rPr>" if bold else "", text=escape(text))


def _table(headers: list[str], rows: list[list[str]], status_col: int | None, widths: list[int]) -> str:
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>',
           "".join(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>",
           '<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>',
           "".join(_cell(h, w, "1F4E78", True) for h, w in zip(headers, widths)), "</w:tr>"]
    for row in rows:
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        out.append("".join(_cell(v, w, _RAG_FILL.get(v) if i == status_col else None)
                           for i, (v, w) in enumerate(zip(row, widths))))
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def document_parts(tables: dict):
    """The report body in pieces: theme summary, measure tables per theme/outcome, action summary
    and action tables (yielded a table at a time, so a large report is streamed, not held)."""
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
    body = [_P.format(style="Title", text=escape(tables["title"]))]
    body.append(_P.format(style="Heading1", text="Summary by theme"))
    body.append(_table(tables["summary_headers"], tables["summary"], None, [3000] + [900] * (len(tables["summary_headers"]) - 1)))
    m_widths = [3200, 4200, 1100, 1100, 1100] + [1000] * (len(tables["measure_headers"]) - 5)
    for theme, outcomes in tables["measures"]:
        body.append(_P.format(style="Heading1", text=escape(theme)))
        for outcome, rows in outcomes:
            body.append(_P.format(style="Heading2", text=escape(outcome)))
            body.append(_table(tables["measure_headers"], rows, 2, m_widths))
            yield "".join(body)
            body.clear()
    body.append(_P.format(style="Heading1", text="Actions summary by theme"))
    body.append(_table(tables["action_summary_headers"], tables["action_summary"], None,
                       [3000] + [900] * (len(tables["action_summary_headers"]) - 1)))
    for theme, outcomes in tables["actions"]:
        body.append(_P.format(style="Heading1", text=escape(theme)))
        for outcome, rows in outcomes:
            body.append(_P.format(style="Heading2", text=escape(outcome)))
            body.append(_table(["Action", "Measures", "Comments/Progress", "Status"], rows, 3,
                               [3500, 2500, 5000, 1200]))
            yield "".join(body)
            body.clear()
    yield "".join(body) + '<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/></w:sectPr>' \
        "</w:body></w:document>"


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')


def floor_docx(tables_file: Path, out: Path) -> dict:
    tables = pickle.loads(tables_file.read_bytes())
    start, cpu = time.perf_counter(), time.process_time()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w") as doc:
            for part in document_parts(tables):
                doc.write(part.encode())
    rows = sum(len(r) for _, outs in tables["measures"] for _, r in outs) + \
        sum(len(r) for _, outs in tables["actions"] for _, r in outs)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "files": 1, "cells": rows}


