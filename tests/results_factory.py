"""PeriodResults for report tests, built from a real plan workbook (tests/builders.py) without a store.

Statuses are computed by the status engine from each measure's rule and the figure given here, as
the store would; comments include hostile text that must come out literally in Word and Excel.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from builders import SERVICES, THEMES, action, build_plan, measure

from xlplan.errors import PLAN_BAD_VALUE, PLAN_MISSING_SETTING, issue
from xlplan.periods import Period
from xlplan.plan import Plan, read_plan
from xlplan.store import ActionResult, MeasureResult, PeriodResults, ReturnRecord, Source
from xlplan.status import ActionStatus, Status, action_overdue, measure_status, trend
from xlplan.values import Missing, Ratio, Value

PERIOD = Period.parse("2023-24-Q2")
EMPTY_THEME = "A theme with nothing reported"
SUPPORT = "Performance and Support"

LONG_COMMENT = ("Demand rose sharply over the summer. " * 140)[:5000]
HOSTILE = {
    "formula": '=HYPERLINK("http://x","y")',
    "plus": "+1",
    "minus": "-1 fewer staff than planned",
    "at": "@x",
    "markup": "<b>bold</b> & <i>not</i>",
    "jinja": "{{ jinja }} {% if x %}",
    "emoji": "Improving 📈 thanks to the team 👍",
    "rtl": "تحسن الأداء بشكل ملحوظ",
    "control": "Bell\x07 null\x00 escape\x1b end",
    "markers": "- not a bullet | not a cell **not bold** [[measure status table]]",
    "long": LONG_COMMENT,
}

# code → (plan row overrides, figure or Missing, previous status, comment)
MEASURES = {
    "SW01": (dict(Target="75%"), 0.80, Status.AMBER, HOSTILE["formula"]),
    "SW02": (dict(Target="75%", Outcome="Outcome two"), 0.70, Status.AMBER, HOSTILE["plus"]),
    "SW03": (dict(Unit="£", Polarity="Lower", Target="£100,000", Service="Adult and Older People"),
             130_000.0, Status.GREEN, HOSTILE["markup"]),
    "SW04": (dict(Unit="number", Target="2,500", Theme=THEMES[1], Outcome="Health outcome"),
             Missing.REPORT_LATER, Status.RED, HOSTILE["at"]),
    "SW05": (dict(Unit="ratio", Polarity="Monitor", Target="70/30", Theme=THEMES[1], Outcome="Health outcome"),
             Ratio(68, 32), None, HOSTILE["emoji"]),
    "SW06": (dict(Unit="number", Target="TBC", Theme=THEMES[1], Outcome="Health outcome",
                  Service="Adult and Older People"), 12.0, None, HOSTILE["control"]),
    "SW07": (dict(Target="90%", Theme=THEMES[1], Outcome="Second health outcome"), 0.50, Status.RED,
             HOSTILE["long"]),
    "SW08": (dict(Target="75%", Theme=THEMES[2], Outcome="Governance", Service=SUPPORT),
             Missing.NOT_AVAILABLE, Status.REPORT_LATER, HOSTILE["rtl"]),
    "SW09": (dict(Unit="number", Target="1,500", Theme=THEMES[2], Outcome="Governance", Service=SUPPORT),
             1668.0, Status.REPORT_LATER, HOSTILE["jinja"]),
    "SW10": (dict(Unit="£", Target="£91,748", Profile="Cumulative", Theme=THEMES[2], Outcome="Governance"),
             20_000.0, Status.RED, HOSTILE["markers"]),
}
ASSESSED = {"SW06": Status.GREEN}     # the manager's own status where there is no target
HISTORY = {"2020/21": 0.78, "2021/22": 0.81, "2022/23": 0.79}

# ref → (plan row overrides, status, comment)
ACTIONS = {
    "A1": (dict(), ActionStatus.COMPLETE, HOSTILE["minus"]),
    "A2": (dict(Outcome="Outcome two"), ActionStatus.GREEN, HOSTILE["formula"]),
    "A3": (dict(Theme=THEMES[1], Outcome="Health outcome", Service="Adult and Older People"),
           ActionStatus.AMBER, HOSTILE["markup"]),
    "A4": (dict(Theme=THEMES[1], Outcome="Health outcome", Due="30/06/2023"), ActionStatus.RED, HOSTILE["rtl"]),
    "A5": (dict(Theme=THEMES[2], Outcome="Governance", Service=SUPPORT), ActionStatus.REPORT_LATER, ""),
}


def make_plan(tmp_path: Path) -> Plan:
    rows = []
    for code, (over, *_rest) in MEASURES.items():
        row = measure(code, **over)
        if row["Unit"] == "%":
            row.update({y: v for y, v in HISTORY.items()})
        elif row["Unit"] in ("number", "£"):
            row.update({"2020/21": 1200, "2021/22": 1350, "2022/23": 1400})
        rows.append(row)
    acts = [action(ref, **over) for ref, (over, *_r) in ACTIONS.items()]
    services = [*SERVICES, {"Service": SUPPORT, "Manager": "Chris Manager", "Email": "chris@anytown.gov.uk"}]
    path = build_plan(tmp_path / "plan.xlsx", measures=rows, actions=acts,
                      themes=[*THEMES, EMPTY_THEME], services=services)
    return read_plan(path)


def make_results(tmp_path: Path, period: Period = PERIOD) -> PeriodResults:
    """A quarter with every status, unit and no-data reason, an empty theme and hostile comments."""
    plan = make_plan(tmp_path)
    tolerance = plan.settings.amber_tolerance
    measures = []
    for m in plan.measures:
        _over, given, previous, comment = MEASURES[m.code]
        value = Value(None, given) if isinstance(given, Missing) else Value(given)
        rule = m.rule(period, tolerance)
        assessment = measure_status(value, rule, ASSESSED.get(m.code))
        history = {y.slash: v.figure for y, v in m.history.items()}
        last_q = None if value.figure is None or isinstance(value.figure, Ratio) else value.figure * 0.95
        measures.append(MeasureResult(
            code=m.code, name=m.name, theme=m.theme, outcome=m.outcome, service=m.service, unit=m.unit,
            polarity=m.polarity.value, target=rule.target, target_text=m.target.describe(m.unit),
            annual_target_text=m.target.describe(m.unit), figure=value.figure,
            missing=value.missing, status=assessment.status, basis=assessment.basis, rule=rule.describe(),
            comment=comment, history=history, previous_quarter=last_q,
            trend_quarter=trend(value.figure, last_q, m.polarity), previous_status=previous,
            source=Source(_file(m.service), "ab" * 32, "Measures", f"K{m.row + 5}"),
        ))
    actions = []
    for a in plan.actions:
        _over, status, comment = ACTIONS[a.ref]
        actions.append(ActionResult(
            ref=a.ref, name=a.name, measures=a.measures, theme=a.theme, outcome=a.outcome, service=a.service,
            status=status, comment=comment, due=a.due, overdue=action_overdue(status, a.due, period),
            source=Source(_file(a.service), "ab" * 32, "Actions", f"H{a.row + 5}"),
        ))
    received = datetime(2023, 10, 12, 9, 30)
    returns = [
        ReturnRecord("Children and Justice", _file("Children and Justice"), "ab" * 32, received, "accepted",
                     warnings=1),
        ReturnRecord("Adult and Older People", _file("Adult and Older People"), "cd" * 32, received,
                     "rejected", reasons=["The file is not the return for this quarter"], errors=1),
        ReturnRecord(None, "=cmd|' /C calc'!A0.xlsx", "ef" * 32, received, "rejected",
                     reasons=["Not a return workbook"], errors=1),
    ]
    issues = [
        issue(PLAN_BAD_VALUE, file=_file("Children and Justice"), sheet="Measures", cell="K9", row=9,
              key="SW02", column="To date", value='=HYPERLINK("http://x","y")', reason="not a number"),
        issue(PLAN_MISSING_SETTING, setting="Template password", consequence="templates are not protected"),
    ]
    return PeriodResults(plan=plan, period=period, measures=measures, actions=actions, returns=returns,
                         issues=issues, expected_services=[s.name for s in plan.services_with_returns()],
                         generated_at=datetime(2023, 10, 20, 14, 0))


def _file(service: str) -> str:
    return f"{PERIOD.id} {service} return.xlsx"


def big_results(n_measures: int = 1000, n_actions: int = 300, n_themes: int = 6) -> PeriodResults:
    """A large quarter built in memory (no workbook): for size and speed checks of the reports."""
    from xlplan.plan import Action, Measure, Service, Settings
    from xlplan.periods import FinancialYear
    from xlplan.status import Polarity, Profile
    from xlplan.values import Target, TargetKind, Unit

    themes = [f"Theme {t + 1}" for t in range(n_themes)]
    services = [Service(f"Service {s + 1}", "Manager", f"s{s}@example.gov.uk") for s in range(10)]
    statuses = [Status.GREEN, Status.AMBER, Status.RED, Status.REPORT_LATER, Status.CONTEXTUAL]
    units = [Unit.PERCENT, Unit.MONEY, Unit.NUMBER, Unit.RATIO]
    measures, results = [], []
    for i in range(n_measures):
        theme, outcome = themes[i % n_themes], f"Outcome {i % 17 + 1}"
        unit, service = units[i % 4], services[i % 10].name
        figure = {Unit.PERCENT: 0.7 + (i % 30) / 100, Unit.MONEY: 1000.0 * i, Unit.NUMBER: float(i),
                  Unit.RATIO: Ratio(70, 30)}[unit]
        status = statuses[i % 5]
        code = f"M{i:05d}"
        measures.append(Measure(code, f"Measure {i} with a name long enough to wrap in the table", theme,
                                outcome, service, unit, Polarity.HIGHER, Target(TargetKind.FIGURE, figure),
                                Profile(), row=i + 2))
        results.append(MeasureResult(
            code=code, name=measures[-1].name, theme=theme, outcome=outcome, service=service, unit=unit,
            polarity="Higher", target=figure, target_text="75%", annual_target_text="75%",
            figure=None if status is Status.REPORT_LATER else figure,
            missing=Missing.REPORT_LATER if status is Status.REPORT_LATER else None, status=status,
            basis="computed", rule="", comment=f"Comment {i}: " + "progress was steady this quarter. " * 8,
            history={"2020/21": figure, "2021/22": figure, "2022/23": figure},
            previous_status=statuses[(i + 1) % 5],
        ))
    actions, action_results = [], []
    for j in range(n_actions):
        theme = themes[j % n_themes]
        actions.append(Action(f"A{j}", f"Action {j}", "Report quarterly", theme, f"Outcome {j % 17 + 1}",
                              services[j % 10].name, row=j + 2))
        action_results.append(ActionResult(f"A{j}", f"Action {j}", "Report quarterly", theme,
                                           f"Outcome {j % 17 + 1}", services[j % 10].name,
                                           list(ActionStatus)[j % 5], comment=f"Action comment {j}"))
    plan = Plan(Settings(organisation="Big Council", plan="Big Plan", year=FinancialYear(2023),
                         committee="Committee", report_by="Director", contact="Officer"),
                themes, services, measures, actions)
    return PeriodResults(plan, PERIOD, results, action_results, [], [], [s.name for s in services],
                         datetime(2023, 10, 20, 14, 0))
