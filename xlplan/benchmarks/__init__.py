"""Benchmarks: comparator figures per measure and year (the LGBF's Scottish average, family-group
average, best in class and rank), imported from the file the officer downloads into the store.

    from xlplan.benchmarks import import_benchmarks

Reports read them from the store (xlplan.store.load_results) beside each measure.
"""

from xlplan.benchmarks.importer import ImportResult, import_benchmarks

__all__ = ["import_benchmarks", "ImportResult"]
