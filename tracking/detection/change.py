"""Reliable change: has a dynamic moved away from the client's baseline by more than the client's noise?

The classic Reliable Change Index (Jacobson & Truax 1991) judges one before/after pair. Asked every
week, per dynamic and direction, it flags unchanged clients several times a year. Koers therefore
treats it as a control chart, as statistical process control does for a process checked again and
again:

- the *baseline* is the mean of a dynamic's first `baseline_checkins` scores;
- the *recent mean* is the mean of its last `recent_checkins` scores (fewer just after the baseline);
- the *client's noise* is their own week-to-week variation, from the differences between successive
  scores (a real change moves that little), starting from the instrument's measurement error
  (SD x sqrt(1 - alpha), as in the RCI) weighted as `noise_prior_checkins` check-ins;
- the *clustering* is how many times more a mean of several weeks varies than independent weeks
  would, because good and bad weeks come in runs; it is estimated across all clients;
- z = (recent mean - baseline) / SE, with SE^2 = noise^2 x (clustering_recent / n_recent +
  clustering_baseline / n_baseline), the standard error of that comparison.

A flag is raised when z reaches `change_z` (deterioration) or -`change_z` (improvement): once per
episode. The episode ends, and the flag retires, when z has been back below `back_z` (above
-`back_z` for an improvement) for `back_checkins` check-ins in a row; only then can the same flag be
raised again. Everything at a row
uses that client's rows up to it (the pooled reliability and clustering are inputs), so appending
check-ins never changes earlier results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracking.detection.batch import (
    Bools,
    Floats,
    Ints,
    SeriesBatch,
    client_starts,
    first_in_segments,
    held_for,
    next_row_within_client,
)
from tracking.detection.settings import DEFAULTS, DetectionSettings
from tracking.instrument import DYNAMICS

CHI2_1_MEDIAN = 0.454936  # median of a chi-square variable with one degree of freedom


@dataclass(frozen=True)
class Reliability:
    """What reliable change rests on, per dynamic, estimated from all stored data (or fallbacks)."""

    alpha: dict[str, float]
    sd: dict[str, float]
    source: str
    n: int
    clustering_recent: dict[str, float] | None = None
    clustering_baseline: dict[str, float] | None = None
    weekly_noise: dict[str, float] | None = None

    def sem(self, dynamic: str) -> float:
        """The standard error of measurement of one score (Jacobson & Truax): SD x sqrt(1 - alpha)."""
        return self.sd[dynamic] * math.sqrt(1.0 - self.alpha[dynamic])

    def typical_noise(self, dynamic: str) -> float:
        """A typical client's week-to-week variation of the score (points): estimated across clients,
        else the standard error of measurement."""
        return (self.weekly_noise or {}).get(dynamic) or self.sem(dynamic)

    def clustering(self, dynamic: str, settings: DetectionSettings) -> tuple[float, float]:
        """(recent, baseline) clustering factors, the fallback where none was estimated."""
        recent = (self.clustering_recent or {}).get(dynamic, settings.fallback_clustering)
        baseline = (self.clustering_baseline or {}).get(dynamic, settings.fallback_clustering)
        return recent, baseline


def cronbach_alpha(items: npt.ArrayLike) -> tuple[float, int]:
    """Cronbach's alpha over the rows where every item is answered, and how many rows that was."""
    values = np.asarray(items, dtype=np.float64)
    complete = values[~np.any(np.isnan(values), axis=1)]
    n_rows, n_items = complete.shape
    if n_rows < 2 or n_items < 2:
        return float("nan"), int(n_rows)
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance <= 0:
        return float("nan"), int(n_rows)
    item_variance = complete.var(axis=0, ddof=1).sum()
    return float(n_items / (n_items - 1) * (1.0 - item_variance / total_variance)), int(n_rows)


@dataclass(frozen=True)
class _Scored:
    """The scored rows of one dynamic: their batch rows, clients, values and rank within the client."""

    rows: Ints
    client: Ints
    value: Floats
    rank: Ints
    starts: Bools

    @classmethod
    def of(cls, client: Ints, score: Floats) -> _Scored:
        scored = ~np.isnan(score)
        own_client = client[scored]
        starts = client_starts(own_client)
        index = np.arange(own_client.size, dtype=np.int64)
        rank = index - np.maximum.accumulate(np.where(starts, index, 0)) + 1
        return cls(np.flatnonzero(scored).astype(np.int64), own_client, score[scored], rank, starts)

    def half_squared_steps(self) -> Floats:
        """Half the squared difference with the client's previous score (0 at each client's first)."""
        steps = np.r_[0.0, np.diff(self.value)] if self.value.size else np.zeros(0)
        steps[self.starts] = 0.0
        return np.asarray(steps * steps / 2.0, dtype=np.float64)


