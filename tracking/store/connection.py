"""The one place that opens the DuckDB file.

DuckDB lets one process write a file, and a process that holds the file open (even read-only)
keeps every other process from opening it for writing. The dashboard, the scheduler and any
`koers` command share one file, so nobody keeps it open: every unit of work attaches it to a ready
in-memory instance, works and detaches it, and an `flock` on a lock file beside the database orders
those units across processes (shared for readers, exclusive for the writer). Waiting on the flock
is fair and cheap; DuckDB's own lock error is still retried with back-off, for a process that does
not take the flock (the `duckdb` shell, say).
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy.typing as npt

from tracking.errors import DatabaseBusy, DatabaseError
from tracking.store import columnar
from tracking.store.dialect import DUCKDB

# Every instance the shared file is attached to has the same configuration. The memory limit keeps
# a bulk import under 1 GiB together with the in-memory check; DuckDB spills to disk beyond it. The
# flush thresholds make DuckDB's allocator hand memory back after every task that used more than
# a megabyte, instead of keeping it for itself: a bulk refresh's own arrays come from Python's
# allocator and cannot reuse what DuckDB keeps (an import's peak is about 100 MiB lower, as fast).
CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "memory_limit": "512MB",
    "allocator_flush_threshold": "1MB",
    "allocator_bulk_deallocation_flush_threshold": "1MB",
}
FIRST_BACKOFF_SECONDS = 0.001
MAX_BACKOFF_SECONDS = 0.01


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
ATTACHED = "koers"  # the file's name as a database within an instance
KEEP_INSTANCES = 4  # ready instances a process keeps between units of work


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Instances:
    """In-memory DuckDB instances, kept ready for the file's units of work. Building an instance
    costs DuckDB about 15 ms of CPU (its catalog of functions), attaching the file to a ready one
    about 2 ms: every page view and every submitted check-in is a unit or two, and the file's lock
    is held meanwhile. One unit uses an instance at a time (a file can be attached once per
    instance); a process keeps up to `KEEP_INSTANCES` ready and closes the rest after use. A forked
    child starts without its parent's (their threads did not come along)."""

    def __init__(self) -> None:
        self._ready: list[duckdb.DuckDBPyConnection] = []
        self._guard = threading.Lock()
        self._pid = os.getpid()
        self._inherited: list[duckdb.DuckDBPyConnection] = []

    def _this_process(self) -> None:
        if self._pid != os.getpid():  # never closed here: closing waits for threads the child lacks
            self._inherited, self._ready, self._pid = self._inherited + self._ready, [], os.getpid()

    def take(self) -> duckdb.DuckDBPyConnection:
        with self._guard:
            self._this_process()
            if self._ready:
                return self._ready.pop()
        instance = duckdb.connect(":memory:", config=CONFIG)
        configure(instance)
        return instance

    def give_back(self, instance: duckdb.DuckDBPyConnection) -> None:
        with self._guard:
            self._this_process()
            if len(self._ready) < KEEP_INSTANCES:
                self._ready.append(instance)
                return
        instance.close()

    @staticmethod
    def discard(instance: duckdb.DuckDBPyConnection) -> None:
        with suppress(duckdb.Error):
            instance.close()


_INSTANCES = _Instances()


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def turnstile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".writer.lock")


def wal_path(db_path: Path) -> Path:
    """DuckDB's write-ahead log beside a database file: committed work not yet in the file itself."""
    return db_path.with_name(db_path.name + ".wal")


def database_files(db_path: Path) -> list[Path]:
    """Every file a database at `db_path` is kept in: the file, its write-ahead log and the two lock files."""
    return [db_path, wal_path(db_path), lock_path(db_path), turnstile_path(db_path)]


