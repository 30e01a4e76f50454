"""`xlplan demo`: the whole quarterly loop on the example plan, in a scratch folder.

The four quarters of 2023-24 are run, then the year end: for each quarter the demo
writes the templates, drafts the emails to managers, fills each return with the figures in
`examples/figures/<period>.csv` (each risk's assessment in `examples/figures/risks/<period>.csv`, and the
spend against the activity budget from `examples/figures/<period>-budget.csv`) as a manager would (saving
it under the kind of name returns come back with), collects, and writes the reports; Q1 is signed off
(locked) once reported; after Q4 it writes the annual performance report and next year's plan
(`xlplan rollover`). Before the first quarter it imports the example's benchmark download
(`examples/benchmarks-2022-23.csv`). It ends by listing what it produced.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Callable

from xlplan.contract.corrections import CORRECTIONS_SHEET, REASON, corrected_header
from xlplan.frequency import quarter_months
from xlplan.periods import Period
from xlplan.errors import XlplanError
from xlplan.resources import shipped
from xlplan.store.paths import archive_dir, shown_url, sqlite_path

EXAMPLES = shipped("examples")
SIGNED_OFF = {"2023-24-Q1": "Head of Children's Services"}   # quarters the demo signs off, and by whom
PERIODS = ("2023-24-Q1", "2023-24-Q2", "2023-24-Q3", "2023-24-Q4")
BENCHMARKS = "benchmarks-2022-23.csv"
RETURN_NAMES = ("Copy of {name}", "{stem} FINAL.xlsx", "{stem} (2).xlsx")


def read_figures(path: Path) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """service → sheet → key → {"To date", "Status", "Comments/Progress"} from a figures CSV (on the
    Corrections sheet: the corrected figure and its reason, from To date and Comments/Progress)."""
    out: dict = defaultdict(lambda: defaultdict(dict))
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cells = {k: row.get(k, "") for k in ("To date", "Status", "Comments/Progress")}
            if row["Sheet"] == "Actions":
                cells.pop("To date")
            elif row["Sheet"] == CORRECTIONS_SHEET:     # last quarter's figure corrected, and why
                period = Period.parse(path.stem)
                cells = {corrected_header(period): cells["To date"], REASON: cells["Comments/Progress"]}
            elif ";" in cells["To date"]:      # a monthly measure: a figure for each month of the quarter
                months = quarter_months(Period.parse(path.stem))
                cells.update(zip(months, (v.strip() for v in cells.pop("To date").split(";"))))
            out[row["Service"]][row["Sheet"]][row["Key"]] = {k: v for k, v in cells.items() if v != ""}
    return out


def read_budget_figures(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """service → budget line → {"Spend to date", "Forecast outturn", "Comments", and last quarter's
    spend corrected with its reason where given} from a budget figures CSV
    (examples/figures/<period>-budget.csv); {} when there is none."""
    out: dict = defaultdict(dict)
    if not path.exists():
        return out
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["Service"]][row["Line"]] = {k: v for k, v in row.items() if k not in ("Service", "Line") and v}
    return out


def read_risk_figures(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """service → risk code → {"Likelihood", "Impact", "Commentary"} from a risk figures CSV ({} if none)."""
    out: dict = defaultdict(dict)
    if not path.exists():
        return out
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["Service"]][row["Code"]] = {k: row[k] for k in ("Likelihood", "Impact", "Commentary")
                                                if row.get(k, "") != ""}
    return out


def run_demo(folder: Path | None = None, say: Callable[[str], None] = print,
             db_url: str | None = None) -> dict[str, list[Path]]:
    """Run the loop in `folder` (a new temporary folder if None) with its store at `db_url` (an
    empty store, e.g. a new PostgreSQL database; default a new SQLite file in the folder); returns
    what was produced, by kind."""
    from xlplan.collect import collect
    from xlplan.mail import Outbox, send_templates
    from xlplan.plan import read_plan
    from xlplan.reports import write_reports
    from xlplan.store import load_results, sign_off

    folder = Path(folder or tempfile.mkdtemp(prefix="xlplan-demo-")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{folder / 'xlplan.db'}"
    _empty_store(db_url)
    plan_path = folder / "plan.xlsx"
    shutil.copyfile(EXAMPLES / "plan.xlsx", plan_path)
    plan = read_plan(plan_path)
    say(f"Plan: {plan.settings.organisation} — {plan.settings.plan} ({len(plan.services)} services, "
        f"{len(plan.measures)} measures, {len(plan.actions)} actions)")
    produced: dict[str, list[Path]] = defaultdict(list)
    produced["plan"].append(plan_path)
    from xlplan.benchmarks import import_benchmarks
    imported = import_benchmarks(EXAMPLES / BENCHMARKS, plan, "2022-23", db_url)   # the LGBF download
    say(f"Benchmarks: {len(imported.stored)} measures' comparators imported from {BENCHMARKS}; "
        f"{len(imported.unmatched)} rows match no measure (rows {', '.join(str(r) for r, _ in imported.unmatched)})")
    for period_id in PERIODS:
        period = Period.parse(period_id)
        base = folder / period.id
        templates = write_quarter_templates(plan, plan_path, period, db_url, base / "templates")
        produced["templates"] += templates
        say(f"{period.id}: wrote {len(templates)} return templates")
        outbox = base / "outbox"
        with Outbox(outbox) as transport:
            send_templates(plan, period, base / "templates", transport, db_url)
        drafts = sorted(outbox.glob("*.eml"))
        produced["email drafts"] += drafts
        say(f"{period.id}: drafted {len(drafts)} emails to managers in {outbox}")
        returns = fill_example_returns(plan, period, templates, base / "returns")
        result = collect(plan_path, period, returns, db_url)
        produced["returns"] += sorted(returns.glob("*.xlsx"))
        produced["reports"] += write_reports(result.results, base / "reports")
        counts = result.status_counts
        say(f"{period.id}: collected {len(result.records)} returns; "
            + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
            + (f"; not returned: {', '.join(result.missing_services)}" if result.missing_services else ""))
        lines = result.results.budget
        if lines:
            said = [(sum(1 for b in lines if b.status.value == word), word)
                    for word in ("Green", "Amber", "Red", "Report later")]
            say(f"{period.id}: budget: {len(lines)} lines, " + ", ".join(f"{n} {w}" for n, w in said if n))
        if period.id in SIGNED_OFF:       # approved at committee: its figures are locked from here on
            done = sign_off(db_url, period.id, SIGNED_OFF[period.id])
            write_reports(load_results(db_url, plan, period), base / "reports")    # now saying so
            say(f"{period.id}: {done.line()}; a later collect for it changes nothing until `xlplan reopen`")
    if (path := sqlite_path(db_url)) is not None:
        produced["store"].append(path)
    else:
        say(f"Store: {shown_url(db_url)} (the returned files are archived in {archive_dir(db_url).resolve()})")
    _year_end(plan, plan_path, db_url, folder, produced, say)
    return dict(produced)


def _empty_store(db_url: str) -> None:
    """Refuse a store that holds anything of xlplan's: the demo's year would be mixed into it (and
    its signed-off first quarter could not be signed off again)."""
    from xlplan.store import is_new
    if not is_new(db_url):
        raise XlplanError(f"The demo runs in an empty store, and {shown_url(db_url)} holds one already. Give "
                          f"--dir a new folder (or leave it out), or --db a new database; nothing was changed.")


def write_quarter_templates(plan, plan_path: Path, period: Period, db_url: str, out: Path) -> list[Path]:
    """The quarter's return templates, carrying what the store holds of last quarter (its figures,
    the corrections offered, spend and risk assessments), as `xlplan templates` writes them."""
    from xlplan.store import budget_offers, correction_offers, load_results, risks_before
    from xlplan.templates.build import last_quarter_values, write_templates
    later = period.quarter > 1
    last = last_quarter_values(load_results(db_url, plan, period)) if later else None
    offers = correction_offers(db_url, plan, period) if later else None
    spent = budget_offers(db_url, plan, period) if later else None
    before = {c: (b.likelihood, b.impact) for c, b in risks_before(db_url, period).items()} if later else None
    return write_templates(plan, period, out, plan_path=plan_path, last_values=last, corrections=offers,
                           risks_before=before, budget_offers=spent)


def fill_example_returns(plan, period: Period, templates: list[Path], returns: Path) -> Path:
    """Fill `templates` as the example's managers did (examples/figures: measures, actions,
    corrections, risks, budget) into `returns`, under the names returns arrive with; a service with
    no figures for the quarter has not returned. Gives `returns`."""
    from xlplan.demo.fill import fill_return
    figures = read_figures(EXAMPLES / "figures" / f"{period.id}.csv")
    spend = read_budget_figures(EXAMPLES / "figures" / f"{period.id}-budget.csv")
    risk_figures = read_risk_figures(EXAMPLES / "figures" / "risks" / f"{period.id}.csv")
    returns.mkdir(parents=True, exist_ok=True)
    for i, template in enumerate(templates):
        service = _service_of(template, plan, period)
        if service not in figures:
            continue  # this service has not returned yet: collect reports it missing
        pattern = RETURN_NAMES[i % len(RETURN_NAMES)]
        name = pattern.format(name=template.name, stem=template.stem)
        fill_return(template, returns / name, measures=figures[service].get("Measures", {}),
                    actions=figures[service].get("Actions", {}),
                    corrections=figures[service].get(CORRECTIONS_SHEET, {}),
                    risks=risk_figures.get(service, {}), budget=spend.get(service, {}))
    return returns


def _year_end(plan, plan_path: Path, db_url: str, folder: Path, produced: dict, say) -> None:
    """After Q4: the annual report for the year, and next year's plan (`xlplan rollover`)."""
    from xlplan.plan import roll_over
    from xlplan.periods import FinancialYear
    from xlplan.reports import write_annual_reports
    from xlplan.store import load_year, risks_before
    year = load_year(db_url, plan, plan.year)
    produced["annual report"] += write_annual_reports(year, folder / plan.year.label / "reports")
    counts = year.status_counts()
    say(f"{plan.year.label}: annual report, {len(year.measures)} outturns; "
        + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n))
    to = FinancialYear(plan.year.start + 1)
    updates = {a.ref: a for a in year.actions}     # each action's latest update of the year
    risks = risks_before(db_url, Period.parse(f"{to.label}-Q1")) if plan.risks else None   # each risk's latest
    done = roll_over(plan_path, plan, to, year.outturns(), updates, folder / f"plan {to.label}.xlsx", risks)
    produced["next year's plan"].append(done.path)
    say(f"{to.label}: wrote next year's plan; {len(done.targets_set)} targets from Target {to.slash}, "
        f"{len(done.targets_needed)} left for the officer to set (xlplan check names them); "
        f"{len(done.closed)} actions closed, {len(done.carried)} carried"
        + (f"; {len(done.risks_moved)} risks at their latest assessment" if plan.risks else ""))


def _service_of(template: Path, plan, period: Period) -> str:
    from xlplan.contract.layout import template_filename
    for s in plan.services:
        if template_filename(period, s.name) == template.name:
            return s.name
    raise ValueError(f"{template.name} is not a template name xlplan writes")
