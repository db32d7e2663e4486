"""What Koers derives from check-ins: states per check-in and flags, recomputed in bulk.

`refresh` reads the score series of the given clients (or all), runs `tracking.detection` over
all of them at once, replaces their states, and merges the flags: a flag that is found again
keeps its row, status and acknowledgement; a new finding is inserted as open; an open flag that
the data no longer supports is withdrawn (hidden, kept for the audit). The same data therefore
always shows the same flags, however often it is recomputed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from tracking import detection
from tracking.clock import from_db, iso, to_db
from tracking.detection import DetectionSettings, Event, Reliability, SeriesBatch
from tracking.instrument import DYNAMICS, Instrument
from tracking.scoring import strain_matrix
from tracking.store import checkins

SECONDS_PER_WEEK = 7 * 24 * 3600
EPOCH = datetime(1970, 1, 1)


def _moment(seconds) -> datetime:
    """A check-in time (seconds since the epoch, as DuckDB's epoch() gives it) as naive UTC."""
    return EPOCH + timedelta(microseconds=round(float(seconds) * 1_000_000))
RELIABILITY_SAMPLE = 20_000


@dataclass
class RefreshSummary:
    clients: int = 0
    checkins: int = 0
    flags_raised: int = 0
    flags_withdrawn: int = 0


def _scope_sql(client_ids: list[str] | None, column: str) -> tuple[str, list]:
    if client_ids is None:
        return "TRUE", []
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [list(client_ids)]


def _load_series(con, client_ids):
    where, params = _scope_sql(client_ids, "k.client_id")
    data = con.execute(
        f"""
        SELECT k.id, k.client_id, epoch(k.submitted_at) AS seconds, k.contact_request,
               {", ".join(f"s.{d}" for d in DYNAMICS)}
        FROM checkins k JOIN scores s ON s.checkin_id = k.id
        WHERE {where}
        ORDER BY k.client_id, k.submitted_at, k.id
        """,
        params,
    ).fetchnumpy()
    return data


def _batch(data) -> tuple[SeriesBatch, np.ndarray]:
    clients = np.asarray(data["client_id"], dtype=object)
    if len(clients):
        starts = np.r_[True, clients[1:] != clients[:-1]]
        client_index = np.cumsum(starts) - 1
    else:
        client_index = np.zeros(0, dtype=np.int64)
    scores = np.column_stack(
        [np.ma.filled(np.ma.asarray(data[d], dtype=np.float64), np.nan) for d in DYNAMICS]
    ) if len(clients) else np.empty((0, len(DYNAMICS)))
    weeks = np.asarray(data["seconds"], dtype=np.float64) / SECONDS_PER_WEEK
    return SeriesBatch(client=client_index.astype(np.int64), weeks=weeks, scores=scores), clients


def load_reliability(con) -> Reliability | None:
    rows = con.execute("SELECT dynamic, alpha, sd, source, n FROM reliability").fetchall()
    if {row[0] for row in rows} != set(DYNAMICS):
        return None
    return Reliability(
        alpha={r[0]: r[1] for r in rows}, sd={r[0]: r[2] for r in rows}, source=rows[0][3], n=rows[0][4]
    )


def estimate_reliability(con, instrument: Instrument, settings: DetectionSettings) -> Reliability:
    """Cronbach's alpha per dynamic over a fixed sample of stored check-ins, and the reference SD
    of each score over the clients' first check-ins (see `tracking.detection`)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE reliability_sample AS
        WITH firsts AS (
            SELECT arg_min(id, (submitted_at, id)) AS id FROM checkins GROUP BY client_id
        ), sample AS (
            SELECT id FROM checkins WHERE instrument_version = ? ORDER BY hash(id), id LIMIT ?
        )
        SELECT k.id AS rec, k.id IN (SELECT id FROM firsts) AS baseline, k.answers,
               {", ".join(f"s.{d}" for d in DYNAMICS)}
        FROM checkins k JOIN scores s ON s.checkin_id = k.id
        WHERE k.instrument_version = ? AND (k.id IN (SELECT id FROM sample) OR k.id IN (SELECT id FROM firsts))
        """,
        [instrument.version, RELIABILITY_SAMPLE, instrument.version],
    )
    _recs, values = checkins.answer_matrix(con, "reliability_sample", instrument)
    rest = con.execute(
        f"SELECT baseline, {', '.join(DYNAMICS)} FROM reliability_sample ORDER BY rec"
    ).fetchnumpy()
    con.execute("DROP TABLE reliability_sample")
    scores = np.column_stack([_floats(rest[d]) for d in DYNAMICS]) if len(values) else np.empty((0, len(DYNAMICS)))
    baseline = np.asarray(rest["baseline"], dtype=bool)
    return detection.estimate_reliability(
        strain_matrix(values, instrument), [item.dynamic for item in instrument.items], scores, baseline, settings
    )


