"""A manager's reply saved into the returns folder as an .eml: the workbook attached to it is the
return, shown as `<email> › <attachment>` and received when the email was sent; the folder is left
as it was."""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, make_plan, make_templates, run
from xlplan.collect import emailed

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def reply(path: Path, attachments: dict[str, bytes], date: str | None = "Fri, 13 Oct 2023 16:05:00 +0100") -> Path:
    """An email as Outlook or Thunderbird saves it, with `attachments` (file name → bytes)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Alex Manager <alex@anytown.gov.uk>", "perf@anytown.gov.uk", "RE: return"
    if date:
        msg["Date"] = date
    msg.set_content("Please find our return attached.")
    for name, data in attachments.items():
        msg.add_attachment(data, maintype=XLSX[0], subtype=XLSX[1], filename=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(msg))
    return path


def folder(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (root / "returns").iterdir()}


def test_the_workbook_attached_to_a_saved_email_is_the_return(tmp_path):
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "attachments" / "CJ return FINAL.xlsx", GOOD_CJ)
    reply(tmp_path / "returns" / "RE Q2 return.eml", {cj.name: cj.read_bytes()})
    fill(t[AOP], tmp_path / "returns" / "aop.xlsx", GOOD_AOP)
    before = folder(tmp_path)
    result = run(tmp_path)
    by_service = {f.service: f for f in result.files}
    got = by_service[CJ]
    assert got.outcome == "accepted" and not [i for i in got.issues if i.is_error]
    assert got.name == "RE Q2 return.eml › CJ return FINAL.xlsx"
    assert got.received == datetime(2023, 10, 13, 15, 5)          # when it was sent, in UTC
    assert by_service[AOP].outcome == "accepted"
    assert folder(tmp_path) == before                             # the returns folder is left as it was
    archive = tmp_path / "archive"
    assert (archive / got.archive).read_bytes() == cj.read_bytes()
    assert {r.file for r in result.records} == {"RE Q2 return.eml › CJ return FINAL.xlsx", "aop.xlsx"}
    again = run(tmp_path)                                         # the officer's re-run: nothing read again
    assert {f.name for f in again.files} == {f.name for f in result.files}
    assert len(again.reused) == 2


def test_an_email_with_nothing_to_read_is_skipped_saying_so(tmp_path):
    make_templates(make_plan(tmp_path))          # (which makes the plan's signing key)
    reply(tmp_path / "returns" / "RE will send Monday.eml", {})
    (tmp_path / "returns" / "mangled.eml").write_bytes(b"\x00\xff" * 500)
    result = run(tmp_path)
    assert {f.name: f.skipped for f in result.files} == {
        "RE will send Monday.eml": "an email with no spreadsheet attached (or one that could not be read as an email)",
        "mangled.eml": "an email with no spreadsheet attached (or one that could not be read as an email)"}


def test_an_attachment_is_kept_inside_the_archive_whatever_its_name_says(tmp_path):
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "attachments" / "cj.xlsx", GOOD_CJ)
    hostile = "../../../..\\evil\x1b[31m [bold red]x.xlsx"
    reply(tmp_path / "returns" / "RE.eml", {hostile: cj.read_bytes(), "second copy.xlsx": cj.read_bytes()},
          date=None)
    result = run(tmp_path)
    written = sorted(p for p in (tmp_path / "archive" / emailed.FOLDER).rglob("*") if p.is_file())
    assert len(written) == 2 and all(p.resolve().is_relative_to((tmp_path / "archive").resolve()) for p in written)
    names = sorted(f.name for f in result.files)
    assert names == ["RE.eml › evil?[31m [bold red]x.xlsx", "RE.eml › second copy.xlsx"]
    # the same workbook twice: one counts, the other is named as its duplicate
    assert sorted(f.outcome for f in result.files) == ["accepted", "superseded"]


def test_an_email_whose_date_cannot_be_read_counts_as_received_when_its_file_was_saved(tmp_path):
    import os
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "attachments" / "cj.xlsx", GOOD_CJ)
    eml = reply(tmp_path / "returns" / "RE.eml", {"cj.xlsx": cj.read_bytes()}, date="sometime next week")
    saved = datetime(2023, 10, 20, 9, 30).timestamp()        # (naive: this machine's local time)
    os.utime(eml, (saved, saved))
    got = run(tmp_path).files
    assert [(f.name, f.outcome) for f in got] == [("RE.eml › cj.xlsx", "accepted")]
    assert got[0].received == datetime.utcfromtimestamp(saved)


def test_an_attachment_name_encoded_as_outlook_encodes_it_is_decoded_before_its_suffix_is_checked():
    raw = (b'From: a@anytown.gov.uk\r\nDate: Fri, 13 Oct 2023 16:05:00 +0100\r\nMIME-Version: 1.0\r\n'
           b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n'
           b'--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n'
           b'Content-Disposition: attachment; filename="=?utf-8?q?Gr=C3=A1inne_return=2Exlsx?="\r\n\r\nUEsDBA==\r\n--b--\r\n')
    sent, found, text = emailed._eml_attachments(raw, lambda n: n.endswith(".xlsx"))
    assert found == [("Gráinne return.xlsx", b"PK\x03\x04")] and text.strip() == "Attached."
    assert sent == datetime(2023, 10, 13, 15, 5, tzinfo=timezone.utc).timestamp()
