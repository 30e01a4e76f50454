"""Comments as data: what only hides or disguises text is taken out, and the officer is told;
what people write (emoji with their joiners, accents, right-to-left scripts) is kept as typed."""

from __future__ import annotations

import openpyxl

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, header, make_plan, make_templates, row_of, run

FAMILY = "family \U0001F468\u200d\U0001F469\u200d\U0001F467"          # one emoji made of three, joined
TYPED = f"التقدم جيد — {FAMILY} zero\u200bwidth bidi\u202eevil\u202c ends"


def test_hidden_characters_are_removed_with_a_warning_naming_the_cell_and_joiners_are_kept(tmp_path):
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "returns" / "cj.xlsx",
              {**GOOD_CJ, "SW01": {"To date": 0.8, "Comments/Progress": TYPED},
               "SW03": {**GOOD_CJ["SW03"], "Comments/Progress": "café, naïve — plain"}})
    fill(t[AOP], tmp_path / "returns" / "aop.xlsx", GOOD_AOP)
    result = run(tmp_path)
    got = {m.code: m.comment for m in result.results.measures}
    assert got["SW01"] == f"التقدم جيد — {FAMILY} zerowidth bidievil ends"
    assert got["SW03"] == "café, naïve — plain"
    ws = openpyxl.load_workbook(cj)["Measures"]
    _, cols = header(ws, "Code")
    cell = f"{openpyxl.utils.get_column_letter(cols['Comments/Progress'])}{row_of(ws, 'Code', 'SW01')}"
    cleaned = [i for i in result.issues if i.code == "return.text-cleaned"]
    assert [(i.key, i.cell, i.severity.value) for i in cleaned] == [("SW01", cell, "warning")]
    assert "3 hidden character(s)" in str(cleaned[0])
