"""The `xlplan` command: a thin click layer over the library (one module per command group).

Each command module lists its click commands in COMMANDS. A module is imported only when one of
its commands runs (or the command list is shown), so `xlplan templates` does not pay for loading
SQLAlchemy, openpyxl or Word just because another command uses them.
"""

from __future__ import annotations

import importlib
import os
import sys

import click


# Command module (under xlplan.cli) → the names of the commands in its COMMANDS. A command missing
# here still works (every module is then loaded to find it); tests/test_cli_help.py keeps this exact.
COMMAND_MODULES = {
    "plan_cmds": ["init", "check"],
    "templates_cmd": ["templates"],
    "mail_cmds": ["send", "status", "chase"],
    "collect_cmd": ["collect"],
    "report_cmd": ["report"],
    "demo_cmd": ["demo"],
    "store_cmd": ["upgrade-store"],
    "import_cmd": ["import"],
    "signoff_cmd": ["signoff", "reopen"],
    "rollover_cmd": ["rollover"],
    "benchmarks_cmd": ["benchmarks"],
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is needed.

    `commands` still gives every command (loading them all), as on a plain click group."""

    def __init__(self, *args, modules: dict[str, list[str]], **kwargs) -> None:
        self._loaded: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)
        self._modules = dict(modules)
        self._where = {name: module for module, names in modules.items() for name in names}

    @property
    def commands(self) -> dict[str, click.Command]:
        self.load_all()
        return self._loaded

    @commands.setter
    def commands(self, value) -> None:
        self._loaded = dict(value or {})

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._loaded[name] = cmd

    def _load(self, module: str) -> None:
        if self._modules.pop(module, None) is None:
            return
        from xlplan.heap import lasting
        with lasting():             # its modules last as long as the process: not worth scanning
            commands = importlib.import_module(f"{__name__}.{module}").COMMANDS
        for cmd in commands:
            self.add_command(cmd)

    def load_all(self) -> None:
        for module in list(getattr(self, "_modules", ())):
            self._load(module)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self._loaded and cmd_name in self._where:
            self._load(self._where[cmd_name])
        if cmd_name not in self._loaded:
            self.load_all()
        return self._loaded.get(cmd_name)

    def list_commands(self, ctx):
        return sorted(self.commands)


def _show_version(ctx: click.Context, _param, value: bool) -> None:
    """--version: what click.version_option prints, with the version looked up only when asked."""
    if value and not ctx.resilient_parsing:
        from xlplan import __version__
        click.echo(f"xlplan, version {__version__}", color=ctx.color)
        ctx.exit()


@click.group(cls=LazyGroup, modules=COMMAND_MODULES, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
def main() -> None:
    """Run a council's quarterly performance cycle around Excel and Word.

    \b
    The quarter, in order:
      xlplan init               write a starter plan workbook to edit
      xlplan check              check the plan
      xlplan templates          one return workbook per service
      xlplan send               email each template to its manager
      xlplan collect            read the returns, validate, store, compute RAG
      xlplan import             store figures from a system extract (CSV or xlsx)
      xlplan report             the Word committee report and summary workbook
      xlplan status / chase     who has returned; remind those who have not
      xlplan report --year      the annual performance report, after Q4
      xlplan rollover           next year's plan, with this year's outturns
      xlplan benchmarks import  comparator figures (LGBF) for the plan's measures
      xlplan demo               the whole loop on the example plan in a scratch folder
    """


def run() -> None:
    """The `xlplan` program (its console script): `main`, then a quick exit.

    Tearing the interpreter down module by module costs a short command about as much as its
    work (SQLAlchemy, rich and collect's modules: tens of milliseconds) and frees only memory the
    system takes back anyway. So once the command has finished, with no other thread running,
    the exit handlers run and the output is flushed as at a normal exit, then the process ends
    without that teardown. `main` itself (what tests and other Python code call) exits normally."""
    try:
        main(prog_name="xlplan")
        code = 0
    except SystemExit as e:
        code = e.code
    _exit_now(code)


def _exit_now(code) -> None:
    """End the process with `code` as SystemExit would, skipping the interpreter's teardown (or,
    while another thread runs or the output cannot be flushed, by a normal exit)."""
    import atexit
    import threading
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    if threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):      # e.g. a closed pipe: the normal exit reports it
        raise SystemExit(code) from None
    os._exit(code)
