"""The plan model: the plan workbook a performance officer edits, read into typed objects.

Sheets (a contract: templates, collect and reports rely on these names): Settings (Setting,
Value), Themes (Theme), Services (Service, Manager, Email), Measures (Code, Measure, Theme,
Outcome, Service, Unit, Polarity, Target, Profile, optional Tolerance, Baseline, Links, Category,
Frequency, Aggregate, target columns headed by a year, Target 2024/25, and history columns headed
by a financial year, 2020/21 or 2020-21), Actions (Ref, Action, Measures,
Theme, Outcome, Service, optional Owner, Start, Due), and the optional Risks (Code, Risk, Service,
Likelihood, Impact, optional Description, Owner, Target score, Controls: the risk register; a plan
without it has no risks anywhere). Headers match case-insensitively, ignoring
surrounding spaces; column order is free; extra columns are kept and ignored (one that looks like a
misspelt column is warned about); the header row is row 1 or the first row below a title that
names the columns.

This module holds the objects only (no I/O): reading them from a workbook is reader.py's, and
`load_plan`/`read_plan` (with the cache) are load.py's, offered as `xlplan.plan.load_plan`.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from json.encoder import encode_basestring_ascii
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, timedelta
from typing import TYPE_CHECKING, Callable

from xlplan.errors import XlplanError
from xlplan.frequency import QUARTERLY, Aggregate, Frequency
from xlplan.periods import FinancialYear, Period
from xlplan.status import DEFAULT_TOLERANCE, Polarity, Profile, Rule, Tolerance, make_rule
from xlplan.values import Figure, Target, Unit, Value

if TYPE_CHECKING:      # a plan's Budget is plan/budget.py's, loaded with a plan that has one
    from xlplan.plan.budget import Budget

SHEETS = ("Settings", "Themes", "Services", "Measures", "Actions")

REQUIRED_COLUMNS = {
    "Settings": ("Setting", "Value"),
    "Themes": ("Theme",),
    "Services": ("Service", "Manager", "Email"),
    "Measures": ("Code", "Measure", "Theme", "Outcome", "Service", "Unit", "Polarity", "Target", "Profile"),
    "Actions": ("Ref", "Action", "Measures", "Theme", "Outcome", "Service"),
    "Risks": ("Code", "Risk", "Service", "Likelihood", "Impact"),
}
OPTIONAL_COLUMNS = {
    "Services": ("Department",),
    "Measures": ("Tolerance", "Baseline", "Links", "Category", "Frequency", "Aggregate", "Source"),
    "Actions": ("Owner", "Start", "Due", "Carried status", "Carried progress"),
    "Risks": ("Description", "Owner", "Target score", "Controls"),
}
RISKS_SHEET = "Risks"        # optional: the risk register (plan/risks.py reads it)

# Settings rows: name → what it means (also the header note in `xlplan init`'s starter plan).
SETTINGS = {
    "Organisation": "The council or partnership, e.g. South Lanarkshire Council.",
    "Plan": "The plan's title, e.g. Social Work Resource Plan.",
    "Year": "The financial year the plan covers, e.g. 2023-24.",
    "Committee": "The committee the performance report goes to.",
    "Report by": "Who the committee report is by, e.g. Director, Social Work Resources.",
    "Contact": "Name, email and phone number for questions about returns and reports.",
    "Amber tolerance": "How far a figure may miss its target and still be Amber, as a percentage of the target "
                       "(default 10%). A measure may set its own, e.g. 5 points, in the Measures sheet.",
    "Return deadline": "When returns are due: days after quarter end (e.g. 21 days, or 15 working days), or a date "
                       "such as 20/10/2023 for one quarter's returns.",
    "Template password": "Optional password protecting the return templates' sheets.",
    "Email from": "Optional: who `xlplan send` emails come from, e.g. Performance Team <perf@council.gov.uk> "
                  "(default: the address in Contact).",
    "Budget tolerance": "Optional, with a Budget sheet: how far spend may run over the budget profiled to date "
                        "(or income fall short) and still be Amber, e.g. 2% or £50,000 (default: the Amber "
                        "tolerance). Add a sheet named Budget (Service, Line, FTE, Expenditure, Income, Net, "
                        "Profile, Type) to ask each service for spend to date and forecast outturn.",
    "Risk scale": "Optional, for the Risks sheet: the whole numbers Likelihood and Impact are scored on, e.g. "
                  "1-5 (the default). A risk's score is likelihood x impact.",
    "Risk bands": "Optional, for the Risks sheet: which scores are Green, Amber and Red, e.g. "
                  "1-4 Green; 5-12 Amber; 15-25 Red (the default for a 1-5 scale). Every score the scale can "
                  "give must be in exactly one band.",
}


# Who is told a plan's fingerprint once it is worked out: id(plan) -> callback, dropped with the plan.
# The plan cache registers here (plan/cache.py) to keep the fingerprint beside the entry the plan
# came from, so the model needs to know nothing of the cache.
_FINGERPRINT_WANTED: dict[int, Callable[[str], None]] = {}


def tell_fingerprint(plan: "Plan", callback: Callable[[str], None]) -> None:
    """Call `callback(fingerprint)` when `plan`'s fingerprint is worked out (for as long as it lives)."""
    key = id(plan)
    if key not in _FINGERPRINT_WANTED:
        weakref.finalize(plan, _FINGERPRINT_WANTED.pop, key, None)
    _FINGERPRINT_WANTED[key] = callback


