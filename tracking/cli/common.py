"""What every command shares: `--db`, settings, the database, output and error translation."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from pathlib import Path

import click

from tracking.errors import KoersError
from tracking.instrument import Instrument, load_instrument
from tracking.settings import Settings, load_settings


class KoersGroup(click.Group):
    """Translates Koers' named errors into a message and exit status 2, once, for every command."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KoersError as problem:
            click.echo(f"koers: {problem}", err=True)
            ctx.exit(2)


@dataclass
class App:
    """Settings, instrument and database for one command."""

    settings: Settings

    @cached_property
    def instrument(self) -> Instrument:
        return load_instrument()

    @cached_property
    def db(self):
        from tracking.store import open_database

        _ = self.instrument  # a broken instrument file stops every command before it touches data
        return open_database(self.settings)


def with_app(command: Callable) -> Callable:
    """Adds `--db PATH` and passes an `App` built from the settings as the first argument."""

    @click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The DuckDB file (default: KOERS_DB, else koers.duckdb in your data directory).",
    )
    @wraps(command)
    def wrapper(*args, db_path: Path | None, **kwargs):
        return command(App(load_settings(db=db_path)), *args, **kwargs)

    return wrapper


def format_option(command: Callable) -> Callable:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for tools.",
    )(command)


def print_json(value) -> None:
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
