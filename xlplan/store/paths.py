"""Where a store keeps its files, worked out from its URL without loading SQLAlchemy: collect
archives the returns (and starts examining them) before it opens the store, and SQLAlchemy's
import is most of a council-sized collect's start-up."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

# SQLAlchemy's own URL grammar (sqlalchemy.engine.url._parse_url), of which only the backend and
# database are used here
_URL = re.compile(r"""
    (?P<name>[\w\+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """, re.X)


def sqlite_path(db_url: str) -> Path | None:
    """The database file of a SQLite URL, else None: what SQLAlchemy's make_url gives. A URL this
    does not read (no match) or that has a port (which SQLAlchemy checks) is handed to
    make_url, which raises its own error for a bad one."""
    m = _URL.match(db_url) if isinstance(db_url, str) else None
    if m is None or m["port"] is not None:
        from sqlalchemy.engine import make_url
        url = make_url(db_url)
        backend, database = url.get_backend_name(), url.database
    else:
        backend = m["name"].split("+")[0]
        database = unquote(m["database"]) if m["database"] is not None else None
    if backend == "sqlite" and database and database != ":memory:":
        return Path(database)
    return None


def archive_dir(db_url: str) -> Path:
    """Where returned files are archived by content hash: beside a SQLite store, else
    workbooks/archive/."""
    path = sqlite_path(db_url)
    return (path.parent if path is not None else Path("workbooks")) / "archive"


def shown_url(db_url: str) -> str:
    """`db_url` as a message may show it: with any password in it replaced by ***, so that an
    error on the console, in a log or pasted into an email does not give the store away."""
    m = _URL.match(db_url) if isinstance(db_url, str) else None
    if m is None or m["password"] is None:
        return str(db_url)
    start, end = m.span("password")
    return f"{db_url[:start]}***{db_url[end:]}"
