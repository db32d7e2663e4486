"""The state after every check-in (dominant, mixed or none) and the rows where the dominant shifted.

Each dynamic has two smoothed levels, both local-level Kalman filters that account for the time
between check-ins (after a longer gap the new check-in counts for more): a *fast* level that follows
the client within a few weeks, and a *slow* reference that remembers the last few months. The state
is read from the fast levels: `none` when no dynamic reaches the elevated level, the dominant when
it leads every other dynamic by the margin, `mixed` otherwise. A client's first dominant is
established once a dynamic leads for a few check-ins in a row. Another dynamic takes over (a
`dominant_shift`) only when, on top of leading by the margin, its difference with the old dominant
has moved far from their long-run difference: noise and near-ties move the fast and slow differences
together, a real switch pulls the fast difference away from the slow one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracking.detection.batch import N_DYNAMICS, Bools, Floats, Ints, SeriesBatch, rows_by_step
from tracking.detection.settings import DEFAULTS, DetectionSettings
from tracking.instrument import DYNAMICS

MIXED = 4
NONE = 5


def state_name(code: int) -> str:
    """The name of a state code: a dynamic id, "mixed" or "none"."""
    if 0 <= code < N_DYNAMICS:
        return DYNAMICS[code]
    if code == MIXED:
        return "mixed"
    if code == NONE:
        return "none"
    raise ValueError(f"unknown state code {code}")


@dataclass
class StateResult:
    """Per check-in: the state code, the fast levels it was read from, the established dominant (-1
    before the first) and the slow levels (for the evidence of shift flags). Codes are small integers
    (int8): a million check-ins take 2 MB, not 16."""

    state: npt.NDArray[np.int8]
    levels: Floats
    dominant: npt.NDArray[np.int8]
    reference: Floats | None = None


def _drift_per_week(weight: float) -> float:
    """Level drift per week, relative to check-in noise, of a filter whose steady weekly gain is `weight`.

    A local-level Kalman filter with drift ratio q settles at gain K with K^2 = q (1 - K).
    """
    return weight * weight / (1.0 - weight)


class _LevelFilter:
    """A local-level Kalman filter per client and dynamic; variances in units of the check-in noise."""

    def __init__(self, n_clients: int, weight: float):
        self.drift_per_week = _drift_per_week(weight)
        self.level = np.full((n_clients, N_DYNAMICS), np.nan)
        self.variance = np.full((n_clients, N_DYNAMICS), np.nan)

    def update(self, active: int, scores: Floats, gap_weeks: Floats) -> Floats:
        level, variance = self.level[:active], self.variance[:active]
        predicted = variance + self.drift_per_week * gap_weeks[:, None]
        gain = predicted / (predicted + 1.0)
        seen = ~np.isnan(scores)
        first = seen & np.isnan(level)
        with np.errstate(invalid="ignore"):
            moved = level + gain * (scores - level)
        self.level[:active] = np.where(first, scores, np.where(seen, moved, level))
        self.variance[:active] = np.where(first, 1.0, np.where(seen, (1.0 - gain) * predicted, predicted))
        return self.level[:active]


def leader_and_lead(levels: Floats) -> tuple[Ints, Ints, Floats]:
    """Per row: the highest level's index, the runner-up's, and the lead (NaN with fewer than two levels)."""
    filled = np.where(np.isnan(levels), -np.inf, levels)
    rows = np.arange(levels.shape[0])
    leader = np.argmax(filled, axis=1)
    others = filled.copy()
    others[rows, leader] = -np.inf
    runner_up = np.argmax(others, axis=1)
    with np.errstate(invalid="ignore"):
        lead = filled[rows, leader] - others[rows, runner_up]
    return leader, runner_up, np.where(np.isfinite(lead), lead, np.nan)


def _run_length(candidate: Ints, before: Ints, run_before: Ints) -> Ints:
    """Check-ins in a row with the same candidate; -1 means no candidate (run 0)."""
    return np.where(candidate < 0, 0, np.where(candidate == before, run_before + 1, 1))


def _moved_points(fast_levels: Floats, slow_levels: Floats, new: Ints, old: Ints) -> Floats:
    """How far the fast difference new - old is from the slow (long-run) one, in points."""
    rows = np.arange(fast_levels.shape[0])
    fast_difference = fast_levels[rows, new] - fast_levels[rows, old]
    slow_difference = slow_levels[rows, new] - slow_levels[rows, old]
    return np.asarray(fast_difference - slow_difference, dtype=np.float64)


class _ClientStates:
    """Per client: the current state, the established dominant and a first-dominant candidate."""

    def __init__(self, n_clients: int):
        self.state = np.full(n_clients, NONE, dtype=np.int64)
        self.dominant = np.full(n_clients, -1, dtype=np.int64)
        self.candidate = np.full(n_clients, -1, dtype=np.int64)
        self.candidate_run = np.zeros(n_clients, dtype=np.int64)

    def advance(self, active: int, scored: Bools, fast_levels: Floats, slow_levels: Floats,
                settings: DetectionSettings) -> None:
        """Read one more check-in of each active client; a check-in without any score changes nothing."""
        dominant = self.dominant[:active]
        has_dominant = dominant >= 0
        leader, _runner_up, lead = leader_and_lead(fast_levels)
        rows = np.arange(active)
        top = fast_levels[rows, leader]
        with np.errstate(invalid="ignore"):
            elevated = top >= settings.elevated_level
            leads = elevated & (lead >= settings.margin_points)
            moved_points = _moved_points(fast_levels, slow_levels, leader, np.maximum(dominant, 0))
            moved = moved_points >= settings.shift_points
        candidate = np.where(~has_dominant & leads, leader, -1)
        run = _run_length(candidate, self.candidate[:active], self.candidate_run[:active])
        first = run >= settings.first_checkins
        shifts = has_dominant & leads & (leader != dominant) & moved
        keeps = has_dominant & leads & (leader == dominant)
        new_dominant = np.where(first | shifts, leader, dominant)
        new_state = np.where(elevated, np.where(first | shifts | keeps, leader, MIXED), NONE)
        for kept, value in (
            (self.state, new_state), (self.dominant, new_dominant),
            (self.candidate, candidate), (self.candidate_run, run),
        ):
            kept[:active] = np.where(scored, value, kept[:active])


def detect_states(batch: SeriesBatch, settings: DetectionSettings = DEFAULTS) -> StateResult:
    """The state after every check-in, the fast levels it was read from and the last established dominant."""
    n_rows = batch.client.size
    state = np.full(n_rows, NONE, dtype=np.int8)
    dominant = np.full(n_rows, -1, dtype=np.int8)
    levels = np.full((n_rows, N_DYNAMICS), np.nan)
    reference = np.full((n_rows, N_DYNAMICS), np.nan)
    steps = rows_by_step(batch.client)
    n_clients = steps[0].size if steps else 0
    fast = _LevelFilter(n_clients, settings.fast_weight)
    slow = _LevelFilter(n_clients, settings.slow_weight)
    clients = _ClientStates(n_clients)
    last_week = np.full(n_clients, np.nan)
    for rows in steps:
        active = rows.size
        scores = batch.scores[rows]
        weeks = batch.weeks[rows]
        gap_weeks = np.nan_to_num(np.maximum(weeks - last_week[:active], 0.0), nan=0.0)
        last_week[:active] = np.where(np.isnan(weeks), last_week[:active], weeks)
        fast_levels = fast.update(active, scores, gap_weeks)
        slow_levels = slow.update(active, scores, gap_weeks)
        scored = ~np.all(np.isnan(scores), axis=1)
        clients.advance(active, scored, fast_levels, slow_levels, settings)
        state[rows] = clients.state[:active]
        dominant[rows] = clients.dominant[:active]
        levels[rows] = fast_levels
        reference[rows] = slow_levels
    return StateResult(state=state, levels=levels, dominant=dominant, reference=reference)


def shift_rows(client: Ints, dominant: npt.NDArray[np.int8] | Ints) -> Ints:
    """Rows where a client's established dominant changed from one dynamic to another."""
    same_client = np.r_[False, client[1:] == client[:-1]]
    before = np.r_[-1, dominant[:-1]]
    return np.flatnonzero(same_client & (before >= 0) & (dominant >= 0) & (dominant != before)).astype(np.int64)
