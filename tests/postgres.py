"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, a server on a free
port of 127.0.0.1 (and a unix socket in that folder), one database per test copied from a migrated
template, and everything stopped and removed at the end.

PostgreSQL refuses to run as root, so as root the server runs as the unprivileged `nobody`. The
server is told to quit when the test process dies, so a killed test run leaves no server behind;
the folder of such a run is removed by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import itertools
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.servers import free_port
from tracking.settings import DatabaseURL

PREFIX = "koers-pg-"
USER = "koers"
UNPRIVILEGED = "nobody"
TEMPLATE = "koers_template"
STARTUP_SECONDS = 60
STOP_SECONDS = 30
PR_SET_PDEATHSIG = 1
# A throwaway cluster does not need to survive a power cut: no fsync, no full-page writes.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}


class ClusterMissing(RuntimeError):
    """PostgreSQL's server programs are not installed."""


def server_bindir() -> Path:
    """The newest installed PostgreSQL server's bin folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    if not found:
        raise ClusterMissing("PostgreSQL's server is not installed: run `make test`, which installs Debian's "
                             "postgresql package (scripts/ensure-postgresql)")
    return Path(found[-1]).parent


def _die_with_parent() -> None:
    """Runs in the server's process before it starts: quit at once when the test process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGQUIT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_abandoned(parent: Path) -> None:
    """Remove the folders of earlier runs whose test process is gone (their server quit with it)."""
    for folder in parent.glob(PREFIX + "*"):
        owner = folder / "owner.pid"
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        server = folder / "data" / "postmaster.pid"
        server_pid = None
        with contextlib.suppress(OSError, ValueError, IndexError):
            server_pid = int(server.read_text().splitlines()[0])
        if not _alive(pid) and (server_pid is None or not _alive(server_pid)):
            shutil.rmtree(folder, ignore_errors=True)


class Cluster:
    """One PostgreSQL server of the test run; `new_database()` gives each test its own database."""

    def __init__(self) -> None:
        self.bindir = server_bindir()
        parent = Path(tempfile.gettempdir())
        remove_abandoned(parent)
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        self.process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self._template_ready = False
        self._as_user: dict[str, object] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam(UNPRIVILEGED)
            self._as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            os.chown(self.root, account.pw_uid, account.pw_gid)

    # Starting and stopping.

    def _run(self, *args: str) -> None:
        done = subprocess.run([str(self.bindir / args[0]), *args[1:]], env=self._env(), cwd=self.root,
                              capture_output=True, text=True, timeout=120, **self._as_user)  # type: ignore[call-overload]
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}")

    def _env(self) -> dict[str, str]:
        return {"PATH": f"{self.bindir}:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"}

    def start(self) -> Cluster:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._as_user:
            os.chown(pwfile, int(self._as_user["user"]), int(self._as_user["group"]))  # type: ignore[call-overload]
        try:
            self._run("initdb", "--pgdata", str(self.data), "--username", USER, "--pwfile", str(pwfile),
                      "--auth-local", "trust", "--auth-host", "scram-sha-256", "--encoding", "UTF8",
                      "--locale", "C.UTF-8", "--no-sync", "--no-instructions")
        finally:
            pwfile.unlink()
        for _attempt in range(3):  # the free port may be taken between choosing and binding it
            self._start_server()
            if self._wait_until_ready():
                return self
            self.port = free_port()
        raise RuntimeError(f"postgres could not bind a port: {(self.root / 'server.log').read_text()}")

    def _start_server(self) -> None:
        options = [arg for key, value in SERVER_SETTINGS.items() for arg in ("-c", f"{key}={value}")]
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 - the server writes to it until stop()
        try:
            self.process = subprocess.Popen(  # type: ignore[call-overload]
                [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 "-k", str(self.root), *options],
                env=self._env(), cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent, **self._as_user,
            )
        finally:
            log.close()

    def _wait_until_ready(self) -> bool:
        """True once the server accepts connections; False when it could not bind its port."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.root / "server.log").read_text()
                if "could not bind" in log or "could not create any TCP/IP sockets" in log:
                    return False
                raise RuntimeError(f"postgres exited: {log}")
            try:
                with self.admin():
                    return True
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError("postgres did not accept connections in time") from None
            time.sleep(0.05)  # polling a server that is starting, bounded by the deadline above

    def stop(self) -> None:
        """Fast shutdown (open sessions are ended), then remove the folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    # Databases.

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection over the unix socket, in autocommit (for CREATE and DROP DATABASE)."""
        return psycopg.connect(host=str(self.root), port=self.port, user=USER, dbname=dbname,
                               autocommit=True, connect_timeout=2)

    def url(self, dbname: str) -> DatabaseURL:
        """How Koers reaches a database of this cluster: over TCP, with the password, as an operator would."""
        return DatabaseURL(f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{dbname}")

    def _ensure_template(self) -> None:
        if self._template_ready:
            return
        from tracking.store import database
        from tracking.store.migrate import ensure_schema

        with self.admin() as con:
            con.execute(f"CREATE DATABASE {TEMPLATE}")
        ensure_schema(database(self.url(TEMPLATE)))
        self._template_ready = True

    def new_database(self, migrated: bool = True) -> DatabaseURL:
        """A fresh database: a copy of the migrated template, or empty (to test migrations)."""
        name = f"koers_{next(self._names)}"
        if migrated:
            self._ensure_template()
        template = TEMPLATE if migrated else "template0"
        with self.admin() as con:
            con.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def copy_database(self, url: DatabaseURL) -> DatabaseURL:
        """A fresh database holding what `url`'s database holds (nobody may be connected to it)."""
        name = f"koers_{next(self._names)}"
        with self.admin() as con:
            con.execute(f"CREATE DATABASE {name} TEMPLATE {url.dbname}")
        return self.url(name)

    def drop_database(self, url: DatabaseURL) -> None:
        with self.admin() as con:
            con.execute(f"DROP DATABASE IF EXISTS {url.dbname} WITH (FORCE)")
