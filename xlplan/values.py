"""Turn what people type into figures, per unit, and figures back into what reports show.

Pure functions, no I/O. Percentages are held as fractions (85% → 0.85), money in pounds,
ratios as `Ratio(70, 30)`. No-data words ("TBC", "Final Result Not Yet Available", blank…) become
an explicit `Missing` reason, never 0. Anything else that is not a figure raises `ValueProblem`,
which says what was found and what was expected: nothing is guessed.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum


class Unit(str, Enum):
    PERCENT = "%"
    MONEY = "£"
    NUMBER = "number"
    RATIO = "ratio"

    @classmethod
    def parse(cls, text: object) -> "Unit":
        key = _squash(str(text or ""))
        try:
            return _UNIT_WORDS[key]
        except KeyError:
            raise ValueError(f"'{text}' is not a unit; expected one of %, £, number, ratio") from None

    @property
    def noun(self) -> str:
        return {"%": "a percentage", "£": "an amount of money", "number": "a number", "ratio": "a ratio"}[self.value]

    @property
    def example(self) -> str:
        return {"%": "85%", "£": "£165,000", "number": "2,755", "ratio": "70/30"}[self.value]


_UNIT_WORDS = {
    "%": Unit.PERCENT, "percent": Unit.PERCENT, "percentage": Unit.PERCENT, "pc": Unit.PERCENT,
    "£": Unit.MONEY, "money": Unit.MONEY, "gbp": Unit.MONEY, "pounds": Unit.MONEY, "cost": Unit.MONEY,
    "number": Unit.NUMBER, "count": Unit.NUMBER, "no": Unit.NUMBER, "no.": Unit.NUMBER, "#": Unit.NUMBER,
    "rate": Unit.NUMBER, "days": Unit.NUMBER,
    "ratio": Unit.RATIO,
}


class Missing(str, Enum):
    """Why there is no figure: an explicit state, distinct from zero."""

    BLANK = "blank"
    TBC = "TBC"
    NOT_AVAILABLE = "Not yet available"
    NOT_APPLICABLE = "n/a"
    REPORT_LATER = "Report later"


_MISSING_WORDS = {
    "": Missing.BLANK, "-": Missing.BLANK, "--": Missing.BLANK, "?": Missing.BLANK,
    "tbc": Missing.TBC, "tbd": Missing.TBC, "tba": Missing.TBC, "to be confirmed": Missing.TBC,
    "to be determined": Missing.TBC,
    "n/a": Missing.NOT_APPLICABLE, "na": Missing.NOT_APPLICABLE, "n.a.": Missing.NOT_APPLICABLE,
    "not applicable": Missing.NOT_APPLICABLE,
    "not yet available": Missing.NOT_AVAILABLE, "not available": Missing.NOT_AVAILABLE,
    "final result not yet available": Missing.NOT_AVAILABLE, "result not yet available": Missing.NOT_AVAILABLE,
    "data not available": Missing.NOT_AVAILABLE, "data not yet available": Missing.NOT_AVAILABLE,
    "not yet known": Missing.NOT_AVAILABLE, "awaiting data": Missing.NOT_AVAILABLE,
    "awaited": Missing.NOT_AVAILABLE, "pending": Missing.NOT_AVAILABLE,
    "report later": Missing.REPORT_LATER, "to report later": Missing.REPORT_LATER,
    "reported later": Missing.REPORT_LATER,
}


def missing_reason(text: str) -> Missing | None:
    """The Missing reason if `text` is a no-data word (case, spaces and dashes ignored), else None."""
    return _MISSING_WORDS.get(_squash(text))


@dataclass(frozen=True, slots=True)
class Ratio:
    """A split such as 70/30 (planned/unplanned). Compared by the share of the first part."""

    left: float
    right: float

    @property
    def share(self) -> float:
        total = self.left + self.right
        return self.left / total if total else 0.0

    def __str__(self) -> str:
        return f"{_plain(self.left)}/{_plain(self.right)}"

    def __reduce__(self):
        return Ratio, (self.left, self.right)       # pickled as a call: see Value.__reduce__


Figure = float | Ratio


@dataclass(frozen=True, slots=True)
class Value:
    """A parsed entry: a figure, or the reason there is none. `note` records any reading made."""

    figure: Figure | None
    missing: Missing | None = None
    raw: str = ""
    note: str = ""

    def __reduce__(self):
        """Pickled as a call with its fields: a collect worker sends every return's values to the
        main process, and a slotted dataclass's own state functions look its fields up each time."""
        return Value, (self.figure, self.missing, self.raw, self.note)

    @property
    def is_missing(self) -> bool:
        return self.figure is None

    @property
    def number(self) -> float | None:
        """The figure as a float for comparison (a ratio's first share)."""
        if self.figure is None:
            return None
        return self.figure.share if isinstance(self.figure, Ratio) else float(self.figure)


class ValueProblem(ValueError):
    """What was typed cannot be read as a figure of the expected kind."""

    def __init__(self, found: str, expected: str, hint: str = "") -> None:
        self.found, self.expected, self.hint = found, expected, hint
        super().__init__(f"found '{found}', expected {expected}" + (f" ({hint})" if hint else ""))


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6,
          "bn": 1e9, "billion": 1e9}


