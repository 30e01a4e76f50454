"""The `xlplan` command: a thin click layer over the library (one module per command group)."""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xlplan")
def main() -> None:
    """Run a council's quarterly performance cycle around Excel and Word.

    \b
    The quarter, in order:
      xlplan init               write a starter plan workbook to edit
      xlplan check              check the plan
      xlplan templates          one return workbook per service
      xlplan send               email each template to its manager
      xlplan collect            read the returns, validate, store, compute RAG
      xlplan report             the Word committee report and summary workbook
      xlplan status / chase     who has returned; remind those who have not
      xlplan demo               the whole loop on the example plan in a scratch folder
    """


def _register() -> None:
    # One module per command group; each lists its click commands in COMMANDS.
    from . import collect_cmd, demo_cmd, mail_cmds, plan_cmds, report_cmd, templates_cmd
    for module in (plan_cmds, templates_cmd, mail_cmds, collect_cmd, report_cmd, demo_cmd):
        for cmd in module.COMMANDS:
            main.add_command(cmd)


_register()
