"""Commands that run the app's processes: dashboard."""

from __future__ import annotations

import importlib.util
import os
import sys
import tomllib
from pathlib import Path

import click

from tracking.cli.common import Command, with_command
from tracking.errors import KoersError

CHECKOUT = Path(__file__).resolve().parents[2]


def register(cli: click.Group) -> None:
    cli.add_command(dashboard)


def _config_flags() -> list[str]:
    """The committed .streamlit/config.toml as command-line flags, so the theme and server options
    apply wherever `koers dashboard` is started from."""
    path = CHECKOUT / ".streamlit" / "config.toml"
    if not path.exists():
        return []
    flags = []
    for section, options in tomllib.loads(path.read_text(encoding="utf-8")).items():
        for name, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{name}", text]
    return flags


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to listen on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on; put TLS (a reverse proxy) in front before you open it up.")
@with_command
def dashboard(cmd: Command, port: int, address: str) -> None:
    """Start the Streamlit app (coach dashboard and client check-in pages)."""
    cmd.settings.require_secret_key()
    _ = cmd.context  # migrate before the server starts, and fail here with a clear message
    spec = importlib.util.find_spec("dashboard")  # found, not imported: Streamlit runs it in its own process
    if spec is None or spec.origin is None:
        raise KoersError("the dashboard package is not installed beside this command; reinstall Koers")
    entry = Path(spec.origin).resolve().parent / "server.py"
    env = {**os.environ, "KOERS_DB": cmd.settings.database_setting()}
    args = [sys.executable, "-m", "streamlit", "run", str(entry), *_config_flags(),
            "--server.port", str(port), "--server.address", address, "--server.headless", "true",
            "--browser.gatherUsageStats", "false"]
    click.echo(f"Koers dashboard on http://{address}:{port} (database {cmd.settings.db})", err=True)
    os.execve(sys.executable, args, env)