@dataclass(frozen=True)
class Settings:
    organisation: str = ""
    plan: str = ""
    year: FinancialYear | None = None
    committee: str = ""
    report_by: str = ""
    contact: str = ""
    amber_tolerance: Tolerance = DEFAULT_TOLERANCE
    return_deadline: date | None = None
    deadline_days: int | None = None       # "21 days" after quarter end, when no fixed date is given
    template_password: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    deadline_working_days: bool = False    # "15 working days": Monday to Friday (bank holidays not known)

    def deadline_for(self, period: Period) -> date | None:
        """The return deadline for `period`: quarter end + N days (or working days), or the fixed date.

        A fixed date belongs to one quarter's returns: it is used only for the period that ended in the
        three months before it, so a date left over from last quarter is never sent out again (None then).
        """
        if self.deadline_days is not None:
            if not self.deadline_working_days:
                return period.end + timedelta(days=self.deadline_days)
            day, left = period.end, self.deadline_days
            while left:
                day += timedelta(days=1)
                left -= day.weekday() < 5
            return day
        d = self.return_deadline
        return d if d is not None and period.end < d <= period.end + timedelta(days=92) else None


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    manager: str
    email: str
    row: int = 0
    department: str = ""       # the department whose collect takes its return ("" : none named)


@dataclass(frozen=True, slots=True)
class Measure:
    code: str
    name: str
    theme: str
    outcome: str
    service: str
    unit: Unit
    polarity: Polarity
    target: Target
    profile: Profile
    tolerance: Tolerance | None = None
    baseline: Value | None = None
    links: str = ""
    category: str = ""
    history: dict[FinancialYear, Value] = field(default_factory=dict)
    row: int = 0
    frequency: Frequency = QUARTERLY
    aggregate: Aggregate | None = None            # a monthly measure's own rule; None: by unit
    year_targets: dict[FinancialYear, Target] = field(default_factory=dict)   # "Target 2024/25" columns
    source: str = ""       # the system its figures come from (`xlplan import`); "": the service's return

    def outturn(self, year: FinancialYear) -> Figure | None:
        v = self.history.get(year)
        return v.figure if v is not None else None

    @property
    def quarter_rule(self) -> Aggregate:
        """How a monthly measure's months make the quarter figure: its Aggregate, else by unit."""
        return self.aggregate or Aggregate.default_for(self.unit)

    def due_in(self, period: Period) -> bool:
        return self.frequency.due_in(period)

    def target_for(self, year: FinancialYear) -> tuple[Target, str]:
        """The target for `year` and the plan column it came from: the year's own target column
        where it has a value, else Target."""
        own = self.year_targets.get(year)
        if own is not None:
            return own, f"Target {year.slash}"
        return self.target, "Target"

    def rule(self, period: Period, default_tolerance: Tolerance = DEFAULT_TOLERANCE) -> Rule:
        """The status rule for `period` (the year's target profiled; directional targets use last
        year's outturn)."""
        target, column = self.target_for(period.year) if self.year_targets else (self.target, "Target")
        return make_rule(self.unit, self.polarity, target, self.profile, period, self.tolerance,
                         default_tolerance, previous_outturn=self.outturn(period.year.previous()),
                         target_column=column)


