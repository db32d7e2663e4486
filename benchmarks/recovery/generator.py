"""Synthetic coaching clients who respond, respond slowly, do not respond, or get worse.

Each client starts with a profile from the detection benchmark (a dominant at 5.5-8.5 on the item
scale, the other dynamics a regime gap below it) and answers the real instrument with the detection
benchmark's answer model: a per-person bias per item, a weekly mood (in strain space or on the raw
answers), item noise, rounding and clipping, unanswered items, missed weeks and submission times
that wander around the scheduled day (`benchmarks.detection.generator`). Coaching starts at week 0.

What happens to the dominant (the ground truth the scorer reads):
- `responder`: after an onset of 0-2 weeks its strain falls to a recovered level (1.5-3.5) over
  8-20 weeks, then stays there;
- `slow`: the same fall over 30-60 weeks (reported, not scored);
- `non_responder`: it stays at its starting level;
- `deteriorator`: it rises by 1-2.5 item points over 4-16 weeks, then stays there.
The other dynamics of a responding client recover along with the dominant by a share drawn per
client (0: they stay, 1: they fall in proportion); for the other kinds they stay where they started.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from benchmarks.detection.generator import EASY, HARD, Regime, _checkin_weeks, _mood, _profile
from tracking.instrument import DYNAMICS, load_instrument
from tracking.scoring import score_matrix

KINDS = ("responder", "slow", "non_responder", "deteriorator")
N_DYNAMICS = len(DYNAMICS)


@dataclass(frozen=True)
class RecoveryRegime:
    """One population: the detection regime that answers, and what the clients' dominants do."""

    name: str
    answers: Regime
    weeks: tuple[int, int] = (26, 52)
    kind_shares: dict[str, float] = field(default_factory=lambda: {
        "responder": 0.45, "slow": 0.15, "non_responder": 0.25, "deteriorator": 0.15,
    })
    onset_weeks: tuple[float, float] = (0.0, 2.0)
    respond_weeks: tuple[float, float] = (8.0, 20.0)
    slow_weeks: tuple[float, float] = (30.0, 60.0)
    recovered_level: tuple[float, float] = (1.5, 3.5)
    deteriorate_points: tuple[float, float] = (1.0, 2.5)
    deteriorate_weeks: tuple[float, float] = (4.0, 16.0)
    others_follow: tuple[float, float] = (0.0, 1.0)
    shape: str = "linear"
    non_responder_drift: tuple[float, float] = (0.0, 0.0)

    def varied(self, name: str, **changes: Any) -> RecoveryRegime:
        return replace(self, name=name, **changes)

    def answering(self, name: str, **changes: Any) -> RecoveryRegime:
        """The same regime with a change to how clients answer (noise, gaps, times)."""
        return replace(self, name=name, answers=replace(self.answers, **changes))


EASY_RECOVERY = RecoveryRegime(name="easy", answers=EASY)
HARD_RECOVERY = RecoveryRegime(name="hard", answers=HARD)


@dataclass
class Population:
    """Check-ins of all clients (rows grouped by client, in time order) and the ground truth per client."""

    regime: RecoveryRegime
    client: np.ndarray
    weeks: np.ndarray
    scores: np.ndarray
    kinds: np.ndarray
    dominant: np.ndarray
    onset_weeks: np.ndarray
    change_weeks: np.ndarray
    start_level: np.ndarray
    end_level: np.ndarray


def _progress(rng: np.random.Generator, regime: RecoveryRegime, weeks: np.ndarray, onset: float,
              length: float) -> np.ndarray:
    """How far along its change the client is at each week: 0 before the onset, 1 once it is complete."""
    elapsed = np.clip((weeks - onset) / length, 0.0, 1.0)
    shape = regime.shape if regime.shape != "mixed" else str(rng.choice(["linear", "exponential"]))
    if shape == "exponential":  # most of the change early, 95% of it by the end
        return (1.0 - np.exp(-3.0 * elapsed)) / (1.0 - np.exp(-3.0))
    return elapsed


