"""The columnar `not_on_track_table` (the bulk path of refresh) finds exactly what `track_recovery` finds."""

from __future__ import annotations

import math
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_recovery import CURVES, MIXED_FOCUS, SETTINGS, batch_of, mixed_clients, one_client
from tracking.detection import SeriesBatch, detect_states
from tracking.recovery import FocusPeriods, coaching_timeline, estimate_curves, not_on_track_table, track_recovery
from tracking.recovery import not_on_track as not_on_track_module
from tracking.recovery.not_on_track import _points_column


def found_one_by_one(table) -> list[tuple]:
    return [(e.row, e.dynamic, e.evidence, e.retired_row, e.retired_reason) for e in table.events()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_the_table_holds_the_same_flags_as_track_recovery(seed):
    batch = batch_of(*mixed_clients(seed))
    dominant = detect_states(batch).dominant
    _result, events = track_recovery(batch, dominant, None, MIXED_FOCUS, CURVES, SETTINGS)
    table = not_on_track_table(batch, dominant, None, MIXED_FOCUS, CURVES, SETTINGS)
    assert found_one_by_one(table) == [(e.row, e.dynamic, e.evidence, e.retired_row, e.retired_reason)
                                       for e in events]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_a_large_batch_computed_in_two_halves_on_two_threads_finds_the_same_flags(seed):
    # After the mixed clients: clients who stay high, are flagged, and come back into the band.
    back = [one_client([75.0] * (16 + k) + [28.0] * 6, noise=3.0, seed=seed + 10 + k) for k in range(4)]
    batch = batch_of(*mixed_clients(seed), *back)
    dominant = detect_states(batch).dominant
    whole = not_on_track_table(batch, dominant, None, MIXED_FOCUS, CURVES, SETTINGS)
    second_half = np.searchsorted(batch.client, batch.client[batch.client.size // 2])
    assert np.any(whole.retired_row > second_half) and np.any(whole.row < second_half)
    with patch.object(not_on_track_module, "PARALLEL_ROWS", 1):  # every batch counts as large
        halves = not_on_track_table(batch, dominant, None, MIXED_FOCUS, CURVES, SETTINGS)
    assert found_one_by_one(halves) == found_one_by_one(whole)


def test_a_timeline_made_once_serves_the_estimate_and_the_table():
    batch = batch_of(*mixed_clients(5))
    dominant = detect_states(batch).dominant
    timeline = coaching_timeline(batch, None, SETTINGS)
    curves = estimate_curves(batch, dominant, None, SETTINGS, timeline=timeline)
    assert curves.as_dict() == estimate_curves(batch, dominant, None, SETTINGS).as_dict()
    shared = not_on_track_table(batch, dominant, None, MIXED_FOCUS, curves, SETTINGS, timeline=timeline)
    assert found_one_by_one(shared) == found_one_by_one(
        not_on_track_table(batch, dominant, None, MIXED_FOCUS, curves, SETTINGS))


def test_an_empty_batch_has_an_empty_table():
    batch = SeriesBatch.of([], [], np.zeros((0, 4)))
    table = not_on_track_table(batch, [], None, FocusPeriods.empty(), CURVES, SETTINGS)
    assert len(table) == 0 and table.events() == [] and "rule" in table.evidence


def test_evidence_points_round_as_python_does():
    rng = np.random.default_rng(1)
    values = np.r_[rng.uniform(-200, 200, 200_000), np.arange(-2000, 2000) / 20.0, np.arange(0, 4000) / 40.0,
                   rng.integers(0, 100, 1000) * (100 / 12.0), -0.04, 0.0, -0.0, 0.05, 0.15, 0.25, 2.675,
                   np.nan, np.inf, -np.inf]
    expected = [round(v, 1) if math.isfinite(v) else None for v in values.tolist()]
    rounded = _points_column(values).tolist()
    assert [None if math.isnan(v) else repr(v) for v in rounded] == [None if v is None else repr(v) for v in expected]
