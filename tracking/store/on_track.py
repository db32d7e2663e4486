"""Expected recovery and the `not_on_track` flag, wired to storage.

`refresh` (in `tracking.store.derived`) calls `flag_table` with the batch it loaded: the model in
`tracking.recovery` runs over all clients of the batch at once, and its flags come back as one
columnar `FlagTable`, merged with the other kinds (key `client|not_on_track|<time>|<dynamic>`;
retired by the data at a check-in with `back_in_band`, `not_elevated`, `no_longer_followed` or
`focus_changed`). Focus periods come from the focus history (`focus_changes`, a NULL focus is -1).

The curves: when every client is recomputed, they are estimated again from that whole batch (the
practice's own curve per dynamic once it has `KOERS_RECOVERY_MIN_CLIENTS` recovering clients
followed for `KOERS_RECOVERY_MIN_WEEKS`, else the documented default) and stored in
`recovery_curves`, like the subscale reliabilities; a refresh of a few clients reads the stored
curves, so all flags rest on the same ones. Curves stored with other recovery settings are not
used (the defaults are, until the next `koers recompute`).

`timeline` gives one client's check-ins with the expected strain and band of every dynamic, from
the same stored curves; because the model is causal and per client, it equals what the bulk run
found for those check-ins. SQL here is portable (DuckDB and PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from tracking import recovery
from tracking.clock import to_db
from tracking.detection import FlagTable, SeriesBatch
from tracking.detection.rules import FlagInputs
from tracking.instrument import DYNAMICS
from tracking.models import Viewer
from tracking.recovery import Curves, FocusPeriods, RecoveryResult, RecoverySettings
from tracking.store import checkins
from tracking.store.contract import StoreConnection

MICROSECONDS_PER_WEEK = 7 * 24 * 3600 * 1_000_000  # the time axis of `derived.refresh`: weeks since the epoch
EPOCH = datetime(1970, 1, 1)  # naive UTC, as the database stores times
KIND = recovery.KIND
# Evidence fields that are words, not numbers (the rule id is stored apart, as for every kind).
TEXT_FIELDS = ("dynamic", "role", "zone", "clock", "dominant", "focus", "curve_source")
COUNT_FIELDS = ("checkins_above",)
FLAG_FIELDS = ("focus_not_improving",)  # true/false, stored as 1/0


# The curves: estimated over all clients, stored like the subscale reliabilities.

def _settings_json(settings: RecoverySettings) -> dict[str, Any]:
    return {spec.name: getattr(settings, spec.name) for spec in fields(settings)}


def _plain(value: Any) -> Any:
    """A JSON column's value as Python data (DuckDB gives text, psycopg parsed data)."""
    return json.loads(value) if isinstance(value, str) else value


def load_curves(con: StoreConnection, settings: RecoverySettings) -> Curves | None:
    """The stored curves, or None when there are none or they were estimated with other settings."""
    row = con.execute("SELECT curves, settings FROM recovery_curves").fetchone()
    if row is None or _plain(row[1]) != _settings_json(settings):
        return None
    try:
        return Curves.from_dict(_plain(row[0]))
    except (KeyError, ValueError):  # another version's grid: estimate again
        return None


def store_curves(con: StoreConnection, curves: Curves, settings: RecoverySettings, now: datetime) -> bool:
    """Save the curves; True when they differ from what was stored."""
    previous = load_curves(con, settings)
    if previous is not None and previous.as_dict() == curves.as_dict():
        return False
    con.execute("DELETE FROM recovery_curves")
    con.execute(
        "INSERT INTO recovery_curves (curves, settings, estimated_at) VALUES (CAST(? AS JSON), CAST(? AS JSON), ?)",
        [json.dumps(curves.as_dict()), json.dumps(_settings_json(settings)), to_db(now)],
    )
    return True


def curves_to_use(con: StoreConnection, settings: RecoverySettings, *, estimate: bool) -> Curves | None:
    """None when the batch holds every client (`flag_table` estimates the curves from it); else the
    stored curves, or the defaults when none fit the settings."""
    if estimate:
        return None
    return load_curves(con, settings) or recovery.default_curves(settings)


def focus_periods(inputs: FlagInputs) -> FocusPeriods:
    focus = inputs.focus
    return FocusPeriods.of(focus.client, focus.focus, focus.moment_us / MICROSECONDS_PER_WEEK)


# Flags: the model's findings as one columnar table, like every other kind.

