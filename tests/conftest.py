"""Shared fixtures. tests/ is on sys.path so that test files import the builders beside it."""

import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, make_plan, make_templates  # noqa: E402
from xlplan.safety import inspection  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "quiet_period: keep safety's wait on a file modified moments ago "
                                       "(the test watches a file still being written)")


@pytest.fixture(autouse=True)
def no_quiet_period(request, monkeypatch):
    """Files a test has just written are finished: safety need not watch them for half a second
    to see that they stay still. A test that writes a file while collect reads it is marked
    `quiet_period` and keeps the real wait."""
    if request.node.get_closest_marker("quiet_period") is None:
        monkeypatch.setattr(inspection, "DEFAULT_LIMITS", replace(inspection.DEFAULT_LIMITS, quiet_seconds=0))


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