def clustering_factor(client: Ints, score: Floats, block: int) -> tuple[float, int]:
    """How many times more a mean of `block` successive scores varies than independent scores would.

    Each client's scores are cut into blocks of `block` from their first score; for every two
    successive full blocks, half the squared difference of their means is compared with what the
    client's own successive differences predict for independent weeks (their variance / block).
    The median ratio over all pairs, divided by the median of a chi-square with one degree of
    freedom, estimates the factor; a median ignores the few pairs that straddle a real change.
    Returns (factor, pairs used); NaN without pairs.
    """
    scored = _Scored.of(client, score)
    if scored.value.size == 0:
        return float("nan"), 0
    client_index = np.cumsum(scored.starts) - 1
    n_clients = int(client_index[-1]) + 1
    steps = np.bincount(client_index, weights=scored.half_squared_steps(), minlength=n_clients)
    counts = np.bincount(client_index, minlength=n_clients)
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = np.where(counts >= 3, steps / np.maximum(counts - 1, 1), np.nan)
    block_index = (scored.rank - 1) // block
    key = client_index * (int(block_index.max()) + 2) + block_index
    keys, position, sizes = np.unique(key, return_inverse=True, return_counts=True)
    means = np.bincount(position, weights=scored.value) / sizes
    owner = keys // (int(block_index.max()) + 2)
    pair = (owner[1:] == owner[:-1]) & (sizes[1:] == block) & (sizes[:-1] == block)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = ((means[1:] - means[:-1]) ** 2 / 2.0) / (noise[owner[1:]] / block)
    usable = ratio[pair & np.isfinite(ratio)]
    if not usable.size:
        return float("nan"), 0
    return float(np.median(usable) / CHI2_1_MEDIAN), int(usable.size)


def weekly_noise(client: Ints, score: Floats) -> tuple[float, int]:
    """The typical week-to-week variation of a score across clients: the root of the mean half squared
    difference between a client's successive scores (a real change moves it little), and how many
    differences that was."""
    scored = _Scored.of(client, score)
    steps = scored.half_squared_steps()[~scored.starts]
    if not steps.size:
        return float("nan"), 0
    return float(np.sqrt(steps.mean())), int(steps.size)


def _plausible_clustering(value: float, pairs: int, settings: DetectionSettings) -> float | None:
    if pairs < settings.min_clustering_pairs or not math.isfinite(value) or value > settings.max_plausible_clustering:
        return None
    return max(1.0, value)


def estimate_reliability(
    strain: npt.ArrayLike,
    item_dynamics: list[str],
    scores: npt.ArrayLike,
    baseline_rows: npt.ArrayLike,
    settings: DetectionSettings = DEFAULTS,
    series: SeriesBatch | None = None,
) -> Reliability:
    """Alpha per dynamic from the item strains, the reference SD from clients' first scores and, from
    `series` (whole client histories), the clustering of recent and baseline means.

    Each value falls back to the settings (the week-to-week variation to the standard error of
    measurement) when there is too little data or the estimate is implausible. `source` is
    "estimated" when every value came from the data, "fallback" when none did, "partly estimated"
    otherwise (without `series`, only alpha and SD count); `n` is the fewest complete check-ins
    behind any alpha.
    """
    strain_values = np.asarray(strain, dtype=np.float64)
    score_values = np.asarray(scores, dtype=np.float64)
    first_scores = score_values[np.asarray(baseline_rows, dtype=bool)]
    alpha: dict[str, float] = {}
    sd: dict[str, float] = {}
    recent: dict[str, float] = {}
    baseline: dict[str, float] = {}
    noise: dict[str, float] = {}
    estimated: list[bool] = []
    complete_counts: list[int] = []
    for column, dynamic in enumerate(DYNAMICS):
        members = [i for i, owner in enumerate(item_dynamics) if owner == dynamic]
        value, n_complete = cronbach_alpha(strain_values[:, members]) if members else (float("nan"), 0)
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
        for target, block in ((recent, settings.recent_checkins), (baseline, settings.baseline_checkins)):
            found = None
            if series is not None:
                found = _plausible_clustering(*clustering_factor(series.client, series.scores[:, column], block),
                                              settings)
            target[dynamic] = settings.fallback_clustering if found is None else round(found, 3)
            if series is not None:
                estimated.append(found is not None)
        typical, differences = weekly_noise(series.client, series.scores[:, column]) if series else (np.nan, 0)
        noise_ok = differences >= settings.min_alpha_checkins and typical >= settings.min_plausible_sd / 2
        noise[dynamic] = round(typical, 2) if noise_ok else round(sd[dynamic] * math.sqrt(1 - alpha[dynamic]), 2)
        if series is not None:
            estimated.append(noise_ok)
    source = "estimated" if all(estimated) else "fallback" if not any(estimated) else "partly estimated"
    return Reliability(alpha=alpha, sd=sd, source=source, n=min(complete_counts),
                       clustering_recent=recent, clustering_baseline=baseline, weekly_noise=noise)


