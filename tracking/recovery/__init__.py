"""Expected recovery per dynamic and the `not_on_track` flag.

Pure NumPy over all clients at once; no storage, clock or environment. For each client and dynamic
the model draws the strain expected at every check-in, given where the dynamic started when
coaching began (or, for the focused dynamic, when the current focus was set), with a band around
it; a dynamic the coach should be moving (the dominant or the focus) that stays above its band
raises `not_on_track`. docs/recovery.md explains the model, the estimate from a practice's own
clients, the band and the rule, and the benchmark behind every default.

    curves = estimate_curves(batch, start_weeks, settings)       # or default_curves(settings)
    result, flags = track_recovery(batch, dominant, start_weeks, focus, curves, settings)
    table = not_on_track_table(batch, dominant, start_weeks, focus, curves, settings)  # the flags as columns, leaner
    table, curves = refresh_table(batch, dominant, focus, None, settings)  # a refresh's: curves estimated too
"""

from tracking.recovery.band import (
    ABOVE,
    BELOW,
    CLOCK_NAMES,
    COACHING,
    FOCUS,
    INSIDE,
    NO_CLOCK,
    NO_FOCUS,
    UNKNOWN,
    WELL_ABOVE,
    ZONE_NAMES,
    FocusPeriods,
    RecoveryResult,
    Timeline,
    band_by_dynamic,
    coaching_timeline,
    expected_by_dynamic,
    expected_recovery,
    observed_levels,
)
from tracking.recovery.curves import DEFAULT, ESTIMATED, GRID_WEEKS, Curves, default_curves, exponential_remaining
from tracking.recovery.estimate import IMPLAUSIBLE, estimate_curves
from tracking.recovery.not_on_track import (
    BACK_IN_BAND,
    FOCUS_CHANGED,
    FOCUS_RULE,
    KIND,
    NO_LONGER_FOLLOWED,
    NOT_ELEVATED,
    RULE,
    NotOnTrack,
    NotOnTrackTable,
    not_on_track_events,
    not_on_track_parts,
    not_on_track_table,
    refresh_parts,
    refresh_table,
    track_recovery,
)
from tracking.recovery.settings import RecoverySettings

__all__ = [
    "ABOVE", "BACK_IN_BAND", "BELOW", "CLOCK_NAMES", "COACHING", "DEFAULT", "ESTIMATED", "FOCUS", "FOCUS_CHANGED",
    "FOCUS_RULE", "GRID_WEEKS", "IMPLAUSIBLE", "INSIDE", "KIND", "NOT_ELEVATED", "NO_CLOCK", "NO_FOCUS",
    "NO_LONGER_FOLLOWED", "RULE", "UNKNOWN", "WELL_ABOVE", "ZONE_NAMES", "Curves", "FocusPeriods", "NotOnTrack",
    "NotOnTrackTable", "RecoveryResult", "RecoverySettings", "Timeline", "band_by_dynamic", "coaching_timeline",
    "default_curves", "estimate_curves", "expected_by_dynamic", "expected_recovery",
    "exponential_remaining", "not_on_track_events", "not_on_track_parts", "not_on_track_table", "observed_levels",
    "refresh_parts", "refresh_table",
    "track_recovery",
]
