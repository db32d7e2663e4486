"""The `not_on_track` flag: a dynamic the coach should be moving stays above its expected band.

A dynamic is *followed* at a check-in when it is the client's established dominant or the focus in
force. It is *above* when its observed level is above the band's upper edge and at or above the
concern level; such a check-in *counts* towards a flag once `amber_from_weeks` have passed on its
clock, and before that only when it is well above the band (the red zone): in the first weeks the
slowest clients who will recover cannot be told from clients who do not, so only clear cases (a
client getting worse) are flagged that early. The flag is raised at a followed check-in that is
above after `checkins_above` counting check-ins in a row on the same clock, and retires at the
next scored check-in where the dynamic is no longer followed and above:

- `back_in_band`: the observed level is back inside (or below) the band;
- `not_elevated`: it is above the band but below the concern level;
- `no_longer_followed`: the dynamic is neither the dominant nor the focus any more;
- `focus_changed`: the focus moved onto or away from the dynamic, so its expected path restarted.

Check-ins without a score for the dynamic, or before its expected path exists, neither hold nor
break a run. When the flagged dynamic is the focus in force and the focus has been on it for at
least `focus_weeks`, the rule is `not_on_track.focus_not_improving.v1`: the focus is not bringing
the expected improvement, the signal to adjust it.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol

import numpy as np
import numpy.typing as npt

from tracking.detection import SeriesBatch
from tracking.instrument import DYNAMICS
from tracking.recovery.band import (
    CLOCK_NAMES,
    FOCUS,
    N_DYNAMICS,
    NO_CLOCK,
    ZONE_NAMES,
    DynamicBand,
    FocusPeriods,
    RecoveryResult,
    Timeline,
    clocks,
    coaching_timeline,
    dynamic_band,
    expected_recovery,
    zones,
)
from tracking.recovery.curves import BoolArray, Curves, FloatArray, IntArray
from tracking.recovery.estimate import estimate_curves
from tracking.recovery.settings import DEFAULT_SETTINGS, RecoverySettings

KIND = "not_on_track"
RULE = "not_on_track.v1"
FOCUS_RULE = "not_on_track.focus_not_improving.v1"
BACK_IN_BAND = "back_in_band"
NOT_ELEVATED = "not_elevated"
NO_LONGER_FOLLOWED = "no_longer_followed"
FOCUS_CHANGED = "focus_changed"
# From this many check-ins on, a dynamic is computed in two halves (whole clients each) on two threads
# at once: NumPy releases Python's lock while it works through columns this long, so the halves run on
# two cores, and together they hold what one dynamic did. Below it, a thread costs more than it saves.
PARALLEL_ROWS = 100_000
P = ParamSpec("P")

Evidence = dict[str, str | float | int | bool | None]


@dataclass(frozen=True)
class NotOnTrack:
    """One `not_on_track` flag: the row that raised it, its dynamic and evidence, and when and why it retired."""

    row: int
    dynamic: str
    evidence: Evidence
    retired_row: int | None
    retired_reason: str | None
    kind: str = KIND


@dataclass(frozen=True, eq=False)  # holds arrays: compare their fields, not the objects
class NotOnTrackTable:
    """Every `not_on_track` flag of a batch as columns, in order of row, then dynamic.

    `row` raised it, `dynamic` is an index into DYNAMICS, `retired_row` and `retired_reason` say
    when and why it retired (-1 and None: still open). `evidence` has the fields of a flag's
    evidence in their order: numbers as floats (NaN where a flag has none), `checkins_above` as
    whole numbers, `focus_not_improving` as booleans, words as objects (None where there are none).
    """

    row: IntArray
    dynamic: IntArray
    retired_row: IntArray
    retired_reason: npt.NDArray[np.object_]
    evidence: dict[str, npt.NDArray[Any]]

    def __len__(self) -> int:
        return int(self.row.size)

    def shifted(self, offset: int) -> NotOnTrackTable:
        """The same flags, found in a part of a batch that starts at row `offset`, with the batch's row numbers."""
        return dataclasses.replace(self, row=self.row + offset,
                                   retired_row=np.where(self.retired_row >= 0, self.retired_row + offset, -1))

    def events(self) -> list[NotOnTrack]:
        """The flags one by one."""
        columns = [(name, _plain(values)) for name, values in self.evidence.items()]
        return [NotOnTrack(int(row), DYNAMICS[d], {name: values[i] for name, values in columns},
                           None if retired < 0 else int(retired), reason)
                for i, (row, d, retired, reason) in enumerate(zip(self.row.tolist(), self.dynamic.tolist(),
                                                                  self.retired_row.tolist(),
                                                                  self.retired_reason.tolist()))]