def clean_text(raw: object) -> str:
    """Normalise typed text: Unicode NFKC, no zero-width or control characters, single spaces."""
    s = str(raw)
    if s.isascii() and s.isprintable():   # fast path: nothing to normalise but the spaces
        return s.strip() if "  " not in s else _SPACES.sub(" ", s).strip()
    s = unicodedata.normalize("NFKC", s).translate(_ZERO_WIDTH)
    if not s.isprintable():   # every control/format ("C*") character is unprintable: only then look
        s = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in s)
    s = s.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    return _SPACES.sub(" ", s).strip()


def _squash(text: str) -> str:
    return clean_text(text).lower().rstrip(".").strip()


def parse_value(raw: object, unit: Unit, *, percent_format: bool | None = None) -> Value:
    """Read one entry for a measure in `unit`.

    `raw` is a cell value as a reader returns it (str, int, float, None…). `percent_format` says
    whether the cell was percent-formatted, when known: then a number is already a fraction
    (0.85 = 85%). Without a percent format a plain number above 1 is read as points (85 → 85%)
    and one from 0 to 1 as a fraction (0.85 → 85%), with a note saying so.
    Raises ValueProblem for anything that is neither a figure nor a no-data word.
    """
    if type(raw) is float:   # what a reader gives for any typed number: the numbers.Real case below
        return _from_number(raw, unit, percent_format, _expected(unit))
    expected = _expected(unit)
    if raw is None:
        return Value(None, Missing.BLANK, "")
    if isinstance(raw, bool):
        raise ValueProblem(str(raw).upper(), expected)
    if isinstance(raw, (datetime, date, time)):
        raise ValueProblem(str(raw), expected, "the cell holds a date, not a figure")
    if isinstance(raw, numbers.Real):  # int, float, Decimal, numpy numbers from pandas
        try:
            return _from_number(float(raw), unit, percent_format, expected)
        except OverflowError:
            raise ValueProblem(str(raw)[:40], expected, "the figure is too large") from None
    text = clean_text(raw)
    reason = missing_reason(text)
    if reason is not None:
        return Value(None, reason, text)
    if unit is Unit.RATIO:
        return Value(_parse_ratio(text, expected), raw=text)
    number, had_percent = _parse_text_number(text, unit, expected)
    if unit is Unit.PERCENT:
        if had_percent:
            return Value(number / 100, raw=text)
        return _from_number(number, unit, False, expected, raw=text)
    return Value(number, raw=text)


@functools.lru_cache(maxsize=None)
def _expected(unit: Unit) -> str:
    return f"{unit.noun} such as {unit.example}, or a no-data word such as TBC or Report later"


def _from_number(x: float, unit: Unit, percent_format: bool | None, expected: str, raw: str | None = None) -> Value:
    shown = raw if raw is not None else _plain(x)
    if not math.isfinite(x):
        raise ValueProblem(shown, expected)
    if unit is Unit.RATIO:
        raise ValueProblem(shown, "a ratio such as 70/30", "type both parts separated by /")
    if unit is not Unit.PERCENT:
        return Value(x, raw=shown)
    if percent_format:
        return Value(x, raw=shown)
    if abs(x) > 1:
        return Value(x / 100, raw=shown)
    note = "" if x == 0 else f"{shown} read as {format_value(x, Unit.PERCENT)}"
    return Value(x, raw=shown, note=note)


def _parse_text_number(text: str, unit: Unit, expected: str) -> tuple[float, bool]:
    """A single figure in free text: '£1.44 million', '2,755', '(1,200)', '4.0%'."""
    s = text.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    had_pound = "£" in s or s.lower().startswith("gbp")
    s = s.replace("£", "").replace("GBP", "").replace("gbp", "").strip()
    had_percent = s.endswith("%")
    s = s.removesuffix("%").strip()
    m = _NUMBER.match(s)
    if not m:
        raise ValueProblem(text, expected, _hint_for(text, unit))
    number_text = m.group(0)
    rest = s[m.end():].strip().lower()
    scale = 1.0
    if rest:
        if rest in _SCALE and unit in (Unit.MONEY, Unit.NUMBER) and not had_percent:
            scale = _SCALE[rest]
        else:
            raise ValueProblem(text, expected, _hint_for(text, unit))
    value = float(number_text.replace(",", "")) * scale
    if not math.isfinite(value):
        raise ValueProblem(text, expected, "the figure is too large")
    if negative:
        value = -value
    if had_pound and unit is not Unit.MONEY:
        raise ValueProblem(text, expected, f"this measure is {unit.noun}, not money")
    if had_percent and unit is not Unit.PERCENT:
        raise ValueProblem(text, expected, f"this measure is {unit.noun}, not a percentage")
    return value, had_percent


