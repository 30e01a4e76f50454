"""Reading and checking the plan workbook: every problem named by code and cell (issue 2)."""

from datetime import date

import openpyxl
import pytest
from builders import SERVICES, SETTINGS, THEMES, action, build_plan, measure

from xlplan.errors import XlplanError
from xlplan.periods import FinancialYear, Period
from xlplan.plan import load_plan, read_plan
from xlplan.status import Polarity, ProfileKind, Tolerance
from xlplan.values import Missing, Ratio, TargetKind, Unit


def edit(path, sheet, **cells):
    """Change cells of a written workbook, e.g. edit(p, "Measures", B1="Meaures")."""
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def codes(path):
    return load_plan(path)[1].codes()


def errors(path):
    return [(i.code, w) for i, (_, w) in zip(load_plan(path)[1], codes(path)) if i.is_error]


def test_a_good_plan_reads_cleanly(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Target="75%", Tolerance="5 points", Baseline="70%", Links="C6.6", Category="PUBLIC",
                **{"2020/21": "71%", "2021/22": "Not yet available", "2022/23": "74.5%"}),
        measure("SW02", Service="Adult and Older People", Unit="£", Target="£200,000", Profile="Cumulative"),
    ]))
    assert report.codes() == []
    assert plan.settings.organisation == "Anytown Council" and plan.year == FinancialYear(2023)
    assert plan.settings.deadline_for(Period.parse("2023-24-Q2")) == date(2023, 10, 21)
    assert plan.themes == THEMES and [s.name for s in plan.services] == [s["Service"] for s in SERVICES]
    sw01, sw02 = plan.measures
    assert (sw01.unit, sw01.polarity, sw01.target.figure, sw01.tolerance) == \
        (Unit.PERCENT, Polarity.HIGHER, 0.75, Tolerance(0.05, True))
    assert sw01.history[FinancialYear(2020)].figure == pytest.approx(0.71)
    assert sw01.history[FinancialYear(2021)].missing is Missing.NOT_AVAILABLE
    assert sw01.outturn(FinancialYear(2022)) == pytest.approx(0.745)
    assert (sw01.baseline.figure, sw01.links, sw01.category, sw01.row) == (0.7, "C6.6", "PUBLIC", 2)
    assert sw02.profile.kind is ProfileKind.CUMULATIVE
    assert sw02.rule(Period.parse("2023-24-Q2")).target == 100_000
    assert [a.ref for a in plan.actions] == ["A1", "A2"] and plan.actions[0].due == date(2024, 3, 31)


def test_missing_sheet_suggests_the_near_name(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Themes"].title = "Theems"
    wb.save(path)
    plan, report = load_plan(path)
    assert plan is None
    assert report.codes() == [("plan.missing-sheet", "Themes")]
    assert 'did you mean "Theems"' in report.issues[0].message


def test_misspelt_column_is_named_with_the_column_it_should_be(tmp_path):
    path = edit(build_plan(tmp_path / "plan.xlsx"), "Measures", B1="Meaures")
    plan, report = load_plan(path)
    assert report.codes() == [("plan.missing-column", "Measures!B1")]
    message = report.issues[0].message
    assert "no 'Measure' column" in message and "'Meaures' in B1 meant to be 'Measure'" in message


def test_missing_column_with_nothing_like_it(tmp_path):
    path = edit(build_plan(tmp_path / "plan.xlsx"), "Services", C1="Phone")
    assert codes(path) == [("plan.missing-column", "Services:1")]


@pytest.mark.parametrize("rows, expected", [
    ([measure("SW01"), measure("SW01")], [("plan.duplicate-key", "Measures!A3")]),
    ([measure("SW01"), measure("sw01 ")], [("plan.duplicate-key", "Measures!A3")]),
    ([measure("SW01", Service="Childrens and Justice")], [("plan.unknown-service", "Measures!E2")]),
    ([measure("SW01", Theme="Safe strong communities")], [("plan.unknown-theme", "Measures!C2")]),
    ([measure("SW01", Target="lots")], [("plan.bad-target", "Measures!H2")]),
    ([measure("SW01", Target="120%")], [("plan.bad-target", "Measures!H2")]),
    ([measure("SW01", Target=120)], [("plan.bad-target", "Measures!H2")]),  # 120 typed for a % measure
    ([measure("SW01", Unit="number", Target="-5")], [("plan.bad-target", "Measures!H2")]),
    ([measure("SW01", Unit="pct")], [("plan.unknown-word", "Measures!F2")]),
    ([measure("SW01", Polarity="Upwards")], [("plan.unknown-word", "Measures!G2")]),
    ([measure("SW01", Profile="Monthly")], [("plan.unknown-word", "Measures!I2")]),
    ([measure("SW01", Profile="20%; 40%; 60%")], [("plan.unknown-word", "Measures!I2")]),
    ([measure("SW01", Profile="20%; 40%; 60%; 120%")], [("plan.bad-target", "Measures!I2")]),
    ([measure("SW01", Tolerance="a bit")], [("plan.unknown-word", "Measures!J2")]),
    ([measure("SW01", Baseline="85 percent")], [("plan.bad-value", "Measures!K2")]),
    ([measure("SW01", **{"2021/22": "5 errors involving 8 staff"})], [("plan.bad-value", "Measures!O2")]),
    ([measure("SW01", Measure="")], [("plan.required-value", "Measures!B2")]),
    ([measure("SW01", Unit="")], [("plan.required-value", "Measures!F2")]),
])
def test_measure_problems_name_the_cell(tmp_path, rows, expected):
    path = build_plan(tmp_path / "plan.xlsx", measures=rows + [measure("SW99", Service="Adult and Older People")])
    assert errors(path) == expected


def test_several_problems_in_one_row_are_all_reported(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Service="Nope", Polarity="Upwards", Profile="Monthly", Target="lots", Tolerance="x"),
        measure("SW02", Service="Adult and Older People")])
    assert errors(path) == [("plan.unknown-service", "Measures!E2"), ("plan.unknown-word", "Measures!G2"),
                            ("plan.bad-target", "Measures!H2"), ("plan.unknown-word", "Measures!I2"),
                            ("plan.unknown-word", "Measures!J2")]


