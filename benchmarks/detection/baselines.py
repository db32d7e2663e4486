"""The two baselines the detector is compared with; both return shift flags as (rows, to-dynamic codes).

- Naive argmax: the dominant is the highest score of each check-in; every change between two
  dynamics is a flag. It is what a chart with a "top dynamic" label would do.
- EWMA with hysteresis: each dynamic is an exponentially weighted moving average (weight `alpha`
  per check-in); the incumbent dominant is replaced when another dynamic's average exceeds it by
  `margin_points`. The first incumbent is the first check-in's leader and raises no flag.
"""

from __future__ import annotations

import numpy as np

from tracking.detection import SeriesBatch, rows_by_step


def _n_clients(batch: SeriesBatch) -> int:
    return int(np.count_nonzero(np.diff(batch.client))) + 1 if batch.client.size else 0


def _shift_rows(client: np.ndarray, dominant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    same_client = np.r_[False, client[1:] == client[:-1]]
    previous = np.r_[-1, dominant[:-1]]
    raised = same_client & (previous >= 0) & (dominant >= 0) & (dominant != previous)
    rows = np.flatnonzero(raised)
    return rows, dominant[rows].astype(np.int64)


def naive_argmax_flags(batch: SeriesBatch) -> tuple[np.ndarray, np.ndarray]:
    scored = ~np.all(np.isnan(batch.scores), axis=1)
    top = np.where(scored, np.argmax(np.nan_to_num(batch.scores, nan=-1.0), axis=1), -1)
    last_top = np.full(_n_clients(batch), -1, dtype=np.int64)
    dominant = np.full(batch.client.size, -1, dtype=np.int64)
    for rows in rows_by_step(batch.client):
        carried = np.where(top[rows] >= 0, top[rows], last_top[: rows.size])
        last_top[: rows.size] = carried
        dominant[rows] = carried
    return _shift_rows(batch.client, dominant)


def ewma_hysteresis_flags(
    batch: SeriesBatch, alpha: float = 0.4, margin_points: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    level = np.full((_n_clients(batch), 4), np.nan)
    incumbent = np.full(_n_clients(batch), -1, dtype=np.int64)
    dominant = np.full(batch.client.size, -1, dtype=np.int64)
    for rows in rows_by_step(batch.client):
        active = rows.size
        x = batch.scores[rows]
        current = level[:active]
        smoothed = current + alpha * (x - current)
        current = np.where(np.isnan(current), x, np.where(np.isnan(x), current, smoothed))
        level[:active] = current
        filled = np.nan_to_num(current, nan=-np.inf)
        leader = np.argmax(filled, axis=1)
        has_level = np.isfinite(filled.max(axis=1))
        inc = incumbent[:active]
        start = (inc < 0) & has_level
        inc = np.where(start, leader, inc)
        inc_level = np.take_along_axis(filled, np.maximum(inc, 0)[:, None], axis=1)[:, 0]
        beats = has_level & (inc >= 0) & (filled.max(axis=1) - inc_level > margin_points)
        inc = np.where(beats, leader, inc)
        incumbent[:active] = inc
        dominant[rows] = inc
    return _shift_rows(batch.client, dominant)


def rci_two_in_a_row_flags(batch: SeriesBatch, alpha: float, sd: float, baseline_checkins: int = 3,
                           rci_z: float = 1.96, rearm_z: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reliable-change rule Koers used before: the Jacobson-Truax RCI of each score against the mean
    of the first three, two scored check-ins in a row beyond 1.96, again only after the RCI came back
    within 1.0. Returns (rows, directions +1/-1, dynamic codes)."""
    from tracking.detection.batch import client_starts, first_in_segments, held_for

    change_points = sd * np.sqrt(1.0 - alpha) * np.sqrt(1.0 + 1.0 / baseline_checkins)
    found_rows, found_directions, found_dynamics = [], [], []
    for column in range(batch.scores.shape[1]):
        score = batch.scores[:, column]
        scored = np.flatnonzero(~np.isnan(score))
        if not scored.size:
            continue
        client, value = batch.client[scored], score[scored]
        starts = client_starts(client)
        index = np.cumsum(starts) - 1
        rank = np.arange(value.size) - np.flatnonzero(starts)[index] + 1
        in_baseline = rank <= baseline_checkins
        total = np.bincount(index[in_baseline], weights=value[in_baseline], minlength=int(index.max()) + 1)
        rci = (value - (total / baseline_checkins)[index]) / change_points
        judged = rank > baseline_checkins
        for direction in (1, -1):
            signed = np.where(judged, direction * rci, -np.inf)
            held = held_for(client, signed >= rci_z, 2)
            segment = np.cumsum(starts | (judged & (signed < rearm_z)))
            rows = scored[first_in_segments(segment, held)]
            found_rows.append(rows)
            found_directions.append(np.full(rows.size, direction))
            found_dynamics.append(np.full(rows.size, column))
    return np.concatenate(found_rows), np.concatenate(found_directions), np.concatenate(found_dynamics)
