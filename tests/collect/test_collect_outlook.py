"""A manager's reply dragged from Outlook into the returns folder (`.msg`): the workbook attached
to it is the return, as for a saved `.eml` (test_collect_email.py); one forwarded inside another
email too. A `.msg` with nothing to read, or a broken or hostile one, is skipped saying so."""

from __future__ import annotations

from datetime import datetime, timezone

from msg_file import msg_bytes
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, make_plan, make_templates, run
from xlplan.collect import emailed
from xlplan.collect.outlook import msg_attachments

SENT = datetime(2023, 10, 13, 15, 5, tzinfo=timezone.utc)
NOTHING = ("an Outlook email with no spreadsheet attached (or one that could not be read): save the return "
           "attached to it (the .xlsx) in the returns folder")


def test_the_workbook_attached_to_an_outlook_email_is_the_return(tmp_path):
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "attachments" / "CJ return FINAL.xlsx", GOOD_CJ)
    aop = fill(t[AOP], tmp_path / "attachments" / "AOP return.xlsx", GOOD_AOP)
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "RE Q2 return.msg").write_bytes(
        msg_bytes([(cj.name, cj.read_bytes()), ("signature.png", b"\x89PNG")], SENT))
    # a reply forwarded by a colleague: the return is attached to the email attached to it
    (returns / "FW Q2 return.msg").write_bytes(msg_bytes([], SENT, ansi_names=True,
                                                         embedded=[(aop.name, aop.read_bytes())]))
    before = {p.name: p.read_bytes() for p in returns.iterdir()}
    result = run(tmp_path)
    by_service = {f.service: f for f in result.files}
    assert by_service[CJ].name == "RE Q2 return.msg › CJ return FINAL.xlsx"
    assert by_service[CJ].outcome == "accepted" and not [i for i in by_service[CJ].issues if i.is_error]
    assert by_service[CJ].received == datetime(2023, 10, 13, 15, 5)       # when it was sent, in UTC
    assert by_service[AOP].name == "FW Q2 return.msg › AOP return.xlsx" and by_service[AOP].outcome == "accepted"
    assert {p.name: p.read_bytes() for p in returns.iterdir()} == before  # the returns folder is left as it was
    assert (tmp_path / "archive" / by_service[CJ].archive).read_bytes() == cj.read_bytes()
    assert len(result.files) == 2                                          # the picture is not a return
    again = run(tmp_path)
    assert len(again.reused) == 2


def test_an_outlook_email_with_nothing_to_read_is_skipped_saying_so(tmp_path):
    make_templates(make_plan(tmp_path))
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "RE will send Monday.msg").write_bytes(msg_bytes([("agenda.docx", b"PK\x03\x04")], SENT))
    (returns / "truncated.msg").write_bytes(msg_bytes([("cj.xlsx", b"PK" + bytes(9000))], SENT)[:3000])
    (returns / "header only.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (returns / "not ole.msg").write_bytes(b"From: x\r\n\r\nhello")
    result = run(tmp_path)
    assert {f.name: f.skipped for f in result.files} == {name: NOTHING for name in (
        "RE will send Monday.msg", "truncated.msg", "header only.msg", "not ole.msg")}


def test_a_hostile_attachment_name_stays_inside_the_archive(tmp_path):
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "attachments" / "cj.xlsx", GOOD_CJ)
    hostile = "..\\..\\..\\evil\x1b[31m [bold red]x.xlsx"
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "RE.msg").write_bytes(msg_bytes([(hostile, cj.read_bytes())], None))
    result = run(tmp_path)
    written = [p for p in (tmp_path / "archive" / emailed.FOLDER).rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].resolve().is_relative_to((tmp_path / "archive").resolve())
    assert [f.name for f in result.files] == ["RE.msg › evil?[31m [bold red]x.xlsx"]
    assert result.files[0].outcome == "accepted"


def test_the_reader_gives_when_it_was_sent_and_the_wanted_attachments_within_the_limit():
    data = msg_bytes([("a.xlsx", b"x" * 5000), ("b.txt", b"y")], SENT)
    sent, found, text = msg_attachments(data, lambda n: n.endswith(".xlsx"), limit=10_000)
    assert sent == SENT.timestamp() and found == [("a.xlsx", b"x" * 5000)]
    assert "Please find our return attached." in text
    try:
        msg_attachments(data, lambda n: n.endswith(".xlsx"), limit=4_000)
    except ValueError as e:
        assert "larger" in str(e)
    else:
        raise AssertionError("an attachment over the limit was read")
    sent, found, _ = msg_attachments(msg_bytes([], datetime(1990, 1, 1, tzinfo=timezone.utc)), bool, limit=10)
    assert sent is None and found == []          # a send time that makes no sense is not used


def test_an_email_that_links_to_the_return_instead_of_attaching_it_says_to_download_it(tmp_path):
    """Outlook on Microsoft 365 offers a link to the file on OneDrive or SharePoint in place of the
    file: nothing to read, and the officer is told what to do."""
    t = make_templates(make_plan(tmp_path))
    cj = fill(t[CJ], tmp_path / "attachments" / "cj.xlsx", GOOD_CJ)
    returns = tmp_path / "returns"
    returns.mkdir()
    link = "https://anytown-my.sharepoint.com/:x:/g/personal/alex/EaBc?e=x1"
    (returns / "RE share link.msg").write_bytes(msg_bytes([], SENT, body="See the link.", shared=[("CJ.xlsx", link)]))
    (returns / "RE in the text.msg").write_bytes(msg_bytes([], SENT, body=f"Our return is here: {link}"))
    (returns / "RE onedrive.eml").write_bytes(
        b"From: a@anytown.gov.uk\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>Here it is: <a href="https://1drv.ms/x/s!AbC">Q2 return</a></p>\r\n')
    (returns / "RE will send.msg").write_bytes(msg_bytes([], SENT, body="I will send it on Monday."))
    # an email with the workbook attached is read, whatever links it holds
    (returns / "RE attached.msg").write_bytes(msg_bytes([("cj.xlsx", cj.read_bytes())], SENT, body=link))
    result = run(tmp_path)
    got = {f.name: f.skipped or f.outcome for f in result.files}
    assert got == {"RE share link.msg": emailed.LINKED, "RE in the text.msg": emailed.LINKED,
                   "RE onedrive.eml": emailed.LINKED, "RE will send.msg": NOTHING,
                   "RE attached.msg › cj.xlsx": "accepted"}
    again = run(tmp_path)                   # the re-run says the same of them
    assert {f.name: f.skipped or f.outcome for f in again.files} == got


def test_looking_for_a_link_takes_linear_time_whatever_the_text():
    """A body of 'http://http://…' made the first pattern backtrack for hours; the host's length is
    bounded now. Searched in a child process, so that a regression fails here instead of hanging the
    run (the search holds the interpreter's lock)."""
    import subprocess
    import sys
    probe = ("from xlplan.collect.emailed import _LINK\n"
             "texts = ['http://' * 300_000, 'https://' + 'a' * 2_000_000, 'http://aaaa.' * 150_000]\n"
             "print([_LINK.search(t) for t in texts])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[None, None, None]", done.stderr
    urls = {"https://anytown-my.sharepoint.com/:x:/g/personal/alex/EaBc": True, "https://1drv.ms/x/s!AbC": True,
            "https://onedrive.live.com/edit?id=1": True, "http://sharepoint.anytown.gov.uk/sites/perf": True,
            "https://www.anytown.gov.uk/onedrive-guide": False, "https://www.anytown.gov.uk": False}
    assert {u: bool(emailed._LINK.search(u)) for u in urls} == urls
