"""Shared CLI pieces: option types, defaults and turning library errors into user messages."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from xlplan.errors import XlplanError
from xlplan.periods import Period

WORKBOOKS = Path("workbooks")
DEFAULT_PLAN = WORKBOOKS / "plan.xlsx"
DEFAULT_DB = f"sqlite:///{WORKBOOKS / 'xlplan.db'}"


class PeriodType(click.ParamType):
    """A quarter such as 2023-24-Q2 (also 2023/24 Q2)."""

    name = "period"

    def convert(self, value, param, ctx):
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


PERIOD = PeriodType()


def plan_option(f):
    return click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
                        default=DEFAULT_PLAN, show_default=True, help="The plan workbook.")(f)


def db_option(f):
    return click.option("--db", "db_url", default=DEFAULT_DB, show_default=True, envvar="XLPLAN_DB",
                        help="Store URL (SQLAlchemy), e.g. sqlite:///workbooks/xlplan.db or "
                             "postgresql+psycopg://user@host/xlplan; or set XLPLAN_DB.")(f)


def period_option(f):
    return click.option("--period", type=PERIOD, required=True,
                        help="The quarter, e.g. 2023-24-Q2.")(f)


def friendly_errors(f):
    """Turn XlplanError (usage/config problems) into a click error: message on stderr, exit 2."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except XlplanError as e:
            raise UsageProblem(str(e)) from None

    return wrapper


class UsageProblem(click.ClickException):
    exit_code = 2
