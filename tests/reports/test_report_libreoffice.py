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
