"""Shared fixtures. tests/ is on sys.path so that test files import the builders beside it."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, make_plan, make_templates  # noqa: E402


@pytest.fixture
def quarter(tmp_path: Path):
    """A plan, its Q2 templates, and both services' returns filled in and renamed."""
    plan_path = make_plan(tmp_path)
    templates = make_templates(plan_path)
    fill(templates[CJ], tmp_path / "returns" / "CJ return FINAL (2).xlsx", GOOD_CJ,
         {"A1": {"Status": "Complete", "Comments/Progress": "Done in August"},
          "A2": {"Status": "Green"}})
    fill(templates[AOP], tmp_path / "returns" / "Copy of AOP.xlsx", GOOD_AOP,
         {"A3": {"Status": "Red", "Comments/Progress": "Contract delayed"}})
    return tmp_path
