"""The risk register in a return: check its Risks sheet, per file (pure like the rest of examine;
the rows for the store, across files, are risk_rows.py's).

Each row is matched to the plan's risk
by Code and its locked cells checked against the row digest; the current Likelihood and Impact
are whole numbers on the plan's Risk scale (3, 3.0 or the text '3'; a formula counts by its
calculated value). Both blank: the risk is not assessed this quarter (a warning naming the
cells: it is listed, never guessed from last quarter); one of them blank, or anything else, is
reported naming its cell and the risk is not assessed. Commentary is cleaned as comments are.
"""

from __future__ import annotations


from xlplan.collect.entries import RiskEntry
from xlplan.collect.identify import row_code
from xlplan.collect.read import ReturnFile
from xlplan.collect.validate import _comment, _formula
from xlplan.contract import risks as sheet
from xlplan.contract.identity import canonical, row_digest
from xlplan.errors import (CELL_FORMULA_NO_VALUE, CELL_FORMULA_USED, RETURN_MISSING_COLUMN, RETURN_MISSING_SHEET,
                           RETURN_LOCKED_EDITED, RETURN_ROW_DELETED, RETURN_ROW_EDITED, RETURN_ROW_INSERTED,
                           RETURN_ROW_MOVED, RISK_BAD_RATING,
                           RISK_NOT_ASSESSED, Issue, issue, suggestion)
from xlplan.plan import Plan
from xlplan.plan.risks import whole_number


def check_risks(rf: ReturnFile, plan: Plan, service: str, key: bytes) -> tuple[dict[str, RiskEntry], list[Issue]]:
    """The risks a return assesses (by code) and the issues its Risks sheet raises. A return whose
    template had no Risks sheet assesses none."""
    entries = {e.key: e for e in rf.identity.rows if e.sheet == sheet.RISKS_SHEET} if rf.identity else {}
    if not entries:
        return {}, []
    file = rf.name
    sd = rf.sheets.get(sheet.RISKS_SHEET)
    if sd is None or not sd.header_row:
        others = [s for s in rf.sheet_names if s != "xlplan"]
        return {}, [issue(RETURN_MISSING_SHEET, file=file, sheet=sheet.RISKS_SHEET,
                          suggestion=suggestion(sheet.RISKS_SHEET, others))]
    found: list[Issue] = []
    lost = [h for h in sheet.headers() if sd.col(h) is None]
    for h in lost:
        found.append(issue(RETURN_MISSING_COLUMN, file=file, sheet=sd.name, column=h,
                           suggestion=suggestion(h, [x for x in sd.headers if x])))
    if any(h in lost for h in ("Code", *sheet.INPUTS)):
        return {}, found
    risks = {r.code: r for r in plan.risks_for(service)}
    rules = plan.risk_rules
    hashed = [sd.col(h) for h in sheet.hashed_columns()]
    got: dict[str, RiskEntry] = {}
    for row, values in sd.rows:
        code = row_code(values[sd.col("Code")])
        entry = entries.get(code)
        if entry is None or code in got or code not in risks:
            found.append(issue(RETURN_ROW_INSERTED, file=file, sheet=sd.name, row=row, key=code[:40]))
            continue
        cells = [values[i] if i is not None and i < len(values) else None for i in hashed]
        if entry.row != row:
            found.append(issue(RETURN_ROW_MOVED, file=file, sheet=sd.name, row=row, key=code, was=entry.row))
        if row_digest(key, sd.name, code, cells) != entry.digest:
            found.extend(_edited(sd, row, values, risks[code], file))
        where = dict(file=file, sheet=sd.name, key=code, row=row)
        ratings: dict[str, int | None] = {}
        blank: list[str] = []
        bad = False
        for column in (sheet.LIKELIHOOD, sheet.IMPACT):
            ref = sd.ref(row, column)
            raw = sd.value(values, column)
            if ref in sd.formulas:
                shown, usable = _formula(sd, ref, raw)
                found.append(issue(CELL_FORMULA_USED, cell=ref, found=str(raw)[:80], **where) if usable else
                             issue(CELL_FORMULA_NO_VALUE, cell=ref, formula=shown, **where))
                if not usable:
                    bad, raw = True, None
                    ratings[column] = None
                    continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                ratings[column] = None
                blank.append(ref)
                continue
            value = whole_number(raw)
            if value is None or not rules.low <= value <= rules.high:
                found.append(issue(RISK_BAD_RATING, cell=ref, column=column, found=canonical(raw)[:40],
                                   low=rules.low, high=rules.high, **where))
                bad, value = True, None
            ratings[column] = value
        commentary = _comment(sd, row, values, code, file, found, sd.ref(row, sheet.COMMENTARY),
                              sd.col(sheet.COMMENTARY))
        if blank and not bad:
            missing = "likelihood and impact" if len(blank) == 2 else \
                ("likelihood" if blank[0] == sd.ref(row, sheet.LIKELIHOOD) else "impact")
            found.append(issue(RISK_NOT_ASSESSED, cell=blank[0], missing=missing, **where))
        assessed = not bad and not blank
        got[code] = RiskEntry(code, ratings[sheet.LIKELIHOOD] if assessed else None,
                              ratings[sheet.IMPACT] if assessed else None, commentary, sd.name,
                              sd.ref(row, sheet.LIKELIHOOD), sd.ref(row, sheet.COMMENTARY), row, in_error=bad)
    for code, risk in risks.items():
        if code not in got and code in entries:
            found.append(issue(RETURN_ROW_DELETED, file=file, sheet=sd.name, key=code, name=risk.name[:80],
                               what="assessment"))
    return got, found


def _edited(sd, row: int, values: list, risk, file: str) -> list[Issue]:
    """The locked cells of a risk's row whose digest failed, named by column where the plan shows
    what changed (the register always comes from the plan); the row, when none can be named (the
    previous assessment, which the store holds)."""
    plan_says = {"Risk": risk.name, "Description": risk.description, "Owner": risk.owner,
                 "Target score": "" if risk.target is None else str(risk.target)}
    found = []
    for column, want in plan_says.items():
        got = canonical(sd.value(values, column))
        if got.casefold() != canonical(want).casefold():
            found.append(issue(RETURN_LOCKED_EDITED, file=file, sheet=sd.name, cell=sd.ref(row, column), key=risk.code,
                               row=row, what=f"The {column.lower()} of {risk.code}",
                               found=f"now '{got[:60]}'" if got else "now blank", column=column.lower(),
                               expected=f"'{canonical(want)[:60]}'"))
    return found or [issue(RETURN_ROW_EDITED, file=file, sheet=sd.name, row=row, key=risk.code)]
