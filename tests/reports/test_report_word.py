"""The Word committee report: cover sections, appendix tables, safety of return text, Word furniture."""

from __future__ import annotations

import re
import zipfile
from collections import Counter

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from results_factory import EMPTY_THEME, HOSTILE, big_results, make_results

from xlplan.reports import report_paths, write_reports
from xlplan.reports.docx_tables import FILLS
from xlplan.reports.narrative import xml_safe
from xlplan.reports.word import write_word
from xlplan.status import Status


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("word")
    results = make_results(tmp)
    paths = write_reports(results, tmp / "out")
    return results, paths[0], docx.Document(str(paths[0]))


def body_blocks(document):
    """(heading-2 text, heading-3 text, table) for every table, in document order."""
    h2 = h3 = None
    out = []
    for el in document.element.body.iterchildren():
        if el.tag == qn("w:p"):
            style = el.xpath("string(./w:pPr/w:pStyle/@w:val)")
            if style == "Heading2":
                h2, h3 = "".join(el.xpath(".//w:t/text()")), None
            elif style == "Heading3":
                h3 = "".join(el.xpath(".//w:t/text()"))
        elif el.tag == qn("w:tbl"):
            out.append((h2, h3, docx.table.Table(el, document._body)))
    return out


def header(table) -> list[str]:
    return [c.text for c in table.rows[0].cells]


def measure_tables(document):
    return [(h2, h3, t) for h2, h3, t in body_blocks(document) if header(t)[0] == "Performance Indicators"]


def test_writes_both_files_named_by_period(built, tmp_path):
    results, path, _ = built
    docx_path, xlsx_path = report_paths("2023-24-Q2", path.parent)
    assert path == docx_path and path.name == "2023-24-Q2 performance report.docx"
    assert xlsx_path.exists() and xlsx_path.name == "2023-24-Q2 summary.xlsx"


def test_cover_report_has_the_committee_sections_in_order(built):
    _, _, document = built
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:6] == ["A. PURPOSE OF REPORT", "B. RECOMMENDATION", "C. SUMMARY OF IMPLICATIONS",
                            "D. TERMS OF REPORT", "E. CONCLUSION", "F. BACKGROUND REFERENCES"]
    assert headings[6] == "Appendix 1 – Performance report 2023-24 Quarter 2"
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "SOCIAL WORK RESOURCES COMMITTEE"
    assert texts[1] == "SOCIAL WORK RESOURCE PLAN – PERFORMANCE REPORT 2023-24 QUARTER 2"
    assert document.paragraphs[1].style.name == "Title"
    assert texts[2] == "REPORT BY DIRECTOR, SOCIAL WORK RESOURCES"
    assert "Contact Person: Pat Officer, pat.officer@anytown.gov.uk, 01234 567890" in texts
    assert "Date: 20 October 2023" in texts


def test_implications_table_is_numbered(built):
    _, _, document = built
    first = document.tables[0]
    assert [r.cells[0].text for r in first.rows][:3] == ["I", "II", "III"]
    assert first.rows[0].cells[1].text == "Council Values"


def test_terms_of_report_counts_moves_and_every_red_measure_with_its_comment(built):
    results, _, document = built
    text = "\n".join(p.text for p in document.paragraphs)
    counts = results.measure_counts()
    assert f"{counts[Status.GREEN]} are Green" in text
    assert f"{counts[Status.RED]} are Red" in text
    assert "Improved: Measure SW01 (SW01), from Amber to Green." in text
    assert "Declined: Measure SW03 (SW03), from Green to Red." in text
    reds = [m for m in results.measures if m.status is Status.RED]
    assert len(reds) == 3
    for m in reds:
        line = next(p.text for p in document.paragraphs if p.text.startswith(m.name))
        assert m.display in line
        assert xml_safe(m.comment, keep_newlines=False)[:60] in line
    # the 5,000-character comment is quoted shortened in the cover, in full in the appendix
    long_line = next(p.text for p in document.paragraphs if p.text.startswith("Measure SW07"))
    assert len(long_line) < 900 and long_line.rstrip("”").endswith("…")
    assert "Returns were received from 1 of the 3 services" in text
    assert "still awaited: Adult and Older People, Performance and Support" in text