def test_messages_say_what_was_found_and_expected(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01"), measure("SW01", Service="Nope", Target="lots"),
        measure("SW03", Service="Adult and Older People", Theme="Safe strong communities")])
    by_code = {i.code: i for i in load_plan(path)[1]}
    assert by_code["plan.duplicate-key"].message == "Code 'SW01' is used twice: Measures rows 2 and 3"
    assert by_code["plan.unknown-service"].message == \
        "Service 'Nope' in Measures row 3 is not on the Services sheet"
    assert by_code["plan.bad-target"].message.startswith(
        "Target 'lots' for SW01 (Measures row 3) is not understood: expected a percentage such as 85%")
    assert 'did you mean "Safe, strong communities"' in by_code["plan.unknown-theme"].message
    assert by_code["plan.bad-target"].key == "SW01" and by_code["plan.bad-target"].file == "plan.xlsx"


@pytest.mark.parametrize("rows, expected", [
    ([action("A1"), action("A1")], [("plan.duplicate-key", "Actions!A3")]),
    ([action("A1", Service="Nope")], [("plan.unknown-service", "Actions!F2")]),
    ([action("A1", Theme="Nope")], [("plan.unknown-theme", "Actions!D2")]),
    ([action("A1", Due="31st of never")], [("plan.bad-date", "Actions!I2")]),
    ([action("A1", Start="2023-13-45")], [("plan.bad-date", "Actions!H2")]),
    ([action("A1", Due="31/02/2024")], [("plan.bad-date", "Actions!I2")]),
    ([action("A1", Due="2024")], [("plan.bad-date", "Actions!I2")]),
    ([action("A1", Due=12)], [("plan.bad-date", "Actions!I2")]),
    ([action("A1", Action="")], [("plan.required-value", "Actions!B2")]),
])
def test_action_problems_name_the_cell(tmp_path, rows, expected):
    path = build_plan(tmp_path / "plan.xlsx", actions=rows + [action("A9", Service="Adult and Older People")])
    assert errors(path) == expected


@pytest.mark.parametrize("typed, due", [
    ("31/03/2024", date(2024, 3, 31)), ("2024-03-31", date(2024, 3, 31)), ("March 2024", date(2024, 3, 31)),
    ("Sep 23", date(2023, 9, 30)), ("30 September 2023", date(2023, 9, 30)), (date(2023, 11, 1), date(2023, 11, 1)),
    ("1st November 2023", date(2023, 11, 1)), ("30 Sept 2023", date(2023, 9, 30)),
    ("31 March 2024 (three monthly review of progress)", date(2024, 3, 31)),   # East Ayrshire's timescales
    ("by September 2023", date(2023, 9, 30)), ("End of March 2024", date(2024, 3, 31)),
    ("Q3 2023-24", date(2023, 12, 31)), ("2023/24", date(2024, 3, 31)),
    (45199, date(2023, 9, 30)),                  # a date cell that lost its format shows Excel's day number
])
def test_due_dates_as_people_type_them(tmp_path, typed, due):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", actions=[
        action("A1", Due=typed), action("A2", Service="Adult and Older People")]))
    assert report.valid and plan.actions[0].due == due


