"""Expected strain at every check-in, the band around it, and the zone the observed level is in.

Two clocks. The *coaching* clock starts at the client's coaching start; where a dynamic started is
its observed level at the `baseline_checkins`-th scored check-in since then (the anchor). The
*focus* clock starts when the coach set the current focus; for the focused dynamic only, where it
started is its observed level at the last check-in before the focus was set. The focused dynamic
follows the focus clock when the focus was set after its coaching anchor; every other dynamic (and
a focus set at or before the start) follows the coaching clock.

The observed level is a local-level Kalman filter per dynamic (as detection's recent level), so it
trails a falling strain by `level_lag_weeks`; the expected path is read that much later to match.
The band is a prediction interval for the observed level of a client who recovers as expected:

    sd^2 = noise^2 * (level_var + anchor_var * rel^2) + (slow - expected)^2 + (partial - expected)^2

where `rel` is the remaining share now relative to the share at the anchor, `level_var` the
variance of the observed level and `anchor_var` that of the anchor (both in units of the check-in
noise), `slow` the path of a client one pace spread slower (the same curve stretched in time) and
`partial` the path of a client whose recoverable share is one share spread smaller.

Causality: everything at a row uses the client's rows up to it and the focus periods that started
by then.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from tracking.detection import SeriesBatch, rows_by_step
from tracking.instrument import DYNAMICS
from tracking.recovery.curves import BoolArray, Curves, FloatArray, IntArray
from tracking.recovery.settings import DEFAULT_SETTINGS, RecoverySettings

N_DYNAMICS = len(DYNAMICS)
NO_FOCUS = -1
NO_CLOCK, COACHING, FOCUS = -1, 0, 1
CLOCK_NAMES = ("coaching", "focus")
UNKNOWN, BELOW, INSIDE, ABOVE, WELL_ABOVE = -1, 0, 1, 2, 3
ZONE_NAMES = ("below", "inside", "above", "well_above")


@dataclass(frozen=True, eq=False)
class FocusPeriods:
    """The coach's intervention focus over time: from `start_weeks` on, client `client` has focus `dynamic`.

    `dynamic` is an index into DYNAMICS, or -1 for "no focus"; a period lasts until the client's
    next one. Stored sorted by client and start; of two periods with the same start the later one
    given wins, and a period that repeats the focus already in force (a coach saving the same focus
    again) is dropped, so it does not restart the dynamic's expected path.
    """

    client: IntArray
    dynamic: IntArray
    start_weeks: FloatArray

    @classmethod
    def of(cls, client: npt.ArrayLike, dynamic: npt.ArrayLike, start_weeks: npt.ArrayLike) -> FocusPeriods:
        clients = np.asarray(client, dtype=np.int64).reshape(-1)
        dynamics = np.asarray(dynamic, dtype=np.int64).reshape(-1)
        starts = np.asarray(start_weeks, dtype=np.float64).reshape(-1)
        if not clients.size == dynamics.size == starts.size:
            raise ValueError("focus periods need a client, a dynamic and a start for every period")
        if np.any((dynamics < NO_FOCUS) | (dynamics >= N_DYNAMICS)):
            raise ValueError(f"a focus dynamic must be -1 (no focus) or 0-{N_DYNAMICS - 1}")
        if not np.all(np.isfinite(starts)):
            raise ValueError("every focus period needs a finite start (weeks)")
        order = np.lexsort((starts, clients))
        clients, dynamics, starts = clients[order], dynamics[order], starts[order]
        if not clients.size:
            return cls(clients, dynamics, starts)
        same_start_later = np.r_[(clients[1:] == clients[:-1]) & (starts[1:] == starts[:-1]), False]
        clients, dynamics, starts = (a[~same_start_later] for a in (clients, dynamics, starts))
        repeats = np.r_[False, (clients[1:] == clients[:-1]) & (dynamics[1:] == dynamics[:-1])]
        return cls(clients[~repeats], dynamics[~repeats], starts[~repeats])

    @classmethod
    def empty(cls) -> FocusPeriods:
        return cls.of([], [], [])


@dataclass(frozen=True, eq=False)  # holds arrays: compare their fields, not the objects
class RecoveryResult:
    """Per check-in (rows of the batch) and dynamic (columns in DYNAMICS order); NaN where undefined.

    `observed` is the level compared with the band; `expected`, `lower`, `upper` and `well_above`
    are the expected strain, the band's edges (green between lower and upper, amber up to
    well_above, red above it) and `zone` the observed level's zone (-1 unknown, 0 below, 1 inside,
    2 above, 3 well above). `clock` is -1 (no expectation yet), 0 (coaching clock) or 1 (focus
    clock); `anchor` is where the dynamic started on that clock and `weeks_on_clock` the time
    since that clock started. `focus` is the focus in force (-1 none), `focus_period` its index in
    the sorted FocusPeriods, `weeks_since_focus` the weeks since it was set (NaN without focus),
    and `weeks_since_start` the weeks since coaching started.
    """

    observed: FloatArray
    expected: FloatArray
    lower: FloatArray
    upper: FloatArray
    well_above: FloatArray
    sd: FloatArray
    zone: npt.NDArray[np.int8]
    clock: npt.NDArray[np.int8]
    anchor: FloatArray
    weeks_on_clock: FloatArray
    weeks_since_start: FloatArray
    focus: npt.NDArray[np.int8]
    focus_period: IntArray
    weeks_since_focus: FloatArray


def check_batch(batch: SeriesBatch) -> None:
    """Recovery needs a time for every check-in, in order within each client."""
    if batch.weeks.size and not np.all(np.isfinite(batch.weeks)):
        raise ValueError("every check-in needs a finite time in weeks")
    same_client = batch.client[1:] == batch.client[:-1]
    if np.any(same_client & (np.diff(batch.weeks) < 0)):
        raise ValueError("check-ins must be in time order within each client")


def client_starts(client: IntArray) -> BoolArray:
    """Whether each row is its client's first."""
    return np.r_[True, client[1:] != client[:-1]] if client.size else np.zeros(0, dtype=bool)


