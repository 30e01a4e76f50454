"""What the Word report says of a signed-off quarter: who approved its figures and when, on the
cover, and a warning when the store no longer holds what was approved (or the plan has changed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlplan.reports.narrative import Block
from xlplan.store import PeriodResults

if TYPE_CHECKING:
    from xlplan.reports.docx_writer import Writer

TITLE = "Sign-off"


def lines(results: PeriodResults) -> list[tuple[str, bool]]:
    """The sign-off sentences, each with whether it is a warning ([] when not signed off)."""
    s = results.signoff
    if s is None:
        return []
    found = [(f"The figures in this report were signed off by {s.by} on {s.at:%d %B %Y} at {s.at:%H:%M} "
              f"(fingerprint {s.fingerprint[:12]}). They are locked: a correction made since appears as a "
              f"restatement in a later quarter's report.", False)]
    reopened = [e for e in s.history if e.event == "reopened"]
    if reopened:
        e = reopened[-1]
        found.append((f"The quarter was reopened by {e.by} on {e.at:%d %B %Y} ({e.reason}) before this sign-off.",
                      False))
    if not s.matches:
        found.append((f"Warning: the figures stored for {results.period.id} no longer match what was signed off; "
                      f"ask the store's administrator what changed before relying on this report.", True))
    if results.plan.fingerprint != s.plan_fingerprint:
        found.append(("Note: the plan workbook has changed since the quarter was collected; names, themes and "
                      "order in this report come from the current plan, figures and statuses from the store.", True))
    return found


def write_cover(w: "Writer", results: PeriodResults) -> None:
    """The cover's sign-off paragraphs, after who the report is by (nothing when not signed off)."""
    found = lines(results)
    if not found:
        return
    w.runs(Block("p", [(TITLE, True)]))
    for text, warning in found:
        w.runs(Block("p", [(text, warning)]))
