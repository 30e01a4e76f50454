"""The Word committee report: the cover report (West Lothian committee format) and Appendix 1.

Built on `templates/report/reference.docx`, whose styles (fonts, heading colours, the header with
the council's logo) a council can replace with its own. The cover report's words come from the
Jinja2 templates beside it (see narrative.py); the appendix tables from appendix.py. Everything
from a return is written as plain text runs: never a field, hyperlink or markup.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt

from xlplan.resources import template_path
from xlplan.store import PeriodResults
from xlplan.heap import collector
from xlplan.reports import appendix, resources, restated, risks, signoff
from xlplan.reports.docx_tables import W_NS, Column, cm, status_cell
from xlplan.reports.docx_tables import text as esc
from xlplan.reports.docx_writer import Writer
from xlplan.reports.narrative import Block, cover_context, environment, render_section, xml_safe

SECTIONS = [("A", "PURPOSE OF REPORT", "purpose"), ("B", "RECOMMENDATION", "recommendation"),
            ("C", "SUMMARY OF IMPLICATIONS", "implications"), ("D", "TERMS OF REPORT", "terms"),
            ("E", "CONCLUSION", "conclusion"), ("F", "BACKGROUND REFERENCES", "background")]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]

# Styles the report uses; any a council's reference document lacks are added (based on Normal).
PARAGRAPH_STYLES = {
    "Cover Committee": dict(bold=True, size=12), "Cover Report By": dict(bold=True, size=11),
    "Table Text": dict(size=9), "Table Heading": dict(bold=True, size=9),
    "Heading 1": dict(bold=True, size=13), "Heading 2": dict(bold=True, size=12),
    "Heading 3": dict(bold=True, size=11), "Title": dict(bold=True, size=16),
    "List Bullet": dict(), "TOC Heading": dict(bold=True, size=12),
}
TOC_STYLES = {2: ("TOC2", "toc 2", 0), 3: ("TOC3", "toc 3", 440)}


def write_word(results: PeriodResults, path: Path, *, templates_dir=None) -> Path:
    """Write the committee report for `results` to `path` (a .docx) and return the path."""
    # the plan and results stay out of the collector's scans, and it is paused while the report is
    # written: writing makes few cycles, but the young generations' scans walked every long list and
    # dict still being filled (a table's rows, the figure texts remembered), ~0.3 s at S = 1,000
    with collector(running=False, freeze=True):
        return _write_word(results, path, templates_dir=templates_dir)


def _write_word(results: PeriodResults, path: Path, *, templates_dir=None) -> Path:
    env = environment(templates_dir)
    ctx = cover_context(results)
    doc = Document(str(template_path("report/reference.docx", templates_dir)))
    _clear_body(doc)
    _ensure_styles(doc)
    w = Writer(doc)
    title = " ".join(b.text for b in render_section("title", ctx, env)).strip()
    _cover(w, results, ctx, env, title)
    w.flush()
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _landscape(section)
    w.measure_width()
    w.defer()
    appendix.write_appendix(w, results)
    toc = _table_of_contents(w)
    _page_numbers(doc)
    _properties(doc, results, title)
    _update_fields_on_open(doc)
    w.save(path, toc)
    return path


# --- cover report ------------------------------------------------------------------------------


def _cover(w: Writer, results: PeriodResults, ctx: dict, env, title: str) -> None:
    for block in render_section("committee", ctx, env):
        w.runs(block, "Cover Committee")
    w.paragraph(title, "Title")
    for block in render_section("report_by", ctx, env):
        w.runs(block, "Cover Report By")
    signoff.write_cover(w, results)            # who approved the quarter's figures, when it was signed off
    for letter, heading, name in SECTIONS:
        w.heading(f"{letter}. {heading}", 1)
        blocks = render_section(name, ctx, env, rows=name == "implications")
        if name == "implications":
            rows = [b for b in blocks if b.kind == "row"]
            w.table([Column("", cm(1.2), "center"), Column("Implication", cm(6.3)), Column("", cm(9.5))],
                    [(ROMAN[i] if i < len(ROMAN) else str(i + 1), r.name, r.text) for i, r in enumerate(rows)],
                    header=False)
            blocks = [b for b in blocks if b.kind != "row"]
        _blocks(w, blocks, results)
        if name == "terms":
            restated.write_cover(w, results)       # figures of an earlier quarter corrected since
            risks.write_cover(w, results)          # the risk register: bands and what moved
            resources.write_cover(w, results)      # spend against the activity budget, if the plan has one
    for block in render_section("closing", ctx, env):
        w.runs(block)


def _blocks(w: Writer, blocks: list[Block], results: PeriodResults) -> None:
    numbered = bool(w.doc.styles["List Bullet"].element.xpath(".//w:numPr"))
    for b in blocks:
        if b.kind == "table":
            _count_table(w, b.name, results)
        elif b.kind == "bullet":   # a reference document whose List Bullet has no bullet gets "• "
            w.runs(b if numbered else Block("bullet", [("• ", False), *b.runs]), "List Bullet")
        else:
            w.runs(b)


def _count_table(w: Writer, name: str, results: PeriodResults) -> None:
    """[[measure status table]] / [[action status table]]: counts by status with the share."""
    if name.startswith("action"):
        counts, label = results.action_counts(), "Actions"
    elif name.startswith("measure"):
        counts, label = results.measure_counts(), "Measures"
    else:
        w.paragraph(f"[[{name}]]")   # an unknown marker is shown, so the officer sees the typo
        return
    total = sum(counts.values())
    rows = [(status_cell(s.value), str(n), f"{n / total:.0%}" if total else "–")
            for s, n in counts.items() if n or s.value != "Contextual"]
    rows.append(("Total", str(total), "100%" if total else "–"))
    w.table([Column("Status", cm(4)), Column(label, cm(3), "center"), Column("Share", cm(3), "center")],
            rows, total_row=True, fit=False)


# --- document furniture ------------------------------------------------------------------------


def _clear_body(doc) -> None:
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _ensure_styles(doc) -> None:
    names = {s.name for s in doc.styles}
    for name, spec in PARAGRAPH_STYLES.items():
        if name not in names:
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = doc.styles["Normal"]
            style.font.bold = spec.get("bold")
            if spec.get("size"):
                style.font.size = Pt(spec["size"])
    styles_el = doc.styles.element
    for level, (style_id, name, indent) in TOC_STYLES.items():
        if styles_el.find(f"{{{W_NS}}}style[@{{{W_NS}}}styleId='{style_id}']") is None:
            styles_el.append(parse_xml(
                f'<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
                f'<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>'
                f'<w:pPr><w:spacing w:after="60"/><w:ind w:left="{indent}"/></w:pPr></w:style>'))


def _landscape(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    if section.page_width < section.page_height:
        section.page_width, section.page_height = section.page_height, section.page_width


def _field_runs(instruction: str, shown: str) -> str:
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{shown}</w:t></w:r>'
            f'<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _table_of_contents(w: Writer) -> str:
    """A TOC field of the appendix's level-2 headings (themes; Word refreshes it on opening, with page
    numbers) whose cached entries already list them, so it reads right before any refresh."""
    paras = [f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="TOC2"/></w:pPr>'
             f'<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
             f'<w:r><w:instrText xml:space="preserve"> TOC \\o "2-2" \\h \\z \\u </w:instrText></w:r>'
             f'<w:r><w:fldChar w:fldCharType="separate"/></w:r></w:p>']
    for level, heading in w.headings:
        paras.append(f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="{TOC_STYLES[level][0]}"/></w:pPr>'
                     f'<w:r><w:t xml:space="preserve">{esc(heading)}</w:t></w:r></w:p>')
    paras.append(f'<w:p xmlns:w="{W_NS}"><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    return "".join(paras) if w.toc_at is not None else ""


def _page_numbers(doc) -> None:
    footer = doc.sections[0].footer
    if "PAGE" in "".join(footer._element.xpath(".//w:instrText/text() | .//w:fldSimple/@w:instr")):
        return
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = 1
    p._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:t xml:space="preserve">Page </w:t></w:r>'))
    for run in parse_xml(f'<w:p xmlns:w="{W_NS}">{_field_runs("PAGE", "1")}</w:p>'):
        p._p.append(run)
    p._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:t xml:space="preserve"> of </w:t></w:r>'))
    for run in parse_xml(f'<w:p xmlns:w="{W_NS}">{_field_runs("NUMPAGES", "1")}</w:p>'):
        p._p.append(run)


def _properties(doc, results: PeriodResults, title: str) -> None:
    s = results.plan.settings
    props = doc.core_properties
    props.title = xml_safe(title, keep_newlines=False)[:250]
    props.author = xml_safe(s.report_by or s.organisation or "xlplan", keep_newlines=False)[:250]
    props.subject = xml_safe(f"{s.plan} – {results.period.label}", keep_newlines=False)[:250]
    props.keywords = f"performance report; {results.period.id}"
    props.comments = "Generated by xlplan from the returns collected for this quarter."
    props.last_modified_by = "xlplan"
    props.created = props.modified = results.generated_at
    props.revision = 1


# settings.xml children that must come after w:updateFields (the schema fixes their order)
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
                        "decimalSymbol", "listSeparator")


def _update_fields_on_open(doc) -> None:
    """Ask Word to refresh fields (the table of contents' page numbers) when the report is opened."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    el = parse_xml(f'<w:updateFields xmlns:w="{W_NS}" w:val="true"/>')
    later = next((c for c in settings if isinstance(c.tag, str) and c.tag.split("}")[-1] in _AFTER_UPDATE_FIELDS),
                 None)
    if later is not None:
        later.addprevious(el)
    else:
        settings.append(el)
