"""xlsx_book: the fast formula path gives exactly the text xlsxwriter's own code gives.

The templates' RAG and validation formulas skip xlsxwriter's ~130 future-function substitutions
when every function in them is a classic one; these tests check that shortcut never changes a
formula, for what xlplan writes and for formulas built to trip it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.worksheet import Worksheet as PlainWorksheet

from template_cases import Q2, varied_plan
from xlplan.plan import read_plan
from xlplan.templates.rag import rag_formula, to_date_rule
from xlplan.values import Unit
from xlplan.xlsx_book import Worksheet


def both(formula: str, expand: bool = False) -> tuple[str, str]:
    fast, plain = Worksheet(), PlainWorksheet()
    return fast._prepare_formula(formula, expand), plain._prepare_formula(formula, expand)


def test_every_template_formula_is_unchanged(tmp_path):
    plan = read_plan(varied_plan(tmp_path / "plan.xlsx"))
    formulas = [rag_formula(m.rule(Q2, plan.settings.amber_tolerance), "K5", "L5") for m in plan.measures]
    formulas += [to_date_rule(unit, "K5") for unit in Unit]
    assert len(formulas) > 10
    for f in formulas:
        for expand in (False, True):
            fast, plain = both(f, expand)
            assert fast == plain
            assert "_xlfn" not in fast


def test_future_functions_still_get_their_prefix():
    for f in ("=XLOOKUP(A1,B:B,C:C)", "=IF(A1,SORT(B1:B9),0)", "=IFS(A1>1,1,TRUE,2)", "=CONCAT(A1,B1)",
              "=IF(A1,X.SINGLE(B1),1)", "=STDEV.S(A1:A9)", "=IF(A1,_xlfn.CONCAT(A1),1)", "{=SUM(A1:A3)}"):
        for expand in (False, True):
            fast, plain = both(f, expand)
            assert fast == plain, f


NAMES = ["IF", "AND", "SUM", "ISNUMBER", "TRIM", "SORT", "XLOOKUP", "IFS", "CONCAT", "STDEV", "S", "DIST",
         "BETA", "NORM", "SINGLE", "MAP", "TAKE", "COUNTIFS", "VALUE", "T", "F", "ERF", "PRECISE"]
PIECES = st.one_of(st.sampled_from(NAMES), st.sampled_from(list('().,"_\\ =+-{}1A')),
                   st.text(alphabet="ABIFSX.(", max_size=4))


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=14), st.booleans())
def test_any_formula_text_is_prepared_as_xlsxwriter_would(pieces, expand):
    f = "".join(pieces)
    fast, plain = both(f, expand)
    assert fast == plain