def test_action_naming_an_unknown_measure_code_is_a_warning(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", actions=[
        action("A1", Measures="Report against SW01 and SW07 quarterly"),
        action("A2", Service="Adult and Older People")])
    plan, report = load_plan(path)
    assert report.valid and report.codes() == [("plan.unknown-action-measure", "Actions!C2")]
    assert "SW07" in report.issues[0].message


def test_headers_match_whatever_the_case_spaces_and_order(tmp_path):
    path = tmp_path / "plan.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {
        "settings": [["  VALUE ", "setting"], ["2023-24", "Year"], ["Anytown", "Organisation"], ["Plan", "plan"]],
        " Themes ": [["THEME"], ["Health"]],
        "SERVICES": [["email", "Manager ", "service"], ["a@x.example", "Ann", "Adults"]],
        "Measures": [["target", "UNIT", "Service", "code", "Profile", "Polarity", "Outcome", "Measure", "Theme",
                      "Notes", "2022-23"],
                     ["75%", "%", "Adults", "AD1", "Level", "higher", "Good care", "Reviews on time", "Health",
                      "kept but ignored", "71%"]],
        "Actions": [["Service", "Ref", "Theme", "Outcome", "Measures", "Action", "due"],
                    ["Adults", "X1", "Health", "Good care", "AD1", "Review day care", "31/03/2024"]],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    plan, report = load_plan(path)
    assert report.codes() == []
    (m,) = plan.measures
    assert (m.code, m.name, m.service, m.theme, m.target.figure) == ("AD1", "Reviews on time", "Adults", "Health", 0.75)
    assert m.history == {FinancialYear(2022): m.history[FinancialYear(2022)]}
    assert plan.settings.organisation == "Anytown" and plan.actions[0].due == date(2024, 3, 31)


@pytest.mark.parametrize("headers", [("2020/21", "2021/22", "2022/23"), ("2020-21", "2021-22", "2022-23"),
                                     ("2020/21", "2021-22", "2022/2023")])
def test_history_columns_in_either_year_form(tmp_path, headers):
    row = measure("SW01", Unit="number", Target="2,500", **dict(zip(headers, ["2,310", "Not yet available", "2,755"])))
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", years=(), measures=[
        row, measure("SW02", Service="Adult and Older People")]))
    assert report.valid
    history = plan.measures[0].history
    assert history[FinancialYear(2020)].figure == 2310 and history[FinancialYear(2022)].figure == 2755
    assert history[FinancialYear(2021)].is_missing


def test_extra_columns_are_kept_and_ignored_but_a_near_miss_is_pointed_out(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Notes="anything", **{"Lead officer": "Pat"}),
        measure("SW02", Service="Adult and Older People")])
    assert codes(path) == []
    wb = openpyxl.load_workbook(path)
    wb["Measures"]["J1"] = "Tolerence"     # the optional Tolerance column, misspelt
    wb.save(path)
    plan, report = load_plan(path)
    assert report.valid and report.codes() == [("plan.unknown-column", "Measures!J1")]
    assert 'did you mean "Tolerance"' in report.issues[0].message


def test_repeated_column(tmp_path):
    path = edit(build_plan(tmp_path / "plan.xlsx"), "Services", D1="Email")
    assert codes(path) == [("plan.duplicate-column", "Services!D1")]
    assert "twice (cells C1, D1)" in load_plan(path)[1].issues[0].message


def test_percent_formatted_cells(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Target=0.75, Tolerance=0.05, **{"2022/23": 0.8}),
        measure("SW02", Service="Adult and Older People")])
    wb = openpyxl.load_workbook(path)
    for ref in ("H2", "J2", "P2"):
        wb["Measures"][ref].number_format = "0%"
    wb.save(path)
    plan, report = load_plan(path)
    assert report.valid
    m = plan.measures[0]
    assert m.target.figure == 0.75 and m.tolerance == Tolerance(0.05)   # 5% of target, not 5 points
    assert m.outturn(FinancialYear(2022)) == 0.8