@dataclass(frozen=True, slots=True)
class Action:
    ref: str
    name: str
    measures: str
    theme: str
    outcome: str
    service: str
    owner: str = ""
    start: date | None = None
    due: date | None = None
    row: int = 0


@dataclass(frozen=True, slots=True)
class RiskBand:
    """Scores from `low` to `high` (inclusive) are `word`: Green, Amber or Red."""

    low: int
    high: int
    word: str


BAND_WORDS = ("Green", "Amber", "Red")


@dataclass(frozen=True)
class RiskRules:
    """How risks are scored: Likelihood and Impact are whole numbers from `low` to `high`; the
    score is their product, coloured by `bands` (Settings: Risk scale, Risk bands)."""

    low: int = 1
    high: int = 5
    bands: tuple[RiskBand, ...] = (RiskBand(1, 4, "Green"), RiskBand(5, 12, "Amber"), RiskBand(15, 25, "Red"))

    @property
    def levels(self) -> range:
        return range(self.low, self.high + 1)

    def scores(self) -> list[int]:
        """Every score the scale can give (a 1-5 scale cannot give 7, 11, 13, 14…)."""
        return sorted({a * b for a in self.levels for b in self.levels})

    def band(self, score: int | None) -> str | None:
        """The band word of `score` (None for no score, or one no band covers)."""
        if score is None:
            return None
        return next((b.word for b in self.bands if b.low <= score <= b.high), None)

    def describe(self) -> str:
        """`1-5; 1-4 Green; 5-12 Amber; 15-25 Red`: the rule as stored with every assessment."""
        return f"{self.low}-{self.high}; " + "; ".join(
            (f"{b.low}-{b.high}" if b.low != b.high else f"{b.low}") + f" {b.word}" for b in self.bands)

    @classmethod
    def from_text(cls, text: str) -> "RiskRules | None":
        """The rules `describe` wrote (as stored with an assessment), or None if it is not that."""
        import re
        parts = [p.strip() for p in (text or "").split(";")]
        scale = re.fullmatch(r"(\d+)-(\d+)", parts[0]) if parts else None
        bands = [re.fullmatch(r"(\d+)(?:-(\d+))? (Green|Amber|Red)", p) for p in parts[1:]]
        if scale is None or not bands or None in bands:
            return None
        return cls(int(scale.group(1)), int(scale.group(2)),
                   tuple(RiskBand(int(m.group(1)), int(m.group(2) or m.group(1)), m.group(3)) for m in bands))

    @classmethod
    def default_for(cls, low: int, high: int) -> "RiskRules":
        """The bands used when a plan sets a scale but no bands: the default 1-5 bands' shares of
        the top score (up to 4/25 Green, up to 12/25 Amber, the rest Red), each starting at a score
        the scale can give, so a 1-5 scale gets 1-4 Green; 5-12 Amber; 15-25 Red."""
        scores = cls(low, high, ()).scores()
        top = scores[-1]
        green = max([x for x in scores if x <= top * 4 // 25] or scores[:1])
        amber = max([x for x in scores if x <= top * 12 // 25 and x > green] or [green + 1])
        after = lambda x: min([y for y in scores if y > x] or [x + 1])   # noqa: E731
        return cls(low, high, (RiskBand(scores[0], green, "Green"), RiskBand(after(green), amber, "Amber"),
                               RiskBand(after(amber), top, "Red")))


DEFAULT_RISK_RULES = RiskRules()


@dataclass(frozen=True, slots=True)
class Risk:
    """One risk of the register, as the plan assesses it (its Likelihood and Impact at plan time)."""

    code: str
    name: str
    service: str
    likelihood: int
    impact: int
    description: str = ""
    owner: str = ""
    target: int | None = None         # the target score
    controls: str = ""                # controls and mitigations
    row: int = 0

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


@dataclass(frozen=True)
class Plan:
    settings: Settings
    themes: list[str]
    services: list[Service]
    measures: list[Measure]
    actions: list[Action]
    source: str = ""
    risks: list[Risk] = field(default_factory=list)          # the Risks sheet's register (optional)
    risk_rules: RiskRules = DEFAULT_RISK_RULES                # Settings: Risk scale, Risk bands
    budget: Budget | None = None      # the optional Budget sheet (plan/budget.py)

    @property
    def year(self) -> FinancialYear | None:
        return self.settings.year

    def service(self, name: str) -> Service | None:
        return self._services_by_key.get(name.strip().casefold())

    @cached_property
    def _services_by_key(self) -> dict[str, Service]:
        """Casefolded name → service (the first of any repeats), built once: collect asks for each
        return's service, and a national plan has a thousand."""
        found: dict[str, Service] = {}
        for s in self.services:
            found.setdefault(s.name.casefold(), s)
        return found

    def measures_for(self, service: str) -> list[Measure]:
        """The service's measures in report order: by theme (plan order), then outcome, then row."""
        return list(self._by_service[0].get(service.strip().casefold(), ()))

    def actions_for(self, service: str) -> list[Action]:
        return list(self._by_service[1].get(service.strip().casefold(), ()))

    def risks_for(self, service: str) -> list[Risk]:
        """The service's risks in the register's row order."""
        return list(self._risks_by_service.get(service.strip().casefold(), ()))

    @cached_property
    def _risks_by_service(self) -> dict[str, list[Risk]]:
        found: dict[str, list[Risk]] = {}
        for r in self.risks:
            found.setdefault(r.service.casefold(), []).append(r)
        return found

    @cached_property
    def _by_service(self) -> tuple[dict[str, list[Measure]], dict[str, list[Action]]]:
        """Each service's measures and actions in report order, computed once (collect and templates
        ask for them per service, and a national plan has a thousand services)."""
        found: tuple[dict, dict] = ({}, {})
        for index, items in ((0, self.measures), (1, self.actions)):
            for item in items:
                found[index].setdefault(item.service.casefold(), []).append(item)
            for key in found[index]:
                found[index][key].sort(key=self._order)
        return found

    def service_order(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Each service's measures and actions in report order as positions in `measures` and
        `actions`: what the plan cache keeps, so that a plan from it need not sort them again."""
        kept = []
        for items, by_service in ((self.measures, self._by_service[0]), (self.actions, self._by_service[1])):
            at = {id(item): i for i, item in enumerate(items)}
            kept.append({key: [at[id(item)] for item in found] for key, found in by_service.items()})
        return kept[0], kept[1]

    def know_service_order(self, order: tuple[dict[str, list[int]], dict[str, list[int]]]) -> None:
        """Take `service_order()` of this same plan (kept by the plan cache) instead of sorting."""
        self.__dict__["_by_service"] = tuple({key: [items[i] for i in positions] for key, positions in kept.items()}
                                             for items, kept in ((self.measures, order[0]), (self.actions, order[1])))

    def departments(self) -> list[str]:
        """The departments the Services sheet names, in first-appearance order."""
        return list(dict.fromkeys(s.department for s in self.services if s.department))

    def department(self, name: str) -> str | None:
        """The department called `name` (case and spaces aside) as the plan spells it, or None."""
        key = " ".join(name.split()).casefold()
        return next((d for d in self.departments() if d.casefold() == key), None)

    def named_department(self, name: str) -> str:
        """The department called `name` as the plan spells it; XlplanError naming the plan's departments
        when there is none (a command's --department)."""
        found = self.department(name)
        if found is None:
            named = self.departments()
            raise XlplanError(
                f"The plan has no department '{name}'"
                + (f"; its departments are: {', '.join(named)}." if named else
                   ": its Services sheet has no Department column. Add one, naming each service's department, "
                   "or leave out --department."))
        return found

    def services_of(self, department: str) -> list[Service]:
        """The services of `department` (as the plan spells it), in plan order."""
        return [s for s in self.services if s.department == department]

    def services_with_returns(self) -> list[Service]:
        """Services that have at least one measure or action: those that get a return template."""
        used = {item.service.casefold() for item in [*self.measures, *self.actions, *self.risks]}
        if self.budget is not None:
            used |= self.budget.services()
        return [s for s in self.services if s.name.strip().casefold() in used]

    def outcomes(self, theme: str) -> list[str]:
        """Outcomes under `theme` in first-appearance order (measures first, then actions)."""
        seen: dict[str, None] = {}
        for item in [*self.measures, *self.actions]:
            if item.theme == theme:
                seen.setdefault(item.outcome, None)
        return list(seen)

    def _order(self, item: Measure | Action) -> tuple:
        themes, outcomes = self._order_index
        t = themes.get(item.theme, len(themes))
        seen = outcomes.get(item.theme, {})
        return (t, seen.get(item.outcome, len(seen)), item.row)

    @cached_property
    def _order_index(self) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        """Theme → position and theme → {outcome → position}, computed once (plans are not changed
        after reading) so that ordering a large plan's items stays linear."""
        themes: dict[str, int] = {}
        for t in self.themes:
            themes.setdefault(t, len(themes))
        outcomes: dict[str, dict[str, int]] = {}
        for item in [*self.measures, *self.actions]:
            seen = outcomes.setdefault(item.theme, {})
            seen.setdefault(item.outcome, len(seen))
        return themes, outcomes

    @property
    def identity(self) -> str:
        """Which plan this is, regardless of edits: organisation + plan title + year."""
        basis = "|".join([self.settings.organisation.strip().casefold(), self.settings.plan.strip().casefold(),
                          self.year.label if self.year else ""])
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the plan's content (not its file bytes): re-saving the workbook keeps it.
        Computed once per Plan (plans are not changed after reading), and kept with the plan's
        cache entry when it came from one (`load_plan`)."""
        digest = hashlib.sha256()
        for chunk in _canonical_json(self):
            digest.update(chunk.encode())
        return self._found(digest.hexdigest())

    def fingerprint_known(self) -> bool:
        """Whether `fingerprint` is at hand (computed, or brought from the cache) at no cost."""
        return "fingerprint" in self.__dict__

    def _found(self, fingerprint: str) -> str:
        wanted = _FINGERPRINT_WANTED.get(id(self))
        if wanted is not None:
            wanted(fingerprint)
        return fingerprint

    def know_fingerprint(self, fingerprint: str) -> None:
        """Take a fingerprint worked out before for this same content (the cache brings it)."""
        self.__dict__["fingerprint"] = fingerprint

    def __reduce__(self):
        """Pickled as its fields and its fingerprint if known: not the lookups derived from them
        (rebuilt when used), nor the cache entry it came from (which holds the officer's key)."""
        return _unpickle_plan, (self.settings, self.themes, self.services, self.measures, self.actions,
                                self.source, self.__dict__.get("fingerprint"), self.risks, self.risk_rules,
                                self.budget)

    def canonical_json(self) -> str:
        """The content `fingerprint` hashes, as one JSON text (the store keeps it as the plan's
        snapshot); the fingerprint is taken from it if not computed yet, not built a second time."""
        text = "".join(_canonical_json(self))
        if "fingerprint" not in self.__dict__:
            digest = hashlib.sha256()
            for i in range(0, len(text), 1 << 20):     # ASCII (JSON escapes the rest): no 2nd whole copy
                digest.update(text[i:i + (1 << 20)].encode())
            self.__dict__["fingerprint"] = self._found(digest.hexdigest())
        return text


def _unpickle_plan(settings, themes, services, measures, actions, source, fingerprint, risks=(),
                   risk_rules=DEFAULT_RISK_RULES, budget=None) -> Plan:
    plan = Plan(settings, themes, services, measures, actions, source, list(risks), risk_rules, budget)
    if fingerprint is not None:
        plan.know_fingerprint(fingerprint)
    return plan


def _canonical(plan: Plan) -> dict:
    """The plan's content as plain data (rows and source path left out: moving rows or files is not
    a change of content)."""
    def action(a: Action) -> dict:
        return {"ref": a.ref, "name": a.name, "measures": a.measures, "theme": a.theme, "outcome": a.outcome,
                "service": a.service, "owner": a.owner, "start": str(a.start), "due": str(a.due)}

    found = {"settings": repr(plan.settings), "themes": plan.themes,
             "services": [[s.name, s.manager, s.email, *([s.department] if s.department else [])]
                          for s in plan.services],
             "measures": [_canonical_measure(m) for m in plan.measures], "actions": [action(a) for a in plan.actions],
             **_canonical_risks(plan)}
    if plan.budget is not None:      # only with a Budget sheet: a plan without one keeps its fingerprint
        found["budget"] = plan.budget.canonical()
    return found


def _canonical_risks(plan: Plan) -> dict:
    """The risk register and its rules, only where the plan has either (so a plan without them
    keeps the fingerprint it had before risks existed)."""
    out: dict = {}
    if plan.risk_rules != DEFAULT_RISK_RULES:
        out["risk_rules"] = plan.risk_rules.describe()
    if plan.risks:
        out["risks"] = [{"code": r.code, "controls": r.controls, "description": r.description, "impact": r.impact,
                         "likelihood": r.likelihood, "name": r.name, "owner": r.owner, "service": r.service,
                         "target": r.target} for r in plan.risks]
    return out


def _canonical_measure(m: Measure) -> dict:
    return {"code": m.code, "name": m.name, "theme": m.theme, "outcome": m.outcome, "service": m.service,
            "unit": m.unit.value, "polarity": m.polarity.value, "target": repr(m.target),
            "profile": repr(m.profile), "tolerance": repr(m.tolerance), "baseline": repr(m.baseline),
            "links": m.links, "category": m.category,
            "history": {str(y): repr(v.figure) for y, v in sorted(m.history.items())},
            **_yearly(m)}


def _yearly(m: Measure) -> dict:
    """The content of the Frequency, Aggregate, year target and Source columns, only where a measure
    has any (so a plan without them keeps the fingerprint it had before they existed)."""
    out = {}
    if m.aggregate is not None:
        out["aggregate"] = m.aggregate.value
    if m.frequency != QUARTERLY:
        out["frequency"] = m.frequency.describe()
    if m.year_targets:
        out["targets"] = {str(y): repr(t) for y, t in sorted(m.year_targets.items())}
    if m.source:
        out["source"] = m.source
    return out


def _canonical_json(plan: Plan, batch: int = 2000):
    """`json.dumps(_canonical(plan), sort_keys=True, default=str)` in pieces, byte for byte, built
    from the plan's fields without a dict per item (keys written in sorted order) and with each
    repeated string, target, profile, figure and date encoded once: a plan shares these objects
    between its rows, so they are remembered by identity (the plan keeps them alive meanwhile)."""
    enc = text = _json_str
    words = _Encoded(enc)
    shown: dict[int, str] = {id(e): enc(e.value) for e in (*Unit, *Polarity)}
    known = shown.get

    def rep(obj, show=repr) -> str:
        shown[id(obj)] = out = enc(show(obj))
        return out

    figures: dict[int, str] = {}      # a Value in a history shows its figure (a baseline, the Value)
    figure_of = figures.get

    def figure(v) -> str:
        figures[id(v)] = out = enc(repr(v.figure))
        return out

    years: dict[int, str] = {}        # id of a history year → its JSON key and ": "
    widths: set[int] = set()

    def year(y) -> str:
        label = str(y)
        widths.add(len(label))
        years[id(y)] = out = enc(label) + ": "
        return out
    year_of = years.get

    def measure(m: Measure) -> str:
        if m.aggregate is not None or m.year_targets or m.frequency != QUARTERLY or m.source:
            return json.dumps(_canonical_measure(m), sort_keys=True, default=str)
        h = m.history
        if h:
            parts = [(year_of(id(y)) or year(y)) + (figure_of(id(v)) or figure(v)) for y, v in h.items()]
            if len(widths) == 1:    # "label": ... with labels of one width: sorting the parts sorts the labels
                parts.sort()
            else:
                parts = [p for _, p in sorted((str(y), p) for y, p in zip(h, parts))]
            history = "{" + ", ".join(parts) + "}"
        else:
            history = "{}"
        return (f'{{"baseline": {known(id(m.baseline)) or rep(m.baseline)}, "category": {words[m.category]}, '
                f'"code": {text(m.code)}, "history": {history}, "links": {words[m.links]}, "name": {text(m.name)}, '
                f'"outcome": {words[m.outcome]}, "polarity": {known(id(m.polarity)) or rep(m.polarity.value, str)}, '
                f'"profile": {known(id(m.profile)) or rep(m.profile)}, "service": {words[m.service]}, '
                f'"target": {known(id(m.target)) or rep(m.target)}, "theme": {words[m.theme]}, '
                f'"tolerance": {known(id(m.tolerance)) or rep(m.tolerance)}, '
                f'"unit": {known(id(m.unit)) or rep(m.unit.value, str)}}}')

    def action(a: Action) -> str:
        return (f'{{"due": {known(id(a.due)) or rep(a.due, str)}, "measures": {words[a.measures]}, '
                f'"name": {text(a.name)}, "outcome": {words[a.outcome]}, "owner": {words[a.owner]}, '
                f'"ref": {text(a.ref)}, "service": {words[a.service]}, '
                f'"start": {known(id(a.start)) or rep(a.start, str)}, "theme": {words[a.theme]}}}')

    def items(name: str, objects: list, write, last: bool = False):
        yield f'"{name}": ['
        for i in range(0, len(objects), batch):
            yield (", " if i else "") + ", ".join(map(write, objects[i:i + batch]))
        yield "]" + ("" if last else ", ")

    yield "{"
    yield from items("actions", plan.actions, action)
    if plan.budget is not None:      # only with a Budget sheet (keys in sorted order: after actions)
        yield f'"budget": {plan.budget.canonical_json()}, '
    yield from items("measures", plan.measures, measure)
    for name, value in _canonical_risks(plan).items():       # "risk_rules", "risks": sorted after measures
        yield f'"{name}": {json.dumps(value, sort_keys=True, default=str)}, '
    yield from items("services", plan.services, lambda s: f"[{enc(s.name)}, {enc(s.manager)}, {enc(s.email)}"
                     + (f", {enc(s.department)}]" if s.department else "]"))   # a plan without departments
                                                                               # keeps its fingerprint
    yield f'"settings": {enc(repr(plan.settings))}, "themes": [{", ".join(map(enc, plan.themes))}]}}'


class _Encoded(dict):
    """text → its JSON, each distinct text encoded once."""

    def __init__(self, enc) -> None:
        super().__init__()
        self.enc = enc

    def __missing__(self, text: str) -> str:
        self[text] = out = self.enc(text)
        return out


def _json_str(value) -> str:
    """A value as json.dumps writes it within _canonical's data (strings; anything else via str)."""
    if type(value) is str:
        return encode_basestring_ascii(value)
    return json.dumps(value, default=str)
