"""Commands that run the app's processes: dashboard."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import tomllib
from pathlib import Path

import click

from tracking.cli.common import Command, with_command
from tracking.errors import KoersError
from tracking.settings import SECRETS_FILE, read_secrets_file

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


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ANY = {"0.0.0.0", "::"}
# An address outside this machine to "connect" a UDP socket to: nothing is sent, but the system picks
# the network interface (and so the address) other devices on the network reach this machine at.
OUTSIDE = ("192.0.2.1", 9)  # TEST-NET-1 (RFC 5737): never routed anywhere


def network_address() -> str:
    """This machine's address on its local network (as a phone on the same Wi-Fi reaches it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(OUTSIDE)
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def base_url_is_set(environ: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE) -> bool:
    environ = dict(os.environ) if environ is None else environ
    return "KOERS_BASE_URL" in environ or "KOERS_BASE_URL" in read_secrets_file(secrets_file)


def default_base_url(port: int, address: str) -> str:
    """Where links point when KOERS_BASE_URL is not set: this dashboard's own port, on localhost, or on
    the machine's network address when it listens on every address (a trial with a phone)."""
    if address in LOOPBACK:
        host = "localhost"
    elif address in ANY:
        host = network_address()
    else:
        host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}"


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
    if not base_url_is_set():
        # Links made on the dashboard open the dashboard that made them, whatever port it runs on.
        env["KOERS_BASE_URL"] = default_base_url(port, address)
    args = [sys.executable, "-m", "streamlit", "run", str(entry), *_config_flags(),
            "--server.port", str(port), "--server.address", address, "--server.headless", "true",
            "--browser.gatherUsageStats", "false"]
    links_at = env.get("KOERS_BASE_URL", cmd.settings.base_url)
    click.echo(f"Koers dashboard on http://{address}:{port}, links start with {links_at} "
               f"(database {cmd.settings.db})", err=True)
    os.execve(sys.executable, args, env)
