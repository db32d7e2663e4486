"""Koers on a PostgreSQL server (psycopg 3), behind the same `read()` / `write()` contract as the
DuckDB file.

Every unit of work opens its own connection and closes it, as on DuckDB: no connection outlives a
unit of work, so any number of dashboard processes and schedulers can share one database.
`read()` is one REPEATABLE READ, READ ONLY transaction: every query in it sees the same moment.
`write()` is one transaction that first takes a transaction-scoped advisory lock, so writers run
one at a time, as they do on the DuckDB file: what a unit of work reads before it writes is still
true when it commits. A lock that stays taken longer than KOERS_BUSY_TIMEOUT_SECONDS is reported
as "busy", like the DuckDB file's lock.

Errors become the named errors of `tracking.errors` with the server's own reason; the password is
never part of a message.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn, TypeVar

import numpy.typing as npt
import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.string import TextLoader

from tracking.errors import DatabaseBusy, DatabaseError
from tracking.settings import DatabaseURL
from tracking.store import columnar
from tracking.store.dialect import POSTGRESQL, to_pyformat

T = TypeVar("T")

# Taken by every write() (pg_advisory_xact_lock): one writer at a time per database.
WRITE_LOCK = 0x6B6F657273  # "koers"
CONNECT_TIMEOUT_SECONDS = 10
CSV_BLOCK_ROWS = 50_000  # rows per block of CSV text in a bulk read
COPY_BLOCK_ROWS = 65_536  # rows per block of a bulk write
COPY_BLOCKS_AHEAD = 2  # blocks made while the one before is sent
BUILD_MEMORY = "256MB"  # the server's memory for building the indexes `loading_many` dropped
LOCK_TRY_MS = 200  # `loading_many` tries its locks this long at a time (below PostgreSQL's deadlock_timeout)
LOCK_TRIES = 5  # and this many times, with a growing pause between, before it leaves the tables be
LOCK_PAUSE_SECONDS = 0.1
FIRST_BACKOFF_SECONDS = 0.005
MAX_BACKOFF_SECONDS = 0.25
# The server is starting, stopping or full: worth waiting for, like a held lock.
_BUSY_AT_CONNECT = ("too many clients", "the database system is starting up", "the database system is shutting down",
                    "remaining connection slots are reserved")
_BUSY_STATES = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure, pg_errors.DeadlockDetected,
                pg_errors.TooManyConnections, pg_errors.CannotConnectNow)


class PostgresResult:
    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]]):
        self._cursor = cursor

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description


class PostgresConnection:
    """One unit of work's connection, with the `tracking.store.contract.StoreConnection` operations."""

    dialect = POSTGRESQL

    def __init__(self, con: psycopg.Connection[tuple[Any, ...]], *, writable: bool,
                 sleep: Callable[[float], None] = time.sleep):
        self._con = con
        self._writable = writable
        self._sleep = sleep
        self._rebuild: list[tuple[str, str]] = []  # (table, statement): what `build_indexes` builds again

    def execute(self, query: str, parameters: Sequence[Any] | None = None) -> PostgresResult:
        cursor = self._con.cursor()
        if parameters is None:
            cursor.execute(query)  # as written: several statements may follow each other
        else:
            cursor.execute(to_pyformat(query), list(parameters))
        return PostgresResult(cursor)

    def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._con.cursor() as cursor:
            cursor.executemany(to_pyformat(query), [list(row) for row in rows])

    def arrow(self, query: str, parameters: Sequence[Any] | None = None) -> Any:
        """The result as CSV text that the server writes in blocks of many rows, parsed by Arrow: no
        Python object per row. (`COPY (query) TO STDOUT` hands over one row per call, which costs
        psycopg about 10 microseconds a row: seconds for a million check-ins.)"""
        params = [] if parameters is None else list(parameters)
        statement = to_pyformat(query).strip().rstrip(";")
        with self._con.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({statement}) AS koers_result LIMIT 0", params)
            columns = [(column.name, column.type_code) for column in cursor.description or []]
            types = columnar.read_types(columns)
            # row_number() OVER () numbers the rows in the order the query sorted them.
            cursor.execute(
                f"""
                SELECT string_agg(line, chr(10) ORDER BY n) FROM (
                    SELECT {columnar.csv_line_sql(columns)} AS line, row_number() OVER () AS n
                    FROM ({statement}) AS koers_result
                ) AS lines
                GROUP BY n / {CSV_BLOCK_ROWS} ORDER BY n / {CSV_BLOCK_ROWS}
                """,
                params,
            )
            data = "\n".join(block for (block,) in cursor.fetchall()).encode()
        return columnar.table_from_csv(data, types)

    def numpy(self, query: str, parameters: Sequence[Any] | None = None) -> dict[str, npt.NDArray[Any]]:
        return columnar.numpy_columns(self.arrow(query, parameters))

    @contextmanager
    def relation(self, name: str, rows: Any) -> Iterator[str]:
        """A temporary table, filled through COPY and dropped when the block ends."""
        if not self._writable:
            raise RuntimeError(f"relation({name!r}) needs write(): a read-only transaction cannot create a table")
        data = columnar.as_arrow(rows)
        quoted = columnar.quote_name(name)
        self._con.execute(f"CREATE TEMPORARY TABLE {quoted} ({columnar.column_definitions(data.schema)}) "
                          "ON COMMIT DROP")
        self._copy_in(quoted, data)
        try:
            yield name
        finally:
            if self._con.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
                self._con.execute(f"DROP TABLE IF EXISTS {quoted}")

    def load(self, table: str, rows: Any) -> int:
        data = columnar.as_arrow(rows)
        self._copy_in(columnar.quote_name(table), data)
        return int(data.num_rows)

    def loading_many(self, tables: Sequence[str]) -> None:
        holding = "SELECT EXISTS (SELECT 1 FROM {})"
        empty = [table for table in tables
                 if not self._con.execute(holding.format(columnar.quote_name(table))).fetchall()[0][0]]
        if not empty or not self._lock_all(empty):
            return  # tables someone else is reading keep their indexes: the rows go in as usual
        # Each index is then built by one sort; with this much memory it stays in memory.
        self._con.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        # One process per index: the import computes its flags on the other processor meanwhile, and
        # parallel workers would only take turns with it (and merge their halves again).
        self._con.execute("SET LOCAL max_parallel_maintenance_workers = 0")
        for table in empty:
            quoted = columnar.quote_name(table)
            keys = self._con.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY conname", [quoted]
            ).fetchall()
            indexes = self._con.execute(
                """
                SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = %s::regclass AND x.indpred IS NULL
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
                ORDER BY i.relname
                """,
                [quoted],
            ).fetchall()
            # A partial index (such as the check-ins answered from a link) stays: it holds few of the
            # rows, and testing its condition per row costs less than reading the table again to build it.
            for name, definition in keys:
                self._con.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {columnar.quote_name(name)}")
                self._rebuild.append(
                    (table, f"ALTER TABLE {quoted} ADD CONSTRAINT {columnar.quote_name(name)} {definition}"))
            for name, definition in indexes:
                self._con.execute(f"DROP INDEX {columnar.quote_name(name)}")
                self._rebuild.append((table, definition))

    def _lock_all(self, tables: list[str]) -> bool:
        """Every table locked at once, or none: a lock is tried for a moment and given up again while
        another session holds one of them, so a reader waiting for this writer never waits in a
        circle. After a few tries the tables are left to their readers (False)."""
        names = ", ".join(columnar.quote_name(table) for table in tables)
        for attempt in range(LOCK_TRIES):
            if attempt:
                self._sleep(LOCK_PAUSE_SECONDS * attempt)
            self._con.execute("SAVEPOINT koers_lock")
            try:
                self._con.execute(f"SET LOCAL lock_timeout = '{LOCK_TRY_MS}ms'")
                self._con.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            except pg_errors.LockNotAvailable:
                self._con.execute("ROLLBACK TO SAVEPOINT koers_lock")
                continue
            self._con.execute("RELEASE SAVEPOINT koers_lock")
            self._con.execute("SET LOCAL lock_timeout TO DEFAULT")
            return True
        return False

    def build_indexes(self, tables: Sequence[str] | None) -> None:
        """Build the indexes `loading_many` dropped from `tables` (None: all; `write()` builds what is
        left before it commits)."""
        for table, statement in list(self._rebuild):
            if tables is None or table in tables:
                self._con.execute(statement)
                self._rebuild.remove((table, statement))

    def _copy_in(self, quoted_table: str, data: Any) -> None:
        """COPY in blocks of rows, in PostgreSQL's binary format where the columns allow it (no number
        printed here and parsed again by the server), else as CSV. A second thread makes the next
        blocks while this one sends, and at most a few blocks are held at a time."""
        columns = ", ".join(columnar.quote_name(name) for name in data.column_names)
        types = dict(self._con.execute(
            "SELECT attname, atttypid::INTEGER FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
            [quoted_table],
        ).fetchall())
        oids = [types.get(name, 0) for name in data.column_names]
        data = columnar.lists_as_bytes(data, oids)
        binary = columnar.binary_writable(data, oids)

        def blocks() -> Iterator[Any]:
            if binary:
                yield columnar.BINARY_HEADER
            for start in range(0, data.num_rows, COPY_BLOCK_ROWS):
                block = data.slice(start, COPY_BLOCK_ROWS)
                yield columnar.binary_for_copy(block, oids) if binary else columnar.csv_for_copy(block)
            if binary:
                yield columnar.BINARY_TRAILER

        with self._con.cursor() as cursor, cursor.copy(
            f"COPY {quoted_table} ({columns}) FROM STDIN (FORMAT {'binary' if binary else 'csv'})"
        ) as copy:
            for block in made_ahead(blocks(), COPY_BLOCKS_AHEAD):
                copy.write(block)