def reliable_change_points(alpha: float, sd: float, baseline_checkins: int) -> float:
    """The Jacobson & Truax standard error of one score's change from a baseline mean of k scores:
    SE of measurement x sqrt(1 + 1/k) (the textbook sqrt(2) x SE for k = 1)."""
    return sd * math.sqrt(1.0 - alpha) * math.sqrt(1.0 + 1.0 / baseline_checkins)


@dataclass(frozen=True)
class ChangeSeries:
    """The reliable-change statistic of one dynamic at the rows where it is judged (`rows`, batch rows in
    order; `client` their clients); `by_row` spreads a column over all `n_rows` rows (NaN elsewhere)."""

    n_rows: int
    rows: Ints
    client: Ints
    baseline: Floats
    recent: Floats
    recent_checkins: Ints
    noise: Floats
    se: Floats
    z: Floats

    def by_row(self, name: str) -> Floats:
        values = np.full(self.n_rows, np.nan)
        values[self.rows] = getattr(self, name)
        return values


def change_series(client: Ints, score: Floats, reliability: Reliability, dynamic: str,
                  settings: DetectionSettings = DEFAULTS) -> ChangeSeries:
    """Baseline, recent mean, the client's noise, the standard error and z of one dynamic, at every row
    that is judged: the dynamic has `baseline_checkins` scores before it and a score itself (a missing
    score is neither judged nor counted)."""
    scored = _Scored.of(client, score)
    k, window = settings.baseline_checkins, settings.recent_checkins
    client_index = np.cumsum(scored.starts) - 1 if scored.value.size else np.zeros(0, dtype=np.int64)
    n_clients = int(client_index[-1]) + 1 if client_index.size else 0
    in_baseline = scored.rank <= k
    baseline_total = np.bincount(client_index[in_baseline], weights=scored.value[in_baseline], minlength=n_clients)
    del in_baseline
    position = np.flatnonzero(scored.rank > k)
    rank = scored.rank[position]
    # Sums over a client's own rows, as differences of running sums over all rows (each freed once
    # used: with a million rows every column is 8 MB, and the peak is what counts).
    running = np.cumsum(scored.value)
    n_recent = np.minimum(window, rank - k)
    recent = running[position]
    recent -= running[position - n_recent]
    recent /= n_recent
    del running
    baseline = (baseline_total / k)[client_index[position]]
    del client_index
    steps = np.cumsum(scored.half_squared_steps())
    typical = reliability.typical_noise(dynamic)
    prior = settings.noise_prior_checkins
    noise = steps[position]
    noise -= steps[position - rank + 1]  # at the client's first scored row
    del steps
    noise += prior * typical * typical
    noise /= prior - 1 + rank
    del rank
    np.sqrt(noise, out=noise)
    clustering_recent, clustering_baseline = reliability.clustering(dynamic, settings)
    # The standard error's factor depends only on how many recent scores there are: a small table.
    factor = np.sqrt(clustering_recent / np.maximum(np.arange(window + 1), 1) + clustering_baseline / k)
    se = noise * factor[n_recent]
    z = recent - baseline
    z /= se
    return ChangeSeries(score.size, scored.rows[position], scored.client[position], baseline, recent,
                        n_recent.astype(np.int64), noise, se, z)


@dataclass(frozen=True)
class ChangeEpisodes:
    """Where in a `ChangeSeries` flags of one direction were raised, and where they retired."""

    raised: Ints
    retired: Ints  # -1 while the flag still describes the client


def change_episodes(series: ChangeSeries, direction: int, settings: DetectionSettings) -> ChangeEpisodes:
    """One flag per episode: the first judged row with direction x z >= change_z, retired at the first
    judged row after it where direction x z has been below back_z for back_checkins rows in a row (back
    within noise of the baseline, or beyond it the other way). Positions index the series."""
    signed = direction * series.z
    back = held_for(series.client, signed < settings.back_z, settings.back_checkins)
    segment = np.cumsum(client_starts(series.client) | back, dtype=np.int64)
    raised = first_in_segments(segment, signed >= settings.change_z)
    retired = next_row_within_client(series.client, raised, np.flatnonzero(back).astype(np.int64))
    return ChangeEpisodes(raised, retired)
