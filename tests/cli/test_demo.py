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


def test_demo_cli_ends_with_the_paths(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "Produced" in result.output
    assert "2023-24-Q2 performance report.docx" in result.output
