"""Every command has help text, and the README documents every command (as sqlite-utils does)."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main

README = (Path(__file__).parents[2] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(main.commands))
def test_command_has_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert main.commands[name].help and len(main.commands[name].help) > 20


@pytest.mark.parametrize("name", sorted(main.commands))
def test_readme_mentions_command(name):
    assert f"xlplan {name}" in README


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "xlplan" in result.output
