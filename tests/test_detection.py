"""Pattern detection: states, dominant-shift flags and reliable-change flags on small made-up series."""

from __future__ import annotations

import json
from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracking.detection import (
    DYNAMICS,
    MIXED,
    NONE,
    DetectionSettings,
    Reliability,
    SeriesBatch,
    cronbach_alpha,
    detect_states,
    estimate_reliability,
    reliable_change_events,
    shift_events,
    state_name,
)
from tracking.flag_text import words

CONTEXT, RELATIONAL, PHYSIOLOGICAL, IDENTITY = range(4)
FALLBACK = Reliability(
    alpha={d: 0.8 for d in DYNAMICS}, sd={d: 15.0 for d in DYNAMICS}, source="fallback", n=0
)


def profile(leader: int, top: float = 70.0, others: float = 40.0) -> list[float]:
    scores = [others] * 4
    scores[leader] = top
    return scores


def series(*segments: tuple[int, list[float]], client: int = 0, start_week: float = 0.0, noise: float = 0.0,
           seed: int = 0, gaps: list[float] | None = None) -> SeriesBatch:
    """One client: `(check-ins, scores)` segments in a row, weekly unless `gaps` (weeks) are given."""
    rows = [scores for count, scores in segments for _ in range(count)]
    scores = np.array(rows, dtype=np.float64)
    scores += np.random.default_rng(seed).normal(0.0, noise, scores.shape)
    steps = np.ones(len(rows)) if gaps is None else np.asarray(gaps, dtype=np.float64)
    weeks = start_week + np.r_[0.0, np.cumsum(steps[1:])]
    return SeriesBatch.of(np.full(len(rows), client), weeks, scores)


def combine(*batches: SeriesBatch) -> SeriesBatch:
    return SeriesBatch.of(
        np.concatenate([b.client for b in batches]),
        np.concatenate([b.weeks for b in batches]),
        np.concatenate([b.scores for b in batches]),
    )


def shifts(batch: SeriesBatch):
    return shift_events(batch, detect_states(batch))


def test_state_codes_have_names():
    assert [state_name(code) for code in range(6)] == [*DYNAMICS, "mixed", "none"]
    with pytest.raises(ValueError):
        state_name(6)


def test_every_setting_has_an_environment_name_a_meaning_and_a_reason():
    for spec in fields(DetectionSettings):
        assert spec.metadata["env"] == "KOERS_DETECT_" + spec.name.upper()
        assert spec.metadata["doc"].strip() and spec.metadata["reason"].strip()
        assert isinstance(spec.default, int | float)


@pytest.mark.parametrize(
    "change",
    [{"fast_weight": 0.05}, {"slow_weight": 1.2}, {"first_checkins": 0},
     {"shift_points": float("nan")}, {"fallback_alpha": 1.0}, {"back_z": 4.0}, {"recent_checkins": 1},
     {"fallback_clustering": 0.5}],
)
def test_settings_refuse_values_that_cannot_work(change):
    with pytest.raises(ValueError, match="KOERS_DETECT_"):
        replace(DetectionSettings(), **change)


def test_an_empty_batch_gives_empty_results():
    batch = SeriesBatch.of([], [], np.zeros((0, 4)))
    result = detect_states(batch)
    assert result.state.shape == (0,) and result.levels.shape == (0, 4) and result.dominant.shape == (0,)
    assert shift_events(batch, result) == [] and reliable_change_events(batch, FALLBACK) == []


def test_one_check_in_is_read_but_not_yet_established():
    result = detect_states(series((1, profile(IDENTITY))))
    assert result.state.tolist() == [MIXED] and result.dominant.tolist() == [-1]
    assert result.levels[0].tolist() == profile(IDENTITY)


def test_check_ins_without_any_score_keep_the_state_and_raise_nothing():
    batch = series((4, profile(CONTEXT)), (3, [np.nan] * 4), (4, profile(CONTEXT)))
    result = detect_states(batch)
    assert result.state.tolist() == [MIXED] + [CONTEXT] * 10
    assert shifts(batch) == [] and reliable_change_events(batch, FALLBACK) == []
    only_gaps = series((3, [np.nan] * 4))
    assert detect_states(only_gaps).state.tolist() == [NONE] * 3


def test_the_first_dominant_is_established_without_a_flag():
    batch = series((10, profile(RELATIONAL)))
    result = detect_states(batch)
    assert result.dominant.tolist() == [-1] + [RELATIONAL] * 9
    assert shifts(batch) == []


