"""The plan reader's fast paths (issue #19) give exactly what the plain ones give, and fall back to
them for anything they cannot take."""

from __future__ import annotations

import dataclasses

from xlplan.plan.make import maker
from xlplan.plan.model import Action, Measure
from xlplan.plan.reader import read_plan_workbook
from xlplan.values import Value
from builders import THEMES, action, build_plan, measure


# --- frozen objects built slot by slot (xlplan/plan/make.py) ---------------------------------------

def test_maker_builds_what_the_class_builds():
    for cls in (Measure, Action, Value):
        names = [f.name for f in dataclasses.fields(cls)]
        given = [object() for _ in names]          # one distinct object per field: any mix-up shows
        built, expected = maker(cls)(*given), cls(*given)
        assert maker(cls) is not cls and type(built) is cls and built == expected
        assert all(getattr(built, n) is v for n, v in zip(names, given))
    assert hash(maker(Value)(1.0, None, "1", "")) == hash(Value(1.0, raw="1"))


def test_maker_is_the_class_where_init_does_more():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self):
            if self.x < 0:
                raise ValueError("negative")

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        x: int

    @dataclasses.dataclass(slots=True)
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        x: int
        y: int = dataclasses.field(init=False, default=0)

    for cls in (Checked, Unslotted, Mutable, Derived):
        assert maker(cls) is cls


# --- rows read with what earlier rows found ---------------------------------------------------------

def test_actions_theme_and_service_found_once_unknown_ones_reported_on_each_row(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[measure("SW01")], actions=[
        action("A1", Theme=THEMES[0].upper(), Service="children and justice"),
        action("A2", Theme="Nowhere", Service="Nobody"),
        action("A3", Theme=THEMES[0].upper(), Service="children and justice"),
        action("A4", Theme="Nowhere", Service="Nobody"),
        action("a1", Theme="", Service="")])
    plan, report = read_plan_workbook(path)
    assert [(a.ref, a.theme, a.service) for a in plan.actions] == [
        ("A1", THEMES[0], "Children and Justice"), ("A2", "Nowhere", "Nobody"),
        ("A3", THEMES[0], "Children and Justice"), ("A4", "Nowhere", "Nobody")]
    assert [(i.code, i.cell) for i in report.issues if i.sheet == "Actions"] == [
        ("plan.unknown-theme", "D3"), ("plan.unknown-service", "F3"),
        ("plan.unknown-theme", "D5"), ("plan.unknown-service", "F5"),
        ("plan.required-value", "D6"), ("plan.required-value", "F6"), ("plan.duplicate-key", "A6")]


def test_measures_row_checks_inline_report_as_before(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01"), measure("sw01"), measure("SW02", Unit=""), measure("", Measure=""), measure("SW03")])
    plan, report = read_plan_workbook(path)
    assert [m.code for m in plan.measures] == ["SW01", "SW03"]
    assert [(i.code, i.cell) for i in report.issues if i.sheet == "Measures"] == [
        ("plan.duplicate-key", "A3"), ("plan.required-value", "F4"),
        ("plan.required-value", "A5"), ("plan.required-value", "B5")]
