"""Synthetic clients with a known dominant-dynamic history, answered on the real instrument.

Each client has a latent strain per dynamic (0-10, the item scale) that is piecewise linear in time.
The latent profile is turned into item answers the way people answer: a per-person bias per item, a
mood that moves all items together (in strain space or on the raw answers), item noise, rounding
and clipping to 0-10, a few unanswered items, missed weeks and submission times that wander around
the scheduled day. Scores come from `tracking.scoring.score_matrix`, as in the product.

Client kinds and their ground truth:
- `stable`: one dominant the whole time; no switch.
- `single` / `double`: one or two switches A -> B (-> C), each a linear transition of 1-3 weeks
  into a freshly drawn profile; every switch is a true switch window [start, end] in weeks.
- `near_tie`: two dynamics stay within a few points of each other (constant, crossing slowly, or a
  second dynamic that rises to meet the dominant); no switch, so every shift flag is a false alarm.
- `recovering`: strain falls below the elevated level (the whole profile shifts or shrinks); no switch.
- `deteriorating`: the dominant's strain rises by 2-4 item points over 4-12 weeks while the
  others stay where they were; no switch. Not part of the default mix (the shift benchmark keeps
  the population it was tuned and reported on); the reliable-change benchmark adds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tracking.instrument import DYNAMICS, load_instrument
from tracking.scoring import score_matrix, strain_matrix

KINDS = ("stable", "single", "double", "near_tie", "recovering", "deteriorating")
N_DYNAMICS = len(DYNAMICS)
ELEVATED_ITEM_LEVEL = 5.0


@dataclass(frozen=True)
class Regime:
    """Parameters of one population of synthetic clients; ranges are drawn uniformly per client."""

    name: str
    gap_points: tuple[float, float]
    item_noise_sd: tuple[float, float]
    near_tie_points: tuple[float, float] = (0.0, 0.5)
    top_level: tuple[float, float] = (5.5, 8.5)
    transition_weeks: tuple[int, int] = (1, 3)
    weeks: tuple[int, int] = (52, 104)
    missed_week_share: float = 0.10
    unanswered_item_share: float = 0.02
    mood_sd: tuple[float, float] = (0.3, 0.8)
    mood_autocorrelation: float = 0.5
    mood_space: str = "mixed"
    item_bias_sd: float = 0.5
    submit_jitter_weeks: tuple[float, float] = (-0.15, 0.45)
    kind_shares: dict[str, float] = field(
        default_factory=lambda: {
            "stable": 0.30, "single": 0.25, "double": 0.15, "near_tie": 0.15, "recovering": 0.15,
            "deteriorating": 0.0,
        }
    )
    tie_onset_share: float = 0.0
    others_level: str = "each"
    recovered_top: tuple[float, float] = (2.0, ELEVATED_ITEM_LEVEL - 0.5)
    recovery: str = "mixed"
    worsening_top: tuple[float, float] = (4.5, 6.0)
    worsening_points: tuple[float, float] = (2.0, 4.0)

    def varied(self, name: str, **changes) -> Regime:
        return replace(self, name=name, **changes)


EASY = Regime(name="easy", gap_points=(2.0, 5.0), item_noise_sd=(0.8, 1.5))
HARD = Regime(name="hard", gap_points=(1.0, 4.0), item_noise_sd=(1.0, 1.8))


@dataclass(frozen=True)
class Switch:
    client: int
    start_week: float
    end_week: float
    from_dynamic: int
    to_dynamic: int


@dataclass(frozen=True)
class Change:
    """A lasting change of one dynamic's latent strain: `direction` +1 worse, -1 better."""

    client: int
    start_week: float
    end_week: float
    dynamic: int
    direction: int


@dataclass
class Population:
    """Check-ins of all clients (rows grouped by client, in time order) and the ground truth."""

    regime: Regime
    client: np.ndarray
    weeks: np.ndarray
    answers: np.ndarray
    strain: np.ndarray
    scores: np.ndarray
    kinds: np.ndarray
    span_weeks: np.ndarray
    switches: list[Switch]
    changes: list[Change] = field(default_factory=list)

    @property
    def client_years(self) -> float:
        return float(self.span_weeks.sum()) / 52.0


@dataclass
class _Trajectory:
    """Knots of a piecewise-linear latent profile: times (weeks) and strain per dynamic."""

    knot_weeks: list[float]
    knot_profiles: list[np.ndarray]
    switches: list[tuple[float, float, int, int]]
    changes: list[tuple[float, float, int, int]] = field(default_factory=list)

    def at(self, weeks: np.ndarray) -> np.ndarray:
        knots = np.asarray(self.knot_weeks)
        profiles = np.asarray(self.knot_profiles)
        return np.column_stack([np.interp(weeks, knots, profiles[:, d]) for d in range(N_DYNAMICS)])


