"""The store: every collect's returns, values, statuses (with the rule behind each), action updates,
issues and history, on SQLite or PostgreSQL. Tables, rows and connecting in schema.py; writing a
collect in write.py; reading back in read.py; what reports render in results.py.

Each name below is loaded from its module when first used, so a command loads only the parts of
the store it uses (a collect never loads the year end's code, nor the upgrade's)."""

from __future__ import annotations

import importlib

from xlplan.heap import lasting

# module of xlplan.store → the names it gives the package (a name: "as name:name in the module")
_NAMES = {
    "read": ["load_results", "plan_stored", "previous_comments", "returns_for", "table_contents", "risks_before",
             "imported_codes"],
    "results": ["ActionResult", "MeasureResult", "PeriodResults", "ReturnRecord", "Source", "Restatement",
                "Benchmark", "BudgetRestatement", "BudgetResult", "SignOff", "SignOffEvent", "RiskResult"],
    "schema": ["ROWS", "ActionRow", "HistoryRow", "IssueRow", "PlanRow", "ReturnRow", "ValueRow", "action_updates",
               "engine", "figure_from_json", "figure_json", "history", "issues", "measure_values",
               "metadata", "plans", "returns", "transaction", "utc_now", "RestatementRow",
               "restatements", "BenchmarkRow", "BudgetRow", "benchmarks", "budget_lines", "BudgetRestatementRow",
               "budget_restatements", "RiskRow", "risk_updates", "is_new"],
    "paths": ["archive_dir", "sqlite_path", "shown_url"],      # no SQLAlchemy: collect starts before the store is opened
    "write": ["PackedText", "bulk_insert", "replace_period", "write_collect", "write_import", "ready_to_write"],
    "restated": ["correction_offers", "reported_for_correction"],
    "resources": ["budget_offers", "reported_spend", "reported_spend_at"],
    "signoff": ["signoff_history:history", "keep_late_returns", "locked", "reopen", "sign_off"],
    "memo": ["recall", "recall_last"],
    "upgrade": ["Upgrade", "upgrade_store"],      # Alembic itself is imported only when run
    "year": ["ActionYear", "MeasureYear", "YearResults", "load_year"],       # the year end (issue 16)
}
_WHERE = {entry.partition(":")[0]: (module, entry.partition(":")[2] or entry.partition(":")[0])
          for module, entries in _NAMES.items() for entry in entries}
__all__ = list(_WHERE)


def __getattr__(name: str):
    """A name of __all__, loaded from its module (then kept here); or one of the store's modules."""
    if name in _WHERE:
        module, attr = _WHERE[name]
        value = getattr(_load(module), attr)
        globals()[name] = value
        return value
    try:
        return _load(name)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def _load(module: str):
    with lasting():         # its modules (and SQLAlchemy's) last as long as the process: not worth scanning
        return importlib.import_module(f"{__name__}.{module}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
