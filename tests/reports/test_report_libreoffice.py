"""The reports open in LibreOffice: the Word report converts to PDF with every page, the workbook too."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from results_factory import make_results

from xlplan.reports import write_reports

SOFFICE = shutil.which("soffice")
pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")]


def convert(path: Path, out_dir: Path, target: str = "pdf") -> Path:
    profile = Path(f"/tmp/xlplan-lo-report-{uuid.uuid4().hex}")
    try:
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", target, "--outdir", str(out_dir), str(path)],
                       check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out_dir / (path.stem + "." + target.split(":")[0])


def test_word_report_and_workbook_convert_to_pdf(tmp_path):
    docx_path, xlsx_path = write_reports(make_results(tmp_path), tmp_path / "out")
    pdf = convert(docx_path, tmp_path / "pdf")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              timeout=60, check=True).stdout
        for words in ("A. PURPOSE OF REPORT", "F. BACKGROUND REFERENCES", "Summary of measures by theme",
                      '=HYPERLINK("http://x","y")', "<b>bold</b>", "{{ jinja }}", "Page 1 of"):
            assert words in text, words
    book = convert(xlsx_path, tmp_path / "pdf")
    assert book.exists() and book.read_bytes().startswith(b"%PDF")


def test_a_seven_figure_sum_fits_its_column_in_the_appendix(tmp_path):
    """"£1,402,650" in a history column stays on one line when LibreOffice lays the report out
    (at 2.1 cm it broke as "£1,402,65" / "0" in LibreOffice's fallback font)."""
    import dataclasses

    from xlplan.values import Unit

    results = make_results(tmp_path)
    money = next(m for m in results.measures if m.unit is Unit.MONEY)
    years = [y.slash for y in results.period.prior_years(3)]
    wide = dataclasses.replace(money, history={years[-1]: 1402650.0}, target_text="£1,380,000")
    results = dataclasses.replace(results, measures=[wide if m is money else m for m in results.measures])
    docx_path, _ = write_reports(results, tmp_path / "out")
    pdf = convert(docx_path, tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    assert "£1,402,650" in text and "£1,380,000" in text