def test_summary_counts_equal_the_measure_tables_and_the_results(built):
    results, _, document = built
    blocks = body_blocks(document)
    summary = next(t for _, _, t in blocks if header(t)[:2] == ["Theme", "Green"])
    cols = header(summary)
    assert cols == ["Theme", "Green", "Amber", "Red", "Report later", "Contextual", "Total"]
    rows = [[c.text for c in r.cells] for r in summary.rows[1:]]
    assert [r[0] for r in rows] == [*results.plan.themes, "Total"]          # every theme, empty too
    assert rows[results.plan.themes.index(EMPTY_THEME)][1:] == ["0"] * 6
    from_tables: dict[str, Counter] = {}
    for h2, _h3, t in measure_tables(document):
        status_col = header(t).index("Status")
        from_tables.setdefault(h2, Counter()).update(r.cells[status_col].text.split("\n")[0] for r in t.rows[1:])
    for row in rows[:-1]:
        theme = row[0]
        expected = results.measure_counts(theme)
        for status, cell in zip(cols[1:-1], row[1:-1]):
            assert int(cell) == from_tables.get(theme, Counter())[status] == expected[Status(status)]
        assert int(row[-1]) == sum(expected.values())
    totals = results.measure_counts()
    assert rows[-1][1:] == [*(str(totals[Status(c)]) for c in cols[1:-1]), str(len(results.measures))]


def test_action_summary_equals_the_action_tables(built):
    results, _, document = built
    blocks = body_blocks(document)
    summary = next(t for _, _, t in blocks if header(t)[:2] == ["Theme", "Complete"])
    rows = [[c.text for c in r.cells] for r in summary.rows[1:]]
    assert rows[-1] == ["Total", "1", "1", "1", "1", "1", "5"]
    action_tables = [t for _, _, t in blocks if header(t) == ["Action", "Measures", "Comments/Progress", "Status"]]
    statuses = Counter(r.cells[3].text for t in action_tables for r in t.rows[1:])
    assert statuses == Counter({s.value: n for s, n in results.action_counts().items()})
    overdue = next(r for t in action_tables for r in t.rows[1:] if r.cells[0].text.startswith("Action A4"))
    assert "overdue" in overdue.cells[0].text


def test_measure_tables_follow_the_south_lanarkshire_layout_with_figures_per_unit(built):
    results, _, document = built
    tables = measure_tables(document)
    assert header(tables[0][2]) == ["Performance Indicators", "Comments/Progress", "Status", "Target", "To Date",
                                    "2020/21", "2021/22", "2022/23"]
    rows = {r.cells[0].text.split("\n")[0]: [c.text for c in r.cells] for _, _, t in tables for r in t.rows[1:]}
    assert rows["Measure SW01"][2:6] == ["Green", "75%", "80%", "78%"]
    assert rows["Measure SW03"][3:5] == ["£100,000", "£130,000"]
    assert rows["Measure SW09"][3:5] == ["1,500", "1,668"]
    assert rows["Measure SW05"][4] == "68/32"
    assert rows["Measure SW08"][4] == "Not yet available"
    assert rows["Measure SW04"][2] == "Report later"
    assert rows["Measure SW06"][2] == "Green\nmanager's assessment"   # no target: the manager's status
    # grouped by theme then outcome, in plan order
    assert [(h2, h3) for h2, h3, _ in tables][:2] == [("Safe, strong communities", "Outcome one"),
                                                      ("Safe, strong communities", "Outcome two")]


def test_status_cells_carry_the_word_and_its_rag_fill(built):
    _, _, document = built
    seen = set()
    for _, _, t in measure_tables(document):
        for r in t.rows[1:]:
            cell = r.cells[2]
            fill = cell._tc.xpath("string(./w:tcPr/w:shd/@w:fill)")
            word = cell.text.split("\n")[0]
            assert fill == FILLS[word], cell.text
            seen.add(word)
    assert seen == {"Green", "Amber", "Red", "Report later", "Contextual"}


