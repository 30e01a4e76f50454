"""Writing imported benchmark figures: each row replaces the one stored for its measure and year,
in one transaction (re-importing the same file changes nothing but the time it was imported)."""

from __future__ import annotations

from sqlalchemy import and_, delete, select

from xlplan.store.schema import BenchmarkRow, benchmarks, engine, transaction
from xlplan.store.write import bulk_insert


def write_benchmarks(db_url: str, rows: list[BenchmarkRow]) -> None:
    eng = engine(db_url)
    try:
        with transaction(eng, db_url) as conn:
            keys = {(r.code, r.year) for r in rows}
            stored = {}
            for r in conn.execute(select(benchmarks)):
                r = BenchmarkRow(*r)
                if (r.code, r.year) in keys:
                    stored[(r.code, r.year)] = r
            fresh = []
            for r in rows:
                was = stored.get((r.code, r.year))
                if was is not None and was._replace(imported=None) == r._replace(imported=None):
                    continue                    # the same figures from the same file: left as stored
                if was is not None:
                    conn.execute(delete(benchmarks).where(and_(benchmarks.c.code == r.code,
                                                               benchmarks.c.year == r.year)))
                fresh.append(r)
            bulk_insert(conn, benchmarks, fresh)
    finally:
        eng.dispose()
