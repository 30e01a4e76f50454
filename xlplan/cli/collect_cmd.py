"""`xlplan collect`: read the returned workbooks, validate, store and compute statuses."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from xlplan.collect import CollectResult, Outcome, collect as run_collect
from xlplan.errors import Severity
from xlplan.progress import Progress
from xlplan.status import Status
from xlplan.cli.common import WORKBOOKS, db_option, friendly_errors, period_option, plan_option
from xlplan.cli.render import console, issues_table, progress_bar

LIST_ALL_UP_TO = 40    # returns listed one by one; above this only those needing a look
LIST_PROBLEMS_UP_TO = 60   # problems listed one by one; above this the errors first, then counts by kind
_OUTCOME_STYLE = {Outcome.ACCEPTED: "green", Outcome.REJECTED: "bold red", Outcome.SUPERSEDED: "dim",
                  Outcome.SKIPPED: "dim"}
_STATUS_STYLE = {Status.GREEN: "green", Status.AMBER: "dark_orange", Status.RED: "red",
                 Status.REPORT_LATER: "blue", Status.CONTEXTUAL: "dim", Status.NOT_DUE: "dim"}


@click.command()
@plan_option
@period_option
@click.option("--returns", "returns_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of returned workbooks [default: workbooks/<period>/returns].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the reports [default: workbooks/<period>/reports].")
@db_option
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to read returns with [default: all cores; used from 50 files].")
@click.option("--no-report", "no_report", is_flag=True, help="Store the quarter but write no reports.")
@click.option("--department", default=None, envvar="XLPLAN_DEPARTMENT",
              help="Collect only this department's services (the Department column of the plan's Services "
                   "sheet): other departments' stored figures are left as they are; or set XLPLAN_DEPARTMENT.")
@friendly_errors
def collect(plan_path: Path, period, returns_dir: Path | None, out_dir: Path | None, db_url: str,
            jobs: int | None, no_report: bool, department: str | None) -> None:
    """Read the returns for a quarter, check every value, store them and work out each status.

    Each workbook is identified by its hidden identity sheet (not its file name). Exits 0 when
    every service's return was accepted without errors, 1 when anything was rejected, missing or
    in error (the store and reports are still written), 2 for a usage problem. With --department,
    only that department's services count (a return for another's is skipped), and the reports
    show the whole quarter as the store holds it, every department's figures.
    """
    returns_dir = returns_dir or WORKBOOKS / period.id / "returns"
    out_dir = out_dir or WORKBOOKS / period.id / "reports"
    out = console()
    err = console(stderr=True)
    with progress_bar(err, "Reading returns") as progress:
        result, written, note = collect_and_report(plan_path, period, returns_dir, out_dir, db_url, jobs=jobs,
                                                   report=not no_report, progress=progress,
                                                   department=department)
    render(result, out, written, note)
    raise SystemExit(result.exit_code)


def collect_and_report(plan_path: Path, period, returns_dir: Path, out_dir: Path, db_url: str, *,
                       jobs: int | None = None, report: bool = True,
                       progress: Progress | None = None,
                       department: str | None = None) -> tuple[CollectResult, list[Path], str]:
    """Collect the quarter (for `department` only, if given), then (unless `report` is False)
    write its reports into `out_dir` from what the store now holds: (the collect's result, the
    reports written, why none were if so)."""
    result = run_collect(plan_path, period, returns_dir, db_url, jobs=jobs, progress=progress,
                         department=department)
    if not report:
        return result, [], ""
    if result.signoff is not None:      # its reports are those of what was approved: left as they are
        return result, [], (f"{period.id} is signed off, so its reports are left as they are "
                            f"(`xlplan report --period {period.id}` rebuilds them from the store, unchanged)")
    if progress is not None:        # the bar, full, says what the wait is for now
        progress(len(result.files), len(result.files), "writing the report and summary…")
    return (result, *_write_reports(result, Path(out_dir)))


def _write_reports(result: CollectResult, out_dir: Path) -> tuple[list[Path], str]:
    """The Word report and summary workbook of the collected quarter, and '' (or, in a build of
    xlplan without the reports stage, no paths and why)."""
    try:
        from xlplan.reports import write_reports
    except ImportError:
        return [], "reports are not available in this version of xlplan"
    return list(write_reports(result.results, out_dir)), ""


def render(result: CollectResult, out, report_paths: list[Path] = (), reports_note: str = "") -> None:
    """The per-return table, the problems, the services not returned, the status counts and the
    reports written (`report_paths`, or `reports_note`: why none were)."""
    if getattr(result, "signoff", None) is not None:
        render_signed_off(result, out, reports_note)
        return
    if not result.records:
        out.print(f"No files in the returns folder for {result.period.id}{escape(_of(result))}.")
    else:
        listed, held = _listed(result.records)
        title = f"Returns for {result.period.id}" + escape(_of(result))
        if held:
            title += f" (the {len(listed)} needing the closest look)"
        table = Table(title=title)
        for column in ("Service", "File", "Outcome", "Errors", "Warnings"):
            table.add_column(column, overflow="fold")
        for r in listed:
            style = _OUTCOME_STYLE.get(r.outcome, "")
            table.add_row(escape(r.service or "-"), escape(r.file), f"[{style}]{r.outcome}[/]", str(r.errors),
                          str(r.warnings))
        if listed:
            out.print(table)
        if held:
            kinds = sorted(Counter(_needing(r) for r in held).items(), key=lambda kv: _KINDS.index(kv[0]))
            what = f"{len(held)} more returns " + (kinds[0][0] if len(kinds) == 1 else
                                                   "need a look: " + ", ".join(f"{n} {kind}" for kind, n in kinds))
            out.print(f"{what} (not listed one by one; `xlplan status` lists every service).")
        clean = len(result.records) - len(listed) - len(held)
        if clean:
            what = f"{clean} more returns" if listed else f"All {clean} returns for {result.period.id}"
            out.print(f"[green]{what} accepted without errors or warnings[/] (not listed one by one; "
                      f"`xlplan status` lists every service).")
        hints = {i.file: i.hint for i in result.issues if i.is_error}
        for r in listed:        # why each file listed as skipped was not read
            if r.outcome == Outcome.SKIPPED and r.reasons:
                out.print("[dim]Skipped[/]: " + escape(r.reasons[0].removesuffix("; skipped")))
        for r in result.records:
            if r.outcome in (Outcome.REJECTED, Outcome.SUPERSEDED) and r.reasons:
                style = _OUTCOME_STYLE[r.outcome]
                hint = hints.get(r.file, "") if r.outcome == Outcome.REJECTED else ""
                out.print(f"[{style}]{r.outcome.capitalize()}[/]: " + escape(r.reasons[0] + (f". {hint}" if hint else "")))
    rejected = {r.file for r in result.records if r.outcome == Outcome.REJECTED}
    shown = [i for i in result.issues if i.severity is not Severity.INFO and i.file not in rejected]
    if shown:
        _problems(out, shown)
    missing = result.missing_services
    if missing:
        out.print(f"[bold red]Not returned[/]{escape(_of(result))} ({len(missing)}): " + escape(", ".join(missing)))
    if result.reused:
        out.print(f"Unchanged since the last collect: {len(result.reused)} of {len(result.records)} files "
                  f"(what was found in them reused; delete .xlplan-cache beside the plan to check them afresh).")
    counts = result.status_counts
    parts = [f"[{_STATUS_STYLE[s]}]{s.value}[/] {n}" for s, n in counts.items() if n]
    out.print(f"Measures: {sum(counts.values())} — " + ", ".join(parts))
    plan = getattr(result, "plan", None)
    systems = [m for m in getattr(plan, "measures", ()) if m.source and _covers(result, m.service)]
    if systems:
        names = ", ".join(dict.fromkeys(m.source for m in systems))
        out.print(f"Not in the returns: {len(systems)} measure{'' if len(systems) == 1 else 's'} from "
                  + escape(names) + f" (`xlplan import --period {result.period.id} FILE` stores their figures).")
    for path in report_paths:
        out.print(f"Wrote {escape(str(path))}")
    if reports_note:
        out.print(f"No reports written: {reports_note}.")
    errors = sum(1 for i in result.issues if i.is_error)
    if result.ok:
        out.print("[green]OK[/]: every return accepted without errors.")
    else:
        n_rejected = len(rejected)
        out.print(f"[red]Needs attention[/]: {n_rejected} rejected, {len(missing)} not returned, {errors} errors.")


def _covers(result: CollectResult, service: str) -> bool:
    scope = getattr(result, "scope", None)
    return scope is None or scope.covers(service)


def _of(result: CollectResult) -> str:
    """' (department Housing)' for a department's collect, else ''."""
    scope = getattr(result, "scope", None)
    return f" ({scope})" if scope is not None and scope.department else ""


