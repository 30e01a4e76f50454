"""The store's file paths are worked out from its URL without SQLAlchemy, as SQLAlchemy would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from xlplan.store.paths import archive_dir, shown_url, sqlite_path


def sqlalchemy_path(db_url: str) -> Path | None:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return None


URLS = ["sqlite:///workbooks/xlplan.db", "sqlite:////abs/path/x.db", "sqlite://", "sqlite:///:memory:",
        "sqlite+pysqlite:///rel/x.db", "sqlite:///x.db?mode=ro", "sqlite:///dir%20with%20space/x.db",
        "sqlite:///file:x.db?uri=true", "postgresql+psycopg://user@localhost/xlplan",
        "postgresql://u:p%40ss@[::1]:5432/db", "mysql://h/db", "sqlite://host:5/x.db", "sqlite:///C:\\data\\x.db"]


@pytest.mark.parametrize("url", URLS)
def test_sqlite_path_as_sqlalchemy_reads_the_url(url):
    assert sqlite_path(url) == sqlalchemy_path(url)


@given(st.sampled_from(["sqlite", "sqlite+pysqlite", "postgresql", "x"]),
       st.text(alphabet="ab/:?@%2[]1.\\ é", max_size=20))
def test_sqlite_path_as_sqlalchemy_for_any_url(scheme, rest):
    url = f"{scheme}://{rest}"
    try:
        expected = sqlalchemy_path(url)
    except (ArgumentError, ValueError) as e:
        with pytest.raises(type(e)):
            sqlite_path(url)
        return
    assert sqlite_path(url) == expected


def test_an_unreadable_url_gets_sqlalchemys_error():
    with pytest.raises(ArgumentError):
        sqlite_path("not a url")
    with pytest.raises(ValueError):
        sqlite_path("sqlite://host:port/x.db")


def test_archive_dir_is_beside_a_sqlite_store_and_needs_no_sqlalchemy():
    assert archive_dir("sqlite:///some/where/xlplan.db") == Path("some/where/archive")
    assert archive_dir("postgresql+psycopg://u@h/db") == Path("workbooks/archive")
    code = ("import sys; from xlplan import store; store.archive_dir('sqlite:///w/x.db'); "
            "print('sqlalchemy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


@pytest.mark.parametrize("url", [*URLS, "postgresql+psycopg://xlplan:s3cret@db.council.local/xlplan",
                                 "postgresql://u:p%40ss@[::1]:5432/db", "postgresql://u:@h/db"])
def test_a_shown_url_is_the_url_with_its_password_hidden(url):
    shown, real = make_url(shown_url(url)), make_url(url)
    assert shown._replace(password=None) == real._replace(password=None)
    assert shown.password == (None if real.password is None else "***")


@given(st.sampled_from(["postgresql", "postgresql+psycopg", "sqlite"]),
       st.text(alphabet="ab/:?@%2[]1.\\ é", max_size=20))
def test_a_shown_url_hides_the_password_of_any_url(scheme, rest):
    url = f"{scheme}://{rest}"
    try:
        real = make_url(url)
    except (ArgumentError, ValueError):
        return
    shown = make_url(shown_url(url))
    assert shown._replace(password=None) == real._replace(password=None)
    assert shown.password == (None if real.password is None else "***")


def test_an_unreachable_store_is_named_without_its_password(tmp_path):
    from click.testing import CliRunner
    from xlplan.cli import main
    url = "postgresql+psycopg://xlplan:s3cret-Pa55@127.0.0.1:1/xlplan"      # nothing listens on port 1
    result = CliRunner().invoke(main, ["upgrade-store", "--db", url])
    assert result.exit_code != 0
    assert "postgresql+psycopg://xlplan:***@127.0.0.1:1/xlplan could not be used" in " ".join(result.output.split())
    assert "s3cret" not in result.output
