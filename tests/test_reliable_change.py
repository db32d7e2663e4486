"""Reliable change as a control chart: quiet on unchanged clients, one flag per lasting change, retired
when the client is back within noise, causal, and worded from its numbers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracking.detection import (
    DYNAMICS,
    DetectionSettings,
    Reliability,
    SeriesBatch,
    change_series,
    clustering_factor,
    estimate_reliability,
    reliable_change_events,
)

SETTINGS = DetectionSettings()
K = SETTINGS.baseline_checkins


def reliability(noise: float = 6.0, clustering: float = 1.0) -> Reliability:
    return Reliability(
        alpha={d: 0.8 for d in DYNAMICS}, sd={d: 15.0 for d in DYNAMICS}, source="estimated", n=100,
        clustering_recent={d: clustering for d in DYNAMICS}, clustering_baseline={d: clustering for d in DYNAMICS},
        weekly_noise={d: noise for d in DYNAMICS},
    )


def one_dynamic(values, clients=None, column: int = 2) -> SeriesBatch:
    """Scores of one dynamic (physiological unless said); the others unscored."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    client = np.zeros(values.size, dtype=np.int64) if clients is None else np.asarray(clients)
    scores = np.full((values.size, 4), np.nan)
    scores[:, column] = values
    weeks = np.concatenate([np.arange(np.count_nonzero(client == c)) for c in np.unique(client)]).astype(float)
    return SeriesBatch.of(client, weeks, scores)


def noisy(levels, seed: int = 0, sd: float = 6.0):
    return np.asarray(levels, dtype=np.float64) + np.random.default_rng(seed).normal(0.0, sd, len(levels))


def kinds_and_rows(batch, rel=None, settings_=SETTINGS):
    return [(e.kind, e.row, e.retired_row) for e in reliable_change_events(batch, rel or reliability(), settings_)]


def test_an_unchanged_client_stays_quiet_over_years_of_weekly_check_ins():
    n_clients, weeks = 400, 104
    values = noisy(np.full(n_clients * weeks, 50.0), seed=3)
    batch = one_dynamic(values, np.repeat(np.arange(n_clients), weeks))
    flags = reliable_change_events(batch, reliability())
    stream_years = 2 * n_clients * (weeks - K) / 52
    # The in-control run length at the default threshold is about 230 years per direction.
    assert len(flags) <= stream_years / 50


def test_a_lasting_deterioration_raises_one_flag_within_a_few_check_ins():
    values = noisy([30.0] * 20 + [60.0] * 30, seed=1)
    (flag,) = reliable_change_events(one_dynamic(values), reliability())
    assert flag.kind == "reliable_deterioration" and flag.dynamic == "physiological"
    assert 20 <= flag.row <= 23 and flag.retired_row == -1
    evidence = flag.evidence
    assert evidence["rule"] == "reliable_change.deterioration.v2"
    assert evidence["z"] >= evidence["z_threshold"] == 3.6
    assert evidence["baseline_checkins"] == K and 1 <= evidence["recent_checkins"] <= SETTINGS.recent_checkins
    assert evidence["change_points"] == pytest.approx(evidence["recent"] - evidence["baseline"], abs=0.11)
    assert evidence["rci_threshold"] == 1.96 and evidence["rci"] is not None
    assert evidence["baseline"] == pytest.approx(np.mean(values[:K]), abs=0.05)


def test_an_improvement_is_flagged_the_same_way():
    values = noisy([70.0] * 15 + [35.0] * 25, seed=2)
    assert [kind for kind, _row, _retired in kinds_and_rows(one_dynamic(values))] == ["reliable_improvement"]


def test_a_change_that_hovers_near_the_threshold_raises_one_flag_per_episode():
    rng = np.random.default_rng(5)
    values = np.r_[rng.normal(40, 6, 12), rng.normal(58, 10, 60)]
    flags = kinds_and_rows(one_dynamic(values))
    assert [kind for kind, _row, _retired in flags] == ["reliable_deterioration"]


def test_a_flag_retires_once_the_recent_mean_is_back_within_noise_and_a_new_episode_can_follow():
    values = [40.0] * 10 + [75.0] * 12 + [40.0] * 12 + [75.0] * 12
    (first, second) = kinds_and_rows(one_dynamic(values))
    assert first[0] == second[0] == "reliable_deterioration"
    retired_at = first[2]
    assert 22 < retired_at < 34 and second[1] > retired_at and second[2] == -1
    z = change_series(np.zeros(46, dtype=np.int64), np.asarray(values), reliability(), "physiological").by_row("z")
    assert np.all(z[retired_at - SETTINGS.back_checkins + 1: retired_at + 1] < SETTINGS.back_z)
    assert z[retired_at - SETTINGS.back_checkins] >= SETTINGS.back_z


def test_one_good_week_inside_a_lasting_change_does_not_retire_it():
    values = [40.0] * 10 + [75.0] * 10 + [40.0] + [75.0] * 10
    ((kind, _row, retired),) = kinds_and_rows(one_dynamic(values))
    assert kind == "reliable_deterioration" and retired == -1


def test_nothing_is_judged_during_the_baseline():
    values = [20.0, 90.0, 20.0, 90.0, 20.0, 90.0, 20.0, 90.0]
    assert kinds_and_rows(one_dynamic(values)) == []
    series = change_series(np.zeros(8, dtype=np.int64), np.asarray(values), reliability(), "physiological")
    assert series.z.size == 0 and np.all(np.isnan(series.by_row("z")))


