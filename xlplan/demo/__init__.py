"""`xlplan demo`: the whole quarterly loop on the example plan, and filling a return as a
manager would (fill.py), used by the demo, the tests and the benchmarks."""

from xlplan.demo.fill import fill_return
from xlplan.demo.run import run_demo

__all__ = ["run_demo", "fill_return"]
