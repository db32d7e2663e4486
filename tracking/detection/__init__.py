"""Pattern detection: the state after every check-in, and every flag with the rule that raised and
retired it.

Pure NumPy over all clients at once; no storage, clock or environment. docs/detection.md explains
the methods for coaches and engineers, and the benchmark behind every default.

- `settings`: every threshold, with its meaning and the benchmarked reason for its default;
- `batch`: the input (`SeriesBatch`) and helpers to walk it by client;
- `states`: smoothed levels, the state and the established dominant (`detect_states`);
- `change`: reliable change as a control chart against the client's baseline;
- `flags`: flags as columnar tables with their evidence as numbers (`FlagTable`, `Event`);
- `rules`: the rule of every flag kind, raising and retiring, and `derive` (or `flag_tables`, one
  kind at a time) to run them all.

Causality: everything at a check-in uses only that client's check-ins (and focus changes and
windows) up to it, so appending check-ins never changes the states or flags of earlier ones.
"""

from __future__ import annotations

import numpy as np

from tracking.detection.batch import N_DYNAMICS, Ints, SeriesBatch, rows_by_step
from tracking.detection.change import (
    ChangeSeries,
    Reliability,
    change_series,
    clustering_factor,
    cronbach_alpha,
    estimate_reliability,
    reliable_change_points,
)
from tracking.detection.flags import (
    CONTACT_RULE,
    DETERIORATION_RULE,
    FOCUS_RULE,
    IMPROVEMENT_RULE,
    MISSED_RULE,
    RETIRE_REASONS,
    SHIFT_RULE,
    Event,
    FlagTable,
)
from tracking.detection.rules import (
    Derived,
    FlagInputs,
    FocusChanges,
    Windows,
    change_tables,
    derive,
    flag_tables,
    shift_table,
)
from tracking.detection.settings import DEFAULTS, DetectionSettings
from tracking.detection.states import MIXED, NONE, StateResult, detect_states, shift_rows, state_name
from tracking.instrument import DYNAMICS

__all__ = [
    "CONTACT_RULE", "DEFAULTS", "DETERIORATION_RULE", "DYNAMICS", "FOCUS_RULE", "IMPROVEMENT_RULE", "MISSED_RULE",
    "MIXED", "NONE", "N_DYNAMICS", "RETIRE_REASONS", "SHIFT_RULE", "ChangeSeries", "Derived", "DetectionSettings",
    "Event", "FlagInputs", "FlagTable", "FocusChanges", "Reliability", "SeriesBatch", "StateResult", "Windows",
    "change_series", "change_tables", "clustering_factor", "cronbach_alpha", "derive", "detect_states", "flag_tables",
    "estimate_reliability", "reliable_change_events", "reliable_change_points", "rows_by_step", "shift_events",
    "shift_rows", "shift_table", "state_name",
]


def _weekly_moments(batch: SeriesBatch) -> Ints:
    return np.round(np.nan_to_num(batch.weeks, nan=0.0) * 7 * 24 * 3600 * 1_000_000).astype(np.int64)


def shift_events(batch: SeriesBatch, result: StateResult,
                 settings: DetectionSettings = DEFAULTS) -> list[Event]:
    """The `dominant_shift` flags of a batch as `Event`s (moments counted from week 0)."""
    return shift_table(batch, result, _weekly_moments(batch), settings).events()


def reliable_change_events(batch: SeriesBatch, reliability: Reliability,
                           settings: DetectionSettings = DEFAULTS) -> list[Event]:
    """Reliable deterioration and improvement flags of a batch as `Event`s, by row, dynamic and kind."""
    events = [event for table in change_tables(batch, _weekly_moments(batch), reliability, settings)
              for event in table.events()]
    return sorted(events, key=lambda event: (event.row, DYNAMICS.index(event.dynamic or ""), event.kind))