def flag_tables(inputs: FlagInputs, dominant: npt.ArrayLike, settings: RecoverySettings,
                curves: Curves | None) -> tuple[Curves, Iterator[FlagTable]]:
    """The curves every `not_on_track` flag of the batch rests on (`curves`, see `curves_to_use`, or
    when None, estimated from the batch, for the caller to store: `recovery.refresh_parts`), and the
    flags one dynamic's table at a time. Computation only: `refresh` stores each table while the
    next is found."""
    curves, parts = recovery.refresh_parts(inputs.batch, dominant, focus_periods(inputs), curves, settings)
    return curves, (events_table(part, inputs.batch, inputs.checkin_us) for part in parts)


def events_table(found: recovery.NotOnTrackTable, batch: SeriesBatch, checkin_us: npt.NDArray[np.int64]
                 ) -> FlagTable:
    """The model's columns as a `FlagTable`; the evidence split into numbers, counts and words."""
    raised, retired = found.row, found.retired_row
    evidence = {name: values for name, values in found.evidence.items() if name != "rule"}
    return FlagTable(
        kind=KIND,
        rule=found.evidence["rule"],
        client=batch.client[raised],
        raised_row=raised,
        raised_us=checkin_us[raised],
        retired_row=retired,
        retired_us=np.where(retired >= 0, checkin_us[np.maximum(retired, 0)], -1),
        retired_reason=found.retired_reason,
        from_code=np.full(len(found), -1, dtype=np.int64),
        to_code=np.full(len(found), -1, dtype=np.int64),
        dynamic_code=found.dynamic,
        numbers={name: values for name, values in evidence.items()
                 if name not in (*TEXT_FIELDS, *COUNT_FIELDS, *FLAG_FIELDS)},
        counts={name: values.astype(np.int64) for name, values in evidence.items()
                if name in (*COUNT_FIELDS, *FLAG_FIELDS)},
        texts={name: values for name, values in evidence.items() if name in TEXT_FIELDS},
    )


# One client's timeline with its expected strain and band.

def client_recovery(con: StoreConnection, client_id: str, settings: RecoverySettings) -> RecoveryResult:
    """Expected strain and band at each of the client's check-ins (in the timeline's order)."""
    rows = con.execute(
        f"""
        SELECT k.submitted_at, {", ".join(f"s.{d}" for d in DYNAMICS)}
        FROM checkins k JOIN scores s ON s.checkin_id = k.id
        WHERE k.client_id = ?
        ORDER BY k.submitted_at, k.id
        """,
        [client_id],
    ).fetchall()
    changes = con.execute(
        "SELECT changed_at, focus FROM focus_changes WHERE client_id = ? ORDER BY changed_at, id", [client_id]
    ).fetchall()
    batch = SeriesBatch.of(
        np.zeros(len(rows), dtype=np.int64), [_weeks(row[0]) for row in rows],
        np.asarray([[np.nan if v is None else float(v) for v in row[1:]] for row in rows], dtype=np.float64)
        .reshape(-1, len(DYNAMICS)),
    )
    focus = FocusPeriods.of(np.zeros(len(changes), dtype=np.int64),
                            [DYNAMICS.index(f) if f in DYNAMICS else -1 for _at, f in changes],
                            [_weeks(at) for at, _f in changes])
    curves = load_curves(con, settings) or recovery.default_curves(settings)
    return recovery.expected_recovery(batch, None, focus, curves, settings)


def _weeks(stored: datetime) -> float:
    """A stored (naive UTC) time on refresh's axis, computed the same way: whole microseconds, then weeks."""
    moment = stored.replace(tzinfo=None) if stored.tzinfo is None else stored.astimezone(UTC).replace(tzinfo=None)
    return ((moment - EPOCH) // timedelta(microseconds=1)) / MICROSECONDS_PER_WEEK


def timeline(con: StoreConnection, client_id: str, viewer: Viewer, settings: RecoverySettings
             ) -> list[checkins.TimelinePoint]:
    """`checkins.timeline` with each check-in's expected strain and band per dynamic."""
    points = checkins.timeline(con, client_id, viewer)
    if not points:
        return points
    result = client_recovery(con, client_id, settings)
    if result.expected.shape[0] != len(points):  # a check-in without scores: nothing to line up
        return points
    return [dataclasses.replace(point, expected=recovery.expected_by_dynamic(result, row),
                                band=recovery.band_by_dynamic(result, row))
            for row, point in enumerate(points)]
