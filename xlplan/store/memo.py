"""The re-run memo: what the last collect of a quarter was made from, so that a re-run over exactly
the same inputs (an officer re-runs collect many times a day while chasing corrections) can skip
working out and comparing rows it would store exactly as they are.

Every write of collected figures (a collect, an import) bumps `store_generation` in its own
transaction; a collect records, in the same transaction, the sha256 of its inputs and the
generation it left. The memo holds only while the store's generation is still that one: any other
write since (another quarter, another department, an import, an upgrade) and the next collect does
its work in full. The inputs digest itself is made by the collect stage (xlplan/collect/memo.py).
A store edited by hand outside xlplan is not noticed: run collect with XLPLAN_NO_CACHE=1 once.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, insert, select, update

from xlplan.store import schema as store
from xlplan.store.schema import collect_memo, store_generation, transaction


def bump(conn) -> int:
    """Inside a writing transaction: advance the store's generation, giving the new one."""
    found = conn.execute(select(store_generation.c.generation).where(store_generation.c.slot == 1)).scalar()
    if found is None:
        conn.execute(insert(store_generation).values(slot=1, generation=1))
        return 1
    conn.execute(update(store_generation).where(store_generation.c.slot == 1).values(generation=found + 1))
    return found + 1


def remember(conn, period: str, department: str, inputs: str, summary: dict) -> None:
    """Inside the collect's writing transaction (after its rows): bump the generation and record the
    collect's inputs against it, with its `summary` (plain JSON data: what the collect gives back
    that is not in the files it examined)."""
    generation = bump(conn)
    conn.execute(delete(collect_memo).where(collect_memo.c.period == period, collect_memo.c.department == department))
    conn.execute(insert(collect_memo).values(period=period, department=department, inputs=inputs,
                                             generation=generation, summary=json.dumps(summary, sort_keys=True)))


def recall(db_url: str, period: str, department: str, inputs: str) -> dict | None:
    """The summary the last collect of `period` (for `department`) recorded, if it was made from
    `inputs` and nothing has written collected figures since; else None."""
    last = recall_last(db_url, period, department)
    return last[1] if last is not None and last[0] == inputs else None


def recall_last(db_url: str, period: str, department: str) -> tuple[str, dict] | None:
    """The inputs digest and summary the last collect of `period` (for `department`) recorded, if
    nothing has written collected figures since it; else None. Everything the store held for that
    collect (last quarter's figures, imports, earlier risk assessments) is then still as it was."""
    path = store.sqlite_path(db_url)
    if path is not None and not path.exists():
        return None
    eng = store.engine(db_url, create=False, write=False)
    try:
        with transaction(eng, db_url) as conn:
            if store.store_revision(conn) == store.NEW_STORE:
                return None
            row = conn.execute(select(collect_memo).where(collect_memo.c.period == period,
                                                          collect_memo.c.department == department)).first()
            if row is None:
                return None
            now = conn.execute(select(store_generation.c.generation).where(store_generation.c.slot == 1)).scalar()
            return (row.inputs, json.loads(row.summary)) if now == row.generation else None
    finally:
        eng.dispose()