def _floats(column) -> np.ndarray:
    return np.ma.filled(np.ma.asarray(column, dtype=np.float64), np.nan)


def store_reliability(con, reliability: Reliability, now: datetime) -> bool:
    """Save the estimate; True when it differs from what was stored (all flags must follow)."""
    rounded = Reliability(
        alpha={d: round(reliability.alpha[d], 3) for d in DYNAMICS},
        sd={d: round(reliability.sd[d], 2) for d in DYNAMICS},
        source=reliability.source,
        n=reliability.n,
    )
    previous = load_reliability(con)
    changed = previous is None or previous.alpha != rounded.alpha or previous.sd != rounded.sd
    if changed or previous.source != rounded.source or previous.n != rounded.n:
        con.execute("DELETE FROM reliability")
        con.executemany(
            "INSERT INTO reliability VALUES (?, ?, ?, ?, ?, ?)",
            [[d, rounded.alpha[d], rounded.sd[d], rounded.source, rounded.n, to_db(now)] for d in DYNAMICS],
        )
    return changed


def _flag_rows(events: list[Event], ids, clients, seconds) -> list[dict]:
    rows = []
    for event in events:
        moment = _moment(seconds[event.row])
        subject = event.dynamic or f"{event.from_dynamic}>{event.to_dynamic}"
        rows.append({
            "key": f"{clients[event.row]}|{event.kind}|{iso(from_db(moment))}|{subject}",
            "client_id": clients[event.row],
            "kind": event.kind,
            "checkin_id": int(ids[event.row]),
            "checkin_at": moment,
            "from_dynamic": event.from_dynamic,
            "to_dynamic": event.to_dynamic,
            "dynamic": event.dynamic,
            "evidence": json.dumps(event.evidence, sort_keys=True),
        })
    return rows


def _contact_rows(data, clients) -> list[dict]:
    rows = []
    for row in np.flatnonzero(np.asarray(data["contact_request"], dtype=bool)):
        moment = _moment(data["seconds"][row])
        rows.append({
            "key": f"{clients[row]}|contact_request|{iso(from_db(moment))}|",
            "client_id": clients[row],
            "kind": "contact_request",
            "checkin_id": int(data["id"][row]),
            "checkin_at": moment,
            "from_dynamic": None,
            "to_dynamic": None,
            "dynamic": None,
            "evidence": json.dumps({
                "rule": "contact_request",
                "summary": "The client asked for contact before the next appointment.",
            }, sort_keys=True),
        })
    return rows