def _hint_for(text: str, unit: Unit) -> str:
    low = text.lower()
    m = re.match(r"\s*([\d.,]+)\s*(per ?cent|percent|pct)\b", low)
    if m and unit is Unit.PERCENT:
        return f"did you mean {m.group(1)}%?"
    if low in ("none", "nil", "zero"):
        return "type 0 if there were none, or Report later if the figure is not known yet"
    if re.fullmatch(r"[£\s]*\d+,\d{1,2}\s*%?", text) or re.fullmatch(r"[£\s]*\d+,\d{4,}\s*%?", text):
        return "use a full stop for decimals (85.5) and commas only between thousands (2,755)"
    if _NUMBER.search(text):
        return "type a single figure; put any explanation in Comments/Progress"
    return ""


def _parse_ratio(text: str, expected: str) -> Ratio:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%?\s*[/:]\s*(\d+(?:\.\d+)?)\s*%?", text)
    if not m:
        raise ValueProblem(text, "a ratio such as 70/30, or a no-data word such as TBC",
                           "type both parts separated by /")
    return Ratio(float(m.group(1)), float(m.group(2)))


def check_range(value: Value, unit: Unit) -> str | None:
    """Why a parsed figure is out of range for its unit (percent over 100%, negative…), or None."""
    if value.figure is None or isinstance(value.figure, Ratio):
        return None
    x = float(value.figure)
    if unit is Unit.PERCENT and not 0 <= x <= 1:
        return f"{format_value(x, unit)} is outside 0% to 100%"
    if unit in (Unit.NUMBER, Unit.MONEY) and x < 0:
        return f"{format_value(x, unit)} is negative; {unit.noun} here cannot be below zero"
    return None


# --- targets ---------------------------------------------------------------------------------


class TargetKind(str, Enum):
    FIGURE = "figure"        # a number to meet
    INCREASE = "Increase"    # better than last year's outturn, upwards
    REDUCE = "Reduce"        # better than last year's outturn, downwards
    MAINTAIN = "Maintain"    # at least as good as last year's outturn
    TBC = "TBC"              # to be set: no status can be computed yet
    NONE = "none"            # no target (a monitoring measure)


_TARGET_WORDS = {
    "increase": TargetKind.INCREASE, "increasing": TargetKind.INCREASE, "higher": TargetKind.INCREASE,
    "reduce": TargetKind.REDUCE, "reducing": TargetKind.REDUCE, "decrease": TargetKind.REDUCE,
    "lower": TargetKind.REDUCE, "maintain": TargetKind.MAINTAIN,
    "monitor": TargetKind.NONE, "no target": TargetKind.NONE, "n/a": TargetKind.NONE,
    "na": TargetKind.NONE, "not applicable": TargetKind.NONE, "": TargetKind.NONE, "-": TargetKind.NONE,
    "tbc": TargetKind.TBC, "tbd": TargetKind.TBC, "to be confirmed": TargetKind.TBC,
    "to be set": TargetKind.TBC,
}


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    figure: Figure | None = None
    raw: str = ""

    @property
    def is_directional(self) -> bool:
        return self.kind in (TargetKind.INCREASE, TargetKind.REDUCE, TargetKind.MAINTAIN)

    def describe(self, unit: Unit) -> str:
        if self.kind is TargetKind.FIGURE:
            return format_value(self.figure, unit)
        return "" if self.kind is TargetKind.NONE else self.kind.value


def parse_target(raw: object, unit: Unit, *, percent_format: bool | None = None) -> Target:
    """Read a target: a figure in `unit`, a direction (Increase/Reduce/Maintain), TBC, or none."""
    if raw is None:
        return Target(TargetKind.NONE)
    if isinstance(raw, str):
        word = _squash(raw)
        if word in _TARGET_WORDS:
            return Target(_TARGET_WORDS[word], raw=clean_text(raw))
    value = parse_value(raw, unit, percent_format=percent_format)
    if value.figure is None:
        kind = TargetKind.NONE if value.missing is Missing.BLANK else TargetKind.TBC
        return Target(kind, raw=value.raw)
    return Target(TargetKind.FIGURE, value.figure, raw=value.raw)


# --- formatting ------------------------------------------------------------------------------


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def format_value(figure: Figure | None, unit: Unit, missing: Missing | None = None) -> str:
    """A figure as a council report shows it: 89%, 65.7%, £91,748, £153.13, 1,668, 70/30."""
    if figure is None:
        if missing in (None, Missing.BLANK):
            return ""
        return missing.value
    if isinstance(figure, Ratio):
        return str(figure)
    x = float(figure)
    if unit is Unit.PERCENT:
        pts = round(x * 100, 1)
        return f"{pts:.0f}%" if pts.is_integer() else f"{pts:.1f}%"
    if unit is Unit.MONEY:
        sign = "-" if x < 0 else ""
        x = abs(x)
        return f"{sign}£{x:,.0f}" if round(x, 2).is_integer() else f"{sign}£{x:,.2f}"
    if float(x).is_integer():
        return f"{x:,.0f}"
    places = 2 if abs(x) >= 1 else 3       # a small rate such as 0.004 is not shown as 0
    return f"{x:,.{places}f}".rstrip("0").rstrip(".")
