"""What Koers derives from check-ins: states per check-in and flags, recomputed in bulk.

`refresh` reads the check-ins, focus history and scheduled windows of the given clients (or all),
runs `tracking.detection` over all of them at once, replaces their states and merges the flags. A
flag found again keeps its row, its acknowledgement and a coach's resolution; a new finding is
inserted (as `open`, or as `retired` history when later data already retired it); a flag the data
retired gets status `retired` with when and why, and returns to `open` or `acknowledged` should the
data change back; a flag the data no longer supports at all is withdrawn (hidden, kept for the
audit). The same data therefore always gives the same flags, however often it is recomputed.

Evidence is built as JSON by the database from the numbers `tracking.detection` returns, never flag
by flag in Python; the sentence a coach reads is worded from it by `tracking.flag_text`. The series
are read and the states and flags written in bulk (Arrow on DuckDB, COPY on PostgreSQL), by a second
thread while this one computes the next kind of flag (`_Writer`); the transaction stays one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tracking import detection
from tracking.clock import to_db
from tracking.detection import DetectionSettings, FlagTable, Reliability, SeriesBatch
from tracking.detection.flags import take_rows
from tracking.detection.rules import FlagInputs, FocusChanges, Windows
from tracking.instrument import DYNAMICS, Instrument
from tracking.models import FLAG_KINDS
from tracking.recovery import RecoverySettings
from tracking.scoring import strain_matrix
from tracking.store import checkins, on_track
from tracking.store.connection import Connection, configure
from tracking.store.contract import StoreConnection
from tracking.store.dialect import iso_seconds, json_array, json_object

MICROSECONDS_PER_WEEK = 7 * 24 * 3600 * 1_000_000
RELIABILITY_SAMPLE = 20_000
CLUSTERING_SAMPLE_CLIENTS = 500
STATE_NAMES = [*DYNAMICS, "mixed", "none"]  # by state code; see tracking.detection
# The samples are taken in an order that looks random and is the same on every database: check-ins by
# a multiplicative hash of their id (Knuth's; exact in BIGINT for ids below 3.4 billion), clients by
# the MD5 of theirs.
CHECKIN_SAMPLE_ORDER = "(id * 2654435761) % 4294967296, id"
CLIENT_SAMPLE_ORDER = "md5(id), id"
T = TypeVar("T")


@dataclass
class RefreshSummary:
    clients: int = 0
    checkins: int = 0
    flags_raised: int = 0
    flags_withdrawn: int = 0
    flags_retired: int = 0


def _scope_sql(client_ids: list[str] | None, column: str) -> tuple[str, list[Any]]:
    if client_ids is None:
        return "TRUE", []
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [list(client_ids)]


def _floats(column: Any) -> npt.NDArray[np.float64]:
    return np.asarray(np.ma.filled(np.ma.asarray(column, dtype=np.float64), np.nan), dtype=np.float64)


def _ints(column: Any) -> npt.NDArray[np.int64]:
    return np.asarray(column, dtype=np.int64)


def _micros(column: Any) -> npt.NDArray[np.int64]:
    """A timestamp column as microseconds since 1970 (both databases read TIMESTAMP as datetime64[us])."""
    return np.asarray(column, dtype="datetime64[us]").view(np.int64)


# Reading what detection needs.

@dataclass(frozen=True)
class _Loaded:
    """The scope's clients (index -> id), its check-ins as a batch, and their ids."""

    client_ids: npt.NDArray[np.object_]
    checkin_ids: npt.NDArray[np.int64]
    inputs: FlagInputs


