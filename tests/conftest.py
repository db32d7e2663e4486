"""The shared cast of the tests: a fresh database per test, a CLI runner, CSV and check-in factories."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracking.instrument import load_instrument

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday; tests that need a clock use this one


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No KOERS_* setting from the machine leaks into a test, and no test writes into the checkout."""
    for key in list(os.environ):
        if key.startswith("KOERS_"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's chromium, never a browser downloaded by Playwright."""
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it (scripts/ensure-chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def instrument():
    return load_instrument()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "koers.duckdb"


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def koers(db_path):
    """Run a `koers` command in-process against the test database."""
    from tracking.cli import cli

    def run(*args: str, input: str | None = None, db: Path | None = db_path) -> Ran:
        argv = [str(a) for a in args]
        if db is not None and "--db" not in argv:
            # `--db` belongs to the (sub)command: put it right after the command words.
            words = 2 if argv[:1] in (["coach"], ["client"]) else 1
            argv = argv[:words] + ["--db", str(db)] + argv[words:]
        result = CliRunner().invoke(cli, argv, input=input, catch_exceptions=False)
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def ready_db(koers):
    """An initialised database with one coach."""
    assert koers("init", "--no-secret").exit_code == 0
    ran = koers("coach", "add", "coach@example.org", "--name", "Ada Coach", "--password-stdin",
                input="correct horse battery\n")
    assert ran.exit_code == 0, ran.output


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo database, built once per test session; tests work on copies of it."""
    from tests.factories import OPERATOR, context
    from tracking.usecases import data

    path = tmp_path_factory.mktemp("demo") / "koers.duckdb"
    data.load_demo(context(path), OPERATOR, now=NOW, seed=2026, if_empty=False)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch):
    """A fresh copy of the demo database that the dashboard under test uses."""
    from tests.dashboard_helpers import copy_demo, use_database

    path = copy_demo(demo_template, tmp_path)
    use_database(monkeypatch, path)
    return path