def describe(exc: duckdb.Error) -> str:
    """DuckDB's message without its internal prefix, for a person to read."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return message


class Result:
    """A query result that is always read to the end. DuckDB 2 streams results: one left unfinished
    (say, after `fetchone()`) blocks the connection for the next statement or registration."""

    def __init__(self, result: duckdb.DuckDBPyConnection):
        self._result = result

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._result.fetchall()
        return rows[0] if rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._result.fetchall()

    @property
    def rowcount(self) -> int:
        """DuckDB answers an INSERT, UPDATE or DELETE without RETURNING with one row: the count."""
        rows = self._result.fetchall()
        return int(rows[0][0]) if rows else 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)


_load_names = itertools.count(1)


class Connection:
    """A DuckDB connection with the `tracking.store.contract.StoreConnection` operations; everything
    else passes through to DuckDB."""

    dialect = DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def execute(self, query: str, parameters: Any = None) -> Result:
        return Result(self._con.execute(query) if parameters is None else self._con.execute(query, parameters))

    def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        self._con.executemany(query, [list(row) for row in rows])

    def arrow(self, query: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        """The result as a `pyarrow.Table`; `parameters` by place (`?`), or by name (`$name`) in a mapping."""
        params = (None if parameters is None else dict(parameters) if isinstance(parameters, Mapping)
                  else list(parameters))
        relation = self._con.sql(query, params=params)
        if relation is None:
            raise ValueError("arrow() needs a statement that returns rows")
        return relation.to_arrow_table()

    def numpy(self, query: str, parameters: Sequence[Any] | None = None) -> dict[str, npt.NDArray[Any]]:
        result = self._con.execute(query) if parameters is None else self._con.execute(query, list(parameters))
        # DuckDB's stubs allow a pandas Categorical; without pandas types in play, every column is NumPy.
        return cast(dict[str, npt.NDArray[Any]], dict(result.fetchnumpy()))

    @contextmanager
    def relation(self, name: str, rows: Any) -> Iterator[str]:
        self._con.register(name, columnar.as_arrow(rows))
        try:
            yield name
        except BaseException:
            with suppress(duckdb.Error):  # a failed transaction refuses this too: the first error is the one
                self._con.unregister(name)
            raise
        self._con.unregister(name)

    def load(self, table: str, rows: Any) -> int:
        data = columnar.as_arrow(rows)
        name = f"koers_load_{next(_load_names)}"
        columns = ", ".join(columnar.quote_name(column) for column in data.column_names)
        with self.relation(name, data):
            self._con.execute(f"INSERT INTO {columnar.quote_name(table)} ({columns}) SELECT {columns} FROM {name}")
        return int(data.num_rows)

    def loading_many(self, tables: Sequence[str]) -> None:
        """DuckDB keeps no per-row index on the tables Koers loads in bulk: nothing to do."""

    def build_indexes(self, tables: Sequence[str] | None) -> None:
        """Nothing was left for later (see `loading_many`)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@contextmanager
def _not_interrupted() -> Iterator[None]:
    """Ctrl-C waits until the block is done: a commit and the detach after it are never cut in two
    (DuckDB stops a statement that a signal reaches, and a commit stopped midway leaves it unknown
    whether the change was saved). The interrupt follows right after. Only the main thread receives
    signals; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """Settings every Koers connection shares: times in UTC, and no progress bar on the terminal."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


