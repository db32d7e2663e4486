"""Pattern detection: the state after every check-in, dominant-shift flags and reliable-change flags.

Pure NumPy over all clients at once; no storage, clock or environment. docs/detection.md explains
the method for coaches and engineers, and the benchmark behind every default.

States. Each dynamic has two smoothed levels, both local-level Kalman filters that account for the
time between check-ins (after a longer gap the new check-in counts for more): a *fast* level that
follows the client within a few weeks, and a *slow* reference that remembers the last few months.
The state is read from the fast levels: `none` when no dynamic reaches the elevated level, the
dominant when it leads every other dynamic by the margin, `mixed` otherwise. A client's first
dominant is established once a dynamic leads for a few check-ins in a row. Another dynamic takes
over (a `dominant_shift`) only when, on top of leading by the margin, its difference with the old
dominant has moved far from their long-run difference: noise and near-ties move the fast and slow
differences together, a real switch pulls the fast difference away from the slow one.

Causality: everything at a check-in uses only that client's check-ins up to it, so appending
check-ins never changes the states or flags of earlier ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from tracking.instrument import DYNAMICS

MIXED = 4
NONE = 5
N_DYNAMICS = len(DYNAMICS)
SHIFT_RULE = "dominant_shift.v1"
DETERIORATION_RULE = "reliable_change.deterioration.v1"
IMPROVEMENT_RULE = "reliable_change.improvement.v1"


def state_name(code: int) -> str:
    """The name of a state code: a dynamic id, "mixed" or "none"."""
    if 0 <= code < N_DYNAMICS:
        return DYNAMICS[code]
    if code == MIXED:
        return "mixed"
    if code == NONE:
        return "none"
    raise ValueError(f"unknown state code {code}")


def _threshold(env: str, default, doc: str, reason: str):
    return field(default=default, metadata={"env": f"KOERS_DETECT_{env}", "doc": doc, "reason": reason})


@dataclass(frozen=True)
class DetectionSettings:
    """Every threshold of pattern detection; `doc` says what it means, `reason` why the default."""

    fast_weight: float = _threshold(
        "FAST_WEIGHT", 0.42,
        "Weight of a new weekly check-in in a dynamic's fast level, the level the state is read from "
        "(0-1; after a longer gap the new check-in weighs more).",
        "Follows a real change within about two check-ins and halves the week-to-week noise. In the "
        "benchmark 0.35 finds 4 in 100 hard switches too late, 0.5 doubles the false alarms.",
    )
    slow_weight: float = _threshold(
        "SLOW_WEIGHT", 0.095,
        "Weight of a new weekly check-in in a dynamic's slow reference level, the client's usual "
        "pattern over the last months (0-1, below fast_weight).",
        "A memory of about ten weeks: it still shows the old pattern when a switch is confirmed, and "
        "has moved on before a second switch. 0.07 adds false alarms for little recall; 0.13 "
        "forgets the old lead too soon and misses 3 in 100 more hard switches.",
    )
    elevated_level: float = _threshold(
        "ELEVATED_LEVEL", 40.0,
        "A dynamic is elevated when its fast level is at least this (0-100); when no dynamic is, "
        "the state is none.",
        "Below 40 the answers lean clearly to the resource side; the benchmark's recovering clients "
        "settle below it. At 50, switches into a dynamic at 55-60 are called late and recall on "
        "the easy regime falls to 0.99.",
    )
    margin_points: float = _threshold(
        "MARGIN_POINTS", 4.0,
        "A dynamic leads when its fast level is at least this many points (0-100) above every "
        "other; otherwise the state is mixed.",
        "A smaller margin names a dominant on differences that one noisy week produces, so the "
        "state flickers; at 6, switches into a dynamic that leads by about one slider point are "
        "missed more often (hard-regime recall -0.015).",
    )
    shift_points: float = _threshold(
        "SHIFT_POINTS", 13.5,
        "A new dynamic takes over from the established dominant only when their fast difference "
        "is at least this many points away from their slow (long-run) difference.",
        "The benchmark's balance point between its two tightest goals: at 12.5 near-ties in the easy "
        "regime reach about 0.02 false alarms per client-year (the goal), at 14.5 hard-regime "
        "recall falls to about 0.93 (the goal).",
    )
    first_checkins: int = _threshold(
        "FIRST_CHECKINS", 2,
        "Check-ins in a row a dynamic must lead before it becomes a client's first dominant "
        "(the first dominant raises no flag).",
        "One noisy first week does not set the dominant; waiting longer leaves clients without a "
        "dominant when an early switch happens, so the switch cannot be flagged.",
    )
    rci_z: float = _threshold(
        "RCI_Z", 1.96,
        "A change from baseline is reliable when the Reliable Change Index is beyond this.",
        "Jacobson & Truax (1991): measurement error alone gives a change this large 5% of the time.",
    )
    rci_rearm_z: float = _threshold(
        "RCI_REARM_Z", 1.0,
        "After a reliable-change flag, the same flag for the same dynamic is raised again only "
        "once the index has come back within this many standard errors of the baseline.",
        "A score hovering around the threshold raises one flag, not one every other week.",
    )
    rci_checkins: int = _threshold(
        "RCI_CHECKINS", 2,
        "Scored check-ins in a row that must each be beyond the RCI threshold before a "
        "reliable-change flag is raised.",
        "Weekly testing makes single crossings common: on the benchmark's stable clients one "
        "check-in beyond the threshold flags about 13 times per client-year over the four "
        "dynamics, two in a row about 3.",
    )
    baseline_checkins: int = _threshold(
        "BASELINE_CHECKINS", 3,
        "A client's baseline for a dynamic is the mean of its first this-many scores; "
        "reliable-change flags start after them.",
        "A single check-in is a noisy baseline (a bad first week later reads as improvement); the "
        "mean of three has 42% less error and still covers only the first weeks of coaching.",
    )
    fallback_alpha: float = _threshold(
        "FALLBACK_ALPHA", 0.80,
        "Reliability (Cronbach's alpha) of a dynamic's score when it cannot be estimated from the data.",
        "A usual alpha for a four-item subscale of a validated wellbeing questionnaire.",
    )
    fallback_sd: float = _threshold(
        "FALLBACK_SD", 15.0,
        "Spread (standard deviation, points) of clients' first scores when it cannot be estimated.",
        "Close to the spread of first scores in the benchmark (18-21) and of four-item 0-10 "
        "subscales generally, on the cautious side: a smaller SD makes more changes look reliable.",
    )
    min_alpha_checkins: int = _threshold(
        "MIN_ALPHA_CHECKINS", 30,
        "Check-ins with every item of a dynamic answered needed to estimate its alpha.",
        "With 30 check-ins the standard error of an alpha near 0.8 is about 0.06.",
    )
    min_sd_clients: int = _threshold(
        "MIN_SD_CLIENTS", 20,
        "Clients with a first score needed to estimate the reference SD.",
        "An SD from 20 people is within about 15% of the true spread.",
    )
    min_plausible_alpha: float = _threshold(
        "MIN_PLAUSIBLE_ALPHA", 0.5,
        "An estimated alpha below this is not trusted; the fallback is used.",
        "Items of one dynamic that agree this little point to a data problem, not to a noisy subscale.",
    )
    max_plausible_alpha: float = _threshold(
        "MAX_PLAUSIBLE_ALPHA", 0.97,
        "An estimated alpha above this is not trusted; the fallback is used.",
        "Four slider items do not agree this well in practice; an alpha near 1 would flag every "
        "small change.",
    )
    min_plausible_sd: float = _threshold(
        "MIN_PLAUSIBLE_SD", 2.0,
        "An estimated reference SD below this many points is not trusted; the fallback is used.",
        "Clients who all start within a couple of points of each other point to test or demo data.",
    )

    def __post_init__(self):
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{spec.metadata['env']} must be a finite number, not {value!r}")
        problems: list[str] = []
        if not 0.0 < self.slow_weight < self.fast_weight < 1.0:
            problems.append("KOERS_DETECT_SLOW_WEIGHT must be above 0, below KOERS_DETECT_FAST_WEIGHT (< 1)")
        for spec in fields(self):
            if spec.type == "int" and getattr(self, spec.name) < 1:
                problems.append(f"{spec.metadata['env']} must be at least 1")
        if not 0.0 < self.fallback_alpha < 1.0:
            problems.append("KOERS_DETECT_FALLBACK_ALPHA must lie between 0 and 1")
        if not 0.0 < self.min_plausible_alpha < self.max_plausible_alpha < 1.0:
            problems.append(
                "KOERS_DETECT_MIN_PLAUSIBLE_ALPHA must be above 0 and below "
                "KOERS_DETECT_MAX_PLAUSIBLE_ALPHA, below 1"
            )
        if self.fallback_sd <= 0 or self.rci_z <= 0:
            problems.append("KOERS_DETECT_FALLBACK_SD and KOERS_DETECT_RCI_Z must be positive")
        if not 0.0 <= self.rci_rearm_z <= self.rci_z:
            problems.append("KOERS_DETECT_RCI_REARM_Z must lie between 0 and KOERS_DETECT_RCI_Z")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class SeriesBatch:
    """Check-ins of many clients: rows grouped by client, in time order within each client.

    `weeks` may have any origin (only differences within a client matter; a decrease or a NaN
    counts as no time passing); `scores` are 0-100 in DYNAMICS order, NaN for a dynamic that was
    not scored.
    """

    client: np.ndarray
    weeks: np.ndarray
    scores: np.ndarray

    @classmethod
    def of(cls, client, weeks, scores) -> SeriesBatch:
        """A batch from array-likes, converted to the documented dtypes and checked for grouping."""
        client = np.asarray(client, dtype=np.int64).reshape(-1)
        weeks = np.asarray(weeks, dtype=np.float64).reshape(-1)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1, N_DYNAMICS)
        if not client.size == weeks.size == scores.shape[0]:
            raise ValueError("client, weeks and scores need one entry per check-in")
        if np.any(np.diff(client) < 0):
            raise ValueError("rows must be grouped by client, in non-decreasing client order")
        return cls(client, weeks, scores)


@dataclass
class StateResult:
    state: np.ndarray
    levels: np.ndarray
    dominant: np.ndarray
    reference: np.ndarray | None = None  # the slow levels, for the evidence of shift flags


def rows_by_step(client: np.ndarray) -> list[np.ndarray]:
    """Row indices of every client's first check-in, then of every client's second, and so on.

    Clients are ordered longest first, so the clients that still have a check-in at a step are a
    prefix of that order: per-client state lives in arrays sliced `[:len(rows)]`, with no padding.
    """
    n_rows = client.size
    if n_rows == 0:
        return []
    starts = np.flatnonzero(np.r_[True, client[1:] != client[:-1]])
    lengths = np.diff(np.r_[starts, n_rows])
    order = np.argsort(-lengths, kind="stable")
    starts, lengths = starts[order], lengths[order]
    active_by_step = np.searchsorted(-lengths, -np.arange(int(lengths[0])), side="left")
    return [starts[:active] + step for step, active in enumerate(active_by_step)]


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

    def update(self, active: int, scores: np.ndarray, gap_weeks: np.ndarray) -> np.ndarray:
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


def _leader_and_lead(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _run_length(candidate: np.ndarray, before: np.ndarray, run_before: np.ndarray) -> np.ndarray:
    """Check-ins in a row with the same candidate; -1 means no candidate (run 0)."""
    return np.where(candidate < 0, 0, np.where(candidate == before, run_before + 1, 1))


class _ClientStates:
    """Per client: the current state, the established dominant and a first-dominant candidate."""

    def __init__(self, n_clients: int):
        self.state = np.full(n_clients, NONE, dtype=np.int64)
        self.dominant = np.full(n_clients, -1, dtype=np.int64)
        self.candidate = np.full(n_clients, -1, dtype=np.int64)
        self.candidate_run = np.zeros(n_clients, dtype=np.int64)

    def advance(self, active, scored, fast_levels, slow_levels, settings: DetectionSettings) -> None:
        """Read one more check-in of each active client; a check-in without any score changes nothing."""
        dominant = self.dominant[:active]
        has_dominant = dominant >= 0
        leader, _runner_up, lead = _leader_and_lead(fast_levels)
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


def _moved_points(fast_levels, slow_levels, new, old) -> np.ndarray:
    """How far the fast difference new - old is from the slow (long-run) one, in points."""
    rows = np.arange(fast_levels.shape[0])
    fast_difference = fast_levels[rows, new] - fast_levels[rows, old]
    slow_difference = slow_levels[rows, new] - slow_levels[rows, old]
    return fast_difference - slow_difference


def detect_states(batch: SeriesBatch, settings: DetectionSettings = DetectionSettings()) -> StateResult:
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


@dataclass(frozen=True)
class Event:
    row: int
    kind: str
    from_dynamic: str | None
    to_dynamic: str | None
    dynamic: str | None
    evidence: dict


def _points(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 1)


def _by_dynamic(values: np.ndarray) -> dict[str, float | None]:
    return {dynamic: _points(value) for dynamic, value in zip(DYNAMICS, values, strict=True)}


def shift_rows(client: np.ndarray, dominant: np.ndarray) -> np.ndarray:
    """Rows where a client's established dominant changed from one dynamic to another."""
    same_client = np.r_[False, client[1:] == client[:-1]]
    before = np.r_[-1, dominant[:-1]]
    return np.flatnonzero(same_client & (before >= 0) & (dominant >= 0) & (dominant != before))


