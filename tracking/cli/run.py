"""Commands that run the app's processes: dashboard."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tracking.cli.common import App, with_app


def register(cli: click.Group) -> None:
    cli.add_command(dashboard)


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to listen on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on; put TLS (a reverse proxy) in front before you open it up.")
@with_app
def dashboard(app: App, port: int, address: str) -> None:
    """Start the Streamlit app (coach dashboard and client check-in pages)."""
    app.db  # noqa: B018 - migrate before the server starts, and fail here with a clear message
    entry = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    env = {**os.environ, "KOERS_DB": str(app.settings.db)}
    args = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    click.echo(f"Koers dashboard on http://{address}:{port} (database {app.settings.db})", err=True)
    os.execve(sys.executable, args, env)