def render_signed_off(result: CollectResult, out, reports_note: str = "") -> None:
    """A collect of a signed-off quarter: what is locked, and the returns that arrived after sign-off."""
    signed, period = result.signoff, result.period.id
    out.print(f"[bold]{escape(period)} is signed off[/]: {escape(signed.line())}. Its figures are locked; "
              f"this collect changed nothing in the store.")
    if result.after_signoff:
        table = Table(title=f"Arrived after sign-off ({len(result.after_signoff)}), archived, not used")
        for column in ("Service", "File", "Received", "First seen", "If collected"):
            table.add_column(column, overflow="fold")
        examined = {(f.sha256, f.name): f for f in result.files}
        for r in result.after_signoff:
            table.add_row(escape(r["service"] or "not identified"), escape(r["file"]),
                          f"{r['received']:%d/%m/%Y %H:%M}", f"{r['seen']:%d/%m/%Y %H:%M}",
                          escape(_would_be(examined.get((r["sha256"], r["file"])))))
        out.print(table)
        out.print(f"To use them: `xlplan reopen --period {escape(period)} --reason \"…\"`, collect again, and "
                  f"sign off again. Or carry a correction in next quarter's return (a restatement).")
    else:
        out.print("No return arrived after sign-off.")
    if reports_note:
        out.print(f"No reports written: {escape(reports_note)}.")
    if result.ok:
        out.print("[green]OK[/]: nothing new for a signed-off quarter.")
    else:
        out.print(f"[red]Needs attention[/]: {len(result.after_signoff)} returns arrived after sign-off.")


def _would_be(f) -> str:
    """What a late file would become if the quarter were reopened (as this collect examined it)."""
    if f is None:
        return "no longer in the returns folder"
    errors = [i for i in f.issues if i.is_error]
    if f.outcome is Outcome.REJECTED:
        return f"rejected: {errors[0].message}" if errors else "rejected"
    if f.outcome is Outcome.SUPERSEDED:
        return "superseded by a newer return"
    if f.outcome is Outcome.SKIPPED:
        return f"skipped ({f.skipped})"
    return f"accepted, {len(errors)} errors" if errors else "accepted"


def _problems(out, shown: list) -> None:
    """The problems to follow up: every one for a council's quarter; for a large collection (more
    than LIST_PROBLEMS_UP_TO) the errors first up to that many, then how many of each kind remain,
    as thousands of rows in a console table would bury them (and take seconds to draw)."""
    if len(shown) <= LIST_PROBLEMS_UP_TO:
        out.print(issues_table(shown, title="Problems to follow up"))
        return
    first = sorted(shown, key=lambda i: not i.is_error)[:LIST_PROBLEMS_UP_TO]     # stable: errors first
    out.print(issues_table(first, title=f"Problems to follow up (the first {len(first)} of {len(shown)})"))
    rest = Counter((i.severity.value, str(i.code)) for i in _without(shown, first))
    table = Table(title=f"The other {len(shown) - len(first)} problems, by kind")
    for column in ("Severity", "Code", "How many"):
        table.add_column(column)
    for (severity, code), n in sorted(rest.items(), key=lambda kv: (kv[0][0] != "error", -kv[1], kv[0][1])):
        table.add_row(severity, escape(code), str(n))
    out.print(table)
    out.print("Every problem, with its file, sheet and cell, is in the summary workbook's Data quality sheet "
              "(`xlplan report`).")


def _without(items: list, taken: list) -> list:
    """`items` less those in `taken` (by identity: issues may compare equal)."""
    ids = {id(i) for i in taken}
    return [i for i in items if id(i) not in ids]


_KINDS = ["rejected", "accepted with errors", "superseded", "skipped", "accepted with warnings"]


def _needing(r) -> str | None:
    """Why a return needs a look, the most pressing first in _KINDS; None for a clean one."""
    if r.outcome == Outcome.REJECTED:
        return "rejected"
    if r.outcome == Outcome.ACCEPTED and r.errors:
        return "accepted with errors"
    if r.outcome in (Outcome.SUPERSEDED, Outcome.SKIPPED):
        return str(r.outcome)
    return "accepted with warnings" if r.warnings else None


def _listed(records: list) -> tuple[list, list]:
    """The returns to list, and those needing a look that are only counted. A council's quarter
    lists every return; a large collection (more than LIST_ALL_UP_TO) only those needing a look,
    and of those (when there are more) the LIST_ALL_UP_TO most pressing (rejected, then accepted
    with errors, superseded, skipped, with warnings), in name order: a thousand-row table would
    bury the ones that matter (and take a second to draw)."""
    if len(records) <= LIST_ALL_UP_TO:
        return records, []
    needing = [(_KINDS.index(kind), i) for i, r in enumerate(records) if (kind := _needing(r)) is not None]
    shown = {i for _, i in sorted(needing)[:LIST_ALL_UP_TO]}
    return ([r for i, r in enumerate(records) if i in shown],
            [records[i] for _, i in sorted(needing) if i not in shown])


COMMANDS = [collect]
