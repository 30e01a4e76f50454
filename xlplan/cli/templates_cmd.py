"""`xlplan templates`: one return workbook per service for a quarter."""

from __future__ import annotations

from pathlib import Path

import click

from xlplan.plan import read_plan
from xlplan.templates import last_quarter_values, write_templates
from xlplan.cli.common import WORKBOOKS, db_option, friendly_errors, period_option, plan_option
from xlplan.cli.render import console, progress_bar


@click.command()
@plan_option
@period_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the templates to [default: workbooks/<period>/templates].")
@click.option("--service", default=None, help="Only this service's template (default: every service).")
@db_option
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to write templates with [default: all cores; used from 8 services].")
@friendly_errors
def templates(plan_path: Path, period, out_dir: Path | None, service: str | None, db_url: str,
              jobs: int | None) -> None:
    """Write one protected return workbook per service for the quarter --period.

    Each has Instructions, the service's Measures (with this period's targets and a live RAG) and
    Actions; only the yellow cells can be typed in. Last quarter's figures come from the store when
    it has them, and are offered for correction on a Corrections sheet. A plan with a risk register
    adds a Risks sheet asking for each of the service's risks' current likelihood and impact; a plan
    with a Budget sheet adds one asking for each budget line's spend to date and forecast outturn.
    """
    plan = read_plan(plan_path)
    out_dir = out_dir or WORKBOOKS / period.id / "templates"
    last = _last_values(db_url, plan, period)
    offers = _offers(db_url, plan, period) if last is not None else None
    spend = _budget_offers(db_url, plan, period) if last is not None else None
    before = _risks_before(db_url, period) if last is not None and plan.risks else None
    out, err = console(), console(stderr=True)
    with progress_bar(err, "Writing templates") as progress:
        paths = write_templates(plan, period, out_dir, plan_path=plan_path, service=service, last_values=last,
                                jobs=jobs, corrections=offers, risks_before=before, budget_offers=spend,
                                progress=progress)
    for path in paths:
        out.print(f"wrote {path}")
    out.print(f"[green]{len(paths)} return template{'s' if len(paths) != 1 else ''}[/] for {period.id} in {out_dir}")


def _last_values(db_url: str, plan, period):
    """Last quarter's figures from the store, or None when there is no store yet."""
    from xlplan import store
    path = store.sqlite_path(db_url)
    if path is not None and not path.exists():
        return None
    return last_quarter_values(store.load_results(db_url, plan, period))


def _offers(db_url: str, plan, period):
    """Last quarter's stored figures, offered for correction (the Corrections sheet)."""
    from xlplan import store
    return store.correction_offers(db_url, plan, period)


def _budget_offers(db_url: str, plan, period):
    """Last quarter's stored spend by budget line, offered for correction (the Budget sheet)."""
    from xlplan import store
    return store.budget_offers(db_url, plan, period)


def _risks_before(db_url: str, period):
    """Each risk's latest stored assessment before the quarter: the previous one its template shows."""
    from xlplan import store
    return {code: (b.likelihood, b.impact) for code, b in store.risks_before(db_url, period).items()}


COMMANDS = [templates]
