"""The rules that raise and retire each kind of flag, over all clients of a batch at once.

- `dominant_shift`: the established dominant changes from one dynamic to another; retired by the
  client's next shift (`superseded`).
- `reliable_deterioration` / `reliable_improvement`: see `tracking.detection.change`; retired when
  the recent mean is back within noise of the baseline for a sustained stretch.
- `focus_mismatch`: the focus in force differs from the established dominant. Raised at the moment
  they start to differ (the check-in that established or moved the dominant, or the focus change);
  retired when they agree again, when the focus is cleared, or when either moves to another
  dynamic (then a new mismatch starts at that moment).
- `missed_checkins`: two scheduled windows in a row closed without a check-in; raised when the
  second closed, retired by the client's next check-in.
- `contact_request`: the client asked for contact; only a coach retires it (by resolving it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracking.detection.batch import (
    Bools,
    Ints,
    SeriesBatch,
    client_starts,
    first_at_or_after,
    next_row_within_client,
    run_lengths,
)
from tracking.detection.change import Reliability, change_episodes, change_series, reliable_change_points
from tracking.detection.flags import (
    BACK_WITHIN_NOISE,
    CHECKED_IN,
    CONTACT_RULE,
    DETERIORATION_RULE,
    DOMINANT_CHANGED,
    DOMINANT_MATCHES,
    FOCUS_CHANGED,
    FOCUS_CLEARED,
    FOCUS_MATCHES,
    FOCUS_RULE,
    IMPROVEMENT_RULE,
    MISSED_RULE,
    SHIFT_RULE,
    SUPERSEDED,
    FlagTable,
    empty_texts,
    retired_moments,
    rounded,
    take_rows,
)
from tracking.detection.settings import DEFAULTS, DetectionSettings
from tracking.detection.states import StateResult, detect_states, leader_and_lead, shift_rows
from tracking.instrument import DYNAMICS

NO_CODE = -1


@dataclass(frozen=True)
class FocusChanges:
    """Every change of a client's intervention focus, grouped by client in time order; focus -1 = none."""

    client: Ints
    moment_us: Ints
    focus: Ints

    @classmethod
    def empty(cls) -> FocusChanges:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none)


@dataclass(frozen=True)
class Windows:
    """Scheduled check-in windows that were answered or closed unanswered, by client in time order."""

    client: Ints
    opens_us: Ints
    closes_us: Ints
    missed: Bools

    @classmethod
    def empty(cls) -> Windows:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class FlagInputs:
    """Everything the flag rules read. `checkin_us` and `contact_request` have one entry per batch row;
    moments are microseconds since the epoch."""

    batch: SeriesBatch
    checkin_us: Ints
    contact_request: Bools
    focus: FocusChanges
    windows: Windows


def _none(size: int) -> Ints:
    return np.full(size, NO_CODE, dtype=np.int64)


def _reasons(retired_row: Ints, reason: str) -> npt.NDArray[np.object_]:
    """`reason` for every flag that retired, None for the others."""
    reasons = np.full(retired_row.size, None, dtype=object)
    reasons[retired_row >= 0] = reason
    return reasons


def shift_table(batch: SeriesBatch, result: StateResult, checkin_us: Ints,
                settings: DetectionSettings = DEFAULTS) -> FlagTable:
    """A `dominant_shift` at every check-in where the established dominant changed from A to B."""
    reference = result.reference if result.reference is not None else detect_states(batch, settings).reference
    assert reference is not None
    rows = shift_rows(batch.client, result.dominant)
    old, new = result.dominant[rows - 1].astype(np.int64), result.dominant[rows].astype(np.int64)
    levels, usual = result.levels[rows], reference[rows]
    _leader, runner_up, lead = leader_and_lead(levels)
    picked = np.arange(rows.size)
    now = levels[picked, new] - levels[picked, old]
    long_run = usual[picked, new] - usual[picked, old]
    retired = next_row_within_client(batch.client, rows, rows)
    numbers = {
        "lead_points": rounded(lead), "margin_points": rounded(np.full(rows.size, settings.margin_points)),
        "difference_now_points": rounded(now), "difference_long_run_points": rounded(long_run),
        "swing_points": rounded(now - long_run), "shift_points": rounded(np.full(rows.size, settings.shift_points)),
    }
    for group, values in (("levels", levels), ("long_run_levels", usual)):
        for column, dynamic in enumerate(DYNAMICS):
            numbers[f"{group}.{dynamic}"] = rounded(values[:, column])
    names = np.array(DYNAMICS, dtype=object)
    return FlagTable(
        kind="dominant_shift", rule=empty_texts(rows.size, SHIFT_RULE), client=batch.client[rows], raised_row=rows,
        raised_us=checkin_us[rows], retired_row=retired, retired_us=retired_moments(retired, checkin_us),
        retired_reason=_reasons(retired, SUPERSEDED), from_code=old, to_code=new,
        dynamic_code=_none(rows.size), numbers=numbers,
        texts={"from": names[old], "to": names[new], "runner_up": names[runner_up]},
    )


