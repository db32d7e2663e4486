"""The `koers` command line. Every command takes `--db PATH`; bad input exits with status 2."""

from __future__ import annotations

import atexit
import ctypes
import errno
import gc
import os
import sys
from contextlib import suppress
from typing import NoReturn

import click

from tracking.cli.common import KoersGroup
from tracking.errors import KoersError

# Each command's module, imported when the command runs: `koers import` does not load the mail,
# account and privacy code it does not use.
COMMAND_MODULES = {
    **dict.fromkeys(("init", "items", "import", "timeline", "flags", "recompute", "demo"), "tracking.cli.data"),
    **dict.fromkeys(("coach", "client"), "tracking.cli.accounts"),
    "link": "tracking.cli.links",
    "dashboard": "tracking.cli.run",
    **dict.fromkeys(("remind", "scheduler"), "tracking.cli.reminders"),
    **dict.fromkeys(("export-client", "erase-client", "backup"), "tracking.cli.privacy"),
}


@click.group(cls=KoersGroup, modules=COMMAND_MODULES,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="koers", prog_name="koers")
def cli() -> None:
    """Koers: weekly check-ins for burnout coaching, trends per dynamic, and a flag when the
    dominant dynamic changes.

    Settings come from KOERS_* environment variables or .streamlit/secrets.toml (see README.md).
    """


M_ARENA_MAX = -8  # glibc's mallopt() parameter, as in <malloc.h>


def _no_more_malloc_arenas() -> bool:
    """Have glibc's malloc make no more arenas (M_ARENA_MAX 1, as MALLOC_ARENA_MAX=1 would from the
    start): threads started from here on share the arenas there are. By default every thread that
    allocates gets an arena of its own and keeps what it freed there for itself; with an import's
    threads (the database writer, not on track's two halves) that held up to 90 MiB more at the peak,
    for no speed. Koers' large arrays are mapped one by one and its small objects come from Python's
    own allocator, so the threads hardly meet in malloc. False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, 1))
    except (OSError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> None:
    _no_more_malloc_arenas()
    # When the process ends, Python's last garbage collections would walk every object the command
    # left behind (a tenth of a second after an import); frozen, they are freed without that walk.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    if sys.stdout is None:  # started with its output closed (`koers flags >&-`): what it prints goes nowhere
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - open until the process ends
    try:
        code = cli.main(args=argv, prog_name="koers", standalone_mode=False)
        sys.stdout.flush()  # here, where a failure can still be said, not while Python shuts down
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort as stopped:
        if isinstance(stopped.__context__, KeyboardInterrupt):
            _interrupted()
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except RuntimeError as problem:
        if str(problem) != "Query interrupted":  # DuckDB's words for a statement that Ctrl-C stopped
            raise
        _interrupted()
    except click.ClickException as problem:
        problem.show()
        sys.exit(problem.exit_code)
    except KoersError as problem:  # raised outside a command, e.g. while parsing settings
        click.echo(f"koers: {problem}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        _interrupted()
    except OSError as problem:
        if problem.errno not in OUTPUT_FAILURES or problem.filename is not None:
            raise
        _not_written(problem)
    # Without standalone mode click returns a command's exit status (say, 2 from a refused
    # command) instead of exiting with it.
    sys.exit(code if isinstance(code, int) else 0)


# Why writing a command's output can fail once it has started: nobody reads it any more, or the
# disk or device it goes to is full or broken.
OUTPUT_FAILURES = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _not_written(problem: OSError) -> NoReturn:
    """The output could not be written. A reader that stopped reading (`koers flags | head`) ends the
    command without a word, as other tools do; anything else (a full disk) is said in one line. A
    change the command saved before its output stays saved (an import, a new link). What is left in
    the buffer then goes nowhere, so Python does not report it again on its way out."""
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    if not isinstance(problem, BrokenPipeError):
        with suppress(OSError, ValueError, AttributeError):
            click.echo(f"koers: the output could not be written ({problem.strerror or problem})", err=True)
    sys.exit(1)


def _interrupted() -> NoReturn:
    """Ctrl-C: a unit of work that had not committed wrote nothing (an import is one unit)."""
    click.echo("Interrupted.", err=True)
    sys.exit(130)