def _load(con: StoreConnection, client_ids: list[str] | None) -> _Loaded:
    where, params = _scope_sql(client_ids, "id")
    con.execute("DROP TABLE IF EXISTS scope")
    con.execute(
        f"""
        CREATE TEMP TABLE scope AS
        SELECT id AS client_id, (row_number() OVER (ORDER BY id) - 1)::BIGINT AS client_index
        FROM clients WHERE {where}
        """,
        params,
    )
    try:
        ids = np.asarray(con.numpy("SELECT client_id FROM scope ORDER BY client_index")["client_id"], dtype=object)
        series = con.numpy(
            f"""
            SELECT s.client_index, k.id, k.submitted_at AS moment, k.contact_request,
                   {", ".join(f"c.{d}" for d in DYNAMICS)}
            FROM checkins k JOIN scope s ON s.client_id = k.client_id JOIN scores c ON c.checkin_id = k.id
            ORDER BY s.client_index, k.submitted_at, k.id
            """
        )
        focus = con.numpy(
            f"""
            SELECT s.client_index, f.changed_at AS moment, {_dynamic_code("f.focus")} AS focus
            FROM focus_changes f JOIN scope s ON s.client_id = f.client_id
            ORDER BY s.client_index, f.changed_at, f.id
            """
        )
        windows = con.numpy(
            """
            SELECT s.client_index, p.opens_at AS opens, p.closes_at AS closes, p.status = 'missed' AS missed
            FROM periods p JOIN scope s ON s.client_id = p.client_id
            WHERE p.kind = 'scheduled' AND p.status IN ('completed', 'missed')
            ORDER BY s.client_index, p.opens_at
            """
        )
    finally:
        con.execute("DROP TABLE IF EXISTS scope")
    moments = _micros(series["moment"])
    scores = (np.column_stack([_floats(series[d]) for d in DYNAMICS]) if moments.size
              else np.empty((0, len(DYNAMICS))))
    batch = SeriesBatch(_ints(series["client_index"]), moments / MICROSECONDS_PER_WEEK, scores)
    inputs = FlagInputs(
        batch=batch,
        checkin_us=moments,
        contact_request=np.asarray(series["contact_request"], dtype=bool),
        focus=FocusChanges(_ints(focus["client_index"]), _micros(focus["moment"]), _ints(focus["focus"])),
        windows=Windows(_ints(windows["client_index"]), _micros(windows["opens"]), _micros(windows["closes"]),
                        np.asarray(windows["missed"], dtype=bool)),
    )
    return _Loaded(ids, _ints(series["id"]), inputs)


@contextmanager
def _reading(con: StoreConnection, ingested: checkins.IngestResult | None) -> Iterator[StoreConnection]:
    """Where refresh reads the check-ins and what belongs to them: `con`, or, right after an ingest
    that wrote the only check-ins of a server database (`IngestResult.everything`), an in-memory
    DuckDB holding those rows as written beside the server's clients, focus changes and windows.
    The rows are the same; what is saved is the server writing a million of them back as text."""
    if ingested is None or ingested.everything is None:
        yield con
        return
    memory = duckdb.connect(":memory:")
    try:
        configure(memory)
        written, scores = ingested.everything
        ingested.everything = None  # handed over: freed once detection has read them
        memory.register("checkins", written)
        memory.register("scores", scores)
        memory.register("clients", con.arrow("SELECT id FROM clients"))
        memory.register("focus_changes", con.arrow("SELECT id, client_id, focus, changed_at FROM focus_changes"))
        memory.register("periods", con.arrow("SELECT client_id, kind, status, opens_at, closes_at FROM periods"))
        yield Connection(memory)
    finally:
        memory.close()
        pa.default_memory_pool().release_unused()  # the rows as written, before the flags are computed