def test_a_switch_raises_one_dominant_shift_with_its_evidence():
    batch = series((20, profile(CONTEXT)), (20, profile(PHYSIOLOGICAL)), noise=3.0)
    events = shifts(batch)
    assert [(e.kind, e.from_dynamic, e.to_dynamic, e.dynamic) for e in events] == [
        ("dominant_shift", "context", "physiological", None)
    ]
    assert 20 <= events[0].row <= 22
    evidence = events[0].evidence
    assert evidence["rule"] == "dominant_shift.v1" and "summary" not in evidence
    assert words("dominant_shift", evidence, "en").summary.startswith(
        "Body / energy has taken over from Context as the dominant dynamic")
    assert evidence["swing_points"] >= evidence["shift_points"] == 13.5
    assert evidence["lead_points"] >= evidence["margin_points"]
    assert set(evidence["levels"]) == set(DYNAMICS)
    json.dumps(evidence)


def test_a_gradual_switch_and_a_switch_back_raise_one_flag_each():
    ramp = [(1, list(np.interp(f, [0, 1], [70, 40]) * np.eye(4)[0] + np.interp(f, [0, 1], [40, 70]) *
                      np.eye(4)[2] + 40 * (np.eye(4)[1] + np.eye(4)[3]))) for f in (0.33, 0.67)]
    batch = series((20, profile(CONTEXT)), *ramp, (20, profile(PHYSIOLOGICAL)), (20, profile(CONTEXT)))
    assert [(e.from_dynamic, e.to_dynamic) for e in shifts(batch)] == [
        ("context", "physiological"), ("physiological", "context")
    ]


def test_two_dynamics_within_a_few_points_are_mixed_and_raise_nothing():
    near_tie = [70.0, 67.0, 40.0, 40.0]
    batch = series((60, near_tie), noise=3.0, seed=4)
    result = detect_states(batch)
    assert np.mean(result.state == MIXED) > 0.5
    assert RELATIONAL not in result.state
    assert shifts(batch) == []


def test_a_tie_that_slowly_changes_sides_raises_nothing():
    offsets = 3.0 * np.sin(np.linspace(0, 4 * np.pi, 80))
    segments = [(1, [70.0 + offset, 70.0 - offset, 35.0, 30.0]) for offset in offsets]
    assert shifts(series(*segments)) == []


def test_a_client_who_recovers_ends_with_no_dynamic_elevated_and_no_flag():
    falling = [(1, profile(IDENTITY, top, top - 25)) for top in np.linspace(70, 30, 8)]
    batch = series((15, profile(IDENTITY)), *falling, (15, profile(IDENTITY, 30, 5)))
    result = detect_states(batch)
    assert result.state[-1] == NONE and result.dominant[-1] == IDENTITY
    assert shifts(batch) == []


def test_a_long_gap_lets_the_level_follow_the_next_check_in_further():
    weekly = detect_states(series((10, profile(CONTEXT)), (1, profile(RELATIONAL))))
    after_gap = detect_states(series((10, profile(CONTEXT)), (1, profile(RELATIONAL)), gaps=[1] * 10 + [12]))
    assert after_gap.levels[-1, RELATIONAL] > weekly.levels[-1, RELATIONAL] + 10


def test_irregular_submission_times_still_find_the_switch():
    rng = np.random.default_rng(7)
    gaps = rng.choice([0.6, 1.0, 1.4, 2.0, 3.0], size=40)
    batch = series((20, profile(CONTEXT)), (20, profile(IDENTITY)), gaps=list(gaps), noise=2.0)
    assert [(e.from_dynamic, e.to_dynamic) for e in shifts(batch)] == [("context", "identity")]


def test_missing_dynamics_are_carried_not_read_as_zero():
    scores = profile(CONTEXT)
    gappy = [(5, scores), (3, [np.nan, *scores[1:]]), (5, scores)]
    result = detect_states(series(*gappy))
    assert result.levels[6, CONTEXT] == pytest.approx(70.0)
    assert set(result.state[2:].tolist()) == {CONTEXT}


def test_clients_of_different_lengths_are_detected_as_if_alone():
    alone = [
        series((30, profile(CONTEXT)), (25, profile(IDENTITY)), client=1, noise=4.0, seed=1),
        series((3, profile(RELATIONAL)), client=2, start_week=500.0),
        series((12, [55.0, 53.0, 20.0, 20.0]), client=5, noise=4.0, seed=2),
    ]
    together = detect_states(combine(*alone))
    offset = 0
    for batch in alone:
        own = detect_states(batch)
        part = slice(offset, offset + batch.client.size)
        assert np.array_equal(together.state[part], own.state)
        assert np.array_equal(together.dominant[part], own.dominant)
        assert np.allclose(together.levels[part], own.levels, equal_nan=True)
        offset += batch.client.size