def _profile(rng: np.random.Generator, regime: Regime, dominant: int) -> np.ndarray:
    """A dominant at a high level and the others a regime gap below it (each its own, or one shared gap)."""
    top = rng.uniform(*regime.top_level)
    n_gaps = N_DYNAMICS if regime.others_level == "each" else 1
    profile = top - rng.uniform(*regime.gap_points, size=n_gaps) * np.ones(N_DYNAMICS)
    profile[dominant] = top
    return np.clip(profile, 0.3, 10.0)


def _other(rng: np.random.Generator, exclude: int) -> int:
    return int(rng.choice([d for d in range(N_DYNAMICS) if d != exclude]))


def _stable(rng, regime, n_weeks) -> _Trajectory:
    profile = _profile(rng, regime, int(rng.integers(N_DYNAMICS)))
    return _Trajectory([0.0, float(n_weeks)], [profile, profile], [])


def _switching(rng, regime, n_weeks, n_switches) -> _Trajectory:
    dominant = int(rng.integers(N_DYNAMICS))
    profile = _profile(rng, regime, dominant)
    knots, profiles, switches = [0.0], [profile], []
    earliest = 12.0
    room = (n_weeks - 10.0 - earliest) / n_switches
    for index in range(n_switches):
        length = float(rng.integers(regime.transition_weeks[0], regime.transition_weeks[1] + 1))
        window_start = earliest + index * room
        start = float(rng.uniform(window_start, window_start + max(room - length - 14.0, 1.0)))
        new_dominant = _other(rng, dominant)
        new_profile = _profile(rng, regime, new_dominant)
        knots += [start, start + length]
        profiles += [profile, new_profile]
        switches.append((start, start + length, dominant, new_dominant))
        dominant, profile = new_dominant, new_profile
    knots.append(float(n_weeks))
    profiles.append(profile)
    return _Trajectory(knots, profiles, switches)


def _near_tie(rng, regime, n_weeks) -> _Trajectory:
    """Two leaders within `near_tie_points`: constant, slowly crossing, or (optionally) converging."""
    first, second = (int(d) for d in rng.choice(N_DYNAMICS, size=2, replace=False))
    base = _profile(rng, regime, first)
    width = rng.uniform(*regime.near_tie_points)
    if rng.random() < regime.tie_onset_share:
        onset = float(rng.uniform(12.0, n_weeks / 2.0))
        tied = base.copy()
        tied[second] = base[first] - rng.uniform(-width, width)
        knots = [0.0, onset, onset + rng.uniform(2.0, 8.0), float(n_weeks)]
        return _Trajectory(knots, [base, base, tied, tied], [])
    times = np.linspace(0.0, float(n_weeks), int(n_weeks // 2) + 1)
    if rng.random() < 0.5:
        period = rng.uniform(20.0, 80.0)
        offsets = width * np.sin(2 * np.pi * times / period + rng.uniform(0, 2 * np.pi))
    else:
        offsets = np.full(times.shape, width * rng.choice([-1.0, 1.0]))
    profiles = []
    for offset in offsets:
        profile = base.copy()
        profile[second] = base[first] - offset
        profiles.append(profile)
    return _Trajectory(list(times), profiles, [])


def _recovering(rng, regime, n_weeks) -> _Trajectory:
    """Strain falls below the elevated level: the whole profile shifts down or shrinks (keeping its
    order), or only the dominant falls while the others were below the elevated level all along."""
    dominant = int(rng.integers(N_DYNAMICS))
    profile = _profile(rng, regime, dominant)
    start = float(rng.uniform(12.0, max(n_weeks - 30.0, 13.0)))
    length = float(rng.uniform(4.0, 12.0))
    target_top = rng.uniform(*regime.recovered_top)
    mode = regime.recovery if regime.recovery != "mixed" else rng.choice(["shift", "shrink"])
    if mode == "shift":
        recovered = np.clip(profile - (profile.max() - target_top), 0.3, None)
    elif mode == "shrink":
        recovered = profile * (target_top / profile.max())
    else:
        others = np.arange(N_DYNAMICS) != dominant
        profile[others] = np.minimum(profile[others], ELEVATED_ITEM_LEVEL - 0.5)
        recovered = profile.copy()
        recovered[dominant] = min(target_top, profile[others].min())
    knots = [0.0, start, start + length, float(n_weeks)]
    return _Trajectory(knots, [profile, profile, recovered, recovered], [], [(start, start + length, dominant, -1)])


def _deteriorating(rng, regime, n_weeks) -> _Trajectory:
    """The dominant starts moderately elevated and its strain rises; the other dynamics stay put."""
    dominant = int(rng.integers(N_DYNAMICS))
    profile = _profile(rng, replace(regime, top_level=regime.worsening_top), dominant)
    start = float(rng.uniform(12.0, max(n_weeks - 30.0, 13.0)))
    length = float(rng.uniform(4.0, 12.0))
    worse = profile.copy()
    worse[dominant] = min(profile[dominant] + rng.uniform(*regime.worsening_points), 10.0)
    knots = [0.0, start, start + length, float(n_weeks)]
    return _Trajectory(knots, [profile, profile, worse, worse], [], [(start, start + length, dominant, 1)])


def _trajectory(rng, regime, kind, n_weeks) -> _Trajectory:
    if kind == "stable":
        return _stable(rng, regime, n_weeks)
    if kind == "single":
        return _switching(rng, regime, n_weeks, 1)
    if kind == "double":
        return _switching(rng, regime, n_weeks, 2)
    if kind == "near_tie":
        return _near_tie(rng, regime, n_weeks)
    if kind == "deteriorating":
        return _deteriorating(rng, regime, n_weeks)
    return _recovering(rng, regime, n_weeks)


def _mood(rng, regime, n_weeks) -> np.ndarray:
    """A weekly AR(1) mood with a stationary SD drawn per client."""
    sd = rng.uniform(*regime.mood_sd)
    phi = regime.mood_autocorrelation
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), size=n_weeks + 2)
    mood = np.empty_like(shocks)
    mood[0] = rng.normal(0.0, sd)
    for week in range(1, len(shocks)):
        mood[week] = phi * mood[week - 1] + shocks[week]
    return mood


