"""The Instructions sheet of a return template: what, for when, to whom, and how to fill it in.

Written for a team manager who has never seen xlplan: plain words, the status words in their
colours, and what to type when there is no figure yet.
"""

from __future__ import annotations

from xlplan.contract import corrections as sheet
from xlplan.contract import layout
from xlplan.templates.rag import NO_DATA_WORDS
from xlplan.templates.sheets import SheetContext, row_height


def write_instructions(wb, ctx: SheetContext, n_measures: int, n_actions: int, corrections: bool = False,
                       risks: int = 0) -> None:
    """The Instructions sheet; `corrections`: the return has a Corrections sheet (last quarter's
    figures offered for correction); `risks`: how many risks its Risks sheet asks about."""
    ws = wb.add_worksheet(layout.INSTRUCTIONS_SHEET)
    fm = ctx.formats
    s = ctx.plan.settings
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100)
    ws.hide_gridlines(2)
    label = fm.get(bold=True, text_wrap=True)
    body = fm.get(text_wrap=True)
    heading = fm.get(bold=True, font_size=12, font_color="#1F4E78", bottom=1, bottom_color="#1F4E78")

    r = 0
    ws.set_row(0, 26)
    ws.write_string(r, 0, f"{ctx.service}: performance return for {ctx.period.label}", fm.title())
    r += 2
    contact = s.contact or "the performance officer who sent you this workbook"
    manager = next((x.manager for x in ctx.plan.services if x.name.casefold() == ctx.service.casefold()), "")
    facts = [
        ("Organisation", s.organisation),
        ("Plan", f"{s.plan} {s.year.label if s.year else ''}".strip()),
        ("Service", ctx.service + (f" (manager: {manager})" if manager else "")),
        ("Period", ctx.period.months_text + " — every figure is the total or position for the whole "
                   "period to date, not just the last quarter"),
        ("Return by", ctx.deadline or "as soon as possible (no deadline is set in the plan)"),
        ("Return to", contact),
        ("In this return", f"{_count(n_measures, 'measure')} on the Measures sheet and "
                           f"{_count(n_actions, 'action')} on the Actions sheet"
                           + (f", and {_count(risks, 'risk')} on the Risks sheet" if risks else "")),
    ]
    for name, value in facts:
        ws.write_string(r, 0, name, label)
        ws.write_string(r, 1, value or "", body)
        r += 1

    r = _section(ws, r + 1, heading, "What to do", [
        "1. On the Measures sheet, type each measure's figure in To date (the yellow column).",
        "2. Look at RAG (calculated): it shows the status your figure gives against the Target for this "
        "period, worked out the same way as in the committee report.",
        "3. Where a measure has no target its Status cell is yellow: choose Green, Amber, Red or Report later "
        "yourself. Elsewhere Status is grey because it is calculated for you.",
        "4. In Comments/Progress explain the figure: what it shows, why anything is Amber or Red and what is "
        "being done. Comments go into the committee report as you write them (up to 4,000 characters).",
        "5. On the Actions sheet choose a Status for every action and describe progress in Comments/Progress.",
        f"6. Save the workbook as .xlsx (keep this file name if you can) and email it to {contact}"
        + (f" by {ctx.deadline}." if ctx.deadline else "."),
    ], body)

    r = _section(ws, r, heading, "How to type figures in To date", [
        "Percentages: type the % sign, e.g. 85% (Excel also reads 85 as 85%). Allowed: 0% to 100%.",
        "Money: the amount in pounds, e.g. 165000 or £165,000 (not £165k).",
        "Numbers: the figure itself, e.g. 2755; put any explanation in Comments/Progress, not in To date.",
        "Ratios: both parts with a slash, e.g. 70/30.",
    ], body)

    measures = ctx.plan.measures_for(ctx.service)
    if any(not m.frequency.is_quarterly for m in measures):
        r = _section(ws, r, heading, "Measures not reported every quarter", [
            "The Due column says how often each measure is reported. A measure that is not due this quarter "
            "(e.g. Annual: next due Q4) shows its latest figure in To date, locked: there is nothing to fill "
            "in but an optional comment, and it is not counted as Report later.",
            *(["A monthly measure has a yellow cell for each month of the quarter: type each month's figure "
               "there. Its To date is worked out from the months for you."]
              if any(m.frequency.monthly for m in measures) else []),
        ], body)

    systems = list(dict.fromkeys(m.source for m in measures if m.source))
    if systems:
        r = _section(ws, r, heading, "Figures taken from a system", [
            f"Measures whose To date reads 'from {systems[0]}' (or another system) are taken by the performance "
            f"officer straight from {', '.join(systems)}: there is nothing to type in their row, and anything "
            "typed there is not used.",
        ], body)

    if corrections:
        r = _section(ws, r, heading, "Correcting last quarter's figures", correction_lines(ctx.period), body)

    if ctx.plan.budget is not None and ctx.plan.budget.for_service(ctx.service):
        from xlplan.templates.budget import budget_lines_text
        r = _section(ws, r, heading, "The Budget sheet", [
            f"The Budget sheet lists your service's {budget_lines_text(ctx)} from the plan. For each line type "
            f"Spend to date (net spend to the end of {ctx.period.end:%B %Y}, in pounds) and Forecast outturn "
            "(what you expect for the whole year). For an Income line type the income received and expected.",
            "Each line is compared with the budget profiled to this quarter and the annual budget: over budget "
            "(or income short) by more than the tolerance is Red. Explain any variance in Comments.",
        ], body)

    if risks:
        rules = ctx.plan.risk_rules
        r = _section(ws, r, heading, "Risks", [
            f"The Risks sheet lists the service's risks from the plan's risk register with their last "
            f"assessment. For each, type the current Likelihood and Impact as whole numbers from {rules.low} to "
            f"{rules.high}; the score (likelihood x impact) and its band are worked out for you ("
            + "; ".join(f"{b.low}-{b.high} {b.word}" for b in rules.bands) + ").",
            "Say in Commentary what has changed and what is being done, especially when the score has gone up. "
            "Leave Likelihood and Impact blank only if the risk has not been assessed this quarter: it is then "
            "reported as not assessed.",
        ], body)

    words = ", ".join(NO_DATA_WORDS)
    r = _section(ws, r, heading, "No data yet", [
        "If the figure is not available yet, type TBC or Report later in To date (also accepted: "
        f"{words}) and say in Comments/Progress when it will be available. The measure is then shown as "
        "Report later.",
        "A blank To date also counts as no data yet. Do not type 0 unless the figure really is zero.",
    ], body)

    r += 0
    ws.write_string(r, 0, "What the status words mean", heading)
    ws.write_blank(r, 1, None, heading)
    r += 1
    tol = s.amber_tolerance
    tolerance = f"{tol.amount:g} in the measure's own unit" if tol.absolute else f"{tol.amount * 100:g}% of the target"
    meanings = [
        ("Green", "On target: the figure meets or beats the target for this period (an action: on track)."),
        ("Amber", f"Slightly off target: misses by no more than {tolerance}, unless the measure "
                  "sets its own tolerance (an action: some slippage)."),
        ("Red", "Off target: misses by more than that (an action: off track or will miss its due date)."),
        ("Report later", "No figure or update yet for this period."),
        *([("Not due", "The measure is not reported this quarter (see the Due column).")]
          if any(not m.frequency.is_quarterly for m in measures) else []),
        ("Contextual", "Reported for information: the measure has no target to judge it by."),
        ("Complete", "Actions only: the action is finished."),
        ("Check figure", "Shown in RAG (calculated) when a figure is outside what the measure allows, "
                         "e.g. a percentage over 100%: please correct it."),
    ]
    for word, meaning in meanings:
        ws.write_string(r, 0, word, fm.word(word))
        ws.write_string(r, 1, meaning, body)
        r += 1

    _section(ws, r + 1, heading, "Please do not", [
        "The workbook is protected so that it can be read automatically: only the yellow cells can be "
        "changed. Please do not copy figures in from another quarter's return or retype the workbook.",
        f"If a measure, target or action looks wrong, tell {contact} rather than changing it.",
    ], body)

    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)          # one printed page
    ws.set_margins(left=0.5, right=0.5, top=0.5, bottom=0.5)
    ws.protect(ctx.password, {"format_columns": True, "format_rows": True})


def correction_lines(period) -> list[str]:
    """What the Instructions say about the Corrections sheet."""
    q = sheet.quarter_name(period)
    return [
        f"The Corrections sheet shows the figure you reported for {q}. If it has changed since (a late "
        f"correction, a system figure finalised, or a result that was not yet available), type the "
        f"corrected figure in {sheet.corrected_header(period)} (as you would in To date) and say why in "
        f"{sheet.REASON}: a correction without a reason cannot be used.",
        f"The {q} figure as reported is kept; the correction is recorded beside it and shown in the next "
        "committee report as a restated figure. Leave the sheet blank if nothing changed.",
    ]


def _section(ws, r: int, heading, title: str, lines: list[str], body) -> int:
    ws.write_string(r, 0, title, heading)
    ws.write_blank(r, 1, None, heading)
    r += 1
    for line in lines:
        ws.merge_range(r, 0, r, 1, line, body)
        ws.set_row(r, row_height(line, 150))   # merged A:B holds ~170 characters a line
        r += 1
    return r + 1


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