def _plain(values: npt.NDArray[Any]) -> list[Any]:
    """A column as the evidence's Python values: NaN is None."""
    if values.dtype == np.float64:
        return [None if math.isnan(value) else value for value in values.tolist()]
    return list(values.tolist())


def _points(value: float) -> float | None:
    return round(float(value), 1) if math.isfinite(value) else None


def _points_column(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """`_points` of every value, NaN for None, exactly as Python's `round` gives it.

    Scaling by 10, rounding and scaling back gives Python's result except where the scaled value is
    next to a half (its rounding error can cross it); those few take Python's `round`.
    """
    with np.errstate(invalid="ignore"):
        scaled = values * 10.0
        result: npt.NDArray[np.float64] = np.rint(scaled) / 10.0
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    result[~np.isfinite(values)] = np.nan
    for index in np.flatnonzero(near_half).tolist():
        result[index] = round(float(values[index]), 1)
    return result


def _run_length(continues: BoolArray, hit: BoolArray) -> IntArray:
    """Rows in a row where `hit` holds, counting back while `continues` links a row to the previous one."""
    index = np.arange(hit.size)
    breaks = ~hit | ~continues
    last_break = np.maximum.accumulate(np.where(breaks, np.where(hit, index - 1, index), -1)) if hit.size else index
    result: IntArray = np.where(hit, index - last_break, 0)
    return result


class RowClocks(Protocol):
    """Per row: the focus in force, its period and weeks since it was set, and weeks since coaching started
    (a `RecoveryResult` or the `Clocks` it was made from)."""

    @property
    def focus(self) -> npt.NDArray[np.integer[Any]]: ...
    @property
    def focus_period(self) -> IntArray: ...
    @property
    def weeks_since_focus(self) -> FloatArray: ...
    @property
    def weeks_since_start(self) -> FloatArray: ...


def _dominant_codes(batch: SeriesBatch, dominant: npt.ArrayLike) -> IntArray:
    dominant_codes = np.asarray(dominant, dtype=np.int64).reshape(-1)
    if dominant_codes.size != batch.client.size:
        raise ValueError("dominant needs one entry per check-in")
    return dominant_codes


def not_on_track_events(
    batch: SeriesBatch,
    dominant: npt.ArrayLike,
    result: RecoveryResult,
    curves: Curves,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> list[NotOnTrack]:
    """Every `not_on_track` flag in the batch, with the row it retired at (None: still open).

    `dominant` per row is the client's established dominant as an index into DYNAMICS, -1 before
    one is established (detection's `StateResult.dominant`).
    """
    dominant_codes = _dominant_codes(batch, dominant)
    return _joined([_dynamic_flags(batch, dominant_codes, result, DynamicBand.of(result, d), d, curves, settings)
                    for d in range(N_DYNAMICS)]).events()


def not_on_track_parts(
    batch: SeriesBatch,
    dominant: npt.ArrayLike,
    start_weeks: npt.ArrayLike | None,
    focus: FocusPeriods,
    curves: Curves,
    settings: RecoverySettings = DEFAULT_SETTINGS,
    *,
    timeline: Timeline | None = None,
) -> Iterator[NotOnTrackTable]:
    """The flags of `not_on_track_table`, one dynamic's table at a time (each in order of row), so
    that a caller can store one while the next is found. A dynamic is computed in two halves on two
    threads for a large batch (see `PARALLEL_ROWS`): only one dynamic's expected path and band are
    held at once."""
    dominant_codes = _dominant_codes(batch, dominant)
    row_clocks = clocks(batch, start_weeks, focus, settings, timeline)
    n_rows = batch.client.size
    # A large batch in two halves that start at the first row of the client in the middle: a
    # client's rows stay together.
    middle = int(np.searchsorted(batch.client, batch.client[n_rows // 2])) if 0 < PARALLEL_ROWS <= n_rows else 0
    parts = [slice(0, middle), slice(middle, n_rows)] if middle > 0 else [slice(0, n_rows)]

    def part_flags(task: tuple[int, slice]) -> NotOnTrackTable:
        d, rows = task
        part = SeriesBatch(batch.client[rows], batch.weeks[rows], batch.scores[rows])
        band = dynamic_band(row_clocks, d, curves, settings, rows)
        found = _dynamic_flags(part, dominant_codes[rows], _RowsOf(row_clocks, rows), band, d, curves, settings)
        return found.shifted(rows.start)

    with ExitStack() as threads:
        run = map if len(parts) == 1 else threads.enter_context(
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="koers-recovery")).map
        for d in range(N_DYNAMICS):
            yield _joined(list(run(part_flags, [(d, rows) for rows in parts])))


def _as_one_table(parts: Callable[P, Iterator[NotOnTrackTable]]) -> Callable[P, NotOnTrackTable]:
    """`parts` with its tables joined into one (`_joined`), taking the same arguments."""
    def table(*args: P.args, **kwargs: P.kwargs) -> NotOnTrackTable:
        return _joined(list(parts(*args, **kwargs)))

    table.__signature__ = inspect.signature(parts).replace(return_annotation="NotOnTrackTable")  # type: ignore[attr-defined]
    return table


not_on_track_table = _as_one_table(not_on_track_parts)
not_on_track_table.__name__ = not_on_track_table.__qualname__ = "not_on_track_table"
not_on_track_table.__doc__ = """The flags of `track_recovery` as columns, for all clients at once: the
tables of `not_on_track_parts` (same arguments) joined, in order of row, then dynamic. No Python
object is made per flag. `timeline`: `coaching_timeline(batch, start_weeks, settings)`, when the
caller already made it."""


class _RowsOf:
    """The `RowClocks` of a range of rows."""

    def __init__(self, clocks: RowClocks, rows: slice) -> None:
        self.focus = clocks.focus[rows]
        self.focus_period = clocks.focus_period[rows]
        self.weeks_since_focus = clocks.weeks_since_focus[rows]
        self.weeks_since_start = clocks.weeks_since_start[rows]


def refresh_table(batch: SeriesBatch, dominant: npt.ArrayLike, focus: FocusPeriods, curves: Curves | None,
                  settings: RecoverySettings = DEFAULT_SETTINGS) -> tuple[NotOnTrackTable, Curves]:
    """The flags as a refresh finds them, from each client's first check-in, and the curves they rest
    on: `curves`, or when None, estimated from the batch (which then holds every client)."""
    curves, parts = refresh_parts(batch, dominant, focus, curves, settings)
    return _joined(list(parts)), curves


def refresh_parts(batch: SeriesBatch, dominant: npt.ArrayLike, focus: FocusPeriods, curves: Curves | None,
                  settings: RecoverySettings = DEFAULT_SETTINGS) -> tuple[Curves, Iterator[NotOnTrackTable]]:
    """`refresh_table`'s curves, and its flags one dynamic at a time (`not_on_track_parts`). The
    estimate and the band share one coaching timeline (its Kalman filter is most of their time)."""
    timeline = coaching_timeline(batch, None, settings)
    if curves is None:
        curves = estimate_curves(batch, dominant, None, settings, timeline=timeline)
    return curves, not_on_track_parts(batch, dominant, None, focus, curves, settings, timeline=timeline)


def _joined(parts: list[NotOnTrackTable]) -> NotOnTrackTable:
    """The tables of each dynamic as one, in order of row, then dynamic."""
    rows = np.concatenate([part.row for part in parts])
    dynamics = np.concatenate([part.dynamic for part in parts])
    order = np.lexsort((dynamics, rows))
    return NotOnTrackTable(
        row=rows[order],
        dynamic=dynamics[order],
        retired_row=np.concatenate([part.retired_row for part in parts])[order],
        retired_reason=np.concatenate([part.retired_reason for part in parts])[order],
        evidence={name: np.concatenate([part.evidence[name] for part in parts])[order]
                  for name in parts[0].evidence},
    )


def _dynamic_flags(batch: SeriesBatch, dominant_codes: IntArray, row_clocks: RowClocks, band: DynamicBand, d: int,
                   curves: Curves, settings: RecoverySettings) -> NotOnTrackTable:
    """The flags of dynamic `d`."""
    counted = ~np.isnan(batch.scores[:, d]) & (band.clock != NO_CLOCK)
    rows = np.flatnonzero(counted)
    client = batch.client[rows]
    basis = np.where(band.clock[rows] == FOCUS, row_clocks.focus_period[rows].astype(np.int64) + 1, 0)
    followed = (dominant_codes[rows] == d) | (row_clocks.focus[rows] == d)
    observed, upper = band.observed[rows], band.upper[rows]
    above = (observed > upper) & (observed >= settings.concern_level)
    counts = above & ((band.weeks_on_clock[rows] >= settings.amber_from_weeks)
                      | (observed > band.well_above[rows]))
    hit = followed & above
    same = np.r_[False, (client[1:] == client[:-1]) & (basis[1:] == basis[:-1])]
    counted_run = _run_length(same, counts)
    run_start = hit & ~(same & np.r_[False, hit[:-1]])
    run_id = np.cumsum(run_start)
    ready = hit & (counted_run >= settings.checkins_above)
    _, first = np.unique(run_id[ready], return_index=True)
    raised = np.flatnonzero(ready)[first]
    continues_next = np.r_[same[1:] & hit[1:], False]
    run_end_positions = np.flatnonzero(hit & ~continues_next)
    end = run_end_positions[np.searchsorted(run_end_positions, raised)]
    # Retirement: the first counted row after the run, when it is the same client's.
    after = np.minimum(end + 1, max(rows.size - 1, 0))
    retires = (end + 1 < rows.size) & (client[after] == client[end])
    reason = np.where(basis[after] != basis[end], FOCUS_CHANGED,
                      np.where(~followed[after], NO_LONGER_FOLLOWED,
                               np.where(observed[after] <= upper[after], BACK_IN_BAND, NOT_ELEVATED)))
    retired_reason = np.full(raised.size, None, dtype=object)
    retired_reason[retires] = reason[retires]
    return NotOnTrackTable(
        row=rows[raised],
        dynamic=np.full(raised.size, d, dtype=np.int64),
        retired_row=np.where(retires, rows[after], -1),
        retired_reason=retired_reason,
        evidence=_evidence(batch, dominant_codes, row_clocks, band, curves, settings, rows[raised], d,
                           counted_run[raised]),
    )


_DYNAMIC_NAMES = np.asarray([*DYNAMICS, None], dtype=object)  # by code; -1 (none) is the last


def _evidence(batch: SeriesBatch, dominant_codes: IntArray, row_clocks: RowClocks, band: DynamicBand,
              curves: Curves, settings: RecoverySettings, row: IntArray, d: int, checkins_above: IntArray
              ) -> dict[str, npt.NDArray[Any]]:
    """The evidence of the flags raised at `row` (dynamic `d`), as columns."""
    dynamic = DYNAMICS[d]
    size = row.size
    dominant = dominant_codes[row]
    focus = row_clocks.focus[row].astype(np.int64)
    since_focus = row_clocks.weeks_since_focus[row]
    is_focus = focus == d
    focus_not_improving = is_focus & (since_focus >= settings.focus_weeks)
    observed, expected, anchor = band.observed[row], band.expected[row], band.anchor[row]
    lower, upper, well_above = band.lower[row], band.upper[row], band.well_above[row]

    def constant(value: Any, dtype: Any = np.float64) -> npt.NDArray[Any]:
        column = np.empty(size, dtype=dtype)
        column[:] = [value] * size if dtype is object else (math.nan if value is None else value)
        return column

    return {
        "rule": np.where(focus_not_improving, FOCUS_RULE, RULE).astype(object),
        "dynamic": constant(dynamic, object),
        "role": np.where(is_focus & (dominant == d), "dominant_and_focus", np.where(is_focus, "focus", "dominant"))
        .astype(object),
        "observed": _points_column(observed),
        "score": _points_column(batch.scores[row, d]),
        "expected": _points_column(expected),
        "band_lower": _points_column(lower),
        "band_upper": _points_column(upper),
        "well_above": _points_column(well_above),
        "zone": np.asarray(ZONE_NAMES, dtype=object)[zones(observed, lower, upper, well_above)],
        "checkins_above": checkins_above.astype(np.int64),
        "amber_from_weeks": constant(_points(settings.amber_from_weeks)),
        "started_at": _points_column(anchor),
        "expected_improvement": _points_column(anchor - expected),
        "observed_improvement": _points_column(anchor - observed),
        "clock": np.asarray(CLOCK_NAMES, dtype=object)[band.clock[row]],
        "weeks_on_clock": _points_column(band.weeks_on_clock[row]),
        "weeks_since_start": _points_column(row_clocks.weeks_since_start[row]),
        "dominant": _DYNAMIC_NAMES[dominant],
        "focus": _DYNAMIC_NAMES[focus],
        "weeks_since_focus": np.where(focus >= 0, _points_column(since_focus), math.nan),
        "focus_weeks": constant(_points(settings.focus_weeks)),
        "focus_not_improving": focus_not_improving,
        "curve_half_weeks": constant(_optional_points(curves.half_weeks(dynamic))),
        "curve_pace_spread": constant(round(curves.pace_spread[dynamic], 2)),
        "curve_source": constant(curves.source[dynamic], object),
        "checkin_noise": constant(_points(curves.checkin_noise)),
        "band_z": constant(round(settings.band_z, 2)),
        "well_above_z": constant(round(settings.well_above_z, 2)),
    }


def _optional_points(value: float | None) -> float | None:
    return None if value is None else _points(value)


def track_recovery(
    batch: SeriesBatch,
    dominant: npt.ArrayLike,
    start_weeks: npt.ArrayLike | None,
    focus: FocusPeriods,
    curves: Curves,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> tuple[RecoveryResult, list[NotOnTrack]]:
    """Expected strain and band at every check-in, and every `not_on_track` flag, for all clients at once."""
    result = expected_recovery(batch, start_weeks, focus, curves, settings)
    return result, not_on_track_events(batch, dominant, result, curves, settings)
