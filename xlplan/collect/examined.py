"""What a collect learns: each file's `Examined`, the `Outcome` it gets, and the `CollectResult`.

Plain data with no behaviour beyond what it says about itself, so that every step of collect
(examine, assess, the rows it stores, the cache of unchanged files) can import it without
importing each other.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from xlplan.errors import Issue
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import Status
from xlplan.store import PeriodResults, ReturnRecord, SignOff
from xlplan.collect.entries import ActionEntry, CorrectionEntry, MeasureEntry

if TYPE_CHECKING:
    from xlplan.collect.entries import BudgetEntry, RiskEntry


class Outcome(StrEnum):
    """What became of one file in the returns folder. The values are the words stored in the
    returns table and shown to the officer; a StrEnum, so a record read back from the store (its
    outcome a plain string) equals the one collect made."""

    ACCEPTED = "accepted"        # the return of its service that counts
    REJECTED = "rejected"        # not identified, not genuine or unreadable: why is its first error
    SUPERSEDED = "superseded"    # a newer return of the same service counts instead
    SKIPPED = "skipped"          # not a return to read (lock file, link, not a spreadsheet…)

    @property
    def counted(self) -> bool:
        """Whether the file's issues count (an accepted or rejected file's; not those of a file
        superseded or skipped)."""
        return self is Outcome.ACCEPTED or self is Outcome.REJECTED


@dataclass
class Examined:
    """What collect learnt from one file in the returns folder (picklable: made in a worker)."""

    name: str
    sha256: str
    size: int
    received: datetime
    saved_at: datetime | None = None
    skipped: str | None = None             # why it was not read (lock file, not a spreadsheet…)
    service: str | None = None             # None: rejected (or skipped)
    claimed_service: str | None = None     # the plan service a wrong-quarter return is for
    plan_fingerprint: str | None = None
    archive: str | None = None
    issues: list[Issue] = field(default_factory=list)
    measures: dict[str, MeasureEntry] = field(default_factory=dict)
    actions: dict[str, ActionEntry] = field(default_factory=dict)
    outcome: Outcome | None = None         # set once every file is examined (assess.supersede)
    superseded_by: str | None = None
    corrections: dict[str, CorrectionEntry] = field(default_factory=dict)   # last quarter's, corrected
    budget: dict[str, BudgetEntry] = field(default_factory=dict)            # spend by budget line
    risks: dict[str, RiskEntry] = field(default_factory=dict)              # the Risks sheet's assessments
    # A file served from the cache keeps its rows (the five dicts above) pickled until a step needs
    # them (`with_rows`): a re-run unpickles only the returns of the services it works out again.
    kept_rows: bytes | None = field(default=None, repr=False, compare=False)
    kept_filled: int = field(default=0, repr=False, compare=False)

    @property
    def filled(self) -> int:
        """How many figures and action statuses the return holds (the last tie-break of newest)."""
        if self.kept_rows is not None:
            return self.kept_filled
        return sum(1 for e in self.measures.values() if e.value is not None and e.value.figure is not None) \
            + sum(1 for e in self.actions.values() if e.status is not None)

    def rows_kept(self) -> tuple["Examined", bytes]:
        """This examination without its rows, and the rows pickled (what the cache keeps)."""
        rows = pickle.dumps((self.measures, self.actions, self.corrections, self.budget, self.risks),
                            pickle.HIGHEST_PROTOCOL)
        return replace(self, measures={}, actions={}, corrections={}, budget={}, risks={},
                       kept_filled=self.filled), rows

    def with_rows(self) -> "Examined":
        """This examination with its rows (unpickled now if the cache kept them pickled)."""
        if self.kept_rows is not None:
            self.measures, self.actions, self.corrections, self.budget, self.risks = pickle.loads(self.kept_rows)
            self.kept_rows = None
        return self


@dataclass(frozen=True)
class Scope:
    """Which services one collect owns: the whole plan's (department ""), or one department's
    (several departments collect the same quarter into one store, each for its own services)."""

    department: str = ""
    services: frozenset[str] | None = None       # None: every service of the plan
    elsewhere: dict[str, str] = field(default_factory=dict, compare=False)   # other services → department

    @classmethod
    def of(cls, plan: Plan, department: str | None) -> "Scope":
        """The scope of a collect for `department` (None or "": the whole plan)."""
        if not department:
            return cls()
        found = plan.named_department(department)
        return cls(found, frozenset(s.name for s in plan.services_of(found)),
                   {s.name: s.department for s in plan.services if s.department != found})

    def covers(self, service: str) -> bool:
        return self.services is None or service in self.services

    def __str__(self) -> str:
        return f"department {self.department}" if self.department else "the whole plan"


@dataclass
class CollectResult:
    """One collect of a quarter: every file's examination and record, the issues that count and
    the measures by status, as stored at `db_url`."""

    plan: Plan
    period: Period
    examined: list[Examined]               # see `files`
    records: list[ReturnRecord]
    issues: list[Issue]                    # counted issues (superseded and skipped files left out)
    status_counts: dict[Status, int]       # measures by status, as stored
    db_url: str = ""
    reused: list[str] = field(default_factory=list, repr=False, compare=False)   # files served from the cache
    scope: Scope = field(default_factory=Scope)   # the services this collect owns
    # When the quarter is signed off: the sign-off in force (nothing was stored), and every return
    # that arrived after it (dicts: file, service, sha256, received, archive, seen), archived only.
    signoff: SignOff | None = None
    after_signoff: list[dict] = field(default_factory=list)
    _results: PeriodResults | None = field(default=None, repr=False)

    @property
    def files(self) -> list[Examined]:
        """Every file's examination, its rows included (those the cache kept pickled are unpickled
        when first asked for: a collect that printed only records and issues never needs them)."""
        return [f.with_rows() for f in self.examined]

    @property
    def results(self) -> PeriodResults:
        """The quarter as reports render it, read from the store when first asked for (a collect
        with no reports never needs it: the counts it prints are computed in memory)."""
        if self._results is None:
            from xlplan.store import load_results
            self._results = load_results(self.db_url, self.plan, self.period)
        return self._results

    @property
    def missing_services(self) -> list[str]:
        """Services this collect covers that are expected to send a return (plan order), with none
        accepted (a department's collect counts only its own services)."""
        got = {r.service for r in self.records if r.outcome is Outcome.ACCEPTED and r.service}
        return [s.name for s in self.plan.services_with_returns() if s.name not in got and self.scope.covers(s.name)]

    @property
    def ok(self) -> bool:
        """Every expected return accepted, nothing rejected, no errors; for a signed-off quarter,
        no return arrived after sign-off."""
        if self.signoff is not None:
            return not self.after_signoff
        return (not self.missing_services and not any(r.outcome is Outcome.REJECTED for r in self.records)
                and not any(i.is_error for i in self.issues))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1
