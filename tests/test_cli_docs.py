"""The command line documents itself: help on every command and option, and every command in the README."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tracking.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: str = "koers"):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
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


def test_each_command_comes_from_the_module_named_for_it():
    from tracking.cli import COMMAND_MODULES

    registered = {}
    for module in sorted(set(COMMAND_MODULES.values())):
        group = click.Group()
        importlib.import_module(module).register(group)
        registered.update(dict.fromkeys(group.commands, module))
    assert registered == COMMAND_MODULES


def test_a_command_loads_only_the_code_it_uses(tmp_path):
    """`koers items` runs without the mail, account and privacy modules (which `koers --help` loads)."""
    script = ("import sys\nfrom tracking.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith(('tracking.mail', 'tracking.usecases.privacy',"
              " 'tracking.cli.accounts'))))")
    items = subprocess.run([sys.executable, "-c", script, "items"], capture_output=True, text=True, check=True)
    assert items.stdout.strip().endswith("[]"), items.stdout[-300:]
    everything = subprocess.run([sys.executable, "-c", script, "--help"], capture_output=True, text=True, check=True)
    assert "'tracking.usecases.privacy'" in everything.stdout


def test_a_mistyped_command_is_named_with_the_one_meant():
    """In a process of its own: no command module is loaded yet when the name is looked up."""
    ran = subprocess.run([sys.executable, "-m", "tracking", "imprt"], capture_output=True, text=True)
    assert ran.returncode == 2
    assert "No such command 'imprt'. Did you mean 'import'?" in ran.stderr
