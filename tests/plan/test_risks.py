"""The plan's risk register: the optional Risks sheet and the Risk scale and Risk bands settings,
read and checked with sheet, row and cell; a plan without them is read exactly as before."""

from __future__ import annotations

import openpyxl
import pytest

from builders import build_plan, risk
from xlplan.plan import load_plan
from xlplan.plan.model import DEFAULT_RISK_RULES, RiskBand, RiskRules
from xlplan.plan.starter import write_starter


def test_a_register_is_read_with_its_scores(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "p.xlsx", risks=[
        risk("R1"), risk("R2", Service="adult and older people", Likelihood="4", Impact=5.0, **{"Target score": ""})]))
    assert report.codes() == []
    assert [(r.code, r.service, r.likelihood, r.impact, r.score, r.target) for r in plan.risks] == [
        ("R1", "Children and Justice", 3, 2, 6, 4), ("R2", "Adult and Older People", 4, 5, 20, None)]
    assert plan.risk_rules == DEFAULT_RISK_RULES
    assert [r.code for r in plan.risks_for("Adult and Older People")] == ["R2"]
    assert plan.risk_rules.band(6) == "Amber" and plan.risk_rules.band(4) == "Green" and plan.risk_rules.band(20) == "Red"


def test_a_plan_without_a_register_keeps_its_fingerprint(tmp_path):
    plain, _ = load_plan(build_plan(tmp_path / "a.xlsx"))
    with_risks, _ = load_plan(build_plan(tmp_path / "b.xlsx", risks=[risk("R1")]))
    assert plain.risks == [] and plain.fingerprint != with_risks.fingerprint
    # the canonical text of a plan without risks has no risk keys at all (what it was before risks)
    assert '"risk' not in plain.canonical_json()


def test_a_service_with_only_risks_gets_a_return(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "p.xlsx", actions=[], measures=[{
        "Code": "SW01", "Measure": "M", "Theme": "Safe, strong communities", "Outcome": "O",
        "Service": "Children and Justice", "Unit": "%", "Polarity": "Higher", "Target": "75%", "Profile": "Level"}],
        risks=[risk("R1", Service="Adult and Older People")]))
    assert "plan.empty-service" not in [c for c, _ in report.codes()]
    assert [s.name for s in plan.services_with_returns()] == ["Children and Justice", "Adult and Older People"]


def test_bad_rows_name_their_cells(tmp_path):
    path = build_plan(tmp_path / "p.xlsx", risks=[
        risk("R1", Likelihood=7), risk("R1", Impact="high"), risk("R3", Service="Adult Services"),
        risk("R4", Likelihood=2.5, **{"Target score": 30}), risk("", Likelihood="")])
    plan, report = load_plan(path)
    assert report.codes() == [
        ("plan.bad-risk-score", "Risks!F2"),
        ("plan.duplicate-key", "Risks!A3"), ("plan.bad-risk-score", "Risks!G3"),
        ("plan.unknown-service", "Risks!D4"),
        ("plan.bad-risk-score", "Risks!F5"), ("plan.bad-risk-score", "Risks!H5"),
        ("plan.required-value", "Risks!A6"), ("plan.required-value", "Risks!F6"),
    ]
    first = report.issues[0]
    assert first.message == "Likelihood '7' for R1 (Risks row 2) is not a whole number from 1 to 5"
    assert "Target score '30' for R4" in report.issues[5].message and "from 1 to 25" in report.issues[5].message
    assert plan.risks == []


def test_near_miss_headers_and_sheet_names(tmp_path):
    path = build_plan(tmp_path / "p.xlsx", risks=[risk("R1")])
    wb = openpyxl.load_workbook(path)
    wb["Risks"]["F1"] = "Likelyhood"
    wb["Risks"]["I1"] = "Control"
    wb.create_sheet("Risk")
    wb.save(path)
    _, report = load_plan(path)
    assert report.codes() == [("plan.unknown-sheet", "Risk"), ("plan.missing-column", "Risks!F1"),
                              ("plan.unknown-column", "Risks!I1")]
    assert 'did you mean "Risks"' in report.issues[0].message
    assert "'Likelyhood' in F1 meant to be 'Likelihood'" in report.issues[1].message
    assert 'did you mean "Controls"' in report.issues[2].message


