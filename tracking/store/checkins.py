"""Check-ins: the one write path for new check-ins, and the queries that read them back.

`ingest` takes check-ins as an Arrow table (a file import, the demo, or a single check-in from the
form) and stores the check-in rows, their answers and their scores in the caller's transaction, in
bulk on both databases. Scoring is `tracking.scoring`, vectorised over all rows at once (its SQL form
inside DuckDB, its NumPy form before the rows travel to PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tracking.clock import from_db, iso, to_db
from tracking.errors import KoersError
from tracking.instrument import CORE_INDICATORS, DYNAMICS, Instrument
from tracking.models import Viewer
from tracking.scoring import score_matrix, score_sql
from tracking.store.clients import VISIBLE, visible_params
from tracking.store.contract import StoreConnection
from tracking.store.dialect import DUCKDB, answer_at


@dataclass(frozen=True)
class Conflict:
    rec: int
    column: str
    message: str


class IngestConflict(KoersError):
    """Check-ins clash with what is stored (the caller maps each record to its line)."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} check-ins clash with stored data")


@dataclass
class IngestResult:
    checkins: int = 0
    client_ids: list[str] = field(default_factory=list)
    clients_created: list[str] = field(default_factory=list)
    first_checkin_id: int = 0
    # When these are the only check-ins the database holds (it held none before) and they were sent
    # to a server: (check-ins, scores) as written, so that what is derived from them need not be read
    # back (see `tracking.store.derived.refresh`). None otherwise.
    everything: tuple[pa.Table, pa.Table] | None = None
    # With `ingest(write_later=True)` into such a database: the rows not written yet, as (table, rows)
    # in the order they go in, for the caller to write in the same transaction (`write_unwritten`)
    # while it computes from `everything`. Empty otherwise.
    unwritten: list[tuple[str, pa.Table]] = field(default_factory=list)


def write_unwritten(con: StoreConnection, result: IngestResult) -> None:
    """Write what `ingest(write_later=True)` left unwritten, if anything (see `IngestResult.unwritten`)."""
    while result.unwritten:
        table, rows = result.unwritten.pop(0)
        con.load(table, rows)


def _find_conflicts(con: StoreConnection, incoming: str, coach_id: int | None, *, stored: bool) -> list[Conflict]:
    """Clashes of `incoming` (rec, client_id[, submitted_at]) with stored data; with nothing `stored`
    yet, no check-in can clash, and `incoming` needs only each client's first record."""
    conflicts = [
        Conflict(rec, "submitted_at", "a check-in for this client at this time is already stored")
        for (rec,) in con.execute(
            f"""
            SELECT i.rec FROM {incoming} i
            JOIN checkins c ON c.client_id = i.client_id AND c.submitted_at = i.submitted_at
            ORDER BY i.rec
            """
        ).fetchall()
    ] if stored else []
    if coach_id is not None:
        conflicts += [
            Conflict(rec, "client_id", f"client {client} belongs to another coach")
            for rec, client in con.execute(
                f"""
                SELECT min(i.rec), i.client_id FROM {incoming} i
                JOIN clients c ON c.id = i.client_id
                WHERE c.coach_id IS NOT NULL AND c.coach_id <> ?
                GROUP BY i.client_id ORDER BY 1
                """,
                [coach_id],
            ).fetchall()
        ]
    return conflicts


