"""Property-based tests: the value parser on arbitrary input, and mutated real returns through
safety.inspect and collect's whole per-file path (read, identify, verify, check) — nothing may
raise an unexpected exception; every bad file must come back as issues."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings, strategies as st

import hostile
from xlplan.safety import inspection as safety
from xlplan.collect.examine import examine
from xlplan.contract.identity import load_key
from xlplan.plan import read_plan
from xlplan.values import (Target, Unit, Value, ValueProblem, check_range, format_value,
        parse_target, parse_value)

RAW = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                st.text(), st.text(alphabet="0123456789.,%£()-+/: kmbnTBCna\u2212\u00a0\u200b"),
                st.datetimes(), st.dates())


@given(RAW, st.sampled_from(list(Unit)), st.one_of(st.none(), st.booleans()))
@settings(max_examples=400, deadline=None)
def test_parse_value_gives_a_value_or_a_value_problem(raw, unit, percent_format):
    try:
        value = parse_value(raw, unit, percent_format=percent_format)
    except ValueProblem as e:
        assert e.expected and str(e)
        return
    assert isinstance(value, Value)
    assert (value.figure is None) == (value.missing is not None)
    format_value(value.figure, unit, value.missing)
    reason = check_range(value, unit)
    assert reason is None or isinstance(reason, str)


@given(RAW, st.sampled_from(list(Unit)))
@settings(max_examples=200, deadline=None)
def test_parse_target_gives_a_target_or_a_value_problem(raw, unit):
    try:
        target = parse_target(raw, unit)
    except ValueProblem:
        return
    assert isinstance(target, Target)
    target.describe(unit)


@given(st.text(), st.integers(min_value=2, max_value=5000))
@settings(max_examples=300, deadline=None)
def test_clean_comment_always_gives_storable_text(text, cap):
    cleaned = safety.clean_comment(text, max_chars=cap)
    assert len(cleaned.text) <= cap
    cleaned.text.encode("utf-8")                      # no lone surrogates
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned.text)


# --- mutated returns ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _quarter():
    """One plan and good return for every example (hypothesis does not mix with function fixtures)."""
    root = Path(tempfile.mkdtemp(prefix="xlplan-fuzz-"))
    q = hostile.hostile_quarter(root)
    plan = read_plan(q.plan)
    return q, plan, load_key(q.plan), root


def _examine(data: bytes, name: str = "Mutated return.xlsx"):
    q, plan, key, root = _quarter()
    folder = Path(tempfile.mkdtemp(dir=root))
    path = folder / name
    path.write_bytes(data)
    os.utime(path, (1_700_000_000, 1_700_000_000))    # long since written: no wait for a quiet file
    found = safety.inspect(path)
    ex = examine(path, plan, hostile.Q2, key, root / "archive")
    assert ex.sha256 == found.sha256
    if found.rejected:
        assert ex.service is None and [i.code for i in ex.issues] == [i.code for i in found.issues]
    return found, ex


def _good_bytes() -> bytes:
    q, *_ = _quarter()
    return q.good["good"].read_bytes()


def test_the_unmutated_return_is_accepted():
    found, ex = _examine(_good_bytes())
    assert found.accepted and ex.service == "Children and Justice" and not [i for i in ex.issues if i.is_error]


@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8))
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_byte_flips_never_raise(flips):
    data = bytearray(_good_bytes())
    for where, byte in flips:
        data[int(where * len(data))] = byte
    _examine(bytes(data))


@given(st.floats(0, 1, exclude_max=True))
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_truncations_never_raise(fraction):
    data = _good_bytes()
    found, ex = _examine(data[: int(fraction * len(data))])
    assert found.rejected or found.skipped


@given(st.data())
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_part_deletions_and_xml_damage_never_raise(draw):
    """Valid zips with damaged insides: a part deleted, or bytes of one part's XML changed (the
    CRC is right, so the readers themselves see the damage)."""
    q, *_ = _quarter()
    parts = hostile.parts_of(q.good["good"])
    names = sorted(parts)
    victim = draw.draw(st.sampled_from(names))
    how = draw.draw(st.sampled_from(["delete", "flip", "cut", "insert"]))
    body = parts[victim]
    if how == "delete":
        del parts[victim]
    elif how == "cut":
        parts[victim] = body[: draw.draw(st.integers(0, len(body)))]
    else:
        at = draw.draw(st.integers(0, max(len(body) - 1, 0)))
        junk = draw.draw(st.sampled_from([b"<", b">", b"&", b"\"", b"\x00", b"</c>", b"<c r=\"ZZZZ9\">",
                                          b"<v>1e999</v>", b"&amp", b"\xff\xfe", b"r=\"A0\"", b"t=\"s\""]))
        parts[victim] = body[:at] + junk + body[at + (len(junk) if how == "flip" else 0):]
    tmp = Path(tempfile.mkdtemp()) / "x.xlsx"
    hostile.write_parts(tmp, parts)
    _examine(tmp.read_bytes())


@given(st.integers(1, 3000), st.integers(1, 200))
@example(10, 5).via("within the caps: accepted")
@example(3000, 200).via("over the area cap: refused by size")
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_odd_but_valid_sizes_never_raise(rows, cols):
    """A shared strings part swollen with junk, and a sheet grown with stray rows (still valid XML)."""
    q, *_ = _quarter()
    parts = hostile.parts_of(q.good["good"])
    name = hostile.sheet_part(parts, "Measures")
    extra = b"".join(b'<row r="%d"><c r="%s%d"><v>%d</v></c></row>' % (r, hostile_col(cols).encode(), r, r)
                     for r in range(200, 200 + rows))
    parts[name] = parts[name].replace(b"</sheetData>", extra + b"</sheetData>", 1)
    tmp = Path(tempfile.mkdtemp()) / "x.xlsx"
    hostile.write_parts(tmp, parts)
    found, ex = _examine(tmp.read_bytes())
    limits = safety.DEFAULT_LIMITS
    width = max(cols, safety.inspect(q.good["good"]).sheet("Measures").cols)
    height = 199 + rows
    if height > limits.max_rows or width > limits.max_cols or height * width > limits.max_area:
        assert found.rejected and ex.service is None      # over the caps: refused by size, never read
    else:
        assert found.accepted and found.sheet("Measures").rows == height


def hostile_col(n: int) -> str:
    from xlplan.safety.container import col_letters
    return col_letters(n)
