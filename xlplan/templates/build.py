"""Return templates: one protected, self-checking workbook per service for a period.

`write_templates(plan, period, out_dir, plan_path=...)` writes, for each service with measures or
actions, `<period> <service> return.xlsx` with the sheets of `xlplan.contract.layout`: Instructions,
Measures (profiled targets, history, live RAG formula), Actions, and the very hidden identity
sheet (`xlplan.contract.identity`) whose keyed row digests let collect tell a genuine return from a stale,
foreign or tampered one. Sheets are protected with only the yellow input cells unlocked, and the
workbook structure is locked so sheets cannot be added, deleted or renamed.

The content is deterministic: the same plan, period and last-quarter values give the same cells,
apart from `issued_at` (and the digests over it).
"""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from xlplan import __version__
from xlplan.contract import layout
from xlplan.errors import (
    TEMPLATE_NOTHING_TO_RETURN, TEMPLATE_PERIOD_OUTSIDE_PLAN, TEMPLATE_UNKNOWN_SERVICE, XlplanError, issue,
    suggestion,
)
from xlplan.heap import collector
from xlplan.contract.identity import FORMAT, Identity, RowEntry, content_hash, load_key, row_digest
from xlplan.periods import Period
from xlplan.progress import Progress, told_of_results
from xlplan.plan import Plan
from xlplan.contract.corrections import CORRECTIONS_SHEET
from xlplan.templates.corrections import write_corrections
from xlplan.contract.budget import BUDGET_SHEET
from xlplan.templates.budget import write_budget
from xlplan.contract.risks import RISKS_SHEET
from xlplan.templates.risks import write_risks
from xlplan.templates.instructions import write_instructions
from xlplan.templates.sheets import (DataRow, SheetContext, deadline_text, write_actions,
        write_measures)
from xlplan.templates.style import Formats
from xlplan.xlsx_book import Workbook

LastValues = dict[str, tuple[object, str]]   # Code → (figure or None, display text)


POOL_MIN_SERVICES = 8     # below this many templates a process pool costs more than it saves