def answer_matrix(con: StoreConnection, relation: str, instrument: Instrument, where: str = "TRUE",
                  params: Sequence[Any] = ()) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(rec, answers as floats with NaN for unanswered) of a relation with `rec` and `answers`, read in bulk."""
    columns = ", ".join(
        f"coalesce({answer_at('answers', position, con.dialect)}::FLOAT8, 'NaN'::FLOAT8) AS a{position}"
        for position in range(1, len(instrument.items) + 1)
    )
    data = con.numpy(f"SELECT rec, {columns} FROM {relation} WHERE {where} ORDER BY rec", list(params))
    recs = np.asarray(data["rec"], dtype=np.int64)
    if not len(recs):
        return recs, np.empty((0, len(instrument.items)))
    values = np.empty((len(recs), len(instrument.items)), order="F")
    for column in range(len(instrument.items)):
        values[:, column] = data[f"a{column + 1}"]
    return recs, values


def answer_values(answers: Any, items: int) -> npt.NDArray[np.float64]:
    """An Arrow column of answer lists (each in the instrument's item order) as a float matrix with
    one row per check-in, NaN for an unanswered item."""
    lists = answers.combine_chunks() if isinstance(answers, pa.ChunkedArray) else answers
    lengths = pc.list_value_length(lists)
    if len(lists) and (lists.null_count or pc.min(lengths).as_py() != items or pc.max(lengths).as_py() != items):
        raise ValueError(f"every check-in needs a list of {items} answers, one per item")
    flat = pc.fill_null(pc.list_flatten(lists).cast(pa.float64()), float("nan"))
    return np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float64).reshape(len(lists), items)


SCORED_HERE_ROWS = 1_000  # up to this many check-ins are scored in Python on DuckDB too (see `ingest`)
SCORE_CHUNK_ROWS = 131_072  # scores are computed this many check-ins at a time: memory stays flat


def _scores(ids: Any, answers: Any, instrument: Instrument) -> pa.Table:
    """The `scores` rows of new check-ins, computed with `tracking.scoring` a chunk at a time."""
    lists = answers.combine_chunks() if isinstance(answers, pa.ChunkedArray) else answers
    chunks = []
    for start in range(0, max(len(lists), 1), SCORE_CHUNK_ROWS):
        values = answer_values(lists.slice(start, SCORE_CHUNK_ROWS), len(instrument.items))
        scores = score_matrix(values, instrument)
        columns: dict[str, Any] = {}
        for column, dynamic in enumerate(DYNAMICS):
            columns[dynamic] = pa.array(scores[:, column], mask=np.isnan(scores[:, column]))
        for item_id in CORE_INDICATORS:
            answered = values[:, instrument.item_ids.index(item_id)]
            columns[item_id] = pa.array(np.nan_to_num(answered).astype(np.int16), mask=np.isnan(answered))
        chunks.append(pa.table(columns))
    return pa.concat_tables(chunks).add_column(0, "checkin_id", ids)


def _repeated(value: Any, count: int, type_: Any) -> Any:
    """One value for every row, without a Python object per row."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(count, dtype=np.int32)), pa.array([value], type=type_))


def _insert_from_relation(con: StoreConnection, incoming: str, instrument: Instrument, base: int, source: str,
                          now: datetime) -> None:
    """The check-ins of relation `incoming` as check-in `base + rec + 1`, scored inside the database."""
    con.execute(
        f"""
        INSERT INTO checkins (id, client_id, submitted_at, instrument_version, source, answers, contact_request,
                              note, recorded_at)
        SELECT ? + rec + 1, client_id, submitted_at, ?, ?, answers, coalesce(contact_request, FALSE), note, ?
        FROM {incoming}
        """,
        [base, instrument.version, source, to_db(now)],
    )
    expressions = score_sql(instrument)
    columns = [*DYNAMICS, *CORE_INDICATORS]
    con.execute(
        f"""
        INSERT INTO scores (checkin_id, {", ".join(columns)})
        SELECT ? + rec + 1, {", ".join(expressions[c] for c in columns)} FROM {incoming}
        """,
        [base],
    )


def _append(con: StoreConnection, rows: pa.Table, instrument: Instrument, base: int, source: str,
            now: datetime, *, write_scores: bool = True) -> tuple[pa.Table, pa.Table]:
    """The check-ins of `rows` as check-in `base + rec + 1`, scored here and appended with `load()`
    (the scores too, unless `write_scores` is false); returns what detection reads of them
    (check-ins without note, and scores)."""
    count = rows.num_rows
    ids = pc.add(rows["rec"].cast(pa.int64()), base + 1)
    written = pa.table({
        "id": ids,
        "client_id": rows["client_id"],
        "submitted_at": rows["submitted_at"],
        "instrument_version": _repeated(instrument.version, count, pa.string()),
        "source": _repeated(source, count, pa.string()),
        "answers": rows["answers"],
        "contact_request": pc.fill_null(rows["contact_request"], False),
        "note": rows["note"],
        "recorded_at": pa.array(np.full(count, np.datetime64(to_db(now), "us"))),
    })
    if count <= SCORED_HERE_ROWS:
        con.load("checkins", written)
        scores = _scores(ids, rows["answers"], instrument)
    else:  # the scores are computed while the database takes the check-ins
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="koers-ingest") as pool:
            sent = pool.submit(con.load, "checkins", written)
            scores = _scores(ids, rows["answers"], instrument)
            sent.result()
    if write_scores:
        con.load("scores", scores)
    return written.drop_columns(["note", "source", "recorded_at"]), scores


def _first_record_of_each_client(rows: pa.Table) -> pa.Table:
    """(rec, client_id): each client's first record, for the checks that are about clients. Taken
    with NumPy over the clients' codes: Arrow's group_by first starts its query engine, which takes
    longer than the grouping."""
    clients = pc.dictionary_encode(rows["client_id"].combine_chunks())
    codes = clients.indices.to_numpy(zero_copy_only=False)
    recs = rows["rec"].cast(pa.int64()).to_numpy()
    first = np.full(len(clients.dictionary), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, recs)
    return pa.table({"rec": first, "client_id": clients.dictionary})


