"""A practice's own recovery curve per dynamic, estimated in bulk from its clients' histories.

A dynamic's curve is learnt from the clients for whom it was the first established dominant, who
started with it at or above the concern level, have been followed for at least `min_weeks` and
did recover: by their last check-in at least `estimate_recovered_share` of its strain above the
floor level was gone. Each contributes, at each week since coaching started (1 to
`horizon_weeks`), the share of its starting excess strain that is left (observed level minus
floor, over anchor minus floor). The curve is the median of that share per week, made
non-increasing (weighted pool-adjacent-violators) and moved back by the observed level's lag into
the time of the strain itself; after the horizon it stays at its last value. It has the shape the
practice's data has, like the empirical expected-treatment-response tables of measurement-based
care, rather than a shape chosen in advance.

Each of those clients then gets its own pace, the stretch in time of that curve that fits it best;
the pace spread is how much faster the 16th percentile of those paces is than their median,
mirrored (one standard deviation of a normal spread of log paces). With fewer than `min_clients`
such clients, or a curve that is implausibly slow, the dynamic keeps its default.

The week-to-week noise of a score is estimated from all clients at once: the root mean square of
the differences between successive scores of a dynamic at most `NOISE_GAP_WEEKS` apart, over the
square root of 2 (the mean squared successive difference of experience-sampling research), once
`min_clients` clients have such pairs.

Why only clients who recovered, and why the faster half for the spread: the expected path is what
being on track to recover looks like in this practice. Learning it from every client would make
non-response part of the expectation, and the more clients a practice has who do not respond, the
less the flag would see them; the slowest recovering clients are the ones worth a look, and they
should not widen everyone's band.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tracking.detection import SeriesBatch
from tracking.instrument import DYNAMICS
from tracking.recovery.band import Timeline, coaching_timeline
from tracking.recovery.curves import (
    ESTIMATED,
    GRID_WEEKS,
    BoolArray,
    Curves,
    FloatArray,
    IntArray,
    default_curves,
)
from tracking.recovery.settings import DEFAULT_SETTINGS, RecoverySettings

IMPLAUSIBLE = "default (implausible estimate)"
NOISE_GAP_WEEKS = 1.5
PACE_GRID = np.round(np.exp(np.linspace(np.log(0.25), np.log(4.0), 81)), 4)


def group_medians(group: IntArray, values: FloatArray, n_groups: int) -> tuple[FloatArray, IntArray]:
    """The median of `values` in each group 0..n_groups-1 (NaN for an empty group) and the group sizes."""
    order = np.lexsort((values, group))
    group, values = group[order], values[order]
    counts = np.bincount(group, minlength=n_groups).astype(np.int64)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    low = first + (counts - 1) // 2
    high = first + counts // 2
    filled = counts > 0
    medians = np.full(n_groups, np.nan)
    medians[filled] = (values[low[filled]] + values[high[filled]]) / 2.0
    return medians, counts


def non_increasing(values: FloatArray, weights: FloatArray) -> FloatArray:
    """The weighted least-squares non-increasing fit to `values` (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, length]
    for value, weight in zip(values.tolist(), weights.tolist()):
        blocks.append([value, weight, 1.0])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            later = blocks.pop()
            earlier = blocks[-1]
            total = earlier[1] + later[1]
            earlier[0] = (earlier[0] * earlier[1] + later[0] * later[1]) / total
            earlier[1], earlier[2] = total, earlier[2] + later[2]
    return np.repeat([b[0] for b in blocks], [int(b[2]) for b in blocks]).astype(np.float64)


def first_dominant(segment: IntArray, dominant: IntArray) -> IntArray:
    """Per client (segment): the first dominant it established, or -1."""
    established = np.flatnonzero(dominant >= 0)
    result = np.full(int(segment[-1]) + 1 if segment.size else 0, -1, dtype=np.int64)
    first_rows = established[np.r_[True, segment[established][1:] != segment[established][:-1]]] \
        if established.size else established
    result[segment[first_rows]] = dominant[first_rows]
    return result


def _last_rows(segment: IntArray, marked: BoolArray) -> IntArray:
    """Per client (segment): its last row where `marked` holds (0 when there is none; callers mask those)."""
    result = np.zeros(int(segment[-1]) + 1 if segment.size else 0, dtype=np.int64)
    rows = np.flatnonzero(marked)
    result[segment[rows]] = rows  # later rows overwrite earlier ones of the same client
    return result


def median_path(weeks: FloatArray, share_left: FloatArray, horizon_weeks: int, lag_weeks: float) -> FloatArray:
    """The table of remaining share on GRID_WEEKS from each week's median, non-increasing, in the strain's time."""
    week_bin = np.clip(np.floor(weeks + 0.5).astype(np.int64), 1, horizon_weeks) - 1
    medians, counts = group_medians(week_bin, share_left, horizon_weeks)
    filled = counts > 0
    knots = np.arange(1.0, horizon_weeks + 1.0)[filled] - lag_weeks
    values = np.minimum(non_increasing(medians[filled], counts[filled].astype(np.float64)), 1.0)
    keep = knots > 0
    knots, values = np.r_[0.0, knots[keep]], np.r_[1.0, values[keep]]
    table: FloatArray = np.interp(GRID_WEEKS, knots, values)
    return table


