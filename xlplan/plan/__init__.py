"""The plan: the workbook a performance officer keeps (themes, services, measures with targets,
actions), read into typed objects.

model.py holds the objects (no I/O); reader.py, sheet.py and cells.py read and check the workbook;
load.py loads it (through the signed cache in cache.py); writer.py and starter.py write plan
workbooks. Other stages use the names below.
"""

from __future__ import annotations

from xlplan.plan.cache import cached_snapshot, keep_snapshot
from xlplan.plan.load import load_plan, read_plan
from xlplan.plan.model import (OPTIONAL_COLUMNS, REQUIRED_COLUMNS, SETTINGS, SHEETS, Action, Measure, Plan,
                               Service, Settings)


def write_plan(*args, **kwargs):
    """Write a plan workbook (xlplan.plan.writer.write_plan; openpyxl is loaded only then)."""
    from xlplan.plan.writer import write_plan as write
    return write(*args, **kwargs)


def write_starter(*args, **kwargs):
    """Write the starter plan of `xlplan init` (xlplan.plan.starter.write_starter)."""
    from xlplan.plan.starter import write_starter as write
    return write(*args, **kwargs)


def roll_over(*args, **kwargs):
    """Write next year's plan from this year's (xlplan.plan.rollover.roll_over; openpyxl is loaded only then)."""
    from xlplan.plan.rollover import roll_over as write
    return write(*args, **kwargs)


__all__ = ["load_plan", "read_plan", "write_plan", "write_starter", "roll_over", "cached_snapshot", "keep_snapshot",
           "Plan", "Settings", "Service", "Measure", "Action", "SETTINGS", "SHEETS", "REQUIRED_COLUMNS",
           "OPTIONAL_COLUMNS"]
