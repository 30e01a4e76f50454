"""A synthetic plan and the managers' answers for the benchmark (deterministic: same S, same data).

S services × 50 measures + 30 actions + 3 risks (the risk register) + 5 budget lines (an activity
budget, as a management plan's; one line of each service an Income line, one profiled by quarter). The measures cycle through every unit (%, £, number, ratio),
every profile (Level, Cumulative, four quarterly targets), every polarity and every kind of target
(a figure, Increase/Reduce/Maintain, TBC, none), with three years of history where some outturns
are still "Final Result Not Yet Available", as in the council seeds. Answers are what a team
manager types: figures per unit, a few no-data words, a status where there is no target to
compute one from, and comments of a few hundred characters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

MEASURES_PER_SERVICE = 50
ACTIONS_PER_SERVICE = 30
RISKS_PER_SERVICE = 3
BUDGET_LINES_PER_SERVICE = 5       # the plan's Budget sheet: an activity budget per service
PERIOD = "2023-24-Q2"
YEARS = ("2020-21", "2021-22", "2022-23")

SETTINGS = {
    "Organisation": "Benchmark Council",
    "Plan": "Social Work Resource Plan",
    "Year": "2023-24",
    "Committee": "Social Work Resources Committee",
    "Report by": "Director, Social Work Resources",
    "Contact": "Pat Officer, pat.officer@benchmark.gov.uk, 01234 567890",
    "Amber tolerance": "10%",
    "Return deadline": "21 days",
}
THEMES = ["Safe, strong communities", "Improve health, care and wellbeing", "Improve later life",
          "Delivering the plan and achieving best value"]
OUTCOMES = {
    THEMES[0]: ["Protect vulnerable children, young people and adults", "Support people to live safely at home"],
    THEMES[1]: ["Deliver better health and social care outcomes", "Carers are supported"],
    THEMES[2]: ["Older people remain independent", "Quality residential care"],
    THEMES[3]: ["Efficient and effective use of resources", "Customers are satisfied"],
}
SERVICE_NAMES = ["Children and Justice", "Adult and Older People", "Performance and Support",
                 "Care at Home", "Justice Social Work", "Health Visiting", "Residential Care", "Fostering"]
MEASURE_STEMS = [
    "Percentage of child protection decision making within standard timescales (CP1s completed within 10 days)",
    "Community Payback Orders – percentage of First Job Appointment within 7 days (Unpaid Work)",
    "Make an annual saving from using recycled items as opposed to new through the joint store (Equipu)",
    "Number of complaints received and responded to within the timescales in the complaints procedure",
    "Balance of care: people supported at home compared with those in residential care",
    "Monitor the number of Child Protection referrals received and the conversion rate to investigation",
    "Number of adults on guardianship orders receiving statutory visits within timescale",
    "Percentage of care at home service users reporting that their outcomes are met",
]
COMMENT_WORDS = (
    "Performance continues to be affected by staffing pressures in the locality teams although recruitment "
    "to vacant posts is now under way and agency cover has been arranged for the quarter. The service has "
    "reviewed its processes with partners in health and the third sector, and a small test of change is "
    "being evaluated before it is rolled out across all four localities. Figures are provisional until the "
    "year end validation exercise is complete. Managers will continue to monitor progress monthly and "
    "report any further slippage to the Resource Management Team with a recovery plan."
).split()
NO_DATA_WORDS = ["Final Result Not Yet Available", "TBC", "Report later"]


@dataclass
class Synthetic:
    """The plan tables (as write_plan takes them) and the answers keyed by service."""

    services: list[dict]
    measures: list[dict]
    actions: list[dict]
    answers: dict[str, dict] = field(default_factory=dict)   # service → {"measures": …, "actions": …,
    risks: list[dict] = field(default_factory=list)           #            "risks": …, "budget": …}
    budget: list[dict] = field(default_factory=list)          # the Budget sheet's rows


def _comment(rng: random.Random) -> str:
    n = rng.randint(35, 65)          # ~200–400 characters
    start = rng.randrange(len(COMMENT_WORDS))
    words = [COMMENT_WORDS[(start + i) % len(COMMENT_WORDS)] for i in range(n)]
    text = " ".join(words).rstrip(".,") + "."
    return text[0].upper() + text[1:]


# (unit, polarity, target, profile, figure generator) – cycled so every combination occurs
def _measure_kinds() -> list[tuple[str, str, str, str]]:
    kinds = []
    for unit, targets in (
        ("%", ["75%", "90%", "Increase", "Maintain", "TBC", ""]),
        ("£", ["£175,000", "£2.5m", "Reduce", "TBC", ""]),
        ("number", ["2,500", "75", "Reduce", "Increase", ""]),
        ("ratio", ["70/30", "60/40", "TBC", ""]),
    ):
        for i, target in enumerate(targets):
            polarity = "Monitor" if target == "" else ("Lower" if target in ("Reduce", "75") else "Higher")
            if target in ("", "TBC"):
                profile = "Level"
            elif unit == "%":
                profile = ["Level", "20%; 40%; 60%; 80%"][i % 2]
            elif unit == "ratio":
                profile = ["Level", "70/30; 70/30; 70/30; 70/30"][i % 2]
            elif unit == "£" and target.startswith("£"):
                profile = ["Cumulative", "£40,000; £80,000; £120,000; £175,000"][i % 2]
            else:
                profile = ["Cumulative", "Level"][i % 2]
            kinds.append((unit, polarity, target, profile))
    return kinds


KINDS = _measure_kinds()


def _figure(rng: random.Random, unit: str):
    """A figure as a manager's cell holds it after typing: percent as a fraction (typed 85%)."""
    if unit == "%":
        return round(rng.uniform(0.4, 1.0), 3)
    if unit == "£":
        return round(rng.uniform(20_000, 250_000), 2)
    if unit == "number":
        return rng.randint(0, 4000)
    a = rng.randint(50, 80)
    return f"{a}/{100 - a}"