def client_paces(segment: IntArray, weeks: FloatArray, anchor_weeks: FloatArray, share_left: FloatArray,
                 table: FloatArray) -> FloatArray:
    """Per client (in order of `np.unique(segment)`): the time stretch of the curve that fits it best."""
    clients, client_index = np.unique(segment, return_inverse=True)
    # np.interp is about twice as fast on ascending weeks, and a client's anchor is read once per
    # distinct week; the curve values are the same numbers in the rows' own order, so the sums are too.
    order = np.argsort(weeks, kind="stable")
    ascending_weeks = weeks[order]
    anchors, anchor_index = np.unique(anchor_weeks, return_inverse=True)
    now = np.empty_like(weeks)
    loss = np.empty((PACE_GRID.size, clients.size))
    for position, stretch in enumerate(PACE_GRID):
        now[order] = np.interp(ascending_weeks / stretch, GRID_WEEKS, table, left=1.0)
        then = np.interp(anchors / stretch, GRID_WEEKS, table, left=1.0)[anchor_index]
        loss[position] = np.bincount(client_index, weights=(now / then - share_left) ** 2, minlength=clients.size)
    result: FloatArray = PACE_GRID[np.argmin(loss, axis=0)]
    return result


def distinct_grouped(values: IntArray) -> int:
    """How many different values `values` holds when equal values are next to each other (a batch's
    clients, or segments, and the rows of any selection from them in order): `np.unique(values).size`
    without sorting a million rows."""
    return int(values.size > 0) + int(np.count_nonzero(values[1:] != values[:-1]))


def checkin_noise(batch: SeriesBatch, min_clients: int) -> float | None:
    """Week-to-week noise of a score (points) from successive differences, or None with too few clients."""
    pairs = (batch.client[1:] == batch.client[:-1]) & (np.diff(batch.weeks) <= NOISE_GAP_WEEKS)
    differences = np.diff(batch.scores, axis=0)[pairs]
    known = ~np.isnan(differences)
    if distinct_grouped(batch.client[1:][pairs][np.any(known, axis=1)]) < min_clients:
        return None
    return float(np.sqrt(np.mean(differences[known] ** 2) / 2.0))


def estimate_curves(
    batch: SeriesBatch,
    dominant: npt.ArrayLike,
    start_weeks: npt.ArrayLike | None,
    settings: RecoverySettings = DEFAULT_SETTINGS,
    *,
    timeline: Timeline | None = None,
) -> Curves:
    """Each dynamic's curve from the clients in `batch`, or its default where there are too few of them.

    `dominant` per row is the established dominant (detection's `StateResult.dominant`, -1 before
    one); `start_weeks` as for `expected_recovery`; `timeline`: `coaching_timeline(batch,
    start_weeks, settings)`, when the caller already made it (the band needs it too).
    """
    defaults = default_curves(settings)
    table = defaults.remaining.copy()
    paces, sources, clients = dict(defaults.pace_spread), dict(defaults.source), dict(defaults.clients)
    dominant_codes = np.asarray(dominant, dtype=np.int64).reshape(-1)
    if dominant_codes.size != batch.client.size:
        raise ValueError("dominant needs one entry per check-in")
    if not batch.client.size:
        return defaults
    noise = checkin_noise(batch, settings.min_clients)
    timeline = timeline if timeline is not None else coaching_timeline(batch, start_weeks, settings)
    segment = timeline.segment
    followed_weeks = np.full(int(segment[-1]) + 1, -np.inf)
    np.maximum.at(followed_weeks, segment, timeline.weeks_since_start)
    led_by = first_dominant(segment, dominant_codes)[segment]
    weeks = timeline.weeks_since_start
    lag = settings.level_lag_weeks
    for d, dynamic in enumerate(DYNAMICS):
        anchor_row = timeline.coaching_anchor[:, d]
        has_anchor = anchor_row >= 0
        safe_anchor = np.maximum(anchor_row, 0)
        start_level = timeline.levels[safe_anchor, d]
        excess = start_level - settings.floor_level
        elevated = has_anchor & (start_level >= settings.concern_level) & (led_by == d)
        long_enough = followed_weeks[segment] >= settings.min_weeks
        last_level = timeline.levels[_last_rows(segment, timeline.scored[:, d] & has_anchor), d]
        recovered = last_level[segment] <= start_level - settings.estimate_recovered_share * excess
        in_horizon = weeks <= settings.horizon_weeks + 0.5
        rows = np.flatnonzero(elevated & long_enough & recovered & in_horizon & timeline.scored[:, d])
        n_clients = distinct_grouped(segment[rows])
        clients[dynamic] = n_clients
        if n_clients < settings.min_clients:
            continue
        share_left = (timeline.levels[rows, d] - settings.floor_level) / excess[rows]
        path = median_path(weeks[rows], share_left, settings.horizon_weeks, lag)
        below_half = np.flatnonzero(path <= 0.5)
        gone_by_horizon = 1.0 - float(np.interp(settings.horizon_weeks, GRID_WEEKS, path))
        if (not below_half.size or GRID_WEEKS[below_half[0]] > settings.max_plausible_half_weeks
                or gone_by_horizon < settings.min_plausible_share):
            sources[dynamic] = IMPLAUSIBLE
            continue
        pace = client_paces(segment[rows], weeks[rows] - lag, weeks[safe_anchor[rows]] - lag, share_left, path)
        log_pace = np.log(pace)
        table[d] = path
        paces[dynamic] = round(float(np.exp(np.median(log_pace) - np.quantile(log_pace, 0.1587)) - 1.0), 3)
        sources[dynamic] = ESTIMATED
    return Curves(remaining=table, pace_spread=paces, source=sources, clients=clients,
                  checkin_noise=defaults.checkin_noise if noise is None else round(noise, 2),
                  noise_source=defaults.noise_source if noise is None else ESTIMATED)
