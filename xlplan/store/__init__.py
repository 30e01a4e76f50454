"""The store: every collect's returns, values, statuses (with the rule behind each), action updates,
issues and history, on SQLite or PostgreSQL. Tables, rows and connecting in schema.py; writing a
collect in write.py; reading back in read.py; what reports render in results.py."""

from xlplan.store.read import load_results, plan_stored, previous_comments, returns_for, table_contents
from xlplan.store.results import ActionResult, MeasureResult, PeriodResults, ReturnRecord, Source
from xlplan.store.schema import (ROWS, ActionRow, HistoryRow, IssueRow, PlanRow, ReturnRow,
                                 ValueRow, action_updates, archive_dir, engine, figure_from_json, figure_json,
                                 history, issues, measure_values, metadata, plans, returns, sqlite_path,
                                 transaction, utc_now)
from xlplan.store.write import PackedText, bulk_insert, replace_period, write_collect
from xlplan.store.results import Restatement
from xlplan.store.restated import correction_offers, reported_for_correction
from xlplan.store.schema import RestatementRow, restatements
from xlplan.store.schema import BenchmarkRow, BudgetRow, benchmarks, budget_lines
from xlplan.store.results import Benchmark, BudgetRestatement, BudgetResult
from xlplan.store.resources import budget_offers, reported_spend, reported_spend_at
from xlplan.store.schema import BudgetRestatementRow, budget_restatements
from xlplan.store.results import SignOff, SignOffEvent
from xlplan.store.signoff import history as signoff_history, keep_late_returns, locked, reopen, sign_off
from xlplan.store.read import risks_before
from xlplan.store.results import RiskResult
from xlplan.store.schema import RiskRow, risk_updates
from xlplan.store.memo import recall, recall_last
from xlplan.store.upgrade import Upgrade, upgrade_store      # Alembic itself is imported only when run
from xlplan.store.read import imported_codes
from xlplan.store.write import write_import

__all__ = [
    "load_results", "plan_stored", "previous_comments", "returns_for", "table_contents",
    "ActionResult", "MeasureResult", "PeriodResults", "ReturnRecord", "Source",
    "ROWS", "ActionRow", "HistoryRow", "IssueRow", "PlanRow", "ReturnRow", "ValueRow",
    "action_updates", "archive_dir", "engine", "figure_from_json", "figure_json", "history", "issues",
    "measure_values", "metadata", "plans", "returns", "sqlite_path", "transaction", "utc_now",
    "PackedText", "bulk_insert", "replace_period", "write_collect",
    "Restatement", "RestatementRow", "correction_offers", "reported_for_correction", "restatements",
    "BenchmarkRow", "BudgetRow", "benchmarks", "budget_lines", "Benchmark", "BudgetResult",
    "BudgetRestatement", "BudgetRestatementRow", "budget_offers", "budget_restatements", "reported_spend", "reported_spend_at",
    "SignOff", "SignOffEvent", "signoff_history", "keep_late_returns", "locked", "reopen", "sign_off",
    "risks_before", "RiskResult", "RiskRow", "risk_updates",
    "recall",
    "recall_last",
    "Upgrade", "upgrade_store",
    "imported_codes", "write_import",
]

from xlplan.store.year import ActionYear, MeasureYear, YearResults, load_year     # the year end (issue 16)

__all__ += ["ActionYear", "MeasureYear", "YearResults", "load_year"]