def _history(rng: random.Random, unit: str):
    if rng.random() < 0.05:
        return "Final Result Not Yet Available"
    v = _figure(rng, unit)
    return v


BUDGET_ACTIVITIES = ["Assessment and Care Management", "Care home provision", "Community based care and support",
                     "Service Support", "Charges and contributions"]


def _budget(rng: random.Random, name: str) -> tuple[list[dict], dict]:
    """A service's budget lines and the manager's spend to date and forecast for Q2."""
    rows, answers = [], {}
    for k in range(BUDGET_LINES_PER_SERVICE):
        line = BUDGET_ACTIVITIES[k % len(BUDGET_ACTIVITIES)]
        income_line = k == BUDGET_LINES_PER_SERVICE - 1
        expenditure = 0 if income_line else rng.randrange(200_000, 25_000_000)
        income = rng.randrange(50_000, 2_000_000) if income_line else rng.choice([0, rng.randrange(0, expenditure // 5)])
        rows.append({"Service": name, "Line": line, "FTE": round(rng.uniform(0, 240), 1),
                     "Expenditure": f"{expenditure:,}" if expenditure else "", "Income": f"({income:,})" if income else "0",
                     "Net": f"{expenditure - income:,}" if not income_line else "",
                     "Profile": "22%; 24%; 26%; 28%" if k == 1 else "", "Type": "Income" if income_line else ""})
        budget = income if income_line else expenditure - income
        share = 0.46 if k == 1 else 0.5
        answers[line] = {"Spend to date": round(budget * share * rng.uniform(0.95, 1.06)),
                         "Forecast outturn": round(budget * rng.uniform(0.97, 1.05)),
                         "Comments": _comment(rng) if rng.random() < 0.5 else None}
    return rows, answers


def build(services: int, seed: int = 2024) -> Synthetic:
    rng = random.Random(seed)
    svc_rows, measures, actions, risks, budget = [], [], [], [], []
    answers: dict[str, dict] = {}
    for s in range(services):
        name = f"{SERVICE_NAMES[s % len(SERVICE_NAMES)]} {s + 1:04d}"
        svc_rows.append({"Service": name, "Manager": f"Manager {s + 1:04d}",
                         "Email": f"manager{s + 1:04d}@benchmark.gov.uk"})
        m_answers, a_answers = {}, {}
        for j in range(MEASURES_PER_SERVICE):
            unit, polarity, target, profile = KINDS[(s + j) % len(KINDS)]
            theme = THEMES[j * len(THEMES) // MEASURES_PER_SERVICE]
            outcome = OUTCOMES[theme][j % 2]
            code = f"S{s + 1:04d}M{j + 1:02d}"
            row = {"Code": code, "Measure": f"{MEASURE_STEMS[j % len(MEASURE_STEMS)]} ({code})",
                   "Theme": theme, "Outcome": outcome, "Service": name, "Unit": unit, "Polarity": polarity,
                   "Target": target, "Profile": profile,
                   "Tolerance": ("5 points" if unit == "%" and j % 7 == 0 else "15%" if j % 11 == 0 else None),
                   "Links": f"C{j % 9 + 1}.{j % 4 + 1}", "Category": ["PUBLIC", "WLAM", "HIGH LEVEL"][j % 3]}
            for y in YEARS:
                row["/".join([y[:4], y[5:]])] = _history(rng, unit)
            measures.append(row)
            has_target = target not in ("", "TBC")
            if rng.random() < 0.04:
                to_date, status = rng.choice(NO_DATA_WORDS), "Report later"
            else:
                to_date = _figure(rng, unit)
                status = None if has_target else rng.choice(["Green", "Amber", "Red", "Green"])
            m_answers[code] = {"To date": to_date, "Status": status, "Comments/Progress": _comment(rng)}
        for k in range(ACTIONS_PER_SERVICE):
            theme = THEMES[k * len(THEMES) // ACTIONS_PER_SERVICE]
            ref = f"S{s + 1:04d}A{k + 1:02d}"
            actions.append({"Ref": ref, "Action": f"Implement improvement action {k + 1} for {name}: "
                                                  f"{MEASURE_STEMS[k % len(MEASURE_STEMS)].lower()}",
                            "Measures": f"Report quarterly to the Resource Management Team ({ref})",
                            "Theme": theme, "Outcome": OUTCOMES[theme][k % 2], "Service": name,
                            "Owner": f"Service Manager {k % 5 + 1}", "Due": f"{(k % 28) + 1:02d}/03/2024"})
            a_answers[ref] = {"Status": rng.choice(["Complete", "Green", "Green", "Amber", "Red", "Report later"]),
                              "Comments/Progress": _comment(rng)}
        r_answers = {}
        for k in range(RISKS_PER_SERVICE):
            code = f"S{s + 1:04d}R{k + 1}"
            risks.append({"Code": code, "Risk": f"Insufficient capacity to meet demand ({code})",
                          "Description": "Demand rises faster than staffing and the market can supply.",
                          "Service": name, "Owner": f"Service Manager {k + 1}", "Likelihood": rng.randint(1, 5),
                          "Impact": rng.randint(1, 5), "Target score": 4, "Controls": "Weekly review of unmet need."})
            r_answers[code] = {"Likelihood": rng.randint(1, 5), "Impact": rng.randint(1, 5),
                               "Commentary": _comment(rng)}
        lines, b_answers = _budget(rng, name)
        budget += lines
        answers[name] = {"measures": m_answers, "actions": a_answers, "risks": r_answers, "budget": b_answers}
    return Synthetic(svc_rows, measures, actions, answers, risks, budget)


def write(data: Synthetic, path: Path) -> Path:
    """Write the plan workbook with xlplan's own plan writer."""
    from xlplan.periods import FinancialYear
    from xlplan.plan import write_plan
    # history columns are written under their header (e.g. 2020/21); write_plan adds them as extra columns
    return write_plan(path, settings=SETTINGS, themes=THEMES, services=data.services, measures=data.measures,
                      actions=data.actions, history_years=[FinancialYear.parse(y) for y in YEARS],
                      risks=data.risks or None, extra_sheets={"Budget": data.budget} if data.budget else {})