def ingest(
    con: StoreConnection,
    rows: pa.Table,
    instrument: Instrument,
    *,
    source: str,
    now: datetime,
    coach_id: int | None = None,
    write_later: bool = False,
) -> IngestResult:
    """Store the check-ins in `rows` with their scores, in the caller's transaction, and create the
    clients that do not exist yet. `rows` is an Arrow table in the shape `frame_from_rows` makes: rec
    (0, 1, ..., in any order: record `rec` becomes check-in `base + rec + 1`), client_id, submitted_at
    (naive UTC), answers (a list in the instrument's item order, null for unanswered), contact_request,
    note.

    The checks against stored data read a relation of the rows; the rows themselves go in as one
    INSERT ... SELECT on DuckDB (scored by the database) and as one COPY each of check-ins and scores
    on PostgreSQL, or for a few rows on either (scored here). Into a server database without
    check-ins, only each client's first record is sent for the checks (nothing stored can clash), and
    the result keeps the rows as written (`IngestResult.everything`); with `write_later`, the scores'
    COPY is left to the caller (`IngestResult.unwritten`), who computes from them meanwhile."""
    # DuckDB scans the Arrow table in place, so the whole table is the relation and the rows go in with
    # INSERT ... SELECT; a PostgreSQL relation is a copy, so there only the keys are one, and the rows
    # are appended once, by COPY. For a few rows (a submit) planning the scoring SQL costs more than
    # the scoring, so they are scored here and appended like PostgreSQL's.
    whole = con.dialect == DUCKDB and rows.num_rows > SCORED_HERE_ROWS
    (base,) = con.execute("SELECT coalesce(max(id), 0) FROM checkins").fetchall()[0]
    stored = int(base) > 0  # ids start at 1: none stored when the largest is 0
    keys = (rows if whole else rows.select(["rec", "client_id", "submitted_at"]) if stored
            else _first_record_of_each_client(rows))
    everything: tuple[pa.Table, pa.Table] | None = None
    with con.relation("incoming", keys):
        conflicts = _find_conflicts(con, "incoming", coach_id, stored=stored)
        if conflicts:
            raise IngestConflict(conflicts)
        created = [
            client for (client,) in con.execute(
                """
                SELECT DISTINCT i.client_id FROM incoming i
                WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = i.client_id) ORDER BY 1
                """
            ).fetchall()
        ]
        if created:
            con.execute(
                """
                INSERT INTO clients (id, coach_id, schedule_from, created_at)
                SELECT unnest(?::VARCHAR[]), ?::INTEGER, ?::TIMESTAMP, ?::TIMESTAMP
                """,
                [created, coach_id, to_db(now), to_db(now)],
            )
        if coach_id is not None:
            con.execute(
                "UPDATE clients SET coach_id = ? WHERE coach_id IS NULL AND id IN (SELECT client_id FROM incoming)",
                [coach_id],
            )
        client_ids = [c for (c,) in con.execute("SELECT DISTINCT client_id FROM incoming ORDER BY 1").fetchall()]
        count = rows.num_rows
        kept = not stored and con.dialect != DUCKDB and count > SCORED_HERE_ROWS
        unwritten: list[tuple[str, pa.Table]] = []
        if whole:
            _insert_from_relation(con, "incoming", instrument, int(base), source, now)
        else:
            written = _append(con, rows, instrument, int(base), source, now, write_scores=not (kept and write_later))
            if kept:
                everything = written
                if write_later:
                    unwritten.append(("scores", written[1]))
    return IngestResult(checkins=count, client_ids=client_ids, clients_created=created,
                        first_checkin_id=int(base) + 1, everything=everything, unwritten=unwritten)


@dataclass(frozen=True)
class TimelinePoint:
    """One check-in of a client as the timeline shows it."""

    id: int
    at: datetime
    source: str  # import | link | demo
    instrument_version: str
    contact_request: bool
    note: str | None
    edited_at: datetime | None
    scores: dict[str, float | None]  # dynamic -> 0-100
    core: dict[str, int | None]  # core indicator -> 0-10 as answered
    state: str | None  # a dynamic, mixed or none
    dominant: str | None  # the last dominant established so far
    levels: dict[str, float | None]  # the smoothed levels the state was read from
    # Expected recovery (`tracking.store.on_track.timeline` fills these): dynamic -> expected strain
    # or None, and dynamic -> the band (edges, observed level, zone) or None.
    expected: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(DYNAMICS))
    band: dict[str, dict[str, Any] | None] = field(default_factory=lambda: dict.fromkeys(DYNAMICS))

    def as_json(self) -> dict[str, object]:
        """The contract's shape for `koers timeline --format json`."""
        return {
            "id": self.id, "at": iso(self.at, exact=True), "source": self.source,
            "instrument_version": self.instrument_version,
            "contact_request": self.contact_request, "note": self.note, "edited_at": iso(self.edited_at),
            "scores": self.scores, "core": self.core, "state": self.state, "dominant": self.dominant,
            "levels": self.levels, "expected": self.expected,
        }