def observed_levels(batch: SeriesBatch, weight: float) -> FloatArray:
    """The observed level of every dynamic at every check-in: a local-level Kalman filter per client.

    With the check-in noise as unit, the drift per week q follows from the steady weekly gain K
    (K^2 = q (1 - K)); a gap of g weeks adds q * g to the level's variance, so the next check-in
    weighs more. A missing score only predicts; the first score sets the level.
    """
    n_rows = batch.client.size
    levels = np.full((n_rows, N_DYNAMICS), np.nan)
    steps = rows_by_step(batch.client)
    if not steps:
        return levels
    drift = weight * weight / (1.0 - weight)
    n_clients = steps[0].size
    level = np.full((n_clients, N_DYNAMICS), np.nan)
    variance = np.full((n_clients, N_DYNAMICS), np.nan)
    last_week = np.full(n_clients, np.nan)
    for rows in steps:
        active = rows.size
        scores = batch.scores[rows]
        weeks = batch.weeks[rows]
        gap = np.nan_to_num(np.maximum(weeks - last_week[:active], 0.0), nan=0.0)
        last_week[:active] = weeks
        predicted = variance[:active] + drift * gap[:, None]
        gain = predicted / (predicted + 1.0)
        seen = ~np.isnan(scores)
        first = seen & np.isnan(level[:active])
        with np.errstate(invalid="ignore"):
            moved = level[:active] + gain * (scores - level[:active])
        level[:active] = np.where(first, scores, np.where(seen, moved, level[:active]))
        variance[:active] = np.where(first, 1.0, np.where(seen, (1.0 - gain) * predicted, predicted))
        levels[rows] = level[:active]
    return levels


def segment_cumsum(starts: BoolArray, values: BoolArray) -> IntArray:
    """Running count of `values` within each client (rows grouped by client, `starts` marking the first)."""
    total = np.cumsum(values, dtype=np.int64)
    before = (total - values)[starts]
    segment = np.cumsum(starts) - 1
    result: IntArray = total - before[segment]
    return result


def _last_marked_row(starts: BoolArray, marked: BoolArray) -> IntArray:
    """Per row: the index of the client's last row up to it where `marked` holds, or -1."""
    index = np.arange(marked.size)
    last = np.maximum.accumulate(np.where(marked, index, -1)) if marked.size else index
    first_row = np.maximum.accumulate(np.where(starts, index, 0)) if marked.size else index
    result: IntArray = np.where(last >= first_row, last, -1)
    return result


@dataclass(frozen=True, eq=False)
class Timeline:
    """Times and focus per row, shared by the band and the estimate."""

    starts: BoolArray
    segment: IntArray
    weeks_since_start: FloatArray
    coaching_anchor: IntArray  # (rows, dynamics): row of the coaching anchor in force, -1 before it
    levels: FloatArray
    scored: BoolArray


