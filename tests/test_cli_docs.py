"""The command line documents itself: help on every command and option, and every command in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from tracking.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: str = "koers"):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


ALL = list(commands())


@pytest.mark.parametrize("path,command", ALL, ids=[path for path, _ in ALL])
def test_every_command_and_option_has_help(path, command):
    assert (command.help or "").strip(), f"{path} has no help text"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            assert (parameter.help or "").strip(), f"{path} {parameter.opts[0]} has no help text"


@pytest.mark.parametrize("path", [path for path, _ in ALL])
def test_every_command_is_in_the_readme(path):
    assert f"`{path}" in README, f"README.md does not document `{path}`"


def test_every_command_takes_db(koers):
    for path, command in ALL:
        assert any("--db" in p.opts for p in command.params if isinstance(p, click.Option)), path