def _checkin_weeks(rng, regime, n_weeks) -> np.ndarray:
    """Scheduled weekly, about `missed_week_share` missed, each submitted a few days early or late."""
    kept = np.flatnonzero(rng.random(n_weeks) >= regime.missed_week_share)
    if kept.size == 0:
        kept = np.array([0])
    jitter = rng.uniform(*regime.submit_jitter_weeks, size=kept.size)
    return np.maximum.accumulate(np.maximum(kept + jitter, 0.0))


def generate(regime: Regime, n_clients: int, seed: int = 0) -> Population:
    """`n_clients` synthetic clients of `regime`; the same seed gives the same population."""
    instrument = load_instrument()
    item_dynamic = np.array([DYNAMICS.index(item.dynamic) for item in instrument.items])
    reversed_item = np.array([item.reversed for item in instrument.items])
    rng = np.random.default_rng(seed)
    kinds = list(regime.kind_shares)
    shares = np.array([regime.kind_shares[k] for k in kinds])
    client_kinds = rng.choice(kinds, size=n_clients, p=shares / shares.sum())
    parts, switches, changes, spans = [], [], [], np.empty(n_clients)
    for client, kind in enumerate(client_kinds):
        n_weeks = int(rng.integers(regime.weeks[0], regime.weeks[1] + 1))
        trajectory = _trajectory(rng, regime, kind, n_weeks)
        weeks = _checkin_weeks(rng, regime, n_weeks)
        latent = trajectory.at(weeks)[:, item_dynamic]
        bias = rng.normal(0.0, regime.item_bias_sd, size=item_dynamic.size)
        mood = _mood(rng, regime, n_weeks)[np.floor(weeks).astype(int)][:, None]
        space = regime.mood_space if regime.mood_space != "mixed" else rng.choice(["strain", "answer"])
        mood_in_strain = mood if space == "strain" else np.where(reversed_item, -mood, mood)
        noise_sd = rng.uniform(*regime.item_noise_sd)
        strain = latent + bias + mood_in_strain + rng.normal(0.0, noise_sd, size=latent.shape)
        answers = np.clip(np.rint(np.where(reversed_item, 10.0 - strain, strain)), 0.0, 10.0)
        answers[rng.random(answers.shape) < regime.unanswered_item_share] = np.nan
        parts.append((np.full(weeks.size, client), weeks, answers))
        spans[client] = n_weeks
        switches += [Switch(client, *s) for s in trajectory.switches]
        changes += [Change(client, *c) for c in trajectory.changes]
    client_ids = np.concatenate([p[0] for p in parts]).astype(np.int64)
    weeks = np.concatenate([p[1] for p in parts])
    answers = np.concatenate([p[2] for p in parts])
    return Population(
        regime=regime,
        client=client_ids,
        weeks=weeks,
        answers=answers,
        strain=strain_matrix(answers, instrument),
        scores=score_matrix(answers, instrument),
        kinds=client_kinds,
        span_weeks=spans,
        switches=switches,
        changes=changes,
    )
