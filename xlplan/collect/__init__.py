"""The collect stage: read the returns in a folder, identify and check each one, store the quarter
and compute each measure's status.

    from xlplan.collect import collect, CollectResult, Outcome

`collect(plan_path, period, returns_dir, db_url)` gives a CollectResult: each file's examination
and ReturnRecord (its Outcome), the issues that count and the measures by status. The reports are
the next stage's (xlplan.reports.write_reports(result.results, out_dir)).
`import_extract(plan_path, period, file, db_url)` stores a system extract's figures (ImportResult).
"""

from xlplan.collect.examined import CollectResult, Outcome
from xlplan.collect.pipeline import collect

__all__ = ["collect", "CollectResult", "Outcome", "import_extract", "ImportResult"]


def __getattr__(name: str):
    """import_extract and ImportResult, loaded (with the extract reader) only when first used."""
    if name in ("import_extract", "ImportResult"):
        from xlplan.collect import imports
        return getattr(imports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
