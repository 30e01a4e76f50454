"""The Risks sheet of a return template (layout in xlplan/contract/risks.py).

The service's risks from the plan's register, read-only and covered by the row digest (code,
title, description, owner, target score and the previous assessment), beside yellow Likelihood
and Impact cells that take only whole numbers on the plan's Risk scale, and a yellow Commentary
cell. The score (likelihood x impact) and its band (the plan's Risk bands) are calculated live.
Only written when the service has risks: a plan without a register has no Risks sheet.
"""

from __future__ import annotations

from xlplan.contract import risks as sheet
from xlplan.plan.model import Risk, RiskRules
from xlplan.templates.sheets import (HEADER_ROW, DataRow, SheetContext, _a1, _banner, finish_sheet,
                                     _comment_validation, _headers, row_height)

WIDTHS = {"Code": 10, "Risk": 40, "Description": 46, "Owner": 18, "Target score": 8, "Previous likelihood": 10,
          "Previous impact": 9, "Previous score": 9, sheet.LIKELIHOOD: 11, sheet.IMPACT: 9, sheet.SCORE: 11,
          sheet.BAND: 11, sheet.COMMENTARY: 50}

Before = dict[str, tuple[int, int]]   # Code → the latest stored (likelihood, impact) before this quarter


def write_risks(wb, ctx: SheetContext, before: Before | None) -> tuple[list[str], list[DataRow]] | None:
    """Write the Risks sheet for the service's risks; (headers, rows) for the identity sheet, or
    None when the service has none (no sheet is written). The previous assessment of a risk is
    `before`'s, else the plan's own."""
    risks = ctx.plan.risks_for(ctx.service)
    if not risks:
        return None
    rules = ctx.plan.risk_rules
    ws = wb.add_worksheet(sheet.RISKS_SHEET)
    fm = ctx.formats
    headers = sheet.headers()
    col = {h: i for i, h in enumerate(headers)}
    scale = f"{rules.low} to {rules.high}"
    _banner(ws, fm, f"{ctx.service}: risks at the end of {ctx.period.end:%B %Y}",
            f"The current assessment of each risk in the plan's register, scored {scale}"
            + (f". Return by {ctx.deadline}." if ctx.deadline else "."),
            f"Type the current Likelihood and Impact ({scale}) in the yellow cells and say in Commentary what has "
            "changed and what is being done. Leave both blank if the risk has not been assessed this quarter.")
    _headers(ws, fm, headers, WIDTHS, inputs=sheet.INPUTS, notes=notes(rules))
    rows: list[DataRow] = []
    r = HEADER_ROW + 1
    number = fm.get(num_format="0", border=1, border_color="#BFBFBF", align="center")
    for risk in risks:
        values = _locked(risk, (before or {}).get(risk.code))
        for h in sheet.LOCKED:
            v = values[h]
            if isinstance(v, int):
                ws.write_number(r, col[h], v, number)
            elif v is None or v == "":
                ws.write_blank(r, col[h], None, fm.text())
            else:
                ws.write_string(r, col[h], v, fm.text(align="center") if h == "Code" else fm.text())
        for h in (sheet.LIKELIHOOD, sheet.IMPACT):
            ws.write_blank(r, col[h], None, fm.input("0", align="center"))
            _rating_validation(ws, r, col[h], h, rules)
        like, impact = _a1(r, col[sheet.LIKELIHOOD]), _a1(r, col[sheet.IMPACT])
        ws.write_formula(r, col[sheet.SCORE], f'=IF(AND(ISNUMBER({like}),ISNUMBER({impact})),{like}*{impact},"")',
                         fm.rag_cell(), "")
        ws.write_formula(r, col[sheet.BAND], band_formula(rules, _a1(r, col[sheet.SCORE])), fm.rag_cell(), "")
        ws.write_blank(r, col[sheet.COMMENTARY], None, fm.input(wrap=True))
        _comment_validation(ws, r, col[sheet.COMMENTARY])
        ws.set_row(r, max(row_height(risk.name, WIDTHS["Risk"]), row_height(risk.description, WIDTHS["Description"])))
        rows.append(DataRow(risk.code, r + 1, [values[h] for h in sheet.hashed_columns()]))
        r += 1
    last = r - 1
    for word in ("Green", "Amber", "Red"):
        ws.conditional_format(HEADER_ROW + 1, col[sheet.BAND], last, col[sheet.BAND],
                              {"type": "cell", "criteria": "==", "value": f'"{word}"',
                               "format": fm.rag_conditional(word)})
    finish_sheet(ws, ctx, headers, last, freeze_cols=2, title=f"Risks at {ctx.period.label}")
    return headers, rows


def _locked(risk: Risk, before: tuple[int, int] | None) -> dict[str, object]:
    likelihood, impact = before if before is not None else (risk.likelihood, risk.impact)
    return {"Code": risk.code, "Risk": risk.name, "Description": risk.description, "Owner": risk.owner,
            "Target score": risk.target, "Previous likelihood": likelihood, "Previous impact": impact,
            "Previous score": likelihood * impact}


def notes(rules: RiskRules) -> dict[str, str]:
    scale = f"{rules.low} to {rules.high}"
    return {
        "Target score": "The score the controls aim to bring the risk down to.",
        "Previous likelihood": "The last assessment: the one returned for an earlier quarter, or the plan's "
                               "own for a risk not assessed since.",
        sheet.LIKELIHOOD: f"How likely the risk is now, {scale} ({rules.low}: rare, {rules.high}: almost certain).",
        sheet.IMPACT: f"How bad it would be if it happened, {scale} ({rules.low}: insignificant, {rules.high}: severe).",
        sheet.SCORE: "Likelihood x Impact, worked out as you type.",
        sheet.BAND: "The score's band: " + "; ".join(f"{b.low}-{b.high} {b.word}" for b in rules.bands) + ".",
        sheet.COMMENTARY: "What has changed since the last assessment, and what is being done about it. "
                          "Needed whenever the score goes up.",
    }


def _rating_validation(ws, r: int, c: int, header: str, rules: RiskRules) -> None:
    ws.data_validation(r, c, r, c, {
        "validate": "integer", "criteria": "between", "minimum": rules.low, "maximum": rules.high,
        "ignore_blank": True, "input_title": f"{header}: {rules.low} to {rules.high}",
        "input_message": f"A whole number from {rules.low} to {rules.high}. Leave blank if not assessed this quarter.",
        "error_title": f"{header}: {rules.low} to {rules.high}", "error_type": "stop",
        "error_message": f"Type a whole number from {rules.low} to {rules.high}."})


def band_formula(rules: RiskRules, score: str) -> str:
    """The live band of the score cell `score`: the plan's bands, lowest first (every score the
    scale can give is in one, so comparing with each band's top is enough)."""
    bands = sorted(rules.bands, key=lambda b: b.low)
    body = f'"{bands[-1].word}"'
    for b in reversed(bands[:-1]):
        body = f'IF({score}<={b.high},"{b.word}",{body})'
    return f'=IF({score}="","",{body})'
