"""Browser tests: the real app served by Streamlit, driven in Debian's chromium through Playwright.

The browser is never downloaded: Playwright starts /usr/bin/chromium. Each session starts the app
on a free port with its own database and waits for Streamlit's health endpoint. Screenshots go to
test-artifacts/ (kept by CI as artifacts).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import ROOT, Server, koers_env

ARTIFACTS = ROOT / "test-artifacts"
SECRET_KEY = "browser-tests-secret-key-0123456789abcdef"
__all__ = ["SECRET_KEY", "Server", "koers_env", "run_koers", "wait_for_app"]

pytestmark = pytest.mark.browser


def run_koers(env: dict, *args: str, cwd: Path, input: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "tracking", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, input=input, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The app on a database with the demo data; yields (server, env, workdir)."""
    workdir = tmp_path_factory.mktemp("site")
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY)
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