def write_templates(plan: Plan, period: Period, out_dir: str | Path, *, plan_path: str | Path,
                    service: str | None = None, last_values: LastValues | None = None,
                    issued_at: datetime | None = None, jobs: int | None = None,
                    corrections: LastValues | None = None, risks_before: dict | None = None,
                    budget_offers: dict | None = None,
                    progress: Progress | None = None) -> list[Path]:
    """Write one return template per service (or just `service`) into `out_dir`; returns the paths.
    `progress(done, total, service)` is called as each template is written.

    `budget_offers`: last quarter's stored spend by (service, line) (store.budget_offers), offered for
    correction on the Budget sheet; None or empty: no such columns.

    `corrections`: the previous quarter's stored figures (Code → (figure or None, text)), offered
    for correction on a Corrections sheet (templates/corrections.py); None or empty: no such sheet.
    `risks_before`: the latest stored assessment of each risk (Code → (likelihood, impact)), shown
    as the previous one on the Risks sheet (templates/risks.py); a risk not in it shows the plan's.

    With many services the templates are written by `jobs` processes (default: every core); the
    files are the same as one process writes.

    Raises XlplanError when `service` is not a service with a return, when the period is outside
    the plan's year, or when no service has anything to return.
    """
    services = _services(plan, service)
    if plan.year is not None and period.year != plan.year:
        raise XlplanError(_message(TEMPLATE_PERIOD_OUTSIDE_PLAN, period=period.id, year=plan.year.label))
    key = load_key(plan_path)
    issued = (issued_at or datetime.now(timezone.utc)).replace(microsecond=0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Plan-wide things computed once here, before any worker would compute them again.
    plan.fingerprint   # noqa: B018
    plan.measures_for(services[0]), plan.actions_for(services[0])
    job = (plan, period, key, last_values, issued, out, corrections, risks_before, budget_offers)
    jobs = min(jobs or available_cores(), len(services))
    if jobs > 1 and len(services) >= POOL_MIN_SERVICES:
        # Forked workers share the plan's memory; frozen, it is not copied into each by their
        # garbage collector walking it.
        with collector(freeze=True), ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(),
                                                         initializer=_init_worker, initargs=(job,)) as pool:
            written = pool.map(_write_in_worker, services, chunksize=max(1, len(services) // (jobs * 8)))
            return told_of_results(written, services, progress)
    return told_of_results((_write_one(job, name) for name in services), services, progress)


def available_cores() -> int:
    """Cores this process may run on (the container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def _pool_context():
    """fork where there is one: workers share the parent's plan instead of unpickling a copy each."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


_JOB: tuple | None = None


def _init_worker(job: tuple) -> None:
    global _JOB
    _JOB = job


def _write_in_worker(service: str) -> Path:
    return _write_one(_JOB, service)


def _write_one(job: tuple, service: str) -> Path:
    plan, period, key, last_values, issued, out, corrections, risks_before, budget_offers = job
    path = out / layout.template_filename(period, service)
    path.write_bytes(template_bytes(plan, period, service, key=key, last_values=last_values, issued_at=issued,
                                    corrections=corrections, risks_before=risks_before,
                                    budget_offers=budget_offers))
    return path


def last_quarter_values(results) -> LastValues:
    """The "Last quarter" column's values from a PeriodResults of the store (`previous_quarter`)."""
    from xlplan.values import format_value
    return {m.code: (m.previous_quarter, format_value(m.previous_quarter, m.unit))
            for m in results.measures if m.previous_quarter is not None}


def _services(plan: Plan, wanted: str | None) -> list[str]:
    with_returns = [s.name for s in plan.services_with_returns()]
    if not with_returns:
        raise XlplanError(_message(TEMPLATE_NOTHING_TO_RETURN))
    if wanted is None:
        return with_returns
    found = next((s for s in with_returns if s.casefold() == wanted.strip().casefold()), None)
    if found is None:
        in_plan = plan.service(wanted) is not None
        raise XlplanError(_message(TEMPLATE_UNKNOWN_SERVICE, value=wanted,
                                   reason="it has no measures or actions" if in_plan else "it is not in the plan",
                                   suggestion="" if in_plan else suggestion(wanted, with_returns),
                                   services=", ".join(with_returns)))
    return [found]


def _message(code: str, **params) -> str:
    i = issue(code, **params)
    return f"{i.message}. {i.hint}" if i.hint else i.message


def template_id(key: bytes, plan: Plan, period: Period, service: str) -> str:
    """A stable id for the template of (plan content, service, period): keyed, so not guessable."""
    msg = "|".join([plan.identity, plan.fingerprint, service.casefold(), period.id]).encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:20]


def template_bytes(plan: Plan, period: Period, service: str, *, key: bytes,
                   last_values: LastValues | None = None, issued_at: datetime,
                   corrections: LastValues | None = None, risks_before: dict | None = None,
                   budget_offers: dict | None = None) -> bytes:
    """The .xlsx bytes of one service's return template."""
    from io import BytesIO
    buf = BytesIO()
    wb = Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                         "strings_to_urls": False})
    s = plan.settings
    wb.set_properties({"title": f"{period.id} {service} return", "author": "xlplan",
                       "company": s.organisation, "created": issued_at.replace(tzinfo=None),
                       "comments": f"Performance return template made by xlplan {__version__}"})
    wb.lock_structure(s.template_password)
    ctx = SheetContext(plan, service, period, Formats(wb), s.template_password,
                       deadline_text(s.deadline_for(period)))
    # Instructions comes first but needs the counts: write it, then the data sheets after it.
    n_measures, n_actions = len(plan.measures_for(service)), len(plan.actions_for(service))
    offered = any(m.code in (corrections or {}) for m in plan.measures_for(service))
    write_instructions(wb, ctx, n_measures, n_actions, corrections=offered,
                       risks=len(plan.risks_for(service)) if plan.risks else 0)
    m_headers, m_rows = write_measures(wb, ctx, last_values)
    a_headers, a_rows = write_actions(wb, ctx)
    sheets = {layout.MEASURES_SHEET: (m_headers, m_rows), layout.ACTIONS_SHEET: (a_headers, a_rows)}
    budgeted = write_budget(wb, ctx, budget_offers)          # None: no budget lines for the service
    if budgeted is not None:
        sheets[BUDGET_SHEET] = budgeted
    corrected = write_corrections(wb, ctx, corrections)      # None: nothing stored to correct
    if corrected is not None:
        sheets[CORRECTIONS_SHEET] = corrected
    assessed = write_risks(wb, ctx, risks_before) if plan.risks else None   # None: no risks for the service
    if assessed is not None:
        sheets[RISKS_SHEET] = assessed
    ident = _identity(key, plan, period, service, issued_at, sheets)
    _identity_sheet(wb, ctx, ident)
    wb.worksheets()[0].activate()
    wb.close()
    return buf.getvalue()


def _identity(key: bytes, plan: Plan, period: Period, service: str, issued_at: datetime,
              sheets: dict[str, tuple[list[str], list[DataRow]]]) -> Identity:
    s = plan.settings
    fields = {
        "format": FORMAT, "template_id": template_id(key, plan, period, service),
        "plan_identity": plan.identity, "plan_fingerprint": plan.fingerprint, "plan": s.plan,
        "organisation": s.organisation, "service": service, "period": period.id,
        "issued_at": issued_at.isoformat(), "xlplan_version": __version__,
    }
    rows = [RowEntry(sheet, d.key, d.row, row_digest(key, sheet, d.key, d.cells))
            for sheet, (_, data) in sheets.items() for d in data]
    headers = {sheet: h for sheet, (h, _) in sheets.items()}
    fields["content_hash"] = content_hash(key, fields, headers, rows)
    return Identity(fields, rows)


def _identity_sheet(wb, ctx: SheetContext, ident: Identity) -> None:
    ws = wb.add_worksheet(layout.IDENTITY_SHEET)
    text = ctx.formats.get()
    ws.write_string(0, 0, "field", text)
    ws.write_string(0, 1, "value", text)
    for r, (name, value) in enumerate(ident.to_rows(), 1):
        ws.write_string(r, 0, name, text)
        ws.write_string(r, 1, value, text)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 80)
    ws.protect(ctx.password)
    ws.very_hidden()
