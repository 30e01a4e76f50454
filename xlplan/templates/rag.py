"""Spreadsheet formulas for a return template: the live RAG column and the To date validation.

The RAG formula is the status engine (`status.measure_status`) written out for one measure and
period, with the rule's thresholds as constants, so that what the manager sees while typing is what
collect will compute:

- no figure in To date (blank, TBC, Report later…) → Report later;
- a Monitor measure → Contextual;
- no target to judge by → the manager's own Status word if Green/Amber/Red, else Contextual;
- otherwise Green/Amber/Red from the target, polarity and tolerance (relative or absolute), with
  Increase/Reduce targets needing a strict improvement on last year's outturn for Green;
- a figure outside the unit's range (a percentage over 100% or below 0, a negative count or amount:
  possible only by pasting past the validation) → `Check figure`, which collect reports as an error.

Ratio measures are typed as text (`70/30`); the formula reads the first part's share, as the engine
does. Formulas use only functions Excel and LibreOffice share (no LET, no dynamic arrays).
"""

from __future__ import annotations

from xlplan.status import Polarity, Rule, Status
from xlplan.values import Ratio, TargetKind, Unit

_EPS = 1e-9   # the engine's own slack for "met exactly" (status._EPS)

# No-data words the To date validation accepts beside figures (Excel compares text case-blind).
NO_DATA_WORDS = ("TBC", "Report later", "Not yet available", "n/a")
CHECK_FIGURE = "Check figure"


def _num(x: float) -> str:
    """A constant for a formula: 15 significant digits (Excel's precision), no exponent surprises."""
    text = format(x, ".15g")
    if "e" in text:
        text = format(x, ".15f").rstrip("0").rstrip(".") or "0"
    return text


def ratio_share(ref: str) -> str:
    """Formula for the first part's share of a ratio typed as text in `ref` (70/30 → 0.7); an error
    value when the text is not a ratio. `%` signs and `:` separators are allowed, as collect allows."""
    s = f'SUBSTITUTE(SUBSTITUTE(TRIM({ref}),"%",""),":","/")'
    left = f'VALUE(LEFT({s},FIND("/",{s})-1))'
    right = f'VALUE(MID({s},FIND("/",{s})+1,50))'
    return f"IF({left}+{right}=0,0,{left}/({left}+{right}))"


def rag_formula(rule: Rule, to_date: str, status: str) -> str:
    """The live RAG formula for a measure row: `to_date` and `status` are that row's cell refs."""
    if rule.unit is Unit.RATIO:
        x = f"IFERROR({ratio_share(to_date)},\"\")"
        has = f"ISNUMBER({x})"
    else:
        x, has = to_date, f"ISNUMBER({to_date})"
    later = f'"{Status.REPORT_LATER.value}"'
    if rule.unit is Unit.PERCENT:
        has_bad = f"OR({to_date}<0,{to_date}>1)"
    elif rule.unit in (Unit.NUMBER, Unit.MONEY):
        has_bad = f"{to_date}<0"
    else:
        has_bad = None
    formula = _formula(rule, x, has, status, later)
    if has_bad:
        formula = f'IF(AND({has},{has_bad}),"{CHECK_FIGURE}",{formula})'
    return "=" + formula


def _formula(rule: Rule, x: str, has: str, status: str, later: str) -> str:
    if rule.polarity is Polarity.MONITOR:
        return f'IF({has},"{Status.CONTEXTUAL.value}",{later})'
    if rule.target is None:
        own = f'OR({status}="Green",{status}="Amber",{status}="Red")'
        return f'IF({has},IF({own},{status},"{Status.CONTEXTUAL.value}"),{later})'
    return f"IF({has},{_judge(rule, x)},{later})"


def _judge(rule: Rule, x: str) -> str:
    """Nested IF giving Green/Amber/Red for figure expression `x` under a rule with a target."""
    t = rule.target.share if isinstance(rule.target, Ratio) else float(rule.target)
    tiny = _EPS * max(1.0, abs(t))
    allowed = rule.tolerance.amount if rule.tolerance.absolute else rule.tolerance.amount * abs(t)
    directional = rule.target_kind in (TargetKind.INCREASE, TargetKind.REDUCE)
    if rule.polarity is Polarity.HIGHER:     # shortfall = t - x
        green = f"{x}>{_num(t + tiny)}" if directional else f"{x}>={_num(t - tiny)}"
        amber = f"{x}>={_num(t - allowed - tiny)}"
    else:                                    # shortfall = x - t
        green = f"{x}<{_num(t - tiny)}" if directional else f"{x}<={_num(t + tiny)}"
        amber = f"{x}<={_num(t + allowed + tiny)}"
    return f'IF({green},"Green",IF({amber},"Amber","Red"))'


def to_date_rule(unit: Unit, ref: str) -> str:
    """Custom validation formula for a To date cell (`ref` is the cell itself): a figure fitting the
    unit, or one of NO_DATA_WORDS, so that a manager can still say there is no figure yet."""
    words = ",".join(f'TRIM({ref})="{w}"' for w in NO_DATA_WORDS)
    if unit is Unit.PERCENT:
        figure = f"AND(ISNUMBER({ref}),{ref}>=0,{ref}<=1)"
    elif unit is Unit.RATIO:     # kept short: Excel caps validation formulas at 255 characters
        figure = f'ISNUMBER(FIND("/",{ref}))'
    else:
        figure = f"AND(ISNUMBER({ref}),{ref}>=0)"
    return f"=OR({figure},{words})"
