"""Return templates: one protected, self-checking workbook per service and quarter (xlsxwriter).

`write_templates(plan, period, out_dir, ...)` writes them; `last_quarter_values(results)` turns the
stored previous quarter into the read-only "Last quarter" column. build.py runs the stage; the
sheets, styles, RAG formulas and instructions are written by the modules beside it.
"""

from xlplan.templates.build import last_quarter_values, template_bytes, write_templates

__all__ = ["write_templates", "last_quarter_values", "template_bytes"]
