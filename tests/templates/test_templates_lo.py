"""Return templates in LibreOffice: they open, survive a round trip, and the live RAG formula agrees
with the status engine after a real recalculation."""

from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from builders import build_plan, measure
from lo import lo_type, needs_lo, resave, to_pdf
from template_cases import Q2, data_rows, digest_failures, varied_plan
from xlplan.contract import layout
from xlplan.contract.identity import load_key
from xlplan.plan import read_plan
from xlplan.status import Status, measure_status
from xlplan.templates.build import write_templates
from xlplan.values import Unit, parse_value

pytestmark = needs_lo

# Each rule, then (typed To date, typed Status, the status a council officer expects) cases.
RULES = {
    "P": dict(Unit="%", Target="75%", Polarity="Higher"),                        # relative 10% → 67.5%
    "L": dict(Unit="£", Target="£200,000", Profile="Cumulative", Polarity="Lower"),  # Q2: £100,000
    "B": dict(Unit="%", Target="80%", Polarity="Higher", Tolerance="5 points"),  # absolute
    "I": dict(Unit="number", Target="Increase", Polarity="Higher", **{"2022/23": 100}),
    "R": dict(Unit="number", Target="Reduce", Polarity="Lower", **{"2022/23": 50}),
    "M": dict(Unit="%", Target="Maintain", Polarity="Higher", **{"2022/23": 0.6}),
    "Q": dict(Unit="ratio", Target="70/30", Polarity="Higher"),
    "N": dict(Unit="number", Target="", Polarity="Higher"),                      # manager's own status
    "O": dict(Unit="number", Target="", Polarity="Monitor"),
}
CASES = {
    "P": [("75%", "", "Green"), ("0.8", "", "Green"), ("67.5%", "", "Amber"), ("67.4%", "", "Red"),
          ("TBC", "", "Report later"), ("", "", "Report later")],
    "L": [("100000", "", "Green"), ("110,000", "", "Amber"), ("110001", "", "Red"), ("50000", "", "Green")],
    "B": [("80%", "", "Green"), ("75%", "", "Amber"), ("74.9%", "", "Red")],
    "I": [("101", "", "Green"), ("100", "", "Amber"), ("90", "", "Amber"), ("89.9", "", "Red")],
    "R": [("49", "", "Green"), ("50", "", "Amber"), ("55", "", "Amber"), ("55.1", "", "Red")],
    "M": [("60%", "", "Green"), ("54%", "", "Amber"), ("53.9%", "", "Red")],
    "Q": [("70/30", "", "Green"), ("65/35", "", "Amber"), ("60/40", "", "Red"), ("Report later", "", "Report later")],
    "N": [("5", "Green", "Green"), ("5", "Red", "Red"), ("5", "", "Contextual"), ("", "Amber", "Report later")],
    "O": [("5", "", "Contextual"), ("TBC", "", "Report later")],
}


def _rag_plan(tmp_path):
    measures = []
    for letter, cases in CASES.items():
        for i, _ in enumerate(cases):
            measures.append(measure(f"{letter}{i}", **RULES[letter]))
    return build_plan(tmp_path / "plan.xlsx", measures=measures, actions=[])


def test_rag_formula_gives_the_engines_status_after_a_libreoffice_recalculation(tmp_path):
    plan_path = _rag_plan(tmp_path)
    plan = read_plan(plan_path)
    [template] = write_templates(plan, Q2, tmp_path / "t", plan_path=plan_path, service="Children and Justice")
    rows = {code: r for code, (r, _) in data_rows(template, "Measures").items()}
    typed = {}
    for letter, cases in CASES.items():
        for i, (to_date, status, _) in enumerate(cases):
            if to_date:
                typed[("Measures", f"M{rows[f'{letter}{i}']}")] = to_date
            if status:
                typed[("Measures", f"N{rows[f'{letter}{i}']}")] = status
    out = lo_type(template, tmp_path / "typed.xlsx", typed)
    back = data_rows(out, "Measures")
    by_code = {m.code: m for m in plan.measures}
    checked = []
    for letter, cases in CASES.items():
        for i, (to_date, status, expected) in enumerate(cases):
            code = f"{letter}{i}"
            m, values = by_code[code], back[code][1]
            raw = values["To date"]
            value = parse_value(raw if raw != "" else None, m.unit, percent_format=m.unit is Unit.PERCENT)
            engine = measure_status(value, m.rule(Q2, plan.settings.amber_tolerance),
                                    Status.parse_assessment(values["Status"])).status.value
            checked.append((code, to_date, status, expected, engine, values["RAG (calculated)"]))
    wrong = [c for c in checked if not (c[3] == c[4] == c[5])]
    assert wrong == [], "(code, typed, status, expected, engine, formula)"


