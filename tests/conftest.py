"""Shared fixtures. tests/ is on sys.path so that test files import the builders beside it."""

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# Captured console output wraps to COLUMNS where it is set (xlplan/cli/render.py): the tests read it
# at the 120 columns of a pipe, whatever the terminal they are run from exports
os.environ.pop("COLUMNS", None)

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


# --- the store on SQLite and on PostgreSQL ------------------------------------------------------

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the whole run, started on first use and stopped at the end. Where
    the server's binaries are not installed the tests that need it skip, saying so; under CI
    (CI=true) they fail instead: CI must run them."""
    import postgres
    bin_dir = postgres.binaries()
    if bin_dir is None:
        reason = f"PostgreSQL is not installed (no initdb/pg_ctl under {postgres.SEARCH} or on PATH)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}, and CI=true: CI must run the PostgreSQL tests (apt-get install postgresql)")
        pytest.skip(reason)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("psycopg is not installed, and CI=true: pip install -e '.[test]'")
        pytest.skip("psycopg is not installed (pip install 'xlplan[postgres]')")
    server = postgres.Server(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, monkeypatch):
    """A store URL, once for SQLite (xlplan.db in tmp_path) and once for a fresh PostgreSQL
    database. For PostgreSQL the test runs in tmp_path, where the archive of returned files goes
    (workbooks/archive) when the store is not a file."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/xlplan.db"
        return
    server = request.getfixturevalue("postgres_server")
    monkeypatch.chdir(tmp_path)
    url = server.database()
    try:
        yield url
    finally:
        server.drop(url)