def coaching_timeline(
    batch: SeriesBatch, start_weeks: npt.ArrayLike | None, settings: RecoverySettings
) -> Timeline:
    """Weeks since coaching started and the coaching anchor of every dynamic, per row."""
    check_batch(batch)
    client, weeks = batch.client, batch.weeks
    starts = client_starts(client)
    segment = np.cumsum(starts) - 1
    first_week = weeks[starts][segment] if client.size else weeks
    start = first_week.copy()
    if start_weeks is not None and client.size:
        given = np.asarray(start_weeks, dtype=np.float64).reshape(-1)
        if given.size <= int(client.max()):
            raise ValueError("start_weeks needs an entry (or NaN) for every client index in the batch")
        start = np.where(np.isnan(given[client]), first_week, given[client])
    since_start = weeks - start
    levels = observed_levels(batch, settings.level_weight)
    scored = ~np.isnan(batch.scores)
    anchor = np.full((client.size, N_DYNAMICS), -1, dtype=np.int64)
    index = np.arange(client.size)
    for column in range(N_DYNAMICS):
        eligible = scored[:, column] & (since_start >= 0)
        rank = segment_cumsum(starts, eligible)
        anchor_rows = np.flatnonzero(eligible & (rank == settings.baseline_checkins))
        by_segment = np.full(int(segment[-1]) + 1 if client.size else 0, -1, dtype=np.int64)
        by_segment[segment[anchor_rows]] = anchor_rows
        row_anchor = by_segment[segment] if client.size else index
        anchor[:, column] = np.where((row_anchor >= 0) & (index >= row_anchor), row_anchor, -1)
    return Timeline(starts, segment, since_start, anchor, levels, scored)


def _keys(client: IntArray, weeks: FloatArray, origin: float, span: float) -> FloatArray:
    """One sortable number per (client, time): clients apart by more than any time difference."""
    result: FloatArray = client.astype(np.float64) * span + (weeks - origin)
    return result


def _focus_in_force(batch: SeriesBatch, focus: FocusPeriods) -> tuple[IntArray, IntArray]:
    """Per row the focus period in force (-1: none); per period the client's last row before it started (-1: none)."""
    no_period = np.full(batch.client.size, -1, dtype=np.int64)
    no_row = np.full(focus.client.size, -1, dtype=np.int64)
    if not batch.client.size or not focus.client.size:
        return no_period, no_row
    every_week = np.r_[batch.weeks, focus.start_weeks]
    origin = float(every_week.min())
    span = float(every_week.max()) - origin + 1.0
    row_keys = _keys(batch.client, batch.weeks, origin, span)
    period_keys = _keys(focus.client, focus.start_weeks, origin, span)
    period = np.searchsorted(period_keys, row_keys, side="right") - 1
    period = np.where((period >= 0) & (focus.client[np.maximum(period, 0)] == batch.client), period, -1)
    before = np.searchsorted(row_keys, period_keys, side="left") - 1
    before = np.where((before >= 0) & (batch.client[np.maximum(before, 0)] == focus.client), before, -1)
    return period.astype(np.int64), before.astype(np.int64)


@dataclass(frozen=True, eq=False)
class Clocks:
    """Per row what every dynamic's expected path shares: the coaching timeline and the focus in force.

    `focus` is the focus in force (-1 none), `focus_period` its index in the sorted FocusPeriods
    (-1 none), `weeks_since_focus` the weeks since it was set (NaN without focus) and
    `focus_anchor` the row that anchors the focused dynamic's focus clock (-1: the focus started
    with coaching, or there is none).
    """

    timeline: Timeline
    focus: IntArray
    focus_period: IntArray
    weeks_since_focus: FloatArray
    focus_anchor: IntArray

    @property
    def weeks_since_start(self) -> FloatArray:
        return self.timeline.weeks_since_start


@dataclass(frozen=True, eq=False)
class DynamicBand:
    """One dynamic's columns of a `RecoveryResult`: its expected path, band and clock at every row."""

    observed: FloatArray
    expected: FloatArray
    lower: FloatArray
    upper: FloatArray
    well_above: FloatArray
    sd: FloatArray
    clock: npt.NDArray[np.int8]
    anchor: FloatArray
    weeks_on_clock: FloatArray

    @classmethod
    def of(cls, result: RecoveryResult, d: int) -> DynamicBand:
        return cls(result.observed[:, d], result.expected[:, d], result.lower[:, d], result.upper[:, d],
                   result.well_above[:, d], result.sd[:, d], result.clock[:, d], result.anchor[:, d],
                   result.weeks_on_clock[:, d])