def made_ahead(items: Iterator[T], ahead: int) -> Iterator[T]:
    """The items of `items`, made by a second thread up to `ahead` items before they are asked for.
    An error while making them is raised here; when the caller stops early, the thread stops too."""
    made: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def offer(entry: tuple[bool, Any]) -> bool:
        """Queue `entry` once there is room; False when the caller has stopped asking."""
        while not stop.is_set():
            try:
                made.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not offer((True, item)):
                    return
        except Exception as failure:  # noqa: BLE001 - handed to the caller, who raises it
            offer((False, failure))
            return
        offer((False, None))

    worker = threading.Thread(target=make, name="koers-copy", daemon=True)
    worker.start()
    try:
        while True:
            more, item = made.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        worker.join()


class PostgresDatabase:
    """A PostgreSQL database shared by every Koers process; `read()` and `write()` are short units of work."""

    dialect = POSTGRESQL

    def __init__(
        self,
        url: DatabaseURL,
        busy_timeout_seconds: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = url
        self.busy_timeout_seconds = busy_timeout_seconds
        self._clock = clock
        self._sleep = sleep
        self._conninfo: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"PostgresDatabase({self.location!r})"

    @property
    def location(self) -> str:
        return self.url.redacted

    @property
    def key(self) -> tuple[str, str]:
        return (POSTGRESQL, self.url.redacted)

    def exists(self) -> bool:
        """The server holds the database; whether it answers is found out by the first unit of work."""
        return True

    # Messages.

    def _scrub(self, text: str) -> str:
        """`text` without the password, should a server or libpq message ever repeat it."""
        for secret in self.url.passwords():
            text = text.replace(secret, "***")
        return text

    def _reason(self, exc: BaseException) -> str:
        """The first line of what the server or libpq said, for a person to read."""
        diag = getattr(exc, "diag", None)
        text = getattr(diag, "message_primary", None) or str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        return self._scrub(first.removeprefix("connection failed: "))

    def _cannot_connect(self, exc: psycopg.Error) -> str:
        reason = self._reason(exc)
        hint = "check the address in KOERS_DB (or --db) and that the server runs"
        if "password" in reason:
            hint += "; a password goes in the address or in ~/.pgpass (PGPASSFILE)"
        return f"{self.location}: cannot connect to the database ({reason}); {hint}"

    def _busy_message(self) -> str:
        return (
            f"{self.location}: the database stayed busy for {self.busy_timeout_seconds:g} seconds "
            "(another Koers process is writing, or the server is starting or full). Try again in a moment; "
            "if it persists, look for a stuck `koers` command or raise KOERS_BUSY_TIMEOUT_SECONDS."
        )

    def _fail(self, exc: psycopg.Error, what: str, after: str = "") -> NoReturn:
        if isinstance(exc, _BUSY_STATES):
            raise DatabaseBusy(self._busy_message()) from None
        raise DatabaseError(f"{self.location}: {what} ({self._reason(exc)}){after}") from None

    # Connections.

    def _parameters(self) -> dict[str, Any]:
        if self._conninfo is None:
            try:
                parameters = conninfo_to_dict(self.url.url)
            except psycopg.Error as exc:
                raise DatabaseError(f"KOERS_DB {self.location}: not a usable server address "
                                    f"({self._reason(exc)})") from None
            lock_ms = int(self.busy_timeout_seconds * 1000)
            # Times are UTC in every session; a lock (a writer's turn, a migration) is waited for as
            # long as the busy timeout allows.
            parameters["options"] = f"-c TimeZone=UTC -c lock_timeout={lock_ms} {parameters.get('options', '')}"
            parameters.setdefault("application_name", "koers")
            parameters.setdefault("connect_timeout", str(CONNECT_TIMEOUT_SECONDS))
            self._conninfo = parameters
        return self._conninfo

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        deadline = self._clock() + self.busy_timeout_seconds
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                con = psycopg.connect(**self._parameters())
            except psycopg.OperationalError as exc:
                busy = isinstance(exc, _BUSY_STATES) or any(text in str(exc) for text in _BUSY_AT_CONNECT)
                if not busy:
                    raise DatabaseError(self._cannot_connect(exc)) from None
                if self._clock() >= deadline:
                    raise DatabaseBusy(self._busy_message()) from None
                self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            except psycopg.Error as exc:
                raise DatabaseError(self._cannot_connect(exc)) from None
            else:
                con.adapters.register_loader("json", TextLoader)  # JSON as its text, as DuckDB returns it
                return con

    @contextmanager
    def read(self) -> Iterator[PostgresConnection]:
        """One consistent, read-only view of the database, closed when the block ends."""
        con = self._connect()
        try:
            con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            con.read_only = True
            try:
                yield PostgresConnection(con, writable=False)
                con.commit()
            except psycopg.Error as exc:
                self._rollback(con)
                self._fail(exc, "the database could not be read")
        finally:
            con.close()

    @contextmanager
    def write(self) -> Iterator[PostgresConnection]:
        """The only writer, inside one transaction: committed when the block ends, rolled back on error."""
        con = self._connect()
        try:
            try:
                con.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            except psycopg.Error as exc:
                self._rollback(con)
                self._fail(exc, "the database could not be locked for writing", "; nothing was written")
            connection = PostgresConnection(con, writable=True, sleep=self._sleep)
            try:
                yield connection
            except BaseException as exc:
                self._rollback(con)
                if isinstance(exc, psycopg.Error):
                    self._fail(exc, "the change could not be saved", "; nothing was written")
                raise
            try:
                connection.build_indexes(None)
                con.commit()
            except psycopg.Error as exc:
                self._rollback(con)
                self._fail(exc, "the change could not be saved", "; nothing was written")
        finally:
            con.close()

    @staticmethod
    def _rollback(con: psycopg.Connection[tuple[Any, ...]]) -> None:
        with suppress(psycopg.Error):  # the connection may already be gone
            con.rollback()
