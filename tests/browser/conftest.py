"""Browser tests: the real app served by Streamlit, driven in Debian's chromium through Playwright.

The browser is never downloaded: Playwright starts /usr/bin/chromium. Each session starts the app
on a free port with its own database and waits for Streamlit's health endpoint. Screenshots go to
test-artifacts/ (kept by CI as artifacts).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SECRET_KEY = "browser-tests-secret-key-0123456789abcdef"
STARTUP_SECONDS = 60

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def koers_env(db: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOERS_")}
    env.update({"KOERS_DB": str(db), "KOERS_SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(ROOT), **extra})
    return env


def run_koers(env: dict, *args: str, cwd: Path, input: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "tracking", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, input=input, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    def __init__(self, workdir: Path, env: dict):
        self.workdir = workdir
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / ".streamlit").mkdir(exist_ok=True)
        shutil.copy(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
        self.log = open(workdir / "streamlit.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true"],
            env=env, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {(self.workdir / 'streamlit.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling a server that is starting, bounded by the deadline above
        raise RuntimeError("streamlit did not become healthy in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The app on a database with the demo data; yields (server, env, workdir)."""
    workdir = tmp_path_factory.mktemp("site")
    env = koers_env(workdir / "koers.duckdb")
    run_koers(env, "init", "--no-secret", cwd=workdir)
    run_koers(env, "demo", cwd=workdir)
    server = Server(workdir, env)
    yield server
    server.stop()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot as a test artifact; returns its path."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def wait_for_app(page) -> None:
    """Streamlit has rendered the page once it shows its main block and stops running."""
    page.wait_for_selector("[data-testid='stMain']", timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )
