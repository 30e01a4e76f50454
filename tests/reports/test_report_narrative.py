"""Cover-report words: template markup is the template's own; values from returns stay plain text."""

from __future__ import annotations

import docx
import pytest
from results_factory import make_results

from xlplan.errors import XlplanError
from xlplan.reports.narrative import environment, movements, parse_blocks, render_section, sentence, shorten
from xlplan.reports.word import write_word
from xlplan.status import Status


def blocks_for(tmp_path, source: str, **context):
    folder = tmp_path / "tpl"
    (folder / "report").mkdir(parents=True, exist_ok=True)
    (folder / "report" / "probe.txt.j2").write_text(source)
    return render_section("probe", context, environment(folder), rows="|" in source)


def test_template_markup_makes_paragraphs_bullets_bold_and_table_markers(tmp_path):
    blocks = blocks_for(tmp_path, "First line\ncontinues here.\n\n- a bullet\n- **bold** and {{ x }}\n\n"
                                  "[[measure status table]]\n", x="plain")
    assert [(b.kind, b.text) for b in blocks] == [
        ("p", "First line continues here."), ("bullet", "a bullet"), ("bullet", "bold and plain"),
        ("table", "")]
    assert blocks[2].runs == [("bold", True), (" and plain", False)]
    assert blocks[3].name == "measure status table"


@pytest.mark.parametrize("value", [
    "- not a bullet", "**not bold**", "[[measure status table]]", "Label | not a row", "{{ 7 * 7 }}",
    "{% if true %}x{% endif %}", "line one\n\n- line two",
])
def test_markup_inside_a_value_is_printed_literally(tmp_path, value):
    blocks = blocks_for(tmp_path, "{{ v }}\n", v=value)
    assert [b.kind for b in blocks] == ["p"]
    assert blocks[0].runs == [(" ".join(value.replace("\n\n", "\n").split("\n")), False)]


def test_rows_split_only_on_the_templates_own_bar(tmp_path):
    blocks = blocks_for(tmp_path, "Council Values | {{ v }}\n", v="a | b")
    assert [(b.kind, b.name, b.text) for b in blocks] == [("row", "Council Values", "a | b")]


def test_control_characters_never_reach_word(tmp_path):
    blocks = blocks_for(tmp_path, "{{ v }}\n", v="ok\x00\x07\x1b done")
    assert blocks[0].text == "ok done"


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert shorten("word " * 300, 50).endswith(" …") and len(shorten("word " * 300, 50)) <= 52
    assert shorten("short") == "short"


def test_movements_compare_status_with_last_quarter(tmp_path):
    moves = movements(make_results(tmp_path))
    assert [m.measure.code for m in moves["improved"]] == ["SW01"]
    assert [(m.measure.code, m.after) for m in moves["declined"]] == [("SW03", Status.RED)]
    assert [m.measure.code for m in moves["now_reported"]] == ["SW09"]
    assert [m.measure.code for m in moves["no_longer_reported"]] == ["SW04"]


def test_an_officers_own_template_changes_the_words(tmp_path):
    results = make_results(tmp_path)
    own = tmp_path / "own" / "report"
    own.mkdir(parents=True)
    (own / "purpose.txt.j2").write_text("To update members on {{ plan_title }} at {{ period_label }}.\n")
    document = docx.Document(str(write_word(results, tmp_path / "r.docx", templates_dir=tmp_path / "own")))
    texts = [p.text for p in document.paragraphs]
    assert "To update members on Social Work Resource Plan at 2023-24 Quarter 2." in texts
    assert "B. RECOMMENDATION" in texts   # the other sections still come from the defaults


def test_a_template_mistake_names_the_template_and_line(tmp_path):
    results = make_results(tmp_path)
    own = tmp_path / "own" / "report"
    own.mkdir(parents=True)
    (own / "conclusion.txt.j2").write_text("Fine line\n{% if counts %}never closed\n")
    with pytest.raises(XlplanError) as e:
        write_word(results, tmp_path / "r.docx", templates_dir=tmp_path / "own")
    assert "[report.template-error]" in str(e.value) and "report/conclusion.txt.j2" in str(e.value)
    (own / "conclusion.txt.j2").write_text("{{ no_such_variable }}\n")
    with pytest.raises(XlplanError, match=r"no_such_variable.*\[report.template-error\]"):
        write_word(results, tmp_path / "r.docx", templates_dir=tmp_path / "own")


def test_plain_parse_of_rendered_text_without_values():
    assert [b.kind for b in parse_blocks("- a\n- b\n\nPara")] == ["bullet", "bullet", "p"]


@pytest.mark.parametrize("typed, said", [
    ("posted to Q1", "posted to Q1."),
    ("posted to Q1.", "posted to Q1."),                 # the manager's own full stop is not doubled
    ("posted to Q1.  ", "posted to Q1."),
    ("why not?", "why not?"),
    ("see the note…", "see the note…"),
    ("figures to follow!", "figures to follow!"),
])
def test_a_sentence_from_a_return_ends_with_one_full_stop(typed, said):
    assert sentence(typed) == said
