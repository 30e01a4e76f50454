"""The demo runs the whole loop on the example plan and produces every kind of output."""

from click.testing import CliRunner

from xlplan.cli import main
from xlplan.demo.run import run_demo


def test_demo_produces_every_stage(tmp_path):
    produced = run_demo(tmp_path / "demo", say=lambda _: None)
    assert set(produced) >= {"plan", "templates", "email drafts", "returns", "reports", "store"}
    for paths in produced.values():
        assert paths and all(p.exists() and p.stat().st_size > 0 for p in paths)
    names = {p.name for p in produced["reports"]}
    assert "2023-24-Q2 performance report.docx" in names and "2023-24-Q2 summary.xlsx" in names
    # one template and one draft per service with a return, per quarter
    assert len(produced["templates"]) == len(produced["email drafts"])
    # the year end: the annual report after Q4, and next year's plan that check reads
    from xlplan.plan import load_plan
    assert {p.name for p in produced["annual report"]} == {"2023-24 annual performance report.docx",
                                                            "2023-24 annual summary.xlsx"}
    plan, report = load_plan(produced["next year's plan"][0])
    assert plan is not None and report.valid and plan.year.label == "2024-25"
    # its risk register starts the year where each risk stood at the last assessment of 2023-24
    from xlplan.periods import Period
    from xlplan.store import risks_before
    latest = risks_before(f"sqlite:///{produced['store'][0]}", Period.parse("2024-25-Q1"))
    old, _ = load_plan(produced["plan"][0])
    assert latest and {r.code: (r.likelihood, r.impact) for r in plan.risks} == {
        r.code: (latest[r.code].likelihood, latest[r.code].impact) if r.code in latest else (r.likelihood, r.impact)
        for r in old.risks}
    assert any((r.likelihood, r.impact) != (latest[r.code].likelihood, latest[r.code].impact)
               for r in old.risks if r.code in latest)       # the register did move over the year


def test_demo_cli_ends_with_the_paths(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "Produced" in result.output
    assert "2023-24-Q2 performance report.docx" in result.output
