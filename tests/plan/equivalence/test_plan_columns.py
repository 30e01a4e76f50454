"""The plan reader's column-wide fast paths (issue #19) give exactly what reading each cell gives,
and fall back to it for any column they cannot take whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan.plan.sheet import cell_text, clean_str, clean_strs, column_texts

# texts a plan holds, and the characters a whole-column path must notice: spaces at either end or
# doubled, dashes, non-ASCII, controls, the separator the column is joined with
CHARS = st.sampled_from("ab Z09-.,%£()'/\t\n\u2013\u2014\u2212\u200b\u00a0\u00e9\x1f\x07")
TEXTS = st.lists(st.text(CHARS, max_size=8), max_size=6)


@settings(max_examples=500)
@given(TEXTS)
def test_clean_strs_is_clean_str_of_each_or_none(texts):
    cleaned = clean_strs(texts)
    if cleaned is not None:
        assert cleaned == [clean_str(t) for t in texts]


@given(st.lists(st.text(st.sampled_from("ab Z09-.,\u2013\u2014\u2212"), max_size=8)
                .map(lambda t: " ".join(t.split())), max_size=6))
def test_clean_strs_takes_plain_text_and_dashes_whole(texts):
    """Printable ASCII (and dashes) with single spaces inside is what a column holds: taken whole."""
    assert clean_strs(texts) == [clean_str(t) for t in texts]


def test_clean_strs_leaves_what_needs_cleaning_to_each_cell():
    for texts in (["a", " b"], ["a ", "b"], ["a  b"], ["a", "b\u00a0"], ["caf\u00e9"], ["a\x1fb", "c"],
                  ["tab\there"], ["x", "zero\u200bwidth"]):
        assert clean_strs(texts) is None, texts
    assert clean_strs(["a \u2013 b", "c"]) == ["a - b", "c"]
    assert clean_strs([]) == [] and clean_strs([""]) == [""]


CELLS = st.one_of(st.none(), st.text(CHARS, max_size=8), st.integers(-3, 3), st.floats(allow_nan=False),
                  st.booleans())


@settings(max_examples=500)
@given(st.lists(CELLS, max_size=8), st.booleans())
def test_column_texts_is_cell_text_of_each_cell(column, repeats):
    rows = [(i, [v, None]) for i, v in enumerate(column, 2)]
    assert column_texts(rows, 0, repeats=repeats) == [cell_text(v) for v in column]
    assert column_texts(rows, 1, repeats=repeats) == [""] * len(column)


# --- frozen objects built slot by slot (xlplan/plan/make.py) ---------------------------------------

def test_maker_builds_what_the_class_builds():
    import dataclasses
    from xlplan.plan.make import maker
    from xlplan.plan.model import Measure
    from xlplan.values import Value
    for cls in (Measure, Value):
        names = [f.name for f in dataclasses.fields(cls)]
        given = [object() for _ in names]          # one distinct object per field: any mix-up shows
        built, expected = maker(cls)(*given), cls(*given)
        assert type(built) is cls and built == expected and maker(cls) is not cls
        assert all(getattr(built, n) is v for n, v in zip(names, given))
        assert hash(maker(Value)(1.0, None, "1", "")) == hash(Value(1.0, raw="1"))


def test_maker_is_the_class_where_init_does_more():
    import dataclasses
    from xlplan.plan.make import maker

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self):
            if self.x < 0:
                raise ValueError("negative")

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        x: int

    @dataclasses.dataclass(slots=True)
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        x: int
        y: int = dataclasses.field(init=False, default=0)

    for cls in (Checked, Unslotted, Mutable, Derived):
        assert maker(cls) is cls