def change_tables(batch: SeriesBatch, checkin_us: Ints, reliability: Reliability,
                  settings: DetectionSettings = DEFAULTS) -> list[FlagTable]:
    """Reliable deterioration and improvement of each dynamic against the client's baseline."""
    tables: dict[str, list[FlagTable]] = {kind: [] for kind in ("reliable_deterioration", "reliable_improvement")}
    for column, dynamic in enumerate(DYNAMICS):
        series = change_series(batch.client, batch.scores[:, column], reliability, dynamic, settings)
        clustering_recent, clustering_baseline = reliability.clustering(dynamic, settings)
        rci_points = reliable_change_points(reliability.alpha[dynamic], reliability.sd[dynamic],
                                            settings.baseline_checkins)
        for kind, direction, rule in (("reliable_deterioration", 1, DETERIORATION_RULE),
                                      ("reliable_improvement", -1, IMPROVEMENT_RULE)):
            episodes = change_episodes(series, direction, settings)
            at, ended = episodes.raised, episodes.retired
            rows = series.rows[at]
            retired = take_rows(series.rows, ended)
            size = rows.size
            tables[kind].append(FlagTable(
                kind=kind, rule=empty_texts(size, rule), client=series.client[at], raised_row=rows,
                raised_us=checkin_us[rows], retired_row=retired, retired_us=retired_moments(retired, checkin_us),
                retired_reason=_reasons(retired, BACK_WITHIN_NOISE),
                from_code=_none(size), to_code=_none(size), dynamic_code=np.full(size, column, dtype=np.int64),
                numbers={
                    "baseline": rounded(series.baseline[at]), "recent": rounded(series.recent[at]),
                    "change_points": rounded(series.recent[at] - series.baseline[at]),
                    "se_points": rounded(series.se[at]), "z": rounded(series.z[at]),
                    "z_threshold": rounded(np.full(size, settings.change_z)),
                    "score": rounded(batch.scores[rows, column]),
                    "rci": rounded((batch.scores[rows, column] - series.baseline[at]) / rci_points),
                    "rci_threshold": np.full(size, round(settings.rci_z, 2)),
                    "alpha": np.full(size, round(reliability.alpha[dynamic], 2)),
                    "sd": rounded(np.full(size, reliability.sd[dynamic])),
                    "noise_points": rounded(series.noise[at]),
                    "clustering_recent": np.full(size, round(clustering_recent, 2)),
                    "clustering_baseline": np.full(size, round(clustering_baseline, 2)),
                },
                counts={"baseline_checkins": np.full(size, settings.baseline_checkins, dtype=np.int64),
                        "recent_checkins": series.recent_checkins[at]},
                texts={"dynamic": empty_texts(size, dynamic),
                       "reliability_source": empty_texts(size, reliability.source)},
            ))
        del series, episodes  # before the next dynamic's are made
    return [_concat(kind, parts) for kind, parts in tables.items()]


def _concat(kind: str, parts: list[FlagTable]) -> FlagTable:
    """One table from several of the same kind, ordered by raising row (then by part)."""
    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(part, name) for part in parts])

    def joined_columns(name: str) -> dict[str, np.ndarray]:
        return {key: np.concatenate([getattr(part, name)[key] for part in parts]) for key in getattr(parts[0], name)}

    table = FlagTable(kind, joined("rule"), joined("client"), joined("raised_row"), joined("raised_us"),
                      joined("retired_row"), joined("retired_us"), joined("retired_reason"), joined("from_code"),
                      joined("to_code"), joined("dynamic_code"), joined_columns("numbers"), joined_columns("counts"),
                      joined_columns("texts"), joined_columns("moments"))
    return table.take(np.lexsort((table.dynamic_code, table.raised_row)).astype(np.int64))


def contact_table(batch: SeriesBatch, checkin_us: Ints, contact_request: Bools) -> FlagTable:
    """A `contact_request` at every check-in that asked for contact."""
    rows = np.flatnonzero(contact_request).astype(np.int64)
    size = rows.size
    return FlagTable(
        kind="contact_request", rule=empty_texts(size, CONTACT_RULE), client=batch.client[rows], raised_row=rows,
        raised_us=checkin_us[rows], retired_row=_none(size), retired_us=_none(size), retired_reason=empty_texts(size),
        from_code=_none(size), to_code=_none(size), dynamic_code=_none(size),
    )