def clocks(batch: SeriesBatch, start_weeks: npt.ArrayLike | None, focus: FocusPeriods,
           settings: RecoverySettings = DEFAULT_SETTINGS, timeline: Timeline | None = None) -> Clocks:
    """The clocks of every row (`timeline`: `coaching_timeline` of the same batch, when already made)."""
    timeline = timeline if timeline is not None else coaching_timeline(batch, start_weeks, settings)
    n_rows = batch.client.size
    period, before = _focus_in_force(batch, focus)
    has_period = period >= 0
    # Padding with a "no focus" period lets every row index the period arrays, with or without focus.
    focus_dynamics = np.r_[focus.dynamic, NO_FOCUS]
    focus_starts = np.r_[focus.start_weeks, np.nan]
    safe_period = np.where(has_period, period, focus.client.size)
    focus_dynamic = focus_dynamics[safe_period]
    since_focus = np.where(focus_dynamic >= 0, batch.weeks - focus_starts[safe_period], np.nan)
    # Per period: the row that anchors its focus clock, or -1 when the focus started with coaching.
    period_anchor = np.full(focus.client.size + 1, -1, dtype=np.int64)
    usable = (before >= 0) & (focus.dynamic >= 0)
    rows_before, dyn = before[usable], focus.dynamic[usable]
    after_coaching_anchor = timeline.coaching_anchor[rows_before, dyn] >= 0
    last_scored = np.empty(rows_before.size, dtype=np.int64)
    for d in range(N_DYNAMICS):
        mine = dyn == d
        if n_rows and np.any(mine):
            last_scored[mine] = _last_marked_row(timeline.starts, timeline.scored[:, d])[rows_before[mine]]
    period_anchor[np.flatnonzero(usable)] = np.where(after_coaching_anchor, last_scored, -1)
    return Clocks(timeline, focus_dynamic, period, since_focus, period_anchor[safe_period])


def dynamic_band(clocks: Clocks, d: int, curves: Curves, settings: RecoverySettings = DEFAULT_SETTINGS,
                 rows: slice = slice(None)) -> DynamicBand:
    """The expected strain and band of dynamic `d` at every row (or at the rows of `rows`, a range of
    whole clients: an anchor is always a row of the same client); one dynamic at a time keeps a bulk
    run's memory to a few columns (a million check-ins: 8 MB a column)."""
    timeline = clocks.timeline
    lag = settings.level_lag_weeks
    level_var = settings.level_weight / (2.0 - settings.level_weight)
    noise = curves.checkin_noise
    coaching_row = timeline.coaching_anchor[rows, d]
    n_rows = coaching_row.size
    focus_row = np.where(clocks.focus[rows] == d, clocks.focus_anchor[rows], -1)
    on_focus = focus_row >= 0
    on_coaching = ~on_focus & (coaching_row >= 0)
    anchor_row = np.where(on_focus, focus_row, np.maximum(coaching_row, 0))
    del focus_row
    weeks = np.where(on_focus, clocks.weeks_since_focus[rows], timeline.weeks_since_start[rows])
    anchor_weeks = np.where(on_focus, 0.0, timeline.weeks_since_start[anchor_row]) if n_rows else np.zeros(0)
    start_level = timeline.levels[anchor_row, d] if n_rows else np.zeros(0)
    del anchor_row
    pace = 1.0 + curves.pace_spread[DYNAMICS[d]]
    weeks_lagged, anchor_lagged = weeks - lag, anchor_weeks - lag
    del anchor_weeks
    # The expected and the partial path read the same curve at the same weeks: read it once.
    curve_now, curve_then = curves.at(d, weeks_lagged), curves.at(d, anchor_lagged)
    rel = _relative(curve_now, curve_then, 0.0)
    partial_rel = _relative(curve_now, curve_then, settings.share_spread)
    del curve_now, curve_then
    slow_rel = _relative_remaining(curves, d, weeks_lagged, anchor_lagged, pace, 0.0)
    del weeks_lagged, anchor_lagged
    excess = np.maximum(start_level - settings.floor_level, 0.0)
    anchor_var = np.where(on_focus, level_var, 1.0 / settings.baseline_checkins)
    spread_sq = (excess * (slow_rel - rel)) ** 2 + (excess * (partial_rel - rel)) ** 2
    del slow_rel, partial_rel
    defined = on_focus | on_coaching
    expected = np.where(defined, start_level - excess * (1.0 - rel), np.nan)
    sd = np.where(defined, np.sqrt(noise**2 * (level_var + anchor_var * rel**2) + spread_sq), np.nan)
    del excess, anchor_var, spread_sq, rel
    anchor = np.where(defined, start_level, np.nan)
    on_clock = np.where(defined, weeks, np.nan)
    clock = np.where(on_focus, FOCUS, np.where(on_coaching, COACHING, NO_CLOCK)).astype(np.int8)
    return DynamicBand(
        observed=timeline.levels[rows, d],
        expected=expected,
        lower=expected - settings.band_z * sd,
        upper=expected + settings.band_z * sd,
        well_above=expected + settings.well_above_z * sd,
        sd=sd,
        clock=clock,
        anchor=anchor,
        weeks_on_clock=on_clock,
    )