def shift_events(
    batch: SeriesBatch, result: StateResult, settings: DetectionSettings = DetectionSettings()
) -> list[Event]:
    """A `dominant_shift` event at every check-in where the established dominant changed from A to B."""
    if result.reference is None:
        result = detect_states(batch, settings)
    rows = shift_rows(batch.client, result.dominant.astype(np.int64))
    old = result.dominant[rows - 1].astype(np.int64)
    new = result.dominant[rows].astype(np.int64)
    _leader, runner_up, lead = _leader_and_lead(result.levels[rows])
    events = []
    for row, a, b, runner, points in zip(rows, old, new, runner_up, lead, strict=True):
        levels, reference = result.levels[row], result.reference[row]
        evidence = _shift_evidence(batch.scores[row], levels, reference, a, b, runner, points, settings)
        events.append(Event(int(row), "dominant_shift", DYNAMICS[a], DYNAMICS[b], None, evidence))
    return events


def _shift_evidence(scores, levels, reference, old, new, runner_up, lead, settings) -> dict:
    old_name, new_name, runner = DYNAMICS[old], DYNAMICS[new], DYNAMICS[runner_up]
    now = levels[new] - levels[old]
    usual = reference[new] - reference[old]
    swing = now - usual
    usual_words = (
        f"{old_name} is usually {-usual:.1f} points higher" if usual < 0
        else f"{new_name} is usually {usual:.1f} points higher"
    )
    summary = (
        f"{new_name.capitalize()} has taken over from {old_name} as the dominant dynamic: its recent "
        f"level of {levels[new]:.1f} is {lead:.1f} points above {runner}, and against {old_name} it has "
        f"swung {swing:.1f} points from the usual ({usual_words}, now {new_name} is {now:.1f} points "
        f"higher; a swing of {settings.shift_points:.1f} or more rules out noise and close calls)."
    )
    return {
        "rule": SHIFT_RULE,
        "summary": summary,
        "from": old_name,
        "to": new_name,
        "scores": _by_dynamic(scores),
        "levels": _by_dynamic(levels),
        "long_run_levels": _by_dynamic(reference),
        "lead_points": _points(lead),
        "runner_up": runner,
        "margin_points": _points(settings.margin_points),
        "difference_now_points": _points(now),
        "difference_long_run_points": _points(usual),
        "swing_points": _points(swing),
        "shift_points": _points(settings.shift_points),
    }