def focus_table(batch: SeriesBatch, dominant: Ints, checkin_us: Ints, focus: FocusChanges) -> FlagTable:
    """Focus mismatches over each client's merged history of check-ins and focus changes.

    Only the check-ins where a client's established dominant changed matter, so only those are merged."""
    starts = client_starts(batch.client)
    moved = np.flatnonzero(starts | (dominant != np.r_[NO_CODE, dominant[:-1]])).astype(np.int64)
    n_moved, n_changes = moved.size, focus.client.size
    client = np.r_[batch.client[moved], focus.client]
    moment = np.r_[checkin_us[moved], focus.moment_us]
    is_change = np.r_[np.zeros(n_moved, dtype=bool), np.ones(n_changes, dtype=bool)]
    # At equal moments a focus change counts after the check-in (the coach reacts to what came in).
    order = np.lexsort((is_change, moment, client))
    client, moment, is_change = client[order], moment[order], is_change[order]
    row = np.where(is_change, -1, np.r_[moved, np.full(n_changes, -1, dtype=np.int64)][order])
    index = np.arange(order.size)
    starts = client_starts(client)
    start_index = np.maximum.accumulate(np.where(starts, index, 0))
    last_checkin = np.maximum.accumulate(np.where(~is_change, index, -1))
    last_change = np.maximum.accumulate(np.where(is_change, index, -1))
    last_row = np.where(last_checkin >= start_index, row[np.maximum(last_checkin, 0)], -1) if row.size else row
    dominant_now = take_rows(dominant, last_row, NO_CODE)
    focus_values = np.r_[np.full(n_moved, NO_CODE), focus.focus][order]
    focus_now = np.where(last_change >= start_index, focus_values[np.maximum(last_change, 0)], NO_CODE)
    mismatch = (focus_now >= 0) & (dominant_now >= 0) & (focus_now != dominant_now)
    pair = np.where(mismatch, focus_now * 8 + dominant_now, -1)
    before = np.r_[-1, pair[:-1]]
    before[starts] = -1
    raised = np.flatnonzero(mismatch & (pair != before)).astype(np.int64)
    ends = np.flatnonzero((pair != before) & (before >= 0)).astype(np.int64)
    ended = next_row_within_client(client, raised, ends)
    reason = np.full(raised.size, None, dtype=object)
    has_end = ended >= 0
    end = np.maximum(ended, 0)
    by_change = is_change[end]
    agree = ~mismatch[end]
    reason[has_end & agree & (focus_now[end] < 0)] = FOCUS_CLEARED
    reason[has_end & agree & (focus_now[end] >= 0) & by_change] = FOCUS_MATCHES
    reason[has_end & agree & (focus_now[end] >= 0) & ~by_change] = DOMINANT_MATCHES
    reason[has_end & ~agree & by_change] = FOCUS_CHANGED
    reason[has_end & ~agree & ~by_change] = DOMINANT_CHANGED
    names = np.array(DYNAMICS, dtype=object)
    return FlagTable(
        kind="focus_mismatch", rule=empty_texts(raised.size, FOCUS_RULE), client=client[raised],
        raised_row=row[raised], raised_us=moment[raised], retired_row=np.where(has_end, row[end], -1),
        retired_us=np.where(has_end, moment[end], -1), retired_reason=reason, from_code=focus_now[raised],
        to_code=dominant_now[raised], dynamic_code=_none(raised.size),
        texts={"focus": names[focus_now[raised]], "dominant": names[dominant_now[raised]]},
        moments={"since": moment[raised]},
    )


def missed_table(batch: SeriesBatch, checkin_us: Ints, windows: Windows) -> FlagTable:
    """One `missed_checkins` per run of missed windows, raised when the second of the run closed and
    retired by the client's first check-in at or after that moment."""
    second = np.flatnonzero(run_lengths(windows.client, windows.missed) == 2).astype(np.int64)
    size = second.size
    client = windows.client[second]
    raised_us = windows.closes_us[second]
    retired_row = first_at_or_after(batch.client, checkin_us, client, raised_us)
    return FlagTable(
        kind="missed_checkins", rule=empty_texts(size, MISSED_RULE), client=client, raised_row=_none(size),
        raised_us=raised_us, retired_row=retired_row, retired_us=retired_moments(retired_row, checkin_us),
        retired_reason=_reasons(retired_row, CHECKED_IN), from_code=_none(size),
        to_code=_none(size), dynamic_code=_none(size),
        moments={"missed[0]": windows.opens_us[second - 1], "missed[1]": windows.opens_us[second]},
    )


@dataclass(frozen=True)
class Derived:
    states: StateResult
    flags: list[FlagTable]


def flag_tables(inputs: FlagInputs, reliability: Reliability, settings: DetectionSettings,
                states: StateResult) -> Iterator[FlagTable]:
    """Every flag of every kind, raised and retired, one kind's table at a time: a caller can store
    one while the next is found."""
    batch = inputs.batch
    yield shift_table(batch, states, inputs.checkin_us, settings)
    yield from change_tables(batch, inputs.checkin_us, reliability, settings)
    yield contact_table(batch, inputs.checkin_us, inputs.contact_request)
    yield focus_table(batch, states.dominant.astype(np.int64), inputs.checkin_us, inputs.focus)
    yield missed_table(batch, inputs.checkin_us, inputs.windows)


def derive(inputs: FlagInputs, reliability: Reliability, settings: DetectionSettings = DEFAULTS,
           states: StateResult | None = None) -> Derived:
    """States after every check-in (unless given, from `detect_states`) and every flag, raised and
    retired, of every kind."""
    states = states if states is not None else detect_states(inputs.batch, settings)
    return Derived(states, list(flag_tables(inputs, reliability, settings, states)))