def timeline(con: StoreConnection, client_id: str, viewer: Viewer) -> list[TimelinePoint]:
    """Every check-in of one client in time order: scores, core indicators, the state and the
    smoothed levels it was read from, and the client's note."""
    rows = con.execute(
        f"""
        SELECT k.id, k.submitted_at, k.source, k.instrument_version, k.contact_request, k.note, k.edited_at,
               {", ".join(f"s.{d}" for d in DYNAMICS)}, {", ".join(f"s.{i}" for i in CORE_INDICATORS)},
               st.state, st.dominant, {", ".join(f"st.level_{d}" for d in DYNAMICS)}
        FROM checkins k
        JOIN clients c ON c.id = k.client_id
        JOIN scores s ON s.checkin_id = k.id
        LEFT JOIN states st ON st.checkin_id = k.id
        WHERE k.client_id = ? AND ({VISIBLE})
        ORDER BY k.submitted_at, k.id
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    n, c = len(DYNAMICS), len(CORE_INDICATORS)
    result: list[TimelinePoint] = []
    for row in rows:
        scores, core = row[7:7 + n], row[7 + n:7 + n + c]
        state, dominant = row[7 + n + c], row[8 + n + c]
        levels = row[9 + n + c:]
        result.append(TimelinePoint(
            id=row[0],
            at=from_db(row[1]),
            source=row[2],
            instrument_version=row[3],
            contact_request=row[4],
            note=row[5],
            edited_at=from_db(row[6]),
            scores={d: (None if v is None else round(v, 2)) for d, v in zip(DYNAMICS, scores)},
            core=dict(zip(CORE_INDICATORS, core)),
            state=state,
            dominant=dominant,
            levels={d: (None if v is None else round(v, 2)) for d, v in zip(DYNAMICS, levels)},
        ))
    return result


def count_checkins(con: StoreConnection) -> int:
    (count,) = con.execute("SELECT count(*) FROM checkins").fetchall()[0]
    return int(count)


def frame_from_rows(rows: Sequence[dict[str, Any]], instrument: Instrument) -> pa.Table:
    """Check-ins given as dicts (client_id, submitted_at, answers, contact_request, note) in the
    shape `ingest` reads."""
    return pa.table({
        "rec": pa.array(range(len(rows)), type=pa.int64()),
        "client_id": pa.array([row["client_id"] for row in rows], type=pa.string()),
        "submitted_at": pa.array([to_db(row["submitted_at"]) for row in rows], type=pa.timestamp("us")),
        "answers": pa.array([[row["answers"].get(item_id) for item_id in instrument.item_ids] for row in rows],
                            type=pa.list_(pa.uint8())),
        "contact_request": pa.array([bool(row.get("contact_request")) for row in rows], type=pa.bool_()),
        "note": pa.array([row.get("note") for row in rows], type=pa.string()),
    })


@dataclass(frozen=True)
class ExportRow:
    """A client's check-in in the shape of the import format."""

    client_id: str
    submitted_at: datetime
    contact_request: bool
    note: str | None
    answers: dict[str, int]


def export_rows(con: StoreConnection, client_id: str, viewer: Viewer) -> list[ExportRow]:
    """A client's check-ins with their answers, in the shape of the import format."""
    rows = con.execute(
        f"""
        SELECT k.id, k.client_id, k.submitted_at, k.contact_request, k.note,
               coalesce(array_agg(a.item_id ORDER BY a.item_id) FILTER (WHERE a.item_id IS NOT NULL),
                        ARRAY[]::VARCHAR[]),
               coalesce(array_agg(a.value ORDER BY a.item_id) FILTER (WHERE a.item_id IS NOT NULL),
                        ARRAY[]::SMALLINT[])
        FROM checkins k
        JOIN clients c ON c.id = k.client_id
        LEFT JOIN answers a ON a.checkin_id = k.id
        WHERE k.client_id = ? AND ({VISIBLE})
        GROUP BY k.id, k.client_id, k.submitted_at, k.contact_request, k.note
        ORDER BY k.submitted_at, k.id
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    return [ExportRow(r[1], from_db(r[2]), r[3], r[4], dict(zip(r[5], r[6]))) for r in rows]