class Database:
    """A DuckDB file shared between processes; `read()` and `write()` are short units of work."""

    dialect = DUCKDB

    def __init__(
        self,
        path: Path | str,
        busy_timeout_seconds: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.path = Path(path)
        self.busy_timeout_seconds = busy_timeout_seconds
        self._clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def key(self) -> tuple[str, str]:
        return (DUCKDB, str(self.path.resolve()))

    def exists(self) -> bool:
        return self.path.exists()

    def _open_lock_file(self, path: Path) -> int:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DatabaseError(f"{path}: cannot create the lock file ({exc.strerror})") from None

    def _acquire(self, fd: int, exclusive: bool, deadline: float) -> None:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                fcntl.flock(fd, mode)
                return
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
            if self._clock() >= deadline:
                raise DatabaseBusy(self._busy_message())
            self._sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    @contextmanager
    def _flock(self, exclusive: bool) -> Iterator[None]:
        """Readers share the lock, a writer has it alone. A writer first takes the turnstile, which
        new readers must pass, so a steady stream of readers cannot keep a writer waiting."""
        deadline = self._clock() + self.busy_timeout_seconds
        turnstile = self._open_lock_file(turnstile_path(self.path))
        try:
            fd = self._open_lock_file(lock_path(self.path))
        except DatabaseError:
            os.close(turnstile)
            raise
        try:
            self._acquire(turnstile, exclusive, deadline)
            if not exclusive:
                fcntl.flock(turnstile, fcntl.LOCK_UN)  # readers only pass through
            self._acquire(fd, exclusive, deadline)
            yield
        finally:
            os.close(fd)  # closing a descriptor releases its flock
            os.close(turnstile)

    def _busy_message(self) -> str:
        return (
            f"{self.path}: the database stayed busy for {self.busy_timeout_seconds:g} seconds "
            "(another Koers process is using it). Try again in a moment; if it persists, look for a "
            "stuck `koers` command or raise KOERS_BUSY_TIMEOUT_SECONDS."
        )

    def _connect(self, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]:
        """(instance, connection): the file attached to a ready in-memory instance (see `_Instances`)
        as the connection's default database; `_disconnect` detaches it, which checkpoints a write
        and lets go of the file."""
        deadline = self._clock() + self.busy_timeout_seconds
        backoff = FIRST_BACKOFF_SECONDS
        attach = f"ATTACH {_literal(str(self.path))} AS {ATTACHED}" + (" (READ_ONLY)" if read_only else "")
        instance = _INSTANCES.take()
        while True:
            con = instance.cursor()
            try:
                configure(con)
                con.execute(attach)
                con.execute(f"USE {ATTACHED}")
                return instance, con
            except duckdb.IOException as exc:
                con.close()
                if not _is_lock_conflict(exc):
                    _INSTANCES.discard(instance)
                    raise DatabaseError(self._cannot_open(exc)) from None
                # Held by a process that does not take the lock: nothing was attached, and the same
                # instance tries again.
                if self._clock() >= deadline:
                    _INSTANCES.give_back(instance)
                    raise DatabaseBusy(self._busy_message()) from None
                self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            except duckdb.Error as exc:
                _INSTANCES.discard(instance)
                raise DatabaseError(self._cannot_open(exc)) from None

    def _cannot_open(self, exc: duckdb.Error) -> str:
        try:
            with self.path.open("rb") as head:
                start = head.read(12)
        except OSError:
            start = b""
        if start and start[8:12] != DUCKDB_MAGIC:  # DuckDB's own words for a CSV file mislead
            return f"{self.path}: cannot open the database (it is not a DuckDB database file)"
        return f"{self.path}: cannot open the database ({describe(exc)})"

    @staticmethod
    def _disconnect(instance: duckdb.DuckDBPyConnection, con: duckdb.DuckDBPyConnection) -> None:
        """Detach the file and hand the instance back for the next unit of work. An instance whose
        detach failed is closed instead, which lets go of the file; what was committed is in the
        write-ahead log, which the next opening checkpoints."""
        try:
            con.execute("USE memory")
            con.execute(f"DETACH {ATTACHED}")
            con.close()
        except duckdb.Error:
            _INSTANCES.discard(instance)
        else:
            _INSTANCES.give_back(instance)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection, shared with other readers, closed when the block ends."""
        if not self.path.exists():
            raise DatabaseError(f"{self.path}: no database here yet; run `koers init --db {self.path}`")
        with self._flock(exclusive=False):
            instance, con = self._connect(read_only=True)
            try:
                yield Connection(con)
            except duckdb.Error as exc:
                raise DatabaseError(f"{self.path}: the database could not be read ({describe(exc)})") from exc
            finally:
                with _not_interrupted():
                    self._disconnect(instance, con)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """The only writer, inside one transaction: committed when the block ends, rolled back on error."""
        with self._flock(exclusive=True):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"{self.path.parent}: cannot create the folder ({exc.strerror})") from None
            instance, con = self._connect(read_only=False)
            ended = False
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield Connection(con)
                except BaseException as exc:
                    self._rollback(con)
                    if isinstance(exc, duckdb.Error):
                        raise DatabaseError(
                            f"{self.path}: the change could not be saved ({describe(exc)}); nothing was written"
                        ) from exc
                    raise
                with _not_interrupted():
                    ended = True
                    try:
                        con.execute("COMMIT")
                    except duckdb.Error as exc:
                        self._rollback(con)
                        raise DatabaseError(
                            f"{self.path}: the change could not be saved ({describe(exc)}); nothing was written"
                        ) from exc
                    finally:
                        self._disconnect(instance, con)
            finally:
                if not ended:
                    self._disconnect(instance, con)

    @staticmethod
    def _rollback(con: duckdb.DuckDBPyConnection) -> None:
        with suppress(duckdb.Error):  # the transaction is already gone (for example after a failed COMMIT)
            con.execute("ROLLBACK")
