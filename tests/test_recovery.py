"""Expected recovery per dynamic and the `not_on_track` flag, on small made-up series."""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracking.detection import SeriesBatch, detect_states
from tracking.instrument import DYNAMICS
from tracking.recovery import (
    ABOVE,
    BACK_IN_BAND,
    COACHING,
    ESTIMATED,
    FOCUS,
    FOCUS_CHANGED,
    FOCUS_RULE,
    IMPLAUSIBLE,
    INSIDE,
    NO_CLOCK,
    NO_LONGER_FOLLOWED,
    RULE,
    WELL_ABOVE,
    Curves,
    FocusPeriods,
    RecoverySettings,
    band_by_dynamic,
    default_curves,
    estimate_curves,
    expected_by_dynamic,
    expected_recovery,
    exponential_remaining,
    not_on_track_events,
    track_recovery,
)

CONTEXT, RELATIONAL, PHYSIOLOGICAL, IDENTITY = range(4)
SETTINGS = RecoverySettings()
CURVES = default_curves(SETTINGS)
EVIDENCE_KEYS = {
    "rule", "dynamic", "role", "observed", "score", "expected", "band_lower", "band_upper", "well_above", "zone",
    "checkins_above", "amber_from_weeks", "started_at", "expected_improvement", "observed_improvement", "clock",
    "weeks_on_clock", "weeks_since_start", "dominant", "focus", "weeks_since_focus", "focus_weeks",
    "focus_not_improving", "curve_half_weeks", "curve_pace_spread", "curve_source", "checkin_noise", "band_z",
    "well_above_z",
}


def profile(leader: int, level: float, others: float = 30.0) -> list[float]:
    scores = [others] * 4
    scores[leader] = level
    return scores


