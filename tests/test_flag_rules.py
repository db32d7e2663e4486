"""The rule of every flag kind, raising and retiring, over made-up histories (pure; no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from tracking.detection import DYNAMICS, FlagInputs, FocusChanges, Reliability, SeriesBatch, Windows, derive
from tracking.detection.flags import EPOCH

WEEK_US = 7 * 24 * 3600 * 1_000_000
CONTEXT, RELATIONAL, PHYSIOLOGICAL, IDENTITY = range(4)
NONE = -1
FALLBACK = Reliability(alpha={d: 0.8 for d in DYNAMICS}, sd={d: 15.0 for d in DYNAMICS}, source="fallback", n=0)


def profile(leader: int, top: float = 70.0, others: float = 40.0) -> list[float]:
    scores = [others] * 4
    scores[leader] = top
    return scores


def week(n: float) -> int:
    return int(n * WEEK_US)


def at(n: float) -> datetime:
    return EPOCH + timedelta(microseconds=week(n))


def inputs(*segments: tuple[int, list[float]], contact: tuple[int, ...] = (), focus=(), windows=(),
           client: int = 0) -> FlagInputs:
    """One client with weekly check-ins from week 0; `focus` as (week, code), `windows` as (opens week, missed)."""
    rows = [scores for count, scores in segments for _ in range(count)]
    n = len(rows)
    batch = SeriesBatch.of(np.full(n, client), np.arange(n, dtype=float), np.array(rows, dtype=float).reshape(-1, 4))
    moments = np.array([week(i) for i in range(n)], dtype=np.int64)
    contact_request = np.isin(np.arange(n), contact)
    changes = FocusChanges(np.full(len(focus), client, dtype=np.int64),
                           np.array([week(w) for w, _code in focus], dtype=np.int64),
                           np.array([code for _w, code in focus], dtype=np.int64))
    scheduled = Windows(np.full(len(windows), client, dtype=np.int64),
                        np.array([week(w) for w, _missed in windows], dtype=np.int64),
                        np.array([week(w + 0.7) for w, _missed in windows], dtype=np.int64),
                        np.array([missed for _w, missed in windows], dtype=bool))
    return FlagInputs(batch, moments, contact_request, changes, scheduled)


def flags_of(found, kind: str):
    (table,) = [table for table in derive(found, FALLBACK).flags if table.kind == kind]
    return table.events()


def test_a_shift_is_retired_by_the_next_shift():
    shifts = flags_of(inputs((12, profile(CONTEXT)), (12, profile(PHYSIOLOGICAL)), (12, profile(IDENTITY))),
                      "dominant_shift")
    first, second = shifts
    assert (first.from_dynamic, first.to_dynamic, second.from_dynamic, second.to_dynamic) == (
        "context", "physiological", "physiological", "identity")
    assert (first.retired_row, first.retired_reason, first.retired_at) == (second.row, "superseded", at(second.row))
    assert second.retired_row == -1 and second.retired_reason is None


def test_a_mismatch_raised_by_a_focus_change_is_dated_at_that_change_and_retires_when_the_focus_matches():
    (mismatch,) = flags_of(inputs((20, profile(PHYSIOLOGICAL)), focus=[(8.5, CONTEXT), (15.2, PHYSIOLOGICAL)]),
                           "focus_mismatch")
    assert (mismatch.from_dynamic, mismatch.to_dynamic) == ("context", "physiological")
    assert mismatch.row == -1 and mismatch.at == at(8.5)
    assert mismatch.evidence["since"] == at(8.5).isoformat(timespec="seconds")
    assert (mismatch.retired_reason, mismatch.retired_at) == ("focus_matches", at(15.2))


def test_a_focus_set_before_the_dominant_is_established_mismatches_from_that_check_in():
    (mismatch,) = flags_of(inputs((10, profile(IDENTITY)), focus=[(0.0, CONTEXT)]), "focus_mismatch")
    assert mismatch.row == 1 and mismatch.at == at(1)  # the second check-in establishes the dominant
    assert mismatch.retired_row == -1


def test_a_dominant_that_moves_to_the_focus_retires_the_mismatch():
    (mismatch,) = flags_of(inputs((12, profile(CONTEXT)), (12, profile(IDENTITY)), focus=[(0.0, IDENTITY)]),
                           "focus_mismatch")
    assert mismatch.retired_reason == "dominant_matches" and mismatch.retired_row >= 12


def test_a_dominant_that_moves_elsewhere_starts_a_new_mismatch():
    first, second = flags_of(inputs((12, profile(CONTEXT)), (12, profile(IDENTITY)), focus=[(0.0, RELATIONAL)]),
                             "focus_mismatch")
    assert (first.to_dynamic, first.retired_reason) == ("context", "dominant_changed")
    assert (second.to_dynamic, second.row, second.retired_row) == ("identity", first.retired_row, -1)


def test_a_focus_changed_to_another_dynamic_or_cleared_retires_the_mismatch():
    first, second = flags_of(inputs((20, profile(CONTEXT)), focus=[(4.5, RELATIONAL), (9.5, IDENTITY), (14.5, NONE)]),
                             "focus_mismatch")
    assert (first.from_dynamic, first.retired_reason, first.retired_at) == ("relational", "focus_changed", at(9.5))
    assert (second.from_dynamic, second.at) == ("identity", at(9.5))
    assert (second.retired_reason, second.retired_at) == ("focus_cleared", at(14.5))


def test_missed_check_ins_raise_one_flag_per_run_retired_by_the_next_check_in():
    windows = [(0, False), (1, True), (2, True), (3, True), (4.2, False), (5, True), (6, True)]
    first, second = flags_of(inputs((5, profile(CONTEXT)), windows=windows), "missed_checkins")
    assert first.at == at(2.7) and first.evidence["missed"] == [at(1).isoformat(), at(2).isoformat()]
    assert (first.retired_row, first.retired_reason, first.retired_at) == (3, "checked_in", at(3))
    assert second.at == at(6.7) and second.retired_row == -1  # no check-in since


def test_a_contact_request_is_never_retired_by_data():
    (request,) = flags_of(inputs((12, profile(CONTEXT)), (12, profile(IDENTITY)), contact=(3,)), "contact_request")
    assert request.row == 3 and request.retired_row == -1


def test_a_client_without_check_ins_can_still_miss_them():
    empty = FlagInputs(SeriesBatch.of([], [], np.zeros((0, 4))), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool),
                       FocusChanges(np.array([4]), np.array([week(1)]), np.array([CONTEXT])),
                       Windows(np.array([4, 4]), np.array([week(0), week(1)]), np.array([week(0.7), week(1.7)]),
                               np.array([True, True])))
    tables = {table.kind: table for table in derive(empty, FALLBACK).flags}
    (missed,) = tables["missed_checkins"].events()
    assert missed.retired_row == -1 and tables["missed_checkins"].client.tolist() == [4]
    assert len(tables["focus_mismatch"]) == 0


def test_retirement_never_precedes_raising_and_every_retired_flag_has_a_reason():
    found = inputs((10, profile(CONTEXT)), (10, profile(IDENTITY)), (10, [70.0, 20.0, 20.0, 20.0]),
                   (10, profile(RELATIONAL)), contact=(4, 17), focus=[(3.5, IDENTITY), (25.0, NONE)],
                   windows=[(w, w in (12, 13, 30)) for w in range(40)])
    for table in derive(found, FALLBACK).flags:
        retired = table.retired_us >= 0
        assert np.all(table.retired_us[retired] >= table.raised_us[retired]), table.kind
        assert all(reason is not None for reason in table.retired_reason[retired]), table.kind
        assert all(reason is None for reason in table.retired_reason[~retired]), table.kind


def test_moments_are_utc_datetimes():
    assert at(0) == datetime(1970, 1, 1, tzinfo=UTC)