@dataclass(frozen=True)
class Reliability:
    alpha: dict[str, float]
    sd: dict[str, float]
    source: str
    n: int


def cronbach_alpha(items: np.ndarray) -> tuple[float, int]:
    """Cronbach's alpha over the rows where every item is answered, and how many rows that was."""
    items = np.asarray(items, dtype=np.float64)
    complete = items[~np.any(np.isnan(items), axis=1)]
    n_rows, n_items = complete.shape
    if n_rows < 2 or n_items < 2:
        return float("nan"), int(n_rows)
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance <= 0:
        return float("nan"), int(n_rows)
    item_variance = complete.var(axis=0, ddof=1).sum()
    return float(n_items / (n_items - 1) * (1.0 - item_variance / total_variance)), int(n_rows)


def estimate_reliability(
    strain: np.ndarray,
    item_dynamics: list[str],
    scores: np.ndarray,
    baseline_rows: np.ndarray,
    settings: DetectionSettings = DetectionSettings(),
) -> Reliability:
    """Alpha per dynamic from the item strains, and the reference SD from clients' first scores.

    Each value falls back to the settings when there is too little data or the estimate is
    implausible. `source` is "estimated" when every value came from the data, "fallback" when none
    did, "partly estimated" otherwise; `n` is the fewest complete check-ins behind any alpha.
    """
    strain = np.asarray(strain, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    first_scores = scores[np.asarray(baseline_rows, dtype=bool)]
    alpha, sd, estimated, complete_counts = {}, {}, [], []
    for column, dynamic in enumerate(DYNAMICS):
        members = [i for i, owner in enumerate(item_dynamics) if owner == dynamic]
        value, n_complete = cronbach_alpha(strain[:, members]) if members else (float("nan"), 0)
        complete_counts.append(n_complete)
        alpha_ok = (
            n_complete >= settings.min_alpha_checkins
            and settings.min_plausible_alpha <= value <= settings.max_plausible_alpha
        )
        alpha[dynamic] = round(value, 3) if alpha_ok else settings.fallback_alpha
        known = first_scores[:, column][~np.isnan(first_scores[:, column])]
        spread = float(known.std(ddof=1)) if known.size >= 2 else float("nan")
        sd_ok = known.size >= settings.min_sd_clients and spread >= settings.min_plausible_sd
        sd[dynamic] = round(spread, 2) if sd_ok else settings.fallback_sd
        estimated += [alpha_ok, sd_ok]
    source = "estimated" if all(estimated) else "fallback" if not any(estimated) else "partly estimated"
    return Reliability(alpha=alpha, sd=sd, source=source, n=min(complete_counts))


def reliable_change_points(alpha: float, sd: float, baseline_checkins: int) -> float:
    """The standard error of a change from a baseline mean of `baseline_checkins` scores (points).

    Jacobson & Truax: SE of measurement = SD * sqrt(1 - alpha); the difference of two single scores
    has SE * sqrt(2); against a baseline mean of k scores it is SE * sqrt(1 + 1/k).
    """
    return sd * math.sqrt(1.0 - alpha) * math.sqrt(1.0 + 1.0 / baseline_checkins)


def _client_starts(client: np.ndarray) -> np.ndarray:
    return np.r_[True, client[1:] != client[:-1]] if client.size else np.zeros(0, dtype=bool)


def change_from_baseline(client: np.ndarray, score: np.ndarray, baseline_checkins: int):
    """Per row: the client's baseline (mean of its first scored rows) and whether the row comes after it.

    The baseline is NaN, and the row not eligible, until the client has `baseline_checkins` scores.
    """
    starts = _client_starts(client)
    client_index = np.cumsum(starts) - 1
    scored = ~np.isnan(score)
    count = np.cumsum(scored)
    count_before_client = (count - scored)[starts][client_index]
    rank = count - count_before_client
    in_baseline = scored & (rank <= baseline_checkins)
    n_clients = int(client_index[-1]) + 1 if client.size else 0
    total = np.bincount(client_index[in_baseline], weights=score[in_baseline], minlength=n_clients)
    used = np.bincount(client_index[in_baseline], minlength=n_clients)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(used >= baseline_checkins, total / used, np.nan)[client_index]
    eligible = scored & (rank > baseline_checkins)
    return baseline, eligible


def first_in_episodes(client: np.ndarray, hit: np.ndarray, rearm: np.ndarray) -> np.ndarray:
    """Rows where `hit` holds for the first time since the client's start or the last `rearm` row."""
    episode = np.cumsum(_client_starts(client) | rearm)
    hit_rows = np.flatnonzero(hit)
    _, first = np.unique(episode[hit_rows], return_index=True)
    return hit_rows[first]


def held_for(client: np.ndarray, hit: np.ndarray, checkins: int) -> np.ndarray:
    """Whether `hit` holds at a row and at the client's previous `checkins - 1` rows."""
    index = np.arange(hit.size)
    starts = _client_starts(client)
    last_break = np.where(~hit, index, np.where(starts, index - 1, -1))
    run = index - np.maximum.accumulate(last_break) if hit.size else np.zeros(0, dtype=np.int64)
    return hit & (run >= checkins)


def reliable_change_rows(client, score, change_points, settings: DetectionSettings = DetectionSettings()):
    """Rows that raise reliable deterioration and improvement flags for one score, and the RCI per row.

    Only rows after the baseline with a score take part: a missing score neither holds nor breaks a run.
    """
    baseline, eligible = change_from_baseline(client, score, settings.baseline_checkins)
    rows = np.flatnonzero(eligible)
    taking_part = client[rows]
    rci = np.full(score.size, np.nan)
    rci[rows] = (score[rows] - baseline[rows]) / change_points
    flags = []
    for beyond, back in ((rci[rows] >= settings.rci_z, rci[rows] < settings.rci_rearm_z),
                         (rci[rows] <= -settings.rci_z, rci[rows] > -settings.rci_rearm_z)):
        held = held_for(taking_part, beyond, settings.rci_checkins)
        flags.append(rows[first_in_episodes(taking_part, held, back)])
    return flags[0], flags[1], baseline, rci


def reliable_change_events(
    batch: SeriesBatch, reliability: Reliability, settings: DetectionSettings = DetectionSettings()
) -> list[Event]:
    """Reliable deterioration / improvement of each dynamic against the client's baseline."""
    events = []
    for column, dynamic in enumerate(DYNAMICS):
        score = batch.scores[:, column]
        points = reliable_change_points(
            reliability.alpha[dynamic], reliability.sd[dynamic], settings.baseline_checkins
        )
        worse, better, baseline, rci = reliable_change_rows(batch.client, score, points, settings)
        for kind, rows in (("reliable_deterioration", worse), ("reliable_improvement", better)):
            for row in rows:
                evidence = _change_evidence(kind, dynamic, score[row], baseline[row], rci[row], points,
                                            reliability, settings)
                events.append(Event(int(row), kind, None, None, dynamic, evidence))
    return sorted(events, key=lambda event: (event.row, DYNAMICS.index(event.dynamic), event.kind))


def _change_evidence(kind, dynamic, score, baseline, rci, points, reliability, settings) -> dict:
    threshold = settings.rci_z * points
    side = "higher" if kind == "reliable_deterioration" else "lower"
    meaning = "more strain" if kind == "reliable_deterioration" else "less strain"
    summary = (
        f"{dynamic.capitalize()} has been reliably {side} than its baseline for {settings.rci_checkins} "
        f"check-ins in a row: {score:.1f} now against {baseline:.1f} (mean of the first "
        f"{settings.baseline_checkins} check-ins), {abs(score - baseline):.1f} points {meaning} where "
        f"measurement noise explains up to {threshold:.1f} (RCI {rci:.1f}; reliability "
        f"{reliability.alpha[dynamic]:.2f}, {reliability.source})."
    )
    return {
        "rule": DETERIORATION_RULE if kind == "reliable_deterioration" else IMPROVEMENT_RULE,
        "summary": summary,
        "dynamic": dynamic,
        "score": _points(score),
        "baseline": _points(baseline),
        "baseline_checkins": settings.baseline_checkins,
        "checkins_in_a_row": settings.rci_checkins,
        "change_points": _points(score - baseline),
        "reliable_change_points": _points(threshold),
        "rci": _points(rci),
        "rci_threshold": round(settings.rci_z, 2),
        "alpha": round(reliability.alpha[dynamic], 2),
        "sd": _points(reliability.sd[dynamic]),
        "reliability_source": reliability.source,
    }
