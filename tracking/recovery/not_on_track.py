"""The `not_on_track` flag: a dynamic the coach should be moving stays above its expected band.

A dynamic is *followed* at a check-in when it is the client's established dominant or the focus in
force. It is *above* when its observed level is above the band's upper edge and at or above the
concern level; such a check-in *counts* towards a flag once `amber_from_weeks` have passed on its
clock, and before that only when it is well above the band (the red zone): in the first weeks the
slowest clients who will recover cannot be told from clients who do not, so only clear cases (a
client getting worse) are flagged that early. The flag is raised at a followed check-in that is
above after `checkins_above` counting check-ins in a row on the same clock, and retires at the
next scored check-in where the dynamic is no longer followed and above:

- `back_in_band`: the observed level is back inside (or below) the band;
- `not_elevated`: it is above the band but below the concern level;
- `no_longer_followed`: the dynamic is neither the dominant nor the focus any more;
- `focus_changed`: the focus moved onto or away from the dynamic, so its expected path restarted.

Check-ins without a score for the dynamic, or before its expected path exists, neither hold nor
break a run. When the flagged dynamic is the focus in force and the focus has been on it for at
least `focus_weeks`, the rule is `not_on_track.focus_not_improving.v1`: the focus is not bringing
the expected improvement, the signal to adjust it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracking.detection import SeriesBatch
from tracking.instrument import DYNAMICS
from tracking.recovery.band import (
    CLOCK_NAMES,
    FOCUS,
    N_DYNAMICS,
    NO_CLOCK,
    ZONE_NAMES,
    FocusPeriods,
    RecoveryResult,
    expected_recovery,
)
from tracking.recovery.curves import BoolArray, Curves, IntArray
from tracking.recovery.settings import DEFAULT_SETTINGS, RecoverySettings

KIND = "not_on_track"
RULE = "not_on_track.v1"
FOCUS_RULE = "not_on_track.focus_not_improving.v1"
BACK_IN_BAND = "back_in_band"
NOT_ELEVATED = "not_elevated"
NO_LONGER_FOLLOWED = "no_longer_followed"
FOCUS_CHANGED = "focus_changed"

Evidence = dict[str, str | float | int | bool | None]


@dataclass(frozen=True)
class NotOnTrack:
    """One `not_on_track` flag: the row that raised it, its dynamic and evidence, and when and why it retired."""

    row: int
    dynamic: str
    evidence: Evidence
    retired_row: int | None
    retired_reason: str | None
    kind: str = KIND


def _points(value: float) -> float | None:
    return round(float(value), 1) if math.isfinite(value) else None


def _optional_points(value: float | None) -> float | None:
    return None if value is None else _points(value)


def _run_length(continues: BoolArray, hit: BoolArray) -> IntArray:
    """Rows in a row where `hit` holds, counting back while `continues` links a row to the previous one."""
    index = np.arange(hit.size)
    breaks = ~hit | ~continues
    last_break = np.maximum.accumulate(np.where(breaks, np.where(hit, index - 1, index), -1)) if hit.size else index
    result: IntArray = np.where(hit, index - last_break, 0)
    return result


def not_on_track_events(
    batch: SeriesBatch,
    dominant: npt.ArrayLike,
    result: RecoveryResult,
    curves: Curves,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> list[NotOnTrack]:
    """Every `not_on_track` flag in the batch, with the row it retired at (None: still open).

    `dominant` per row is the client's established dominant as an index into DYNAMICS, -1 before
    one is established (detection's `StateResult.dominant`).
    """
    dominant_codes = np.asarray(dominant, dtype=np.int64).reshape(-1)
    if dominant_codes.size != batch.client.size:
        raise ValueError("dominant needs one entry per check-in")
    events: list[NotOnTrack] = []
    half_weeks = {dynamic: _optional_points(curves.half_weeks(dynamic)) for dynamic in DYNAMICS}
    basis_of_focus = result.focus_period.astype(np.int64) + 1
    for d in range(N_DYNAMICS):
        counted = ~np.isnan(batch.scores[:, d]) & (result.clock[:, d] != NO_CLOCK)
        rows = np.flatnonzero(counted)
        client = batch.client[rows]
        basis = np.where(result.clock[rows, d] == FOCUS, basis_of_focus[rows], 0)
        followed = (dominant_codes[rows] == d) | (result.focus[rows] == d)
        observed, upper = result.observed[rows, d], result.upper[rows, d]
        above = (observed > upper) & (observed >= settings.concern_level)
        counts = above & ((result.weeks_on_clock[rows, d] >= settings.amber_from_weeks)
                          | (observed > result.well_above[rows, d]))
        hit = followed & above
        same = np.r_[False, (client[1:] == client[:-1]) & (basis[1:] == basis[:-1])]
        counted_run = _run_length(same, counts)
        run_start = hit & ~(same & np.r_[False, hit[:-1]])
        run_id = np.cumsum(run_start)
        ready = hit & (counted_run >= settings.checkins_above)
        _, first = np.unique(run_id[ready], return_index=True)
        raised = np.flatnonzero(ready)[first]
        continues_next = np.r_[same[1:] & hit[1:], False]
        run_end_positions = np.flatnonzero(hit & ~continues_next)
        run_end = run_end_positions[np.searchsorted(run_end_positions, raised)]
        for position, end in zip(raised, run_end, strict=True):
            retired_row, reason = _retirement(end, rows, client, basis, followed, observed, upper)
            row = int(rows[position])
            evidence = _evidence(batch, result, curves, settings, row, d, int(dominant_codes[row]),
                                 int(counted_run[position]), half_weeks[DYNAMICS[d]])
            events.append(NotOnTrack(row, DYNAMICS[d], evidence, retired_row, reason))
    return sorted(events, key=lambda event: (event.row, DYNAMICS.index(event.dynamic)))


def _retirement(end: int, rows: IntArray, client: IntArray, basis: IntArray, followed: BoolArray,
                observed: npt.NDArray[np.float64], upper: npt.NDArray[np.float64]) -> tuple[int | None, str | None]:
    """The first counted row after a run of followed check-ins above the band, and why the run ended there."""
    after = end + 1
    if after >= rows.size or client[after] != client[end]:
        return None, None
    if basis[after] != basis[end]:
        reason = FOCUS_CHANGED
    elif not followed[after]:
        reason = NO_LONGER_FOLLOWED
    elif observed[after] <= upper[after]:
        reason = BACK_IN_BAND
    else:
        reason = NOT_ELEVATED
    return int(rows[after]), reason


def _evidence(batch: SeriesBatch, result: RecoveryResult, curves: Curves, settings: RecoverySettings,
              row: int, d: int, dominant: int, checkins_above: int, half_weeks: float | None) -> Evidence:
    dynamic = DYNAMICS[d]
    focus = int(result.focus[row])
    since_focus = float(result.weeks_since_focus[row])
    is_focus = focus == d
    focus_not_improving = is_focus and since_focus >= settings.focus_weeks
    role = "dominant_and_focus" if is_focus and dominant == d else "focus" if is_focus else "dominant"
    observed = float(result.observed[row, d])
    expected = float(result.expected[row, d])
    anchor = float(result.anchor[row, d])
    return {
        "rule": FOCUS_RULE if focus_not_improving else RULE,
        "dynamic": dynamic,
        "role": role,
        "observed": _points(observed),
        "score": _points(float(batch.scores[row, d])),
        "expected": _points(expected),
        "band_lower": _points(float(result.lower[row, d])),
        "band_upper": _points(float(result.upper[row, d])),
        "well_above": _points(float(result.well_above[row, d])),
        "zone": ZONE_NAMES[int(result.zone[row, d])],
        "checkins_above": checkins_above,
        "amber_from_weeks": _points(settings.amber_from_weeks),
        "started_at": _points(anchor),
        "expected_improvement": _points(anchor - expected),
        "observed_improvement": _points(anchor - observed),
        "clock": CLOCK_NAMES[int(result.clock[row, d])],
        "weeks_on_clock": _points(float(result.weeks_on_clock[row, d])),
        "weeks_since_start": _points(float(result.weeks_since_start[row])),
        "dominant": DYNAMICS[dominant] if dominant >= 0 else None,
        "focus": DYNAMICS[focus] if focus >= 0 else None,
        "weeks_since_focus": _points(since_focus) if focus >= 0 else None,
        "focus_weeks": _points(settings.focus_weeks),
        "focus_not_improving": focus_not_improving,
        "curve_half_weeks": half_weeks,
        "curve_pace_spread": round(curves.pace_spread[dynamic], 2),
        "curve_source": curves.source[dynamic],
        "checkin_noise": _points(curves.checkin_noise),
        "band_z": round(settings.band_z, 2),
        "well_above_z": round(settings.well_above_z, 2),
    }


def track_recovery(
    batch: SeriesBatch,
    dominant: npt.ArrayLike,
    start_weeks: npt.ArrayLike | None,
    focus: FocusPeriods,
    curves: Curves,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> tuple[RecoveryResult, list[NotOnTrack]]:
    """Expected strain and band at every check-in, and every `not_on_track` flag, for all clients at once."""
    result = expected_recovery(batch, start_weeks, focus, curves, settings)
    return result, not_on_track_events(batch, dominant, result, curves, settings)