def test_missing_scores_are_neither_judged_nor_counted():
    values = np.array([40.0] * 10 + [75.0] * 6)
    gappy = np.insert(values, [3, 12, 12], np.nan)
    plain, with_gaps = kinds_and_rows(one_dynamic(values)), kinds_and_rows(one_dynamic(gappy))
    scored_rows = np.flatnonzero(~np.isnan(gappy))
    assert [(kind, scored_rows[row]) for kind, row, _ in plain] == [(kind, row) for kind, row, _ in with_gaps]


def test_a_client_who_varies_more_needs_a_larger_change():
    calm = noisy([40.0] * 12 + [55.0] * 12, seed=4, sd=3.0)
    restless = noisy([40.0] * 12 + [55.0] * 12, seed=4, sd=12.0)
    for_calm = change_series(np.zeros(24, dtype=np.int64), calm, reliability(), "physiological")
    for_restless = change_series(np.zeros(24, dtype=np.int64), restless, reliability(), "physiological")
    assert for_restless.noise[-1] > 1.3 * for_calm.noise[-1]
    assert for_restless.se[-1] > for_calm.se[-1]


def test_clients_are_judged_as_if_alone():
    a, b = noisy([40.0] * 12 + [70.0] * 10, seed=7), noisy([60.0] * 30, seed=8)
    together = reliable_change_events(one_dynamic(np.r_[a, b], np.r_[np.zeros(22), np.ones(30)].astype(int)),
                                      reliability())
    alone_a = reliable_change_events(one_dynamic(a), reliability())
    alone_b = reliable_change_events(one_dynamic(b), reliability())
    assert [(e.kind, e.row) for e in together] == [(e.kind, e.row) for e in alone_a] + [
        (e.kind, e.row + 22) for e in alone_b]


def test_weeks_that_come_in_runs_make_the_threshold_wider():
    assert reliability(clustering=2.0) != reliability()
    values = noisy([40.0] * 12 + [58.0] * 12, seed=9)
    client = np.zeros(24, dtype=np.int64)
    independent = change_series(client, values, reliability(clustering=1.0), "physiological")
    in_runs = change_series(client, values, reliability(clustering=2.0), "physiological")
    assert in_runs.se[-1] == pytest.approx(independent.se[-1] * np.sqrt(2.0))


def test_the_clustering_of_weeks_is_estimated_from_whole_histories():
    rng = np.random.default_rng(11)
    n_clients, weeks = 300, 80
    client = np.repeat(np.arange(n_clients), weeks)
    independent = rng.normal(50, 8, client.size)
    mood = np.zeros(client.size)
    for i in range(1, client.size):
        mood[i] = 0.7 * mood[i - 1] * (client[i] == client[i - 1]) + rng.normal(0, 6)
    factor_independent, pairs = clustering_factor(client, independent, 8)
    factor_in_runs, _pairs = clustering_factor(client, 50 + mood, 8)
    assert pairs == n_clients * (weeks // 8 - 1)
    assert 0.8 < factor_independent < 1.25
    assert factor_in_runs > 2.5


def test_reliability_with_histories_estimates_noise_and_clustering_or_falls_back():
    rng = np.random.default_rng(12)
    client = np.repeat(np.arange(60), 40)
    scores = rng.normal(50, 7, (client.size, 4))
    strain = np.repeat(scores / 10, 4, axis=1) + rng.normal(0, 0.5, (client.size, 16))
    first = np.r_[True, client[1:] != client[:-1]]
    items = [d for d in DYNAMICS for _ in range(4)]
    estimated = estimate_reliability(strain, items, scores, first, series=SeriesBatch.of(client, client * 0, scores))
    assert estimated.source == "estimated"
    assert all(6.0 < estimated.typical_noise(d) < 8.0 for d in DYNAMICS)
    assert all(0.7 < estimated.clustering(d, SETTINGS)[0] < 1.4 for d in DYNAMICS)
    few = estimate_reliability(strain[:20], items, scores[:20], first[:20],
                               series=SeriesBatch.of(client[:20], client[:20] * 0, scores[:20]))
    assert few.clustering(DYNAMICS[0], SETTINGS) == (2.0, 2.0) and few.source != "estimated"
    assert few.typical_noise(DYNAMICS[0]) == pytest.approx(few.sem(DYNAMICS[0]), abs=0.01)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000), cut=st.integers(min_value=1, max_value=59),
       step=st.floats(min_value=-40, max_value=40))
def test_appending_check_ins_never_changes_earlier_flags(seed, cut, step):
    values = noisy([50.0] * 25 + [50.0 + step] * 35, seed=seed, sd=8.0)
    full, head = one_dynamic(values), one_dynamic(values[:cut])
    early = [e for e in reliable_change_events(full, reliability()) if e.row < cut]
    as_of = [e if e.retired_row < cut else replace(e, retired_row=-1, retired_at=None, retired_reason=None)
             for e in early]
    assert as_of == reliable_change_events(head, reliability())


def test_the_baseline_and_window_are_settings():
    values = noisy([40.0] * 5 + [70.0] * 10, seed=13)
    (default,) = reliable_change_events(one_dynamic(values), reliability())
    short = replace(SETTINGS, baseline_checkins=4, recent_checkins=4)
    (early,) = reliable_change_events(one_dynamic(values), reliability(), short)
    assert default.evidence["baseline_checkins"] == K and early.evidence["baseline_checkins"] == 4
    assert early.row < default.row and early.evidence["baseline"] < default.evidence["baseline"]