def test_libreoffice_round_trip_keeps_protection_validations_and_identity(tmp_path):
    plan_path = varied_plan(tmp_path / "plan.xlsx")
    plan = read_plan(plan_path)
    [template] = write_templates(plan, Q2, tmp_path / "t", plan_path=plan_path, service="Children and Justice")
    rows = {code: r for code, (r, _) in data_rows(template, "Measures").items()}
    arow = data_rows(template, "Actions")["A1"][0]
    out = lo_type(template, tmp_path / "typed.xlsx", {
        ("Measures", f"M{rows['SW01']}"): "89%", ("Measures", f"M{rows['SW02']}"): "95000",
        ("Measures", f"M{rows['SW04']}"): "70/30", ("Measures", f"P{rows['SW01']}"): "Up on last year",
        ("Actions", f"G{arow}"): "Complete"})
    back = data_rows(out, "Measures")
    assert back["SW01"][1]["To date"] == pytest.approx(0.89)
    assert back["SW04"][1]["To date"] == "70/30"
    assert back["SW01"][1]["RAG (calculated)"] == "Green"
    assert data_rows(out, "Actions")["A1"][1]["Status"] == "Complete"

    wb, before = openpyxl.load_workbook(out), openpyxl.load_workbook(template)
    for name in ("Instructions", "Measures", "Actions"):
        assert wb[name].protection.sheet
    ws = wb["Measures"]
    assert ws[f"M{rows['SW01']}"].protection.locked is False and ws[f"B{rows['SW01']}"].protection.locked
    assert ws[f"O{rows['SW01']}"].data_type == "f"
    kinds = sorted(dv.type or "any" for dv in ws.data_validations.dataValidation)
    assert {"custom", "list", "textLength"} <= set(kinds)
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert formulas >= {dv.formula1 for dv in before["Measures"].data_validations.dataValidation
                        if dv.type == "custom"}
    # LibreOffice 7.4 keeps the identity sheet hidden but writes "hidden", not "veryHidden"
    assert wb[layout.IDENTITY_SHEET].sheet_state in ("hidden", "veryHidden")
    assert CalamineWorkbook.from_path(str(out)).sheet_names == ["Instructions", "Measures", "Actions", "xlplan"]
    assert digest_failures(out, load_key(plan_path)) == []     # canonical values survive the re-save


def test_every_template_opens_in_libreoffice_and_renders(tmp_path):
    plan_path = varied_plan(tmp_path / "plan.xlsx")
    plan = read_plan(plan_path)
    templates = write_templates(plan, Q2, tmp_path / "t", plan_path=plan_path)
    pdfs = to_pdf(templates, tmp_path / "pdf")          # one soffice run for all of them
    assert len(pdfs) == 2
    for pdf in pdfs:
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000
    again = resave(templates[0], tmp_path / "resaved")
    assert digest_failures(again, load_key(plan_path)) == []


def test_to_date_validation_accepts_figures_in_range_and_no_data_words(tmp_path):
    """Evaluate each unit's validation formula in LibreOffice on typed entries (the formula is what
    Excel and LibreOffice run when a manager presses Enter)."""
    import xlsxwriter
    from xlplan.templates.rag import to_date_rule
    from xlplan.templates.style import input_format

    cases = [  # (unit, typed, accepted?)
        (Unit.PERCENT, "85%", True), (Unit.PERCENT, "0%", True), (Unit.PERCENT, "100%", True),
        (Unit.PERCENT, "101%", False), (Unit.PERCENT, "85", False), (Unit.PERCENT, "TBC", True),
        (Unit.PERCENT, "report later", True), (Unit.PERCENT, "85 percent", False),
        (Unit.MONEY, "165000", True), (Unit.MONEY, "-5", False), (Unit.MONEY, "£165k", False),
        (Unit.MONEY, "Not yet available", True), (Unit.NUMBER, "2755", True), (Unit.NUMBER, "n/a", True),
        (Unit.NUMBER, "about 40", False), (Unit.RATIO, "70/30", True), (Unit.RATIO, "70", False),
        (Unit.RATIO, "TBC", True),
    ]
    path = tmp_path / "rules.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Rules")
    formats = {u: wb.add_format({"num_format": input_format(u)}) for u in Unit}
    for r, (unit, _, _) in enumerate(cases, 1):
        ws.write_blank(f"A{r}", None, formats[unit])
        ws.write_formula(f"B{r}", to_date_rule(unit, f"A{r}"))
    wb.close()
    out = lo_type(path, tmp_path / "typed.xlsx", {("Rules", f"A{r}"): typed for r, (_, typed, _) in enumerate(cases, 1)})
    got = [row[1] for row in CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Rules").to_python()]
    wrong = [(unit.value, typed, ok, bool(g)) for (unit, typed, ok), g in zip(cases, got) if bool(g) != ok]
    assert wrong == [], "(unit, typed, expected, accepted)"