def _focus_rows(con, client_ids, data, clients, result) -> list[dict]:
    """A focus that differs from the dominant the latest check-in shows."""
    if not len(clients):
        return []
    where, params = _scope_sql(client_ids, "id")
    focus = dict(con.execute(f"SELECT id, focus FROM clients WHERE focus IS NOT NULL AND {where}", params).fetchall())
    rows = []
    new_client = np.r_[True, clients[1:] != clients[:-1]]
    changed = new_client | np.r_[True, result.state[1:] != result.state[:-1]]
    run_start = np.maximum.accumulate(np.where(changed, np.arange(len(clients)), 0))
    last_rows = np.r_[np.flatnonzero(new_client[1:]), len(clients) - 1]
    for last in last_rows:
        client = clients[last]
        state = int(result.state[last])
        if client not in focus or state >= len(DYNAMICS) or DYNAMICS[state] == focus[client]:
            continue
        first = run_start[last]
        moment = _moment(data["seconds"][first])
        dominant = DYNAMICS[state]
        rows.append({
            "key": f"{client}|focus_mismatch|{iso(from_db(moment))}|{focus[client]}>{dominant}",
            "client_id": client,
            "kind": "focus_mismatch",
            "checkin_id": int(data["id"][first]),
            "checkin_at": moment,
            "from_dynamic": focus[client],
            "to_dynamic": dominant,
            "dynamic": None,
            "evidence": json.dumps({
                "rule": "focus_mismatch",
                "focus": focus[client],
                "dominant": dominant,
                "since": iso(from_db(moment)),
                "summary": (
                    f"The intervention focus is {focus[client]}, but the {dominant} dynamic has led "
                    f"since the check-in of {from_db(moment):%d %b %Y}."
                ),
            }, sort_keys=True),
        })
    return rows


def _missed_rows(con, client_ids) -> list[dict]:
    """Two scheduled check-ins missed in a row: one flag per run of misses, raised by the second."""
    where, params = _scope_sql(client_ids, "client_id")
    rows = con.execute(
        f"""
        WITH answered_or_missed AS (
            SELECT client_id, opens_at, closes_at, status,
                   lag(status) OVER w AS previous_status, lag(opens_at) OVER w AS previous_opens_at,
                   lag(status, 2) OVER w AS status_before
            FROM periods
            WHERE kind = 'scheduled' AND status IN ('completed', 'missed') AND {where}
            WINDOW w AS (PARTITION BY client_id ORDER BY opens_at)
        )
        SELECT client_id, previous_opens_at, opens_at, closes_at FROM answered_or_missed
        WHERE status = 'missed' AND previous_status = 'missed' AND status_before IS DISTINCT FROM 'missed'
        ORDER BY client_id, opens_at
        """,
        params,
    ).fetchall()
    return [
        {
            "key": f"{client}|missed_checkins|{iso(from_db(second))}|",
            "client_id": client,
            "kind": "missed_checkins",
            "checkin_id": None,
            "checkin_at": closes_at,
            "from_dynamic": None,
            "to_dynamic": None,
            "dynamic": None,
            "evidence": json.dumps({
                "rule": "missed_checkins",
                "missed": [iso(from_db(first)), iso(from_db(second))],
                "summary": (f"No check-in for the weeks starting {from_db(first):%d %b %Y} and "
                            f"{from_db(second):%d %b %Y}."),
            }, sort_keys=True),
        }
        for client, first, second, closes_at in rows
    ]


FLAG_COLUMNS = [
    "key", "client_id", "kind", "checkin_id", "checkin_at", "from_dynamic", "to_dynamic", "dynamic", "evidence",
]


def merge_flags(con, client_ids: list[str] | None, computed: list[dict], now: datetime,
                kinds: tuple[str, ...]) -> tuple[int, int]:
    """Merge computed flags of `kinds` for the clients in scope; returns (raised, withdrawn)."""
    types = {"checkin_id": pa.int64(), "checkin_at": pa.timestamp("us")}
    frame = pa.table({name: pa.array([row[name] for row in computed], type=types.get(name, pa.string()))
                      for name in FLAG_COLUMNS})
    con.register("computed_flags", frame)
    where, params = _scope_sql(client_ids, "client_id")
    kind_list = [list(kinds)]
    try:
        con.execute(
            """
            UPDATE flags SET checkin_id = c.checkin_id, checkin_at = c.checkin_at, from_dynamic = c.from_dynamic,
                   to_dynamic = c.to_dynamic, dynamic = c.dynamic, evidence = c.evidence, withdrawn_at = NULL
            FROM computed_flags c
            WHERE flags.key = c.key AND (flags.withdrawn_at IS NOT NULL OR flags.evidence::VARCHAR <> c.evidence
                   OR flags.checkin_id IS DISTINCT FROM c.checkin_id)
            """
        )
        raised = con.execute(
            """
            INSERT INTO flags (key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic,
                               evidence, status, raised_at)
            SELECT key, client_id, kind, checkin_id, checkin_at, from_dynamic, to_dynamic, dynamic, evidence, 'open', ?
            FROM computed_flags c WHERE NOT EXISTS (SELECT 1 FROM flags f WHERE f.key = c.key)
            """,
            [to_db(now)],
        ).fetchone()[0]
        withdrawn = con.execute(
            f"""
            UPDATE flags SET withdrawn_at = ?
            WHERE withdrawn_at IS NULL AND kind IN (SELECT unnest(?::VARCHAR[])) AND {where}
              AND key NOT IN (SELECT key FROM computed_flags)
            """,
            [to_db(now), *kind_list, *params],
        ).fetchone()[0]
    finally:
        con.unregister("computed_flags")
    return raised, withdrawn


