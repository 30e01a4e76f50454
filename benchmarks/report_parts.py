"""Time the two halves of `xlplan report` separately, in one process: the Word report and the
summary workbook (the issue sets a goal for each against its own floor).

    python report_parts.py PLAN DB_URL PERIOD OUT_DIR

Reading the plan and the store is done first and not timed (the `report` stage's own timing
covers it); prints one JSON line {"word": {"seconds", "cpu_seconds"}, "summary": {...}}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(plan_path: str, db_url: str, period_id: str, out_dir: str) -> dict:
    from xlplan.periods import Period
    from xlplan.plan import read_plan
    from xlplan.reports import report_paths
    from xlplan.reports.word import write_word
    from xlplan.reports.workbook import write_summary
    from xlplan.store import load_results

    period = Period.parse(period_id)
    results = load_results(db_url, read_plan(plan_path), period)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docx_path, xlsx_path = report_paths(period.id, out)
    timings = {}
    for name, write, path in (("word", write_word, docx_path), ("summary", write_summary, xlsx_path)):
        start, cpu = time.perf_counter(), time.process_time()
        write(results, path)
        timings[name] = {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}
    return timings


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])))