def test_detection_is_deterministic():
    batch = series((30, profile(CONTEXT)), (30, profile(RELATIONAL)), noise=6.0, seed=3)
    first, again = shifts(batch), shifts(batch)
    assert first == again and first


def as_of(events, cut: int):
    """Events as they stood before row `cut`: a retirement at a later row had not happened yet."""
    return [e if e.retired_row < cut else replace(e, retired_row=-1, retired_at=None, retired_reason=None)
            for e in events]


scores_strategy = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    constant=st.lists(scores_strategy, min_size=4, max_size=4),
    n_checkins=st.integers(min_value=1, max_value=40),
    gaps=st.lists(st.floats(min_value=0.0, max_value=10.0), min_size=40, max_size=40),
)
def test_a_constant_series_raises_no_flag(constant, n_checkins, gaps):
    batch = series((n_checkins, constant), gaps=gaps[:n_checkins])
    result = detect_states(batch)
    assert shift_events(batch, result) == []
    assert reliable_change_events(batch, FALLBACK) == []
    assert len(set(result.state.tolist()[1:])) <= 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    cut=st.integers(min_value=1, max_value=59),
)
def test_appending_check_ins_never_changes_earlier_states_or_flags(seed, cut):
    full = series((25, profile(CONTEXT)), (20, profile(IDENTITY)), (15, [60.0, 58.0, 30.0, 61.0]),
                  noise=8.0, seed=seed)
    head = SeriesBatch.of(full.client[:cut], full.weeks[:cut], full.scores[:cut])
    whole, part = detect_states(full), detect_states(head)
    assert np.array_equal(whole.state[:cut], part.state)
    assert np.array_equal(whole.dominant[:cut], part.dominant)
    assert as_of([e for e in shift_events(full, whole) if e.row < cut], cut) == shift_events(head, part)
    early = [e for e in reliable_change_events(full, FALLBACK) if e.row < cut]
    assert as_of(early, cut) == reliable_change_events(head, FALLBACK)


def test_reliability_is_estimated_from_enough_consistent_answers():
    rng = np.random.default_rng(0)
    n = 400
    person = rng.normal(5.0, 2.0, size=(n, 4))
    strain = np.repeat(person, 4, axis=1) + rng.normal(0.0, 1.0, size=(n, 16))
    items = [d for d in DYNAMICS for _ in range(4)]
    scores = np.column_stack([strain[:, 4 * k:4 * k + 4].mean(axis=1) * 10 for k in range(4)])
    first = np.zeros(n, dtype=bool)
    first[::4] = True
    reliability = estimate_reliability(strain, items, scores, first)
    assert reliability.source == "estimated" and reliability.n == n
    for dynamic in DYNAMICS:
        assert 0.9 < reliability.alpha[dynamic] < 0.97
        assert 15.0 < reliability.sd[dynamic] < 25.0


def test_reliability_falls_back_without_enough_data():
    strain = np.full((5, 16), 5.0)
    items = [d for d in DYNAMICS for _ in range(4)]
    reliability = estimate_reliability(strain, items, np.full((5, 4), 50.0), np.ones(5, dtype=bool))
    assert reliability.source == "fallback"
    assert reliability.alpha == {d: 0.8 for d in DYNAMICS} and reliability.sd == {d: 15.0 for d in DYNAMICS}


def test_cronbach_alpha_matches_the_textbook_formula_and_skips_incomplete_rows():
    items = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4], [np.nan, 1, 1]], dtype=float)
    complete = items[:4]
    k = 3
    expected = k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / complete.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(items) == (pytest.approx(expected), 4)


def test_a_missing_or_backwards_time_counts_as_no_gap():
    batch = series((6, profile(CONTEXT)), (6, profile(IDENTITY)))
    odd_weeks = batch.weeks.copy()
    odd_weeks[3], odd_weeks[8] = np.nan, odd_weeks[7] - 2.0
    result = detect_states(SeriesBatch.of(batch.client, odd_weeks, batch.scores))
    assert np.all(np.isfinite(result.levels))
    assert result.dominant[-1] in (CONTEXT, IDENTITY)


def test_a_batch_must_be_grouped_by_client():
    with pytest.raises(ValueError, match="grouped by client"):
        SeriesBatch.of([2, 1], [0.0, 0.0], np.zeros((2, 4)))