STATE_NAMES = [*DYNAMICS, "mixed", "none"]  # by state code; see tracking.detection


def _write_states(con, client_ids, data, clients, result) -> None:
    where, params = _scope_sql(client_ids, "client_id")
    con.execute(f"DELETE FROM states WHERE {where}", params)
    if not len(clients):
        return
    columns = {
        "checkin_id": pa.array(np.asarray(data["id"], dtype=np.int64)),
        "client_id": pa.array(clients, type=pa.string()),
        "state_code": pa.array(np.asarray(result.state, dtype=np.int8)),
        "dominant_code": pa.array(np.asarray(result.dominant, dtype=np.int8)),
    }
    for column, dynamic in enumerate(DYNAMICS):
        levels = result.levels[:, column]
        columns[f"level_{dynamic}"] = pa.array(levels, mask=np.isnan(levels))
    con.register("computed_states", pa.table(columns))
    names = "[" + ", ".join(f"'{name}'" for name in STATE_NAMES) + "]"
    try:
        con.execute(
            f"""
            INSERT INTO states (checkin_id, client_id, state, dominant, {", ".join(f"level_{d}" for d in DYNAMICS)})
            SELECT checkin_id, client_id, {names}[state_code + 1],
                   CASE WHEN dominant_code >= 0 THEN {names}[dominant_code + 1] END,
                   {", ".join(f"level_{d}" for d in DYNAMICS)}
            FROM computed_states
            """
        )
    finally:
        con.unregister("computed_states")


DERIVED_KINDS = (
    "dominant_shift", "focus_mismatch", "reliable_deterioration", "reliable_improvement", "contact_request",
    "missed_checkins",
)


def refresh(
    con: duckdb.DuckDBPyConnection,
    client_ids: list[str] | None,
    instrument: Instrument,
    settings: DetectionSettings,
    now: datetime,
    *,
    reestimate: bool = False,
) -> RefreshSummary:
    """Recompute states and flags for `client_ids` (None: every client).

    With `reestimate`, the subscale reliabilities are estimated again from all stored data first;
    if they changed, every client is recomputed so that all flags rest on the same figures.
    """
    reliability = load_reliability(con)
    if reestimate or reliability is None:
        if store_reliability(con, estimate_reliability(con, instrument, settings), now):
            client_ids = None
        reliability = load_reliability(con)
    data = _load_series(con, client_ids)
    batch, clients = _batch(data)
    result = detection.detect_states(batch, settings)
    _write_states(con, client_ids, data, clients, result)
    events = detection.shift_events(batch, result, settings)
    events += detection.reliable_change_events(batch, reliability, settings)
    computed = _flag_rows(events, data["id"], clients, data["seconds"])
    computed += _contact_rows(data, clients)
    computed += _focus_rows(con, client_ids, data, clients, result)
    computed += _missed_rows(con, client_ids)
    raised, withdrawn = merge_flags(con, client_ids, computed, now, DERIVED_KINDS)
    return RefreshSummary(
        clients=int(batch.client.max() + 1) if len(clients) else 0,
        checkins=len(clients),
        flags_raised=raised,
        flags_withdrawn=withdrawn,
    )
