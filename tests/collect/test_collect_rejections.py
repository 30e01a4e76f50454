"""Each way a return is rejected, superseded or skipped: its code, and a message a manager can act on."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

import openpyxl
import pytest
import xlsxwriter

from builders import SERVICES, measure
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, MEASURES, Q2, fill, make_plan, make_templates, run, set_saved
from xlplan import store
from xlplan.periods import Period


@pytest.fixture
def folder(tmp_path):
    plan_path = make_plan(tmp_path)
    templates = make_templates(plan_path)
    fill(templates[AOP], tmp_path / "returns" / "aop.xlsx", GOOD_AOP)
    return tmp_path, templates


def rejected(result, name):
    rec = next(r for r in result.records if r.file == name)
    assert rec.outcome == "rejected", rec
    errors = [i for i in result.issues if i.file == name and i.is_error]
    return rec, errors[0]


def test_file_without_identity_is_rejected(folder):
    root, _ = folder
    wb = xlsxwriter.Workbook(root / "returns" / "my own version.xlsx")
    wb.add_worksheet("Measures").write_row(0, 0, ["Code", "To date"])
    wb.close()
    result = run(root)
    rec, err = rejected(result, "my own version.xlsx")
    assert err.code == "return.no-identity"
    assert "not a return made by xlplan" in rec.reasons[0] and "template they were sent" in err.hint
    assert result.exit_code == 1
    assert CJ in result.missing_services


def test_return_for_another_quarter_is_rejected(folder):
    root, _ = folder
    q1 = make_templates(root / "plan.xlsx", Period.parse("2023-24-Q1"), out=root / "q1")
    fill(q1[CJ], root / "returns" / "cj.xlsx", {"SW01": {"To date": 0.8}})
    result = run(root)
    rec, err = rejected(result, "cj.xlsx")
    assert err.code == "return.wrong-period"
    assert rec.reasons == ["cj.xlsx is the return for 2023-24-Q1, not 2023-24-Q2"]
    assert rec.service == CJ and CJ in result.missing_services    # named, but not counted as returned
    assert "--period 2023-24-Q1" in err.hint


def test_return_for_another_plan_is_rejected(folder, tmp_path_factory):
    root, _ = folder
    other = tmp_path_factory.mktemp("other")
    shutil.copy2(root / ".xlplan-key", other / ".xlplan-key")
    make_plan(other, settings={"Organisation": "Othertown Council"})
    t = make_templates(other / "plan.xlsx")
    fill(t[CJ], root / "returns" / "cj.xlsx", {"SW01": {"To date": 0.8}})
    rec, err = rejected(run(root), "cj.xlsx")
    assert err.code == "return.wrong-plan"
    assert "Othertown Council Social Work Resource Plan" in err.message and "Anytown Council" in err.message


def test_return_for_a_service_not_in_the_plan_is_rejected(folder, tmp_path_factory):
    root, _ = folder
    other = tmp_path_factory.mktemp("other")
    shutil.copy2(root / ".xlplan-key", other / ".xlplan-key")
    extra = {"Service": "Justice Servics", "Manager": "Jo", "Email": "jo@anytown.gov.uk"}
    make_plan(other, services=[*SERVICES, extra], measures=[*MEASURES, measure("SW20", Service="Justice Servics")])
    t = make_templates(other / "plan.xlsx")
    fill(t["Justice Servics"], root / "returns" / "justice.xlsx", {"SW20": {"To date": 0.8}})
    rec, err = rejected(run(root), "justice.xlsx")
    assert err.code == "return.unknown-service"
    assert "'Justice Servics'" in err.message


def test_not_a_workbook_and_empty_file_are_rejected(folder):
    # judged by safety.inspect before any spreadsheet library opens them (codes from its section)
    root, _ = folder
    (root / "returns" / "cj.xlsx").write_text("Code,To date\nSW01,80%\n")
    (root / "returns" / "empty.xlsx").write_bytes(b"")
    result = run(root)
    rec, err = rejected(result, "cj.xlsx")
    assert err.code == "return.csv-renamed" and rec.reasons == [err.message]
    rec, err = rejected(result, "empty.xlsx")
    assert err.code == "return.empty-file" and "empty" in err.message


def test_unreadable_workbook_is_rejected_by_the_reader(folder, tmp_path):
    """A zip that passes the pre-flight check but that calamine cannot read as a workbook."""
    import zipfile
    root, _ = folder
    with zipfile.ZipFile(root / "returns" / "odd.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("hello.txt", "not a workbook")
    rec, err = rejected(run(root), "odd.xlsx")
    assert err.code.startswith("return.") and "odd.xlsx" in err.message


def test_tampered_identity_is_rejected(folder):
    root, templates = folder

    def retarget(wb):  # claim to be the other service's return
        ws = wb["xlplan"]
        for row in ws.iter_rows():
            if row[0].value == "service":
                row[1].value = AOP

    fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ, edit=retarget)
    rec, err = rejected(run(root), "cj.xlsx")
    assert err.code == "return.bad-identity"
    assert rec.service == AOP   # listed under the service it claims (for status/chase), never counted


def test_stale_template_is_accepted_with_a_warning_and_current_targets(folder):
    root, templates = folder
    fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    make_plan(root, measures=[measure("SW01", Target="85%"), *MEASURES[1:]])   # target raised after sending
    result = run(root)
    assert [i.code for i in result.issues if i.file == "cj.xlsx" and i.code.startswith("return.")] == [
        "return.stale-template"]
    sw01 = next(m for m in result.results.measures if m.code == "SW01")
    assert (sw01.target_text, sw01.status.value) == ("85%", "Amber")   # 80% against the plan's new 85%


def test_edited_deleted_inserted_and_moved_rows_are_named(folder):
    root, templates = folder

    def tamper(wb):
        from quarter import header, row_of
        ws = wb["Measures"]
        _, cols = header(ws, "Code")
        r1 = row_of(ws, "Code", "SW01")
        ws.cell(r1, cols["Target"]).value = 0.5
        ws.cell(r1, cols["Measure"]).value = "Something easier"
        r3, r4 = row_of(ws, "Code", "SW03"), row_of(ws, "Code", "SW04")
        for c in range(1, ws.max_column + 1):   # swap SW03 and SW04
            a, b = ws.cell(r3, c), ws.cell(r4, c)
            a.value, b.value = b.value, a.value
        r2 = row_of(ws, "Code", "SW02")
        for c in range(1, ws.max_column + 1):   # SW02's row becomes a new measure SW99
            ws.cell(r2, c).value = None
        ws.cell(r2, cols["Code"]).value = "SW99"
        ws.cell(r2, cols["To date"]).value = 5

    fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ, edit=tamper)
    result = run(root)
    found = {(i.code, i.key, i.cell) for i in result.issues if i.file == "cj.xlsx" and i.code.startswith("return.")}
    edited = {(c, k) for c, k, _ in found if c == "return.locked-edited"}
    assert edited == {("return.locked-edited", "SW01")}
    assert {cell[0] for c, k, cell in found if c == "return.locked-edited"} == {"B", "G"}   # Measure, Target
    assert ("return.row-deleted", "SW02", None) in found
    assert ("return.row-inserted", "SW99", None) in found
    assert {k for c, k, _ in found if c == "return.row-moved"} == {"SW03", "SW04"}
    got = {m.code: m for m in result.results.measures}
    assert got["SW01"].name == "Measure SW01" and got["SW01"].target_text == "75%"   # plan wins
    assert got["SW03"].figure == 70 and got["SW04"].figure == 12    # matched by code, not position
    assert got["SW02"].status.value == "Report later"


def test_newer_return_supersedes_older_and_both_are_recorded(folder):
    root, templates = folder
    old = fill(templates[CJ], root / "returns" / "cj first.xlsx", {"SW01": {"To date": 0.60}})
    new = fill(templates[CJ], root / "returns" / "cj corrected.xlsx", {"SW01": {"To date": 0.80}})
    set_saved(old, datetime(2023, 10, 10, 9, 0))
    set_saved(new, datetime(2023, 10, 12, 9, 0))
    result = run(root)
    outcome = {r.file: (r.outcome, r.superseded_by) for r in result.records if r.service == CJ}
    new_sha = next(r.sha256 for r in result.records if r.file == "cj corrected.xlsx")
    assert outcome == {"cj corrected.xlsx": ("accepted", None), "cj first.xlsx": ("superseded", new_sha)}
    assert next(m for m in result.results.measures if m.code == "SW01").figure == 0.8
    # the same two files the other way round in time: the other one wins
    set_saved(old, datetime(2023, 10, 14, 9, 0))
    result = run(root)
    assert {r.file: r.outcome for r in result.records if r.service == CJ}["cj first.xlsx"] == "accepted"
    assert len(store.returns_for(f"sqlite:///{root}/xlplan.db", Q2)) == 3


def test_byte_identical_copies_count_once(folder):
    root, templates = folder
    a = fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    shutil.copy2(a, root / "returns" / "cj (1).xlsx")
    result = run(root)
    outcomes = sorted(r.outcome for r in result.records if r.service == CJ)
    assert outcomes == ["accepted", "superseded"]
    assert any(i.code == "return.duplicate" for f in result.files for i in f.issues)
    assert result.exit_code == 0


def test_lock_files_and_other_files_are_skipped_quietly(folder):
    root, templates = folder
    fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    for name in ("~$cj.xlsx", ".~lock.cj.xlsx#", "Thumbs.db", "covering email.msg"):
        (root / "returns" / name).write_bytes(b"x")
    os.symlink("/etc/hostname", root / "returns" / "link.xlsx")
    result = run(root)
    skipped = {r.file for r in result.records if r.outcome == "skipped"}
    assert skipped == {"~$cj.xlsx", ".~lock.cj.xlsx#", "Thumbs.db", "covering email.msg", "link.xlsx"}
    assert result.exit_code == 0
    assert not [i for i in result.issues if i.file in skipped]


def test_missing_service_gives_exit_1(folder):
    root, _ = folder
    result = run(root)
    assert result.missing_services == [CJ] and result.exit_code == 1


def test_an_unexpected_error_on_one_file_rejects_that_file_only(folder, monkeypatch):
    root, templates = folder
    fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    import xlplan.collect.examine as examine_mod
    real = examine_mod.read_return

    def flaky(path, data=None, parts=None, **preflight):
        if path.name == "cj.xlsx":
            raise RuntimeError("something odd")
        return real(path, data, parts, **preflight)

    monkeypatch.setattr(examine_mod, "read_return", flaky)
    result = run(root)
    rec, err = rejected(result, "cj.xlsx")
    assert err.code == "return.not-a-workbook" and "RuntimeError: something odd" in err.message
    assert next(r for r in result.records if r.file == "aop.xlsx").outcome == "accepted"