def _latent(rng: np.random.Generator, regime: RecoveryRegime, kind: str, weeks: np.ndarray,
            n_weeks: int) -> tuple[np.ndarray, int, float, float]:
    """Latent strain per dynamic (item scale) at each check-in, the dominant, and its onset and length."""
    dominant = int(rng.integers(N_DYNAMICS))
    start = _profile(rng, regime.answers, dominant)
    latent = np.tile(start, (weeks.size, 1))
    onset = rng.uniform(*regime.onset_weeks)
    length = float("nan")
    if kind in ("responder", "slow"):
        length = rng.uniform(*(regime.respond_weeks if kind == "responder" else regime.slow_weeks))
        progress = _progress(rng, regime, weeks, onset, length)[:, None]
        recovered = start * (rng.uniform(*regime.recovered_level) / start[dominant])
        follow = np.full(N_DYNAMICS, rng.uniform(*regime.others_follow))
        follow[dominant] = 1.0
        latent = start - follow * (start - np.minimum(start, recovered)) * progress
    elif kind == "deteriorator":
        length = rng.uniform(*regime.deteriorate_weeks)
        rise = rng.uniform(*regime.deteriorate_points)
        latent[:, dominant] = np.minimum(start[dominant] + rise * _progress(rng, regime, weeks, onset, length), 10.0)
    else:
        drift = rng.uniform(*regime.non_responder_drift) * rng.choice([-1.0, 1.0])
        latent[:, dominant] = np.clip(start[dominant] + drift * weeks / n_weeks, 0.0, 10.0)
        onset = float("nan")
    return latent, dominant, onset, length


def generate(regime: RecoveryRegime, n_clients: int, seed: int = 0) -> Population:
    """`n_clients` synthetic clients of `regime`; the same seed gives the same population."""
    instrument = load_instrument()
    item_dynamic = np.array([DYNAMICS.index(item.dynamic) for item in instrument.items])
    reversed_item = np.array([item.reversed for item in instrument.items])
    answers_regime = regime.answers
    rng = np.random.default_rng(seed)
    kinds = list(regime.kind_shares)
    shares = np.array([regime.kind_shares[k] for k in kinds])
    client_kinds = rng.choice(kinds, size=n_clients, p=shares / shares.sum())
    dominants = np.empty(n_clients, dtype=np.int64)
    truth = np.full((n_clients, 4), np.nan)
    parts = []
    for client, kind in enumerate(client_kinds):
        n_weeks = int(rng.integers(regime.weeks[0], regime.weeks[1] + 1))
        weeks = _checkin_weeks(rng, answers_regime, n_weeks)
        latent, dominants[client], onset, length = _latent(rng, regime, str(kind), weeks, n_weeks)
        truth[client] = onset, length, latent[0, dominants[client]] * 10, latent[-1, dominants[client]] * 10
        items = latent[:, item_dynamic]
        bias = rng.normal(0.0, answers_regime.item_bias_sd, size=item_dynamic.size)
        mood = _mood(rng, answers_regime, n_weeks)[np.floor(weeks).astype(int)][:, None]
        space = answers_regime.mood_space if answers_regime.mood_space != "mixed" \
            else rng.choice(["strain", "answer"])
        mood_in_strain = mood if space == "strain" else np.where(reversed_item, -mood, mood)
        noise_sd = rng.uniform(*answers_regime.item_noise_sd)
        strain = items + bias + mood_in_strain + rng.normal(0.0, noise_sd, size=items.shape)
        answers = np.clip(np.rint(np.where(reversed_item, 10.0 - strain, strain)), 0.0, 10.0)
        answers[rng.random(answers.shape) < answers_regime.unanswered_item_share] = np.nan
        parts.append((np.full(weeks.size, client), weeks, answers))
    answers = np.concatenate([p[2] for p in parts])
    return Population(
        regime=regime,
        client=np.concatenate([p[0] for p in parts]).astype(np.int64),
        weeks=np.concatenate([p[1] for p in parts]),
        scores=score_matrix(answers, instrument),
        kinds=client_kinds,
        dominant=dominants,
        onset_weeks=truth[:, 0],
        change_weeks=truth[:, 1],
        start_level=truth[:, 2],
        end_level=truth[:, 3],
    )