@pytest.mark.parametrize("setting, value, expected", [
    ("Year", "2023", [("plan.bad-setting", "Settings:4")]),
    ("Amber tolerance", "5 points", [("plan.bad-setting", "Settings:8")]),
    ("Amber tolerance", "lots", [("plan.bad-setting", "Settings:8")]),
    ("Return deadline", "soon", [("plan.bad-setting", "Settings:9")]),
])
def test_bad_settings(tmp_path, setting, value, expected):
    assert errors(build_plan(tmp_path / "plan.xlsx", settings={setting: value})) == expected


@pytest.mark.parametrize("value, tolerance", [("10%", 0.10), (10, 0.10), (0.15, 0.15), ("5 %", 0.05)])
def test_plan_tolerance_is_a_share_of_the_target(tmp_path, value, tolerance):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", settings={"Amber tolerance": value}))
    assert report.valid and plan.settings.amber_tolerance == Tolerance(tolerance)


@pytest.mark.parametrize("typed, period, deadline", [
    ("21 days", "2023-24-Q2", date(2023, 10, 21)),
    ("21", "2023-24-Q4", date(2024, 4, 21)),
    ("14 days after quarter end", "2023-24-Q1", date(2023, 7, 14)),
    ("15 working days", "2023-24-Q2", date(2023, 10, 20)),   # 30 Sep 2023 was a Saturday
    ("5 working days", "2023-24-Q3", date(2024, 1, 5)),
    ("20/10/2023", "2023-24-Q2", date(2023, 10, 20)),
    (date(2023, 10, 20), "2023-24-Q2", date(2023, 10, 20)),
    ("20/10/2023", "2023-24-Q3", None),     # last quarter's date is not reused
    ("20/10/2023", "2023-24-Q1", None),
])
def test_return_deadline(tmp_path, typed, period, deadline):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", settings={"Return deadline": typed}))
    assert report.valid
    assert plan.settings.deadline_for(Period.parse(period)) == deadline


def test_fixed_return_deadline_and_unknown_setting(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", settings={
        "Return deadline": "20/10/2023", "Amber tolerence": "5%"}))
    assert plan.settings.deadline_for(Period.parse("2023-24-Q2")) == date(2023, 10, 20)
    assert report.codes() == [("plan.unknown-setting", "Settings:10")]
    assert 'did you mean "Amber tolerance"' in report.issues[0].message


def test_missing_year_and_organisation_are_warnings(tmp_path):
    settings = {k: v for k, v in SETTINGS.items() if k not in ("Year", "Organisation")}
    path = build_plan(tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    ws.delete_rows(2, ws.max_row)
    for k, v in settings.items():
        ws.append([k, v])
    wb.save(path)
    plan, report = load_plan(path)
    assert report.valid and plan.year is None
    assert [c for c, _ in report.codes()] == ["plan.missing-setting", "plan.missing-setting"]


def test_services_without_anything_and_bad_emails_are_warnings(tmp_path):
    services = SERVICES + [{"Service": "Nobody", "Manager": "N", "Email": "not-an-email"},
                           {"Service": "Silent", "Manager": "S", "Email": ""}]
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", services=services))
    assert report.valid
    assert report.codes() == [("plan.bad-email", "Services!C4"), ("plan.required-value", "Services!C5"),
                              ("plan.empty-service", "Services:4"), ("plan.empty-service", "Services:5")]
    assert [s.name for s in plan.services_with_returns()] == ["Children and Justice", "Adult and Older People"]


@pytest.mark.parametrize("content", [b"Service,Manager\n", b"", b"PK\x03\x04 not really a zip"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    plan, report = load_plan(path)
    assert plan is None and report.codes() == [("plan.not-a-workbook", None)]
    assert report.issues[0].file == "plan.xlsx"


@pytest.mark.parametrize("name, content, reason", [
    ("plan.xls", b"\xd0\xcf\x11\xe0 old excel", "old .xls format"),
    ("plan.csv", b"Setting,Value\n", "a .csv file"),
    ("plan.xlsx", b"\xd0\xcf\x11\xe0 encrypted", "damaged or password-protected"),
])
def test_unreadable_plans_say_what_to_do(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    assert reason in load_plan(path)[1].issues[0].message


def test_no_such_file(tmp_path):
    plan, report = load_plan(tmp_path / "nope.xlsx")
    assert plan is None and "does not exist" in report.issues[0].message


def test_read_plan_raises_listing_the_errors(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[measure("SW01", Target="lots"), measure("SW01")])
    with pytest.raises(XlplanError, match=r"(?s)has errors.*Measures!H2.*lots.*Measures!A3"):
        read_plan(path)


def test_report_order_is_by_theme_then_outcome_then_row(tmp_path):
    plan, _ = load_plan(build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Theme=THEMES[2], Outcome="Governance"),
        measure("SW02", Theme=THEMES[0], Outcome="Protect children"),
        measure("SW03", Theme=THEMES[0], Outcome="Justice"),
        measure("SW04", Theme=THEMES[0], Outcome="Protect children"),
        measure("SW05", Service="Adult and Older People")]))
    assert [m.code for m in plan.measures_for("children and justice ")] == ["SW02", "SW04", "SW03", "SW01"]
    assert plan.outcomes(THEMES[0]) == ["Protect children", "Justice", "Outcome one"]
    assert plan.service("ADULT AND OLDER PEOPLE").email == "sam@anytown.gov.uk"


def test_fingerprint_follows_content_not_file_bytes(tmp_path):
    a = build_plan(tmp_path / "a.xlsx")
    b = build_plan(tmp_path / "b.xlsx")
    first = load_plan(a)[0]
    assert first.fingerprint == load_plan(b)[0].fingerprint
    resaved = openpyxl.load_workbook(a)
    resaved.save(tmp_path / "c.xlsx")
    assert load_plan(tmp_path / "c.xlsx")[0].fingerprint == first.fingerprint
    changed = edit(b, "Measures", H2="80%")
    assert load_plan(changed)[0].fingerprint != first.fingerprint
    assert load_plan(changed)[0].identity == first.identity


def test_ratio_and_directional_targets(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Unit="ratio", Target="70/30"),
        measure("SW02", Unit="number", Polarity="Lower", Target="Reduce", **{"2022/23": "4"}),
        measure("SW03", Unit="number", Target="TBC", Service="Adult and Older People")]))
    assert report.valid
    sw01, sw02, sw03 = plan.measures
    assert sw01.target.figure == Ratio(70, 30)
    rule = sw02.rule(Period.parse("2023-24-Q2"))
    assert (sw02.target.kind, rule.target) == (TargetKind.REDUCE, 4)
    assert sw03.target.kind is TargetKind.TBC