def test_the_council_sets_its_own_scale_and_bands(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "p.xlsx", risks=[risk("R1", Likelihood=4, Impact=4)],
                                        settings={"Risk scale": "1 to 4", "Risk bands": "1-3 Green; 4-8 Amber; 9+ Red"}))
    assert report.codes() == []
    assert plan.risk_rules == RiskRules(1, 4, (RiskBand(1, 3, "Green"), RiskBand(4, 8, "Amber"), RiskBand(9, 16, "Red")))
    assert plan.risk_rules.describe() == "1-4; 1-3 Green; 4-8 Amber; 9-16 Red"
    plan, report = load_plan(build_plan(tmp_path / "q.xlsx", risks=[risk("R1", Likelihood=5)],
                                        settings={"Risk scale": "1-4"}))
    assert report.codes() == [("plan.bad-risk-score", "Risks!F2")]
    assert RiskRules.default_for(1, 4).describe() == "1-4; 1-2 Green; 3-6 Amber; 8-16 Red"
    assert RiskRules.default_for(1, 5) == DEFAULT_RISK_RULES


@pytest.mark.parametrize("bands, reason", [
    ("1-4 Green; 4-12 Amber; 15-25 Red", "overlap: 1-4 Green and 4-12 Amber"),
    ("1-4 Green; 6-12 Amber; 15-25 Red", "leaves the score 5 without a band"),
    ("1-4 Green; 5-12 Amber; 16-25 Red", "leaves the scores 15 without"[:0] + "leaves the score 15 without a band"),
    ("1-4 Green; 5-12 Orange; 15-25 Red", "'5-12 Orange', which is not"),
    ("12-5 Amber", "run backwards"),
])
def test_bands_that_overlap_or_leave_gaps_are_errors(tmp_path, bands, reason):
    plan, report = load_plan(build_plan(tmp_path / "p.xlsx", risks=[risk("R1")], settings={"Risk bands": bands}))
    assert report.codes() == [("plan.bad-risk-bands", "Settings!B10")]
    assert reason in report.issues[0].message
    assert "1-4 Green; 5-12 Amber; 15-25 Red" in report.issues[0].hint


def test_a_bad_scale_is_named(tmp_path):
    _, report = load_plan(build_plan(tmp_path / "p.xlsx", settings={"Risk scale": "five"}))
    assert report.codes() == [("plan.bad-setting", "Settings!B10")]


def test_the_starter_can_have_a_register(tmp_path):
    path = write_starter(tmp_path, risks=True)
    plan, report = load_plan(path)
    assert report.codes() == [] and len(plan.risks) == 2
    ws = openpyxl.load_workbook(path)["Risks"]
    notes = {c.value: c.comment.text for c in ws[1] if c.comment}
    assert notes["Code"].startswith("A unique code for the risk") and "Likelihood x Impact" in notes["Impact"]


def test_cached_plan_keeps_its_register(tmp_path, monkeypatch):
    monkeypatch.setenv("XLPLAN_SECRET", "k")
    path = build_plan(tmp_path / "p.xlsx", risks=[risk("R1")], settings={"Risk scale": "1-4"})
    first, _ = load_plan(path)
    again, _ = load_plan(path)
    assert again.risks == first.risks and again.risk_rules == first.risk_rules
    assert again.fingerprint == first.fingerprint
    import pickle
    assert pickle.loads(pickle.dumps(first)).risks == first.risks


def test_the_fast_canonical_text_matches_the_plain_one_with_a_register(tmp_path):
    import json
    from xlplan.plan.model import _canonical, _canonical_json
    plan, _ = load_plan(build_plan(tmp_path / "p.xlsx", risks=[risk("R1"), risk("R2", Owner="")],
                                   settings={"Risk scale": "1-4"}))
    assert "".join(_canonical_json(plan)) == json.dumps(_canonical(plan), sort_keys=True, default=str)
    assert '"risk_rules": "1-4; 1-2 Green; 3-6 Amber; 8-16 Red"' in plan.canonical_json()