def _count(con: StoreConnection, sql: str, params: list[Any] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return int(row[0])


def _dynamic_code(column: str) -> str:
    """SQL for a dynamic's position in DYNAMICS (-1 for none)."""
    return f"CASE {column} " + " ".join(f"WHEN '{d}' THEN {code}" for code, d in enumerate(DYNAMICS)) + " ELSE -1 END"


# Reliability: estimated from all stored data, kept in the `reliability` table.

def load_reliability(con: StoreConnection, settings: DetectionSettings) -> Reliability | None:
    """The stored estimate, or None when there is none yet or it was made for other block sizes."""
    rows = con.execute(
        """
        SELECT dynamic, alpha, sd, source, n, weekly_noise, clustering_recent, clustering_baseline,
               recent_checkins, baseline_checkins
        FROM reliability
        """
    ).fetchall()
    if {row[0] for row in rows} != set(DYNAMICS):
        return None
    if any(row[8] != settings.recent_checkins or row[9] != settings.baseline_checkins or row[5] is None
           for row in rows):
        return None
    return Reliability(
        alpha={r[0]: r[1] for r in rows}, sd={r[0]: r[2] for r in rows}, source=rows[0][3], n=rows[0][4],
        weekly_noise={r[0]: r[5] for r in rows}, clustering_recent={r[0]: r[6] for r in rows},
        clustering_baseline={r[0]: r[7] for r in rows},
    )


def estimate_reliability(con: StoreConnection, instrument: Instrument,
                         settings: DetectionSettings) -> Reliability:
    """Cronbach's alpha per dynamic over a fixed sample of stored check-ins, the reference SD of each
    score over the clients' first check-ins, and the typical week-to-week variation and clustering
    over the whole histories of a fixed sample of clients (see `tracking.detection.change`)."""
    con.execute("DROP TABLE IF EXISTS reliability_wanted")
    con.execute("DROP TABLE IF EXISTS reliability_sample")
    # The ids first, then their rows: as one statement, DuckDB joined the check-ins and scores first.
    con.execute(
        f"""
        CREATE TEMP TABLE reliability_wanted AS
        WITH firsts AS (
            SELECT DISTINCT ON (client_id) id FROM checkins ORDER BY client_id, submitted_at, id
        ), sample AS (
            SELECT id FROM checkins WHERE instrument_version = ? ORDER BY {CHECKIN_SAMPLE_ORDER} LIMIT ?
        )
        SELECT id, bool_or(baseline) AS baseline
        FROM (SELECT id, TRUE AS baseline FROM firsts UNION ALL SELECT id, FALSE FROM sample) AS chosen
        GROUP BY id
        """,
        [instrument.version, RELIABILITY_SAMPLE],
    )
    con.execute(
        f"""
        CREATE TEMP TABLE reliability_sample AS
        SELECT k.id AS rec, w.baseline, k.answers, {", ".join(f"s.{d}" for d in DYNAMICS)}
        FROM reliability_wanted w JOIN checkins k ON k.id = w.id JOIN scores s ON s.checkin_id = k.id
        WHERE k.instrument_version = ?
        """,
        [instrument.version],
    )
    con.execute("DROP TABLE reliability_wanted")
    _recs, values = checkins.answer_matrix(con, "reliability_sample", instrument)
    rest = con.numpy(f"SELECT baseline, {', '.join(DYNAMICS)} FROM reliability_sample ORDER BY rec")
    con.execute("DROP TABLE reliability_sample")
    scores = np.column_stack([_floats(rest[d]) for d in DYNAMICS]) if len(values) else np.empty((0, len(DYNAMICS)))
    baseline = np.asarray(rest["baseline"], dtype=bool)
    histories = con.numpy(
        f"""
        WITH sampled AS (
            SELECT id AS client_id, row_number() OVER (ORDER BY {CLIENT_SAMPLE_ORDER}) AS client_index
            FROM clients ORDER BY {CLIENT_SAMPLE_ORDER} LIMIT ?
        )
        SELECT m.client_index, k.submitted_at AS moment, {", ".join(f"s.{d}" for d in DYNAMICS)}
        FROM checkins k JOIN sampled m ON m.client_id = k.client_id JOIN scores s ON s.checkin_id = k.id
        ORDER BY m.client_index, k.submitted_at, k.id
        """,
        [CLUSTERING_SAMPLE_CLIENTS],
    )
    series = SeriesBatch(
        _ints(histories["client_index"]), _micros(histories["moment"]) / MICROSECONDS_PER_WEEK,
        np.column_stack([_floats(histories[d]) for d in DYNAMICS]) if len(histories["moment"])
        else np.empty((0, len(DYNAMICS))),
    )
    return detection.estimate_reliability(
        strain_matrix(values, instrument), [item.dynamic for item in instrument.items], scores, baseline, settings,
        series=series,
    )


def _first_estimate(con: StoreConnection, instrument: Instrument, settings: DetectionSettings,
                    now: datetime) -> Reliability:
    """Estimate and store the reliabilities, where none fit the settings yet; returns them as stored."""
    estimate = estimate_reliability(con, instrument, settings)
    store_reliability(con, estimate, settings, now)
    return stored_form(estimate, settings)


def stored_form(reliability: Reliability, settings: DetectionSettings) -> Reliability:
    """The estimate as `store_reliability` stores it and `load_reliability` reads it back: the
    typical variation and the clustering factors as figures, fallbacks included."""
    return Reliability(
        alpha=dict(reliability.alpha), sd=dict(reliability.sd), source=reliability.source, n=reliability.n,
        weekly_noise={d: reliability.typical_noise(d) for d in DYNAMICS},
        clustering_recent={d: reliability.clustering(d, settings)[0] for d in DYNAMICS},
        clustering_baseline={d: reliability.clustering(d, settings)[1] for d in DYNAMICS},
    )


def store_reliability(con: StoreConnection, reliability: Reliability, settings: DetectionSettings,
                      now: datetime) -> bool:
    """Save the estimate; True when it differs from what was stored (all flags must follow)."""
    previous = load_reliability(con, settings)
    figures = (reliability.alpha, reliability.sd, reliability.weekly_noise, reliability.clustering_recent,
               reliability.clustering_baseline)
    changed = previous is None or figures != (previous.alpha, previous.sd, previous.weekly_noise,
                                              previous.clustering_recent, previous.clustering_baseline)
    if changed or previous is None or (previous.source, previous.n) != (reliability.source, reliability.n):
        con.execute("DELETE FROM reliability")
        con.executemany(
            """
            INSERT INTO reliability (dynamic, alpha, sd, source, n, estimated_at, weekly_noise, clustering_recent,
                                     clustering_baseline, recent_checkins, baseline_checkins)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [[d, stored.alpha[d], stored.sd[d], stored.source, stored.n, to_db(now), stored.typical_noise(d),
              *stored.clustering(d, settings), settings.recent_checkins, settings.baseline_checkins]
             for stored in [stored_form(reliability, settings)] for d in DYNAMICS],
        )
    return changed


# States.

def _codes(codes: Any, names: pa.Array, present: Any = None) -> pa.DictionaryArray:
    """Codes as a column of the names they stand for, without a Python string per row."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=None if present is None else ~present), names)


def _write_states(con: StoreConnection, client_ids: list[str] | None, loaded: _Loaded,
                  result: detection.StateResult) -> None:
    """The states replace those of the clients in scope, appended in one bulk load (COPY on PostgreSQL).
    A client's states are found through the client's check-ins (`states` has no index by client)."""
    if client_ids is None:
        con.execute("DELETE FROM states")
    else:
        where, params = _scope_sql(client_ids, "client_id")
        con.execute(f"DELETE FROM states WHERE checkin_id IN (SELECT id FROM checkins WHERE {where})", params)
    if not loaded.checkin_ids.size:
        return
    state_names = pa.array(STATE_NAMES, type=pa.string())
    dominant = np.asarray(result.dominant, dtype=np.int8)
    columns = {
        "checkin_id": pa.array(loaded.checkin_ids),
        "state": _codes(np.asarray(result.state, dtype=np.int8), state_names),
        "dominant": _codes(np.maximum(dominant, 0), state_names, dominant >= 0),
    }
    for column, dynamic in enumerate(DYNAMICS):
        levels = result.levels[:, column]
        columns[f"level_{dynamic}"] = pa.array(levels, mask=np.isnan(levels))
    con.load("states", pa.table(columns))


# Flags: from columnar tables to rows with JSON evidence, in bulk.

def _names(codes: npt.NDArray[np.int64]) -> pa.Array:
    names = np.array([None, *DYNAMICS], dtype=object)
    return pa.array(names[codes + 1], type=pa.string())


def _nullable_ints(values: npt.NDArray[np.int64], present: npt.NDArray[np.bool_]) -> pa.Array:
    return pa.array(values, mask=~present, type=pa.int64())


def _json_tree(table: FlagTable, dialect: str) -> tuple[dict[str, pa.Array], dict[str, Any]]:
    """Evidence columns (named e0, e1, ...) and the tree of names that nests them in the JSON."""
    columns: dict[str, pa.Array] = {}
    tree: dict[str, Any] = {}

    def place(name: str, sql: str) -> None:
        if name.endswith("]"):
            base, _, position = name[:-1].partition("[")
            tree.setdefault(base, []).append((int(position), sql))
            return
        node = tree
        parts = name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = sql

    for name, values in table.numbers.items():
        column = f"e{len(columns)}"
        columns[column] = pa.array(values, mask=~np.isfinite(values), type=pa.float64())
        place(name, column)
    for name, counts in table.counts.items():
        column = f"e{len(columns)}"
        columns[column] = pa.array(counts, type=pa.int64())
        place(name, column)
    for name, texts in table.texts.items():
        column = f"e{len(columns)}"
        columns[column] = pa.array(texts, type=pa.string())
        place(name, column)
    for name, moments in table.moments.items():
        column = f"e{len(columns)}"
        columns[column] = pa.array(moments.astype("datetime64[us]"), mask=moments < 0, type=pa.timestamp("us"))
        place(name, iso_seconds(column, dialect))
    return columns, tree


def _json_sql(tree: dict[str, Any], dialect: str) -> str:
    def value(node: Any) -> str:
        if isinstance(node, dict):
            return json_object(dialect, [(name, value(child)) for name, child in node.items()])
        if isinstance(node, list):
            return json_array(dialect, [sql for _position, sql in sorted(node)])
        return str(node)

    return json_object(dialect, [("rule", "rule"), *((name, value(node)) for name, node in tree.items())])


def _flag_frame(table: FlagTable, client_ids: npt.NDArray[np.object_], checkin_ids: npt.NDArray[np.int64],
                dialect: str) -> tuple[pa.Table, str]:
    """One kind's flags as an Arrow table, and the SELECT that turns it into `flags` rows."""
    raised_by_checkin = table.raised_row >= 0
    retired_by_checkin = table.retired_row >= 0
    key_moment = table.moments["missed[1]"] if table.kind == "missed_checkins" else table.raised_us
    columns = {
        "client_id": pa.array(client_ids[table.client], type=pa.string()),
        "rule": pa.array(table.rule, type=pa.string()),
        "checkin_id": _nullable_ints(take_rows(checkin_ids, table.raised_row), raised_by_checkin),
        "checkin_at": pa.array(table.raised_us, type=pa.timestamp("us")),
        "key_at": pa.array(key_moment, type=pa.timestamp("us")),
        "from_dynamic": _names(table.from_code),
        "to_dynamic": _names(table.to_code),
        "dynamic": _names(table.dynamic_code),
        "retired_at": pa.array(table.retired_us, mask=table.retired_us < 0, type=pa.timestamp("us")),
        "retired_reason": pa.array(table.retired_reason, type=pa.string()),
        "retired_checkin_id": _nullable_ints(take_rows(checkin_ids, table.retired_row), retired_by_checkin),
    }
    evidence, tree = _json_tree(table, dialect)
    columns.update(evidence)
    subject = ("coalesce(dynamic, '')" if table.kind.startswith("reliable_") or table.kind == on_track.KIND else
               "from_dynamic || '>' || to_dynamic" if table.kind in ("dominant_shift", "focus_mismatch") else "''")
    select = f"""
        SELECT client_id || '|{table.kind}|' || {iso_seconds("key_at", dialect)} || '|' || {subject} AS key,
               client_id, '{table.kind}' AS kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic,
               {_json_sql(tree, dialect)} AS evidence, retired_at, retired_reason, retired_checkin_id
        FROM {{frame}}
    """
    return pa.table(columns), select


def _create_computed_flags(con: StoreConnection) -> None:
    """The temp table `computed_flags` that `merge_flags` reads, empty."""
    con.execute("DROP TABLE IF EXISTS computed_flags")
    con.execute(
        """
        CREATE TEMP TABLE computed_flags (
            key VARCHAR, client_id VARCHAR, kind VARCHAR, checkin_id BIGINT, checkin_at TIMESTAMP,
            from_dynamic VARCHAR, to_dynamic VARCHAR, dynamic VARCHAR, evidence JSON, retired_at TIMESTAMP,
            retired_reason VARCHAR, retired_checkin_id BIGINT
        )
        """
    )


def _add_computed_flags(con: StoreConnection, tables: list[FlagTable], client_ids: npt.NDArray[np.object_],
                        checkin_ids: npt.NDArray[np.int64]) -> None:
    _each_flag_frame(con, tables, client_ids, checkin_ids, "INSERT INTO computed_flags {select}")


def _each_flag_frame(con: StoreConnection, tables: list[FlagTable], client_ids: npt.NDArray[np.object_],
                     checkin_ids: npt.NDArray[np.int64], statement: str, params: list[Any] | None = None) -> None:
    """Run `statement` (with `{select}` for the rows of one kind) for every kind that found flags."""
    for table in tables:
        if not len(table):
            continue
        frame, select = _flag_frame(table, client_ids, checkin_ids, con.dialect)
        with con.relation("flag_frame", frame) as name:
            con.execute(statement.format(select=select.format(frame=name)), params)


def _insert_first_flags(con: StoreConnection, tables: list[FlagTable],
                        client_ids: npt.NDArray[np.object_], checkin_ids: npt.NDArray[np.int64],
                        now: datetime) -> None:
    """When the clients in scope have no flags yet (a first import) there is nothing to merge with:
    every flag is inserted as found."""
    _each_flag_frame(con, tables, client_ids, checkin_ids, """
        INSERT INTO flags (key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic,
                           evidence, status, raised_at, retired_at, retired_reason, retired_checkin_id)
        SELECT key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic, evidence,
               CASE WHEN retired_at IS NULL THEN 'open' ELSE 'retired' END, ?, retired_at, retired_reason,
               retired_checkin_id
        FROM ({select}) AS found
    """, [to_db(now)])


class _Writer:
    """The connection's work, handed to one thread that does it in order while this thread computes
    what comes next (the database releases Python's lock while it works). Until `with` ends, only
    the writer may use the connection; the first failure skips the rest and is raised at the end."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koers-refresh")
        self._failures: list[BaseException] = []

    def submit(self, work: Callable[..., T], *args: Any) -> Future[T | None]:
        """Queue `work(*args)`; its future gives what it returned (None when an earlier failure skipped it)."""
        def run() -> T | None:
            return None if self._failures else work(*args)

        future = self._pool.submit(run)
        future.add_done_callback(self._note)
        return future

    def _note(self, done: Future[Any]) -> None:
        failure = done.exception()
        if failure is not None:
            self._failures.append(failure)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        self._pool.shutdown(wait=True)  # also on an error here: the connection is not to be shared
        if error is None and self._failures:
            raise self._failures[0]


def merge_flags(con: StoreConnection, client_ids: list[str] | None, now: datetime,
                kinds: tuple[str, ...]) -> tuple[int, int, int]:
    """Merge `computed_flags` of `kinds` for the clients in scope; returns (raised, withdrawn, newly retired).

    A coach's resolution stands; otherwise the status follows the data: retired when the data
    retired it, else acknowledged when a coach acknowledged it, else open."""
    # The scope is said of `flags` in the update too: the database then reads the evidence of the
    # scope's flags only, not of every flag (a key names its client, so nothing else changes).
    where, params = _scope_sql(client_ids, "flags.client_id")
    status = """CASE WHEN flags.status = 'resolved' THEN 'resolved'
                     WHEN c.retired_at IS NOT NULL THEN 'retired'
                     WHEN flags.acknowledged_at IS NOT NULL THEN 'acknowledged'
                     ELSE 'open' END"""
    retired = f"SELECT count(*) FROM flags WHERE retired_at IS NOT NULL AND withdrawn_at IS NULL AND {where}"
    retired_before = _count(con, retired, params)
    con.execute(
        f"""
        UPDATE flags SET checkin_id = c.checkin_id, checkin_at = c.checkin_at, from_dynamic = c.from_dynamic,
               to_dynamic = c.to_dynamic, dynamic = c.dynamic, evidence = c.evidence, withdrawn_at = NULL,
               retired_at = c.retired_at, retired_reason = c.retired_reason,
               retired_checkin_id = c.retired_checkin_id, status = {status}
        FROM computed_flags c
        WHERE flags.key = c.key AND {where} AND (flags.withdrawn_at IS NOT NULL
               OR flags.evidence::VARCHAR <> c.evidence::VARCHAR
               OR flags.checkin_id IS DISTINCT FROM c.checkin_id OR flags.checkin_at <> c.checkin_at
               OR flags.retired_at IS DISTINCT FROM c.retired_at
               OR flags.retired_reason IS DISTINCT FROM c.retired_reason
               OR flags.retired_checkin_id IS DISTINCT FROM c.retired_checkin_id
               OR flags.status <> {status})
        """,
        params,
    )
    raised = con.execute(
        """
        INSERT INTO flags (key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic,
                           evidence, status, raised_at, retired_at, retired_reason, retired_checkin_id)
        SELECT key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic, evidence,
               CASE WHEN retired_at IS NULL THEN 'open' ELSE 'retired' END, ?, retired_at, retired_reason,
               retired_checkin_id
        FROM computed_flags c WHERE NOT EXISTS (SELECT 1 FROM flags f WHERE f.key = c.key)
        """,
        [to_db(now)],
    ).rowcount
    withdrawn = con.execute(
        f"""
        UPDATE flags SET withdrawn_at = ?
        WHERE withdrawn_at IS NULL AND kind IN (SELECT unnest(?::VARCHAR[])) AND {where}
          AND NOT EXISTS (SELECT 1 FROM computed_flags c WHERE c.key = flags.key)
        """,
        [to_db(now), list(kinds), *params],
    ).rowcount
    return raised, withdrawn, max(0, _count(con, retired, params) - retired_before)


def refresh(
    con: StoreConnection,
    client_ids: list[str] | None,
    instrument: Instrument,
    settings: DetectionSettings,
    now: datetime,
    *,
    reestimate: bool = False,
    recovery: RecoverySettings | None = None,
    ingested: checkins.IngestResult | None = None,
) -> RefreshSummary:
    """Recompute states and flags for `client_ids` (None: every client).

    With `reestimate`, the subscale reliabilities are estimated again from all stored data first;
    if they changed, every client is recomputed so that all flags rest on the same figures.
    `recovery`: the settings of `not_on_track` (None: the defaults); see `tracking.store.on_track`.
    `ingested`: what the same transaction just ingested, when the check-ins may be read from it
    instead of the database (see `_reading`).
    """
    with ExitStack() as reading:
        source = reading.enter_context(_reading(con, ingested))
        reliability = load_reliability(con, settings)
        if reliability is None:
            client_ids = None  # a first estimate (below) changes every client's figures
        elif reestimate:
            if store_reliability(con, estimate_reliability(source, instrument, settings), settings, now):
                client_ids = None
            reliability = load_reliability(con, settings)
        where, params = _scope_sql(client_ids, "client_id")
        first = not _count(con, f"SELECT count(*) FROM flags WHERE {where}", params)
        recovery_settings = recovery or RecoverySettings()
        curves = on_track.curves_to_use(con, recovery_settings, estimate=client_ids is None)

        with _Writer() as writer, ThreadPoolExecutor(max_workers=1, thread_name_prefix="koers-estimate") as beside:
            if source is not con:
                # What detection reads is in memory: the database takes the rows the ingest left
                # unwritten, and builds what a bulk load left for later (`build_indexes`), meanwhile.
                assert ingested is not None
                writer.submit(checkins.write_unwritten, con, ingested)
                writer.submit(con.build_indexes, ["checkins", "scores"])
            loaded = _load(source, client_ids)
            batch = loaded.inputs.batch
            clients, rows = batch.n_clients, int(batch.client.size)
            client_index, checkin_ids = loaded.client_ids, loaded.checkin_ids

            def write_flags(tables: list[FlagTable]) -> None:
                if first:
                    _insert_first_flags(con, tables, client_index, checkin_ids, now)
                else:
                    _add_computed_flags(con, tables, client_index, checkin_ids)

            # The states do not depend on the reliabilities: a first estimate is made while they are found.
            estimated: Future[Reliability | None] | None = None
            if reliability is None and source is con:
                estimated = writer.submit(_first_estimate, con, instrument, settings, now)
            elif reliability is None:
                # The check-ins are in memory: the estimate is made beside the writer.
                estimate = beside.submit(estimate_reliability, source, instrument, settings)
            if source is con:
                writer.submit(con.build_indexes, ["checkins", "scores"])
            states = detection.detect_states(batch, settings)
            writer.submit(_write_states, con, client_ids, loaded, states)
            # The states are the last rows of a bulk load (an import's): what it left for the commit
            # is built while the flags are computed.
            writer.submit(con.build_indexes, None)
            if estimated is not None:
                reliability = estimated.result()
            elif reliability is None:
                writer.submit(store_reliability, con, estimate.result(), settings, now)
                reliability = stored_form(estimate.result(), settings)  # what the writer stores
            assert reliability is not None
            reading.close()  # what detection reads is in memory now
            if not first:
                writer.submit(_create_computed_flags, con)
            tables: list[FlagTable] = []

            def store_each(found: Iterator[FlagTable]) -> None:
                """Each kind's (or dynamic's) flags are stored while the next are found."""
                for table in found:
                    tables.append(table)
                    writer.submit(write_flags, [table])

            store_each(detection.flag_tables(loaded.inputs, reliability, settings, states))
            dominant = states.dominant
            del states  # the writer holds them until they are written
            curves, tracked = on_track.flag_tables(loaded.inputs, dominant, recovery_settings, curves)
            store_each(tracked)  # not on track: one dynamic at a time
            del loaded, batch, dominant, tracked  # the series are done with; the flags are small beside them
        if client_ids is None:
            on_track.store_curves(con, curves, recovery_settings, now)
        if first:
            raised, withdrawn = sum(len(table) for table in tables), 0
            retired = sum(int(np.count_nonzero(table.retired_us >= 0)) for table in tables)
        else:
            try:
                raised, withdrawn, retired = merge_flags(con, client_ids, now, FLAG_KINDS)
            finally:
                con.execute("DROP TABLE IF EXISTS computed_flags")
        return RefreshSummary(
            clients=clients,
            checkins=rows,
            flags_raised=raised,
            flags_withdrawn=withdrawn,
            flags_retired=retired,
        )