def test_hostile_return_text_comes_out_literally_and_never_as_markup_or_fields(built):
    results, path, document = built
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    for key, value in HOSTILE.items():
        expected = xml_safe(value)
        assert any(expected in c for c in cells), key
    assert any(c == "Bell null escape end" for c in cells)   # control characters dropped, text kept
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode()
    assert "<b>bold</b>" not in xml and "&lt;b&gt;bold&lt;/b&gt;" in xml
    assert xml.count("<w:instrText") == 1 and "TOC \\o" in xml        # the only field is the TOC
    assert "<w:hyperlink" not in xml and "<w:fldSimple" not in xml
    # a comment holding the templates' layout markup did not become a table, bullet or bold text
    cover_tables = [t for t in document.tables if header(t)[0] == "Status"]
    assert len(cover_tables) == 3   # measure counts, action counts, and the key in the appendix
    line = next(p for p in document.paragraphs if p.text.startswith("Measure SW10"))
    assert "[[measure status table]]" in line.text and "**not bold**" in line.text


def test_tables_repeat_header_rows_and_rows_do_not_split(built):
    _, _, document = built
    for t in document.tables[1:]:
        trs = t._tbl.tr_lst
        assert trs[0].xpath("./w:trPr/w:tblHeader"), header(t)
        assert all(tr.xpath("./w:trPr/w:cantSplit") for tr in trs)


def test_appendix_is_a_landscape_section_and_headings_use_heading_styles(built):
    results, _, document = built
    assert document.sections[0].orientation != WD_ORIENT.LANDSCAPE
    assert document.sections[1].orientation == WD_ORIENT.LANDSCAPE
    assert document.sections[1].page_width > document.sections[1].page_height
    h2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    for theme in results.plan.themes:
        assert theme in h2
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 3"][:2] == ["Outcome one",
                                                                                      "Outcome two"]


def test_toc_page_numbers_and_properties(built):
    results, path, document = built
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        settings = z.read("word/settings.xml").decode()
        footers = "".join(z.read(n).decode() for n in names if re.match(r"word/footer\d*\.xml", n))
        document_xml = z.read("word/document.xml").decode()
    assert '<w:updateFields w:val="true"/>' in settings
    assert " PAGE " in footers and " NUMPAGES " in footers
    toc_entries = re.findall(r'<w:pStyle w:val="TOC2"/></w:pPr><w:r><w:t xml:space="preserve">([^<]*)<',
                             document_xml)
    assert toc_entries[:2] == ["Summary of measures by theme", "Safe, strong communities"]
    props = document.core_properties
    assert props.title == "SOCIAL WORK RESOURCE PLAN – PERFORMANCE REPORT 2023-24 QUARTER 2"
    assert props.author == "Director, Social Work Resources"


def test_a_councils_own_reference_document_without_our_styles_still_works(tmp_path):
    results = make_results(tmp_path)
    own = tmp_path / "own" / "report"
    own.mkdir(parents=True)
    plain = docx.Document()
    plain.sections[0].footer.paragraphs[0].text = "Anytown Council – OFFICIAL"
    plain.styles["List Bullet"].delete()
    plain.save(str(own / "reference.docx"))
    path = write_word(results, tmp_path / "r.docx", templates_dir=tmp_path / "own")
    document = docx.Document(str(path))
    assert "Table Text" in [s.name for s in document.styles]
    assert document.sections[0].footer.paragraphs[0].text.startswith("Anytown Council – OFFICIAL")
    assert len(measure_tables(document)) == 5   # one per outcome with measures
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets and all(b.startswith("• ") for b in bullets)   # no list numbering: a typed bullet


def test_a_thousand_measures_make_a_full_report(tmp_path):
    results = big_results(1000, 300)
    document = docx.Document(str(write_word(results, tmp_path / "big.docx")))
    rows = sum(len(t.rows) - 1 for _, _, t in measure_tables(document))
    assert rows == 1000