def test_a_title_row_above_the_headers_is_allowed(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[measure("SW01", Target="lots"),
                                                        measure("SW02", Service="Adult and Older People")])
    wb = openpyxl.load_workbook(path)
    wb["Measures"].insert_rows(1, 2)
    wb["Measures"]["A1"] = "Anytown Council: performance measures 2023-24"
    wb.save(path)
    plan, report = load_plan(path)
    assert report.codes() == [("plan.bad-target", "Measures!H4")]   # rows counted as Excel shows them
    assert [m.row for m in plan.measures] == [5]


def test_a_row_with_an_empty_first_cell_is_reported_not_a_crash(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx",
                      measures=[measure("SW01"), measure("SW02", Service="Adult and Older People")])
    wb = openpyxl.load_workbook(path)
    wb["Measures"]["A3"] = None             # a truly empty cell, not an empty string
    wb.save(path)
    assert errors(path) == [("plan.required-value", "Measures!A3")]


@pytest.mark.parametrize("polarity, target, expected, read_as", [
    ("Higher", "Reduce", [("plan.polarity-conflict", "Measures!G2")], Polarity.LOWER),
    ("Lower", "Increase", [("plan.polarity-conflict", "Measures!G2")], Polarity.HIGHER),
    ("", "Reduce", [], Polarity.LOWER),                 # the target gives the direction
    ("", "72", [("plan.assumed-polarity", "Measures!G2")], Polarity.HIGHER),
    ("Lower", "Reduce", [], Polarity.LOWER),
    ("Monitor", "Increase", [], Polarity.MONITOR),
])
def test_polarity_and_directional_targets(tmp_path, polarity, target, expected, read_as):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Unit="number", Polarity=polarity, Target=target, **{"2022/23": "80"}),
        measure("SW02", Service="Adult and Older People")]))
    assert report.valid and report.codes() == expected
    assert plan.measures[0].rule(Period.parse("2023-24-Q2")).polarity is read_as


def test_text_that_looks_like_a_formula_is_written_and_read_as_text(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Measure="=HYPERLINK(\"http://example.org\",\"click\")"),
        measure("SW02", Service="Adult and Older People")])
    wb = openpyxl.load_workbook(path)
    assert wb["Measures"]["B2"].data_type == "s"
    plan, report = load_plan(path)
    assert report.valid and plan.measures[0].name == '=HYPERLINK("http://example.org","click")'
