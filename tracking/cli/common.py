"""What every command shares: `--db`, settings, the context, output and error translation."""

from __future__ import annotations

import importlib
import json
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cached_property, wraps
from pathlib import Path
from typing import Any

import click

from tracking.context import Actor, Context, open_context
from tracking.errors import KoersError
from tracking.instrument import Instrument, load_instrument
from tracking.settings import Settings, load_settings

# Every command runs as the operator: someone with access to the server and its database file.
OPERATOR = Actor.operator()


class KoersGroup(click.Group):
    """Translates Koers' named errors into a message and exit status 2, once, for every command.

    `modules`: command name -> the module that registers it (`register(group)`), imported when the
    command is run or listed, so that a command loads only what it uses."""

    def __init__(self, *args: Any, modules: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._modules = dict(modules or {})

    def _register(self, module: str) -> None:
        importlib.import_module(module).register(self)
        self._modules = {name: other for name, other in self._modules.items() if other != module}

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in sorted(set(self._modules.values())):
            self._register(module)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self._modules:
            self._register(self._modules[cmd_name])
        elif cmd_name not in self.commands:
            self.list_commands(ctx)  # a mistyped name: every command is there for click's "Did you mean"
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta.setdefault("koers.words", list(args))  # the command line after `koers`, for a hint in invoke
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        words: list[str] = ctx.meta.get("koers.words", [])
        try:
            return super().invoke(ctx)
        except KoersError as problem:
            click.echo(f"koers: {problem}", err=True)
            ctx.exit(2)
        except click.NoSuchOption as problem:
            # A client id such as "-5" or "-12" reads as options (click names the first, "-1"); `--`
            # ends the options. The hint names the whole word, and only a dash and a digit.
            context = problem.ctx
            word = next((w for w in words if w.startswith(problem.option_name) and re.fullmatch(r"-[0-9]\S*", w)),
                        None)
            if (word is not None and context is not None
                    and any(isinstance(param, click.Argument) for param in context.command.params)):
                raise click.NoSuchOption(
                    problem.option_name,
                    f"{word!r} is not an option. An argument that starts with '-' goes last, after `--`: "
                    f"{context.command_path} [OPTIONS] -- {shlex.quote(word)}",
                    ctx=context) from None
            raise


@dataclass
class Command:
    """What one command works with: its settings, the instrument, and (once the command needs the
    database, which opening migrates) the context. A command that only reads or changes what is
    stored (`existing`) refuses a database that is not there yet, instead of creating an empty one."""

    settings: Settings
    existing: bool = False

    @cached_property
    def instrument(self) -> Instrument:
        return load_instrument()

    @cached_property
    def context(self) -> Context:
        return open_context(self.settings, existing=self.existing)


def with_command(command: Callable[..., Any] | None = None, *,
                 existing: bool = False, makes_database: bool = False) -> Callable[..., Any]:
    """Adds `--db PATH` and passes a `Command` built from the settings as the first argument;
    `existing=True` for a command that works on what is stored (see `Command`). A command that
    creates the database on its way (an import) and is then refused or stopped leaves none where
    there was none; `makes_database=True` for the one whose work that is (`init`)."""
    if command is None:
        return lambda wrapped: with_command(wrapped, existing=existing, makes_database=makes_database)

    @click.option(
        "--db",
        "db_path",
        type=str,
        default=None,
        metavar="PATH|URL",
        help="The DuckDB file, or a postgresql:// address (default: KOERS_DB, else koers.duckdb in your data "
             "directory).",
    )
    @wraps(command)
    def wrapper(*args: Any, db_path: str | None, **kwargs: Any) -> Any:
        settings = load_settings(db=db_path)
        if makes_database:
            return command(Command(settings, existing=existing), *args, **kwargs)
        with _no_new_database_when_refused(settings.db):
            return command(Command(settings, existing=existing), *args, **kwargs)

    return wrapper


@contextmanager
def _no_new_database_when_refused(location: object) -> Iterator[None]:
    """A command that creates the database where there is none (`import`, `client add`, ...) and is
    then refused, or stopped with Ctrl-C, leaves no empty database behind, nor the folders made for
    it: where there was none, there is none again. A database that holds anything by then (another
    process may have started one) is kept."""
    if not isinstance(location, Path) or location.exists() or location.is_symlink():
        yield
        return
    # The folders that will be made for it, the deepest first (`a/../b.duckdb` makes `a`).
    made_folders = [folder for folder in location.parents if folder.name not in ("", ".", "..") and not folder.exists()]
    try:
        yield
    except (Exception, KeyboardInterrupt):
        from tracking.usecases.data import remove_if_empty

        if remove_if_empty(location):
            for folder in made_folders:
                with suppress(OSError):
                    folder.rmdir()  # only while empty
        raise


def format_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for tools.",
    )(command)


def print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


class Progress:
    """Steps of a long command on the terminal (stderr), silent when output is not a terminal."""

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        if self.enabled:
            click.echo(f"[{time.monotonic() - self.started:6.1f}s] {message}...", err=True)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started