def one_client(levels: list[float], leader: int = PHYSIOLOGICAL, others: float = 30.0, start_week: float = 0.0,
               noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Weekly check-ins whose `leader` dynamic follows `levels`; the others stay at `others`."""
    scores = np.array([profile(leader, level, others) for level in levels], dtype=np.float64)
    scores += np.random.default_rng(seed).normal(0.0, noise, scores.shape)
    return start_week + np.arange(len(levels), dtype=np.float64), scores


def batch_of(*clients: tuple[np.ndarray, np.ndarray]) -> SeriesBatch:
    return SeriesBatch.of(
        np.concatenate([np.full(weeks.size, index) for index, (weeks, _scores) in enumerate(clients)]),
        np.concatenate([weeks for weeks, _scores in clients]),
        np.concatenate([scores for _weeks, scores in clients]),
    )


def flags(batch: SeriesBatch, dominant, focus: FocusPeriods | None = None, curves=CURVES):
    return track_recovery(batch, dominant, None, focus or FocusPeriods.empty(), curves, SETTINGS)


def raised(events) -> list[tuple[int, str, int | None, str | None]]:
    return [(e.row, e.dynamic, e.retired_row, e.retired_reason) for e in events]


# Settings


def test_every_setting_has_an_environment_name_a_meaning_and_a_reason():
    for spec in fields(RecoverySettings):
        assert spec.metadata["env"] == "KOERS_RECOVERY_" + spec.name.upper()
        assert spec.metadata["doc"].strip() and spec.metadata["reason"].strip()
        assert isinstance(spec.default, int | float) and not isinstance(spec.default, bool)


@pytest.mark.parametrize(
    "change",
    [{"level_weight": 1.0}, {"recoverable_share": 0.5}, {"band_z": 3.0}, {"checkins_above": 0},
     {"floor_level": 60.0}, {"half_weeks_identity": 0.0}, {"min_weeks": 40}, {"pace_spread": float("nan")},
     {"estimate_recovered_share": 1.0}, {"amber_from_weeks": -1.0}],
)
def test_settings_refuse_values_that_cannot_work(change):
    with pytest.raises(ValueError, match="KOERS_RECOVERY_"):
        replace(RecoverySettings(), **change)


# The default curve


def test_the_default_curve_starts_whole_halves_at_its_half_weeks_and_levels_off_at_the_recoverable_share():
    for dynamic in DYNAMICS:
        code = DYNAMICS.index(dynamic)
        assert CURVES.at(code, np.array([-3.0, 0.0]))[1] == 1.0
        assert CURVES.at(code, np.array([SETTINGS.half_weeks(dynamic)]))[0] == pytest.approx(0.5)
        assert CURVES.half_weeks(dynamic) == pytest.approx(SETTINGS.half_weeks(dynamic), abs=0.25)
        assert CURVES.share_gone(dynamic, 156.0) == pytest.approx(SETTINGS.recoverable_share, abs=0.01)
        assert np.all(np.diff(CURVES.remaining[code]) <= 0)
        assert CURVES.source[dynamic] == "default" and CURVES.pace_spread[dynamic] == SETTINGS.pace_spread
    assert CURVES.checkin_noise == SETTINGS.checkin_noise_points


def test_the_dynamics_recover_at_their_own_default_pace():
    gone = {dynamic: CURVES.share_gone(dynamic, 10.0) for dynamic in DYNAMICS}
    assert gone["physiological"] > gone["context"] > gone["relational"] > gone["identity"] > 0.3


def test_the_exponential_curve_follows_its_formula():
    weeks = np.array([0.0, 5.0, 12.0, 40.0])
    tau = -12.0 / math.log2(1 - 0.5 / 0.8)
    assert exponential_remaining(weeks, 12.0, 0.8) == pytest.approx(1 - 0.8 * (1 - 2 ** (-weeks / tau)))


# Expected strain, band and zones


def test_the_expected_path_starts_at_the_anchor_and_falls_along_the_curve():
    batch = batch_of(one_client([70.0] * 16))
    result = expected_recovery(batch, None, FocusPeriods.empty(), CURVES, SETTINGS)
    k = SETTINGS.baseline_checkins
    assert np.all(np.isnan(result.expected[: k - 1])) and np.all(result.clock[: k - 1] == NO_CLOCK)
    assert np.all(result.clock[k - 1:] == COACHING)
    assert result.anchor[k - 1, PHYSIOLOGICAL] == 70.0 == result.expected[k - 1, PHYSIOLOGICAL]
    lag = SETTINGS.level_lag_weeks
    anchor_weeks = k - 1.0
    for row in range(k - 1, 16):
        rel = CURVES.at(PHYSIOLOGICAL, np.array([row - lag]))[0] / CURVES.at(PHYSIOLOGICAL,
                                                                            np.array([anchor_weeks - lag]))[0]
        assert result.expected[row, PHYSIOLOGICAL] == pytest.approx(25.0 + 45.0 * rel)
    assert np.all(np.diff(result.expected[k - 1:, PHYSIOLOGICAL]) <= 0)
    assert result.weeks_since_start.tolist() == list(range(16))


def test_a_dynamic_that_starts_below_the_floor_is_expected_to_stay_where_it_is():
    batch = batch_of(one_client([70.0] * 10, others=20.0))
    result = expected_recovery(batch, None, FocusPeriods.empty(), CURVES, SETTINGS)
    assert np.all(result.expected[2:, CONTEXT] == 20.0)


def test_the_band_widens_with_the_expected_improvement_and_orders_its_edges():
    batch = batch_of(one_client([70.0] * 20))
    result = expected_recovery(batch, None, FocusPeriods.empty(), CURVES, SETTINGS)
    defined = ~np.isnan(result.expected)
    assert np.all(result.lower[defined] < result.expected[defined])
    assert np.all(result.expected[defined] < result.upper[defined])
    assert np.all(result.upper[defined] < result.well_above[defined])
    level_var = SETTINGS.level_weight / (2 - SETTINGS.level_weight)
    at_anchor = SETTINGS.checkin_noise_points * math.sqrt(level_var + 1 / SETTINGS.baseline_checkins)
    assert result.sd[2, PHYSIOLOGICAL] == pytest.approx(at_anchor)
    assert result.upper[2, PHYSIOLOGICAL] == pytest.approx(70.0 + SETTINGS.band_z * at_anchor)
    assert result.sd[12, PHYSIOLOGICAL] > result.sd[2, PHYSIOLOGICAL]


def test_the_zone_says_where_the_observed_level_is():
    batch = batch_of(one_client([70.0] * 20))
    result = expected_recovery(batch, None, FocusPeriods.empty(), CURVES, SETTINGS)
    zone = result.zone[:, PHYSIOLOGICAL]
    assert zone[0] == -1 and zone[2] == INSIDE
    assert ABOVE in zone and zone[-1] == WELL_ABOVE
    recovering = batch_of(one_client([70.0, 70.0, 70.0, 60.0, 50.0, 40.0, 30.0, 25.0, 25.0]))
    assert expected_recovery(recovering, None, FocusPeriods.empty(), CURVES, SETTINGS).zone[-1, PHYSIOLOGICAL] == 0


def test_the_timeline_and_the_chart_get_plain_numbers_per_dynamic():
    batch = batch_of(one_client([70.0] * 12))
    result = expected_recovery(batch, None, FocusPeriods.empty(), CURVES, SETTINGS)
    assert expected_by_dynamic(result, 0) == {dynamic: None for dynamic in DYNAMICS}
    later = expected_by_dynamic(result, 11)
    assert later["physiological"] == round(float(result.expected[11, PHYSIOLOGICAL]), 1)
    assert 25.0 < later["context"] < 30.0  # 5 points above the floor, expected to recover a little
    band = band_by_dynamic(result, 11)["physiological"]
    assert band is not None and band["zone"] in ("above", "well_above") and band["observed"] == 70.0
    assert band_by_dynamic(result, 0)["identity"] is None
    json.dumps([expected_by_dynamic(result, row) for row in range(12)])
    json.dumps(band_by_dynamic(result, 11))


# The estimate from a practice's own clients


def recovering_clients(n: int, half_weeks: float, share: float = 0.95, weeks: int = 30, noise: float = 2.0,
                       seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    clients = []
    for index in range(n):
        start = rng.uniform(60.0, 85.0)
        path = 25.0 + (start - 25.0) * exponential_remaining(np.arange(weeks, dtype=np.float64), half_weeks, share)
        clients.append(one_client(list(path), noise=noise, seed=seed * 1000 + index))
    return clients


def physiological_dominant(batch: SeriesBatch) -> np.ndarray:
    return np.full(batch.client.size, PHYSIOLOGICAL)


def test_the_estimate_learns_the_practices_pace_from_its_recovering_clients():
    batch = batch_of(*recovering_clients(40, half_weeks=6.0))
    curves = estimate_curves(batch, physiological_dominant(batch), None, SETTINGS)
    assert curves.source["physiological"] == ESTIMATED and curves.clients["physiological"] == 40
    assert curves.half_weeks("physiological") == pytest.approx(6.0, abs=1.5)
    assert curves.share_gone("physiological", 26.0) == pytest.approx(0.95, abs=0.08)
    assert curves.source["identity"] == "default" and curves.clients["identity"] == 0
    assert np.array_equal(curves.remaining[IDENTITY], CURVES.remaining[IDENTITY])
    assert curves.noise_source == ESTIMATED and curves.checkin_noise == pytest.approx(2.0, abs=0.5)


def test_clients_who_do_not_recover_do_not_lower_the_expectation():
    recovering = recovering_clients(40, half_weeks=6.0)
    stuck = [one_client([75.0] * 30, noise=2.0, seed=500 + index) for index in range(40)]
    alone = estimate_curves(batch_of(*recovering), np.full(1200, PHYSIOLOGICAL), None, SETTINGS)
    mixed_batch = batch_of(*recovering, *stuck)
    mixed = estimate_curves(mixed_batch, physiological_dominant(mixed_batch), None, SETTINGS)
    assert mixed.clients["physiological"] == 40
    assert np.array_equal(mixed.remaining[PHYSIOLOGICAL], alone.remaining[PHYSIOLOGICAL])


def test_below_the_minimum_of_clients_the_default_curve_stays():
    batch = batch_of(*recovering_clients(SETTINGS.min_clients - 1, half_weeks=6.0))
    curves = estimate_curves(batch, physiological_dominant(batch), None, SETTINGS)
    assert curves.source["physiological"] == "default"
    assert curves.clients["physiological"] == SETTINGS.min_clients - 1
    assert np.array_equal(curves.remaining, CURVES.remaining)
    assert curves.noise_source == "default" and curves.checkin_noise == SETTINGS.checkin_noise_points


def test_clients_followed_too_briefly_do_not_count():
    batch = batch_of(*recovering_clients(40, half_weeks=3.0, weeks=SETTINGS.min_weeks))
    curves = estimate_curves(batch, physiological_dominant(batch), None, SETTINGS)
    assert curves.clients["physiological"] == 0 and curves.source["physiological"] == "default"


def test_an_implausibly_slow_estimate_falls_back_to_the_default():
    batch = batch_of(*recovering_clients(40, half_weeks=40.0, share=1.0, weeks=90))
    curves = estimate_curves(batch, physiological_dominant(batch), None, SETTINGS)
    assert curves.clients["physiological"] == 40 and curves.source["physiological"] == IMPLAUSIBLE
    assert np.array_equal(curves.remaining[PHYSIOLOGICAL], CURVES.remaining[PHYSIOLOGICAL])


def test_curves_survive_being_stored_as_plain_data():
    batch = batch_of(*recovering_clients(40, half_weeks=6.0))
    curves = estimate_curves(batch, physiological_dominant(batch), None, SETTINGS)
    again = Curves.from_dict(json.loads(json.dumps(curves.as_dict())))
    assert np.array_equal(again.remaining, curves.remaining)
    assert (again.pace_spread, again.source, again.clients) == (curves.pace_spread, curves.source, curves.clients)
    assert (again.checkin_noise, again.noise_source) == (curves.checkin_noise, curves.noise_source)
    stored = curves.as_dict()
    stored["grid_step_weeks"] = 1.0
    with pytest.raises(ValueError, match="grid"):
        Curves.from_dict(stored)


def test_an_empty_batch_gives_empty_results_and_the_default_curve():
    batch = SeriesBatch.of([], [], np.zeros((0, 4)))
    result, events = flags(batch, [])
    assert result.expected.shape == (0, 4) and events == []
    assert estimate_curves(batch, [], None, SETTINGS).source == CURVES.source


# The flag and its retirement


def test_a_client_who_does_not_respond_is_flagged_once_amber_counts():
    batch = batch_of(one_client([70.0] * 14))
    result, events = flags(batch, physiological_dominant(batch))
    first_counting = int(math.ceil(SETTINGS.amber_from_weeks))
    assert np.all(result.upper[first_counting:, PHYSIOLOGICAL] < 70.0)
    assert ABOVE in result.zone[:first_counting, PHYSIOLOGICAL]  # amber, but too early to count
    assert raised(events) == [(first_counting + SETTINGS.checkins_above - 1, "physiological", None, None)]
    evidence = events[0].evidence
    assert set(evidence) == EVIDENCE_KEYS
    assert evidence["rule"] == RULE and evidence["dynamic"] == "physiological" and evidence["role"] == "dominant"
    assert evidence["observed"] == 70.0 and evidence["started_at"] == 70.0 and evidence["observed_improvement"] == 0
    assert evidence["expected"] < evidence["band_upper"] < 70.0
    assert evidence["expected_improvement"] == pytest.approx(70.0 - evidence["expected"], abs=0.1)
    assert evidence["clock"] == "coaching" and evidence["weeks_since_start"] == events[0].row
    assert evidence["focus"] is None and evidence["focus_not_improving"] is False
    assert evidence["checkins_above"] == SETTINGS.checkins_above and evidence["curve_source"] == "default"
    json.dumps(evidence)


def test_a_client_who_gets_worse_is_flagged_early_in_the_red_zone():
    batch = batch_of(one_client([60.0, 60.0, 60.0, 75.0, 90.0, 95.0, 95.0, 95.0]))
    _result, events = flags(batch, physiological_dominant(batch))
    assert len(events) == 1 and events[0].evidence["weeks_since_start"] < SETTINGS.amber_from_weeks
    assert events[0].evidence["zone"] == "well_above"


def test_the_flag_retires_when_the_client_is_back_inside_the_band():
    batch = batch_of(one_client([70.0] * 12 + [25.0] * 6))
    result, events = flags(batch, physiological_dominant(batch))
    [(row, dynamic, retired, reason)] = raised(events)
    assert reason == BACK_IN_BAND and dynamic == "physiological"
    assert np.all(result.observed[row:retired, PHYSIOLOGICAL] > result.upper[row:retired, PHYSIOLOGICAL])
    assert result.observed[retired, PHYSIOLOGICAL] <= result.upper[retired, PHYSIOLOGICAL]


def test_a_client_who_recovers_as_expected_is_not_flagged():
    path = 25.0 + 45.0 * exponential_remaining(np.arange(30.0), 8.0, 0.9)
    batch = batch_of(one_client(list(path), noise=3.0, seed=4))
    assert flags(batch, physiological_dominant(batch))[1] == []


def test_strain_below_the_concern_level_is_never_flagged():
    batch = batch_of(one_client([SETTINGS.concern_level - 2.0] * 30))
    result, events = flags(batch, physiological_dominant(batch))
    assert ABOVE in result.zone[:, PHYSIOLOGICAL] or WELL_ABOVE in result.zone[:, PHYSIOLOGICAL]
    assert events == []


def test_only_the_dominant_or_the_focus_is_flagged():
    batch = batch_of(one_client([70.0] * 14))
    assert flags(batch, np.full(14, -1))[1] == []
    assert flags(batch, np.full(14, CONTEXT))[1] == []


def test_the_flag_retires_when_the_dynamic_is_no_longer_followed():
    batch = batch_of(one_client([70.0] * 14))
    dominant = np.r_[np.full(11, PHYSIOLOGICAL), np.full(3, RELATIONAL)]
    assert raised(flags(batch, dominant)[1]) == [(8, "physiological", 11, NO_LONGER_FOLLOWED)]


def test_check_ins_without_a_score_neither_hold_nor_break_a_run():
    weeks, scores = one_client([70.0] * 14)
    scores[8, PHYSIOLOGICAL] = np.nan
    batch = batch_of((weeks, scores))
    [event] = flags(batch, physiological_dominant(batch))[1]
    assert event.row == 9 and event.retired_row is None


def test_the_rule_works_with_the_dominant_that_detection_gives():
    batch = batch_of(one_client([70.0] * 14, noise=2.0, seed=1))
    events = flags(batch, detect_states(batch).dominant)[1]
    assert [e.dynamic for e in events] == ["physiological"]


# The focus


def test_a_focus_that_does_not_bring_the_expected_improvement_says_so():
    batch = batch_of(one_client([70.0] * 14))
    focus = FocusPeriods.of([0], [PHYSIOLOGICAL], [0.0])
    [event] = flags(batch, physiological_dominant(batch), focus)[1]
    evidence = event.evidence
    assert evidence["rule"] == FOCUS_RULE and evidence["focus_not_improving"] is True
    assert evidence["role"] == "dominant_and_focus" and evidence["focus"] == "physiological"
    assert evidence["weeks_since_focus"] == event.row >= SETTINGS.focus_weeks
    assert evidence["clock"] == "coaching"  # a focus set at the start shares the coaching clock


def test_a_focus_on_another_dynamic_is_followed_too():
    batch = batch_of(one_client([70.0] * 14, others=70.0))
    focus = FocusPeriods.of([0], [IDENTITY], [0.0])
    events = flags(batch, np.full(14, CONTEXT), focus)[1]
    assert {(e.dynamic, e.evidence["role"]) for e in events} == {("context", "dominant"), ("identity", "focus")}
    assert [e.evidence["focus_not_improving"] for e in events if e.dynamic == "context"] == [False]


def test_a_new_focus_restarts_the_dynamics_expected_path_from_where_it_is():
    batch = batch_of(one_client([70.0] * 24))
    focus = FocusPeriods.of([0, 0], [CONTEXT, PHYSIOLOGICAL], [0.0, 12.0])
    result, events = flags(batch, physiological_dominant(batch), focus)
    assert np.all(result.clock[12:, PHYSIOLOGICAL] == FOCUS) and np.all(result.clock[:12, PHYSIOLOGICAL] <= COACHING)
    assert np.all(result.anchor[12:, PHYSIOLOGICAL] == result.observed[11, PHYSIOLOGICAL])
    assert result.weeks_on_clock[12:, PHYSIOLOGICAL].tolist() == list(range(12))
    assert result.expected[12, PHYSIOLOGICAL] == 70.0
    restart = 12 + int(math.ceil(SETTINGS.amber_from_weeks)) + SETTINGS.checkins_above - 1
    assert raised(events) == [(8, "physiological", 12, FOCUS_CHANGED), (restart, "physiological", None, None)]
    assert events[0].evidence["focus"] == "context" and events[0].evidence["focus_not_improving"] is False
    assert events[1].evidence["rule"] == FOCUS_RULE and events[1].evidence["clock"] == "focus"
    assert events[1].evidence["weeks_since_focus"] == restart - 12


def test_saving_the_same_focus_again_changes_nothing():
    batch = batch_of(one_client([70.0] * 24))
    once = FocusPeriods.of([0, 0], [CONTEXT, PHYSIOLOGICAL], [0.0, 12.0])
    again = FocusPeriods.of([0, 0, 0, 0], [CONTEXT, CONTEXT, PHYSIOLOGICAL, PHYSIOLOGICAL], [0.0, 5.0, 12.0, 15.5])
    assert again.dynamic.tolist() == [CONTEXT, PHYSIOLOGICAL] and again.start_weeks.tolist() == [0.0, 12.0]
    assert flags(batch, physiological_dominant(batch), again)[1] == flags(batch, physiological_dominant(batch), once)[1]
    same_moment = FocusPeriods.of([0, 0], [CONTEXT, PHYSIOLOGICAL], [3.0, 3.0])
    assert same_moment.dynamic.tolist() == [PHYSIOLOGICAL]  # the later one given wins


def test_removing_the_focus_leaves_no_focus_in_force():
    batch = batch_of(one_client([70.0] * 10))
    focus = FocusPeriods.of([0, 0], [IDENTITY, -1], [0.0, 5.0])
    result = expected_recovery(batch, None, focus, CURVES, SETTINGS)
    assert result.focus.tolist() == [IDENTITY] * 5 + [-1] * 5
    assert np.isnan(result.weeks_since_focus[5:]).all() and result.weeks_since_focus[4] == 4.0


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="focus dynamic"):
        FocusPeriods.of([0], [4], [0.0])
    with pytest.raises(ValueError, match="time order"):
        expected_recovery(SeriesBatch.of([0, 0], [2.0, 1.0], np.zeros((2, 4))), None, FocusPeriods.empty(), CURVES)
    batch = batch_of(one_client([70.0] * 3), one_client([70.0] * 3))
    with pytest.raises(ValueError, match="start_weeks"):
        expected_recovery(batch, [0.0], FocusPeriods.empty(), CURVES)
    with pytest.raises(ValueError, match="dominant"):
        not_on_track_events(batch, [0], expected_recovery(batch, None, FocusPeriods.empty(), CURVES), CURVES)


def test_a_coaching_start_before_the_first_check_in_moves_the_clock():
    batch = batch_of(one_client([70.0] * 6, start_week=3.0))
    result = expected_recovery(batch, [0.0], FocusPeriods.empty(), CURVES, SETTINGS)
    assert result.weeks_since_start.tolist() == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    later = expected_recovery(batch, [np.nan], FocusPeriods.empty(), CURVES, SETTINGS)
    assert later.weeks_since_start.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


# Vectorisation and causality


def mixed_clients(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        one_client([70.0] * 20, noise=5.0, seed=seed),
        one_client(list(25.0 + 50.0 * exponential_remaining(np.arange(26.0), 7.0, 0.9)), leader=CONTEXT,
                   noise=5.0, seed=seed + 1),
        one_client(list(np.linspace(55.0, 90.0, 12)), leader=IDENTITY, noise=5.0, seed=seed + 2,
                   start_week=float(rng.uniform(-5, 5))),
        one_client([80.0] * 3, leader=RELATIONAL, noise=5.0, seed=seed + 3),
    ]


MIXED_FOCUS = FocusPeriods.of([0, 1, 1, 2], [PHYSIOLOGICAL, CONTEXT, IDENTITY, -1], [0.0, 3.0, 9.5, 4.0])


def test_several_clients_in_one_batch_give_the_same_as_one_by_one():
    clients = mixed_clients(7)
    batch = batch_of(*clients)
    dominant = detect_states(batch).dominant
    whole, whole_events = track_recovery(batch, dominant, None, MIXED_FOCUS, CURVES, SETTINGS)
    offset = 0
    for index, client in enumerate(clients):
        alone = batch_of(client)
        rows = slice(offset, offset + alone.client.size)
        mine = MIXED_FOCUS.client == index
        focus = FocusPeriods.of(np.zeros(mine.sum()), MIXED_FOCUS.dynamic[mine], MIXED_FOCUS.start_weeks[mine])
        result, events = track_recovery(alone, dominant[rows], None, focus, CURVES, SETTINGS)
        for name in ("observed", "expected", "upper", "well_above", "anchor", "weeks_on_clock"):
            assert np.array_equal(getattr(whole, name)[rows], getattr(result, name), equal_nan=True), name
        assert np.array_equal(whole.zone[rows], result.zone) and np.array_equal(whole.clock[rows], result.clock)
        shifted = [(e.row - offset, e.dynamic, e.evidence, None if e.retired_row is None else e.retired_row - offset,
                    e.retired_reason) for e in whole_events if rows.start <= e.row < rows.stop]
        assert shifted == [(e.row, e.dynamic, e.evidence, e.retired_row, e.retired_reason) for e in events]
        offset += alone.client.size


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000), cut=st.integers(min_value=1, max_value=60))
def test_appending_check_ins_never_changes_earlier_results(seed, cut):
    full = batch_of(*mixed_clients(seed))
    head = SeriesBatch.of(full.client[:cut], full.weeks[:cut], full.scores[:cut])
    dominant = detect_states(full).dominant
    whole, whole_events = track_recovery(full, dominant, None, MIXED_FOCUS, CURVES, SETTINGS)
    part, part_events = track_recovery(head, dominant[:cut], None, MIXED_FOCUS, CURVES, SETTINGS)
    for name in ("observed", "expected", "lower", "upper", "well_above", "anchor", "weeks_on_clock"):
        assert np.array_equal(getattr(whole, name)[:cut], getattr(part, name), equal_nan=True), name
    assert np.array_equal(whole.zone[:cut], part.zone) and np.array_equal(whole.focus[:cut], part.focus)
    early = [e for e in whole_events if e.row < cut]
    assert [(e.row, e.dynamic, e.evidence) for e in early] == [(e.row, e.dynamic, e.evidence) for e in part_events]
    for later, now in zip(early, part_events):
        if now.retired_row is None:
            assert later.retired_row is None or later.retired_row >= cut
        else:
            assert (later.retired_row, later.retired_reason) == (now.retired_row, now.retired_reason)


def test_recomputing_gives_the_same_flags():
    batch = batch_of(*mixed_clients(3))
    dominant = detect_states(batch).dominant
    first = flags(batch, dominant, MIXED_FOCUS)[1]
    assert first == flags(batch, dominant, MIXED_FOCUS)[1] and first


def test_distinct_grouped_counts_as_unique_does_for_grouped_values():
    from tracking.recovery.estimate import distinct_grouped

    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 50, 1000):
        values = np.sort(rng.integers(0, 20, size))
        for selection in (values, values[rng.random(size) < 0.3]):
            assert distinct_grouped(selection) == np.unique(selection).size
    assert distinct_grouped(np.array([3, 3, 1, 1, 1, 7])) == 3  # grouped, not sorted