def expected_recovery(
    batch: SeriesBatch,
    start_weeks: npt.ArrayLike | None,
    focus: FocusPeriods,
    curves: Curves,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> RecoveryResult:
    """The expected strain and band of every dynamic at every check-in, for all clients at once.

    `start_weeks[c]` is client c's coaching start (NaN or None: the client's first check-in), on
    the batch's time axis; `focus` the focus periods on the same axis.
    """
    row_clocks = clocks(batch, start_weeks, focus, settings)
    bands = [dynamic_band(row_clocks, d, curves, settings) for d in range(N_DYNAMICS)]
    columns = {spec.name: np.stack([getattr(band, spec.name) for band in bands], axis=1)
               for spec in fields(DynamicBand)}
    return RecoveryResult(
        **columns,
        zone=zones(columns["observed"], columns["lower"], columns["upper"], columns["well_above"]),
        weeks_since_start=row_clocks.weeks_since_start,
        focus=row_clocks.focus.astype(np.int8),
        focus_period=row_clocks.focus_period,
        weeks_since_focus=row_clocks.weeks_since_focus,
    )


def _relative(now_curve: FloatArray, then_curve: FloatArray, less_recovery: float) -> FloatArray:
    """Remaining share now relative to the share at the anchor, from the curve read at both, with
    `less_recovery` of its recovery taken away."""
    now = 1.0 - (1.0 - now_curve) * (1.0 - less_recovery)
    then = 1.0 - (1.0 - then_curve) * (1.0 - less_recovery)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = now / then
    return result


def _relative_remaining(curves: Curves, dynamic: int, weeks: FloatArray, anchor_weeks: FloatArray,
                        stretch: float, less_recovery: float) -> FloatArray:
    """Remaining share at `weeks` relative to the share at the anchor, on the curve stretched in time
    and with `less_recovery` of its recovery taken away."""
    return _relative(curves.at(dynamic, weeks, stretch), curves.at(dynamic, anchor_weeks, stretch), less_recovery)


def zones(observed: FloatArray, lower: FloatArray, upper: FloatArray, well_above: FloatArray) -> npt.NDArray[np.int8]:
    with np.errstate(invalid="ignore"):
        zone = np.where(observed < lower, BELOW, np.where(observed <= upper, INSIDE,
                        np.where(observed <= well_above, ABOVE, WELL_ABOVE)))
    known = ~np.isnan(observed) & ~np.isnan(upper)
    result: npt.NDArray[np.int8] = np.where(known, zone, UNKNOWN).astype(np.int8)
    return result


def _rounded(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None


def expected_by_dynamic(result: RecoveryResult, row: int) -> dict[str, float | None]:
    """A check-in's `expected` for the timeline: dynamic -> expected strain (0.1 points), or None."""
    return {dynamic: _rounded(result.expected[row, d]) for d, dynamic in enumerate(DYNAMICS)}


def band_by_dynamic(result: RecoveryResult, row: int) -> dict[str, dict[str, float | str | None] | None]:
    """A check-in's band for the chart: per dynamic its edges, the observed level and its zone, or None."""
    bands: dict[str, dict[str, float | str | None] | None] = {}
    for d, dynamic in enumerate(DYNAMICS):
        zone = int(result.zone[row, d])
        bands[dynamic] = None if not np.isfinite(result.expected[row, d]) else {
            "expected": _rounded(result.expected[row, d]),
            "lower": _rounded(result.lower[row, d]),
            "upper": _rounded(result.upper[row, d]),
            "well_above": _rounded(result.well_above[row, d]),
            "observed": _rounded(result.observed[row, d]),
            "zone": ZONE_NAMES[zone] if zone >= 0 else None,
        }
    return bands
