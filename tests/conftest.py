"""The shared cast of the tests: a fresh database per test (a DuckDB file, or a database on the test
run's own PostgreSQL server), a CLI runner, CSV and check-in factories."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings as hypothesis_settings

from tracking.instrument import load_instrument

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday; tests that need a clock use this one

# Property tests check what is computed, not how fast: a busy machine must not fail them.
hypothesis_settings.register_profile("koers", deadline=None)
hypothesis_settings.load_profile("koers")


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


@pytest.fixture(scope="session")
def postgres_cluster():
    """The test run's own PostgreSQL server, started on first use and removed at the end (see tests/postgres.py)."""
    from tests.postgres import Cluster, ClusterMissing

    try:
        cluster = Cluster()
    except ClusterMissing as missing:
        pytest.fail(str(missing))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@dataclass(frozen=True)
class Backend:
    """Where a test's database lives: `location` is what KOERS_DB (or `--db`) would say."""

    name: str
    location: object  # a Path, or a tracking.settings.DatabaseURL

    def settings(self, **overrides):
        from tracking.settings import load_settings

        return load_settings({}, secrets_file=None, db=self.location, **overrides)


BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


def pytest_collection_modifyitems(items):
    for item in items:
        params = getattr(item, "callspec", None)
        on_server = params is not None and any(value == "postgresql" for value in params.params.values())
        if on_server and item.get_closest_marker("duckdb_file"):
            item.add_marker(pytest.mark.skip(reason="about the DuckDB file itself; PostgreSQL has no such file"))


def _backend(request, tmp_path, *, migrated: bool):
    if request.param == "duckdb":
        yield Backend("duckdb", tmp_path / "koers.duckdb")
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.new_database(migrated=migrated)
    try:
        yield Backend("postgresql", url)
    finally:
        cluster.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """Runs a test once on a DuckDB file and once on a fresh database of the test PostgreSQL server
    (a copy of a migrated template, so `open_database` finds it current)."""
    yield from _backend(request, tmp_path, migrated=True)


@pytest.fixture(params=BACKENDS)
def empty_backend(request, tmp_path):
    """Like `backend`, but the database has never been migrated (a new file, an empty database)."""
    yield from _backend(request, tmp_path, migrated=False)


@pytest.fixture
def store(backend):
    """The test's database on either backend, migrated."""
    from tracking.store import open_database

    return open_database(backend.settings())


@pytest.fixture
def db_path(tmp_path) -> Path:
    """The test's DuckDB file. A module whose tests run on both databases overrides this fixture with
    `backend.location`, and `koers`, `ready_db` and the factories follow it."""
    return tmp_path / "koers.duckdb"


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _address(location: object) -> str:
    """What `--db` takes for a test database: a path, or the whole server address (with its password)."""
    from tracking.settings import DatabaseURL

    return location.url if isinstance(location, DatabaseURL) else str(location)


@pytest.fixture
def koers(db_path):
    """Run a `koers` command in-process against the test database."""
    from tracking.cli import cli

    def run(*args: str, input: str | None = None, db: object = db_path) -> Ran:
        argv = [str(a) for a in args]
        if db is not None and "--db" not in argv:
            # `--db` belongs to the (sub)command: put it right after the command words.
            words = 2 if argv[:1] in (["coach"], ["client"]) else 1
            argv = argv[:words] + ["--db", _address(db)] + argv[words:]
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
