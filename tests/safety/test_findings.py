"""Every finding the zip judgement can make is reported as an Issue whose message and hint get
their fields.

A finding carries its Code as data, so tests/core/test_errors.py cannot follow it to issue(). This
takes each `out.add(CODE, …)` and `_Refused(CODE, …)` in safety/container.py, with the keywords
written there, through the steps a real finding takes (`ZipFindings.refused` for a refusal, then
inspection's `_report_zip`), for a file named as a spreadsheet and for one that is not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xlplan.errors import Code, Severity
from xlplan.safety import container, inspection
from xlplan.safety.container import ZipFindings, _Refused
from xlplan.safety.inspection import Inspection, Kind, Limits

SPLATS = {"_grid(limits)": container._grid(Limits())}      # the **mappings container.py passes


def finding_sites():
    tree = ast.parse(Path(container.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name)
                and node.args[0].id in Code.__members__):
            continue
        how = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        params = {k.arg: 7 for k in node.keywords if k.arg}
        for k in node.keywords:
            if k.arg is None:
                params |= SPLATS[ast.unparse(k.value)]      # KeyError: a new **mapping to add to SPLATS
        yield pytest.param(how, Code[node.args[0].id], params, id=f"line{node.lineno}-{node.args[0].id}")


SITES = list(finding_sites())


def test_the_walk_finds_the_findings():
    assert len(SITES) > 20
    assert {p.values[0] for p in SITES} == {"add", "_Refused"}
    assert {p.values[1] for p in SITES} >= {Code.RETURN_ZIP_BOMB, Code.RETURN_SHEET_TOO_LARGE, Code.RETURN_XML_ENTITIES}


@pytest.mark.parametrize("name", ["Return.xlsx", "Notes.docx"])
@pytest.mark.parametrize("how, code, params", SITES)
def test_each_finding_is_reported_with_its_fields(how, code, params, name):
    found = ZipFindings()
    if how == "_Refused":
        found.refused(_Refused(code, **params), "xl/worksheets/sheet1.xml", Limits())
    else:
        found.add(code, **params)
    ins = Inspection(Path(name), Kind.XLSX)
    inspection._report_zip(ins, found)       # a missing field is a KeyError here
    [reported] = ins.issues
    assert reported.file == name and reported.message and (reported.hint or reported.severity is Severity.INFO)
    assert "None" not in reported.message + reported.hint, reported
