"""Every threshold of the recovery model and the `not_on_track` rule, with its meaning and its reason.

Each field's metadata holds `env` (the environment variable), `doc` (what it means) and `reason`
(why this default); docs/recovery.md renders them into its settings table.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracking.instrument import DYNAMICS
from tracking.thresholds import common_problems, threshold_field

_threshold = threshold_field("KOERS_RECOVERY_")


@dataclass(frozen=True)
class RecoverySettings:
    """Thresholds of expected recovery and the `not_on_track` flag; `doc` says what, `reason` why."""

    floor_level: float = _threshold(
        "FLOOR_LEVEL", 25.0,
        "Strain (0-100) that a recovered dynamic settles at; expected recovery is a share of the "
        "strain above this level.",
        "Answers of someone who is doing well lean to the resource side (sleep and energy 7-8 of "
        "10, small things barely touch them), which scores 20-30. A product assumption, to be "
        "replaced by the practice's own estimate once it has one.",
    )
    half_weeks_context: float = _threshold(
        "HALF_WEEKS_CONTEXT", 12.0,
        "Weeks since coaching started by which half of the context dynamic's strain above the floor "
        "level is expected to be gone, until the practice has its own estimate.",
        "Rest barely helps while the environment stays unsafe; strain falls once the context "
        "changes, so later than physiological strain. A product assumption from the seed text.",
    )
    half_weeks_relational: float = _threshold(
        "HALF_WEEKS_RELATIONAL", 13.0,
        "Weeks since coaching started by which half of the relational dynamic's strain above the "
        "floor level is expected to be gone, until the practice has its own estimate.",
        "Internal safety has to come before processing, and triggers at work keep re-activating "
        "old patterns; a product assumption from the seed text (a little slower than context).",
    )
    half_weeks_physiological: float = _threshold(
        "HALF_WEEKS_PHYSIOLOGICAL", 10.0,
        "Weeks since coaching started by which half of the physiological dynamic's strain above the "
        "floor level is expected to be gone, until the practice has its own estimate.",
        "An empty body visibly recovers with rhythm, sleep and distance: the fastest of the four. "
        "Half of psychotherapy patients are measurably improved after about 8 weekly sessions "
        "(Howard et al. 1986), 13-18 in everyday practice (Hansen et al. 2002).",
    )
    half_weeks_identity: float = _threshold(
        "HALF_WEEKS_IDENTITY", 14.0,
        "Weeks since coaching started by which half of the identity dynamic's strain above the floor "
        "level is expected to be gone, until the practice has its own estimate.",
        "Meaning work beyond functioning is slow and context change alone does not help: the "
        "slowest of the four; a product assumption from the seed text.",
    )
    recoverable_share: float = _threshold(
        "RECOVERABLE_SHARE", 0.8,
        "Share of a dynamic's strain above the floor level that is expected to go in time, by "
        "default (above 0.5, at most 1).",
        "Recovery from burnout levels off short of complete: clinical burnout patients were "
        "'better, but not well' after 1.5 years (Oosterholt et al. 2016).",
    )
    checkin_noise_points: float = _threshold(
        "CHECKIN_NOISE_POINTS", 8.0,
        "Week-to-week noise (standard deviation, points) of one dynamic's score around the "
        "client's true level, until the practice's data estimates it.",
        "Four 0-10 items with answer noise of 1-1.5 slider points and a weekly mood of 0.3-0.8 "
        "give 6-10 points; the successive differences of the benchmark's clients give 6.6 (easy) "
        "and 7.7 (hard).",
    )
    level_weight: float = _threshold(
        "LEVEL_WEIGHT", 0.3,
        "Weight of a new weekly check-in in the observed level that is compared with the band "
        "(0-1; after a longer gap the new check-in weighs more).",
        "Quieter than detection's recent level (0.42): the band compares a level with where the "
        "client started, and a quiet level matters more there than a quick one. It trails a steady "
        "trend by 2.3 weeks, and the expected path is read that much later; 0.25-0.35 give the same "
        "benchmark results within 0.01.",
    )
    pace_spread: float = _threshold(
        "PACE_SPREAD", 0.6,
        "How much clients who recover differ in pace, by default: a client this share slower than "
        "the expected path (one standard deviation) follows the same curve stretched in time.",
        "Responders take anywhere from 8 to 20 weeks for the same recovery, a factor 2.5; the "
        "estimate from the benchmark's recovering clients gives 0.41-0.68.",
    )
    share_spread: float = _threshold(
        "SHARE_SPREAD", 0.15,
        "How much clients who recover differ in how far they recover: a client one standard "
        "deviation below the curve recovers this share less of what the curve expects (0-1).",
        "Recovered clients settle anywhere between the resource side of the scale and just below "
        "the elevated level; without this a client who recovered two thirds of the way would be "
        "flagged once the curve has levelled off.",
    )
    band_z: float = _threshold(
        "BAND_Z", 1.1,
        "Upper edge of the expected band (green below, amber above): this many standard "
        "deviations of the prediction above the expected strain.",
        "About 1 in 7 check-ins of a client on the expected path lies above it, but two in a row "
        "(and amber only from AMBER_FROM_WEEKS) is rare. In the benchmark (hard regime) 1.0 flags "
        "0.08-0.09 of responders, 1.2 finds only 0.88 of non-responders and deteriorators by the "
        "tenth check-in.",
    )
    well_above_z: float = _threshold(
        "WELL_ABOVE_Z", 2.5,
        "Line above which the strain is well above the band (red): this many standard deviations "
        "of the prediction above the expected strain.",
        "About 1 in 160 check-ins of a client on the expected path lies above it: a clear sign, "
        "not a noisy week.",
    )
    checkins_above: int = _threshold(
        "CHECKINS_ABOVE", 2,
        "Scored check-ins in a row above the band before `not_on_track` is raised.",
        "One week above the band happens to responding clients; two in a row rarely does, and the "
        "flag still comes by the tenth check-in for clients who do not respond.",
    )
    amber_from_weeks: float = _threshold(
        "AMBER_FROM_WEEKS", 7.0,
        "Weeks on the clock (since coaching or the focus started) before a check-in above the band "
        "(amber) counts towards a flag; before that only a check-in well above it (red) does.",
        "In the first weeks the slowest clients who will recover look like clients who do not; "
        "in the benchmark (hard regime), counting amber from week 0 flags 0.12-0.13 of responders "
        "instead of 0.06-0.07 for 0.01 more non-responders found by the tenth check-in. Clients "
        "getting worse are still flagged early, in the red zone.",
    )
    baseline_checkins: int = _threshold(
        "BASELINE_CHECKINS", 3,
        "Scored check-ins since coaching started before the expected path is drawn: where the "
        "dynamic started is its observed level at the last of them.",
        "The level after three check-ins has a third of the noise of one. In the benchmark two "
        "flag more responders for the same non-responders found; four find 0.02 fewer "
        "non-responders by the tenth check-in.",
    )
    concern_level: float = _threshold(
        "CONCERN_LEVEL", 50.0,
        "A dynamic whose observed level is below this (0-100) is never flagged, whatever its band.",
        "The middle of the answer scale: below it the answers lean to the resource side. Clients "
        "who recovered most of the way often settle at 40-50; at 40 (detection's elevated level) "
        "the benchmark flags 0.11-0.13 of responders late in their follow-up, at 45 0.08-0.09.",
    )
    focus_weeks: float = _threshold(
        "FOCUS_WEEKS", 4.0,
        "Weeks a focus must have been on a dynamic before a `not_on_track` flag on it says the "
        "focus is not bringing the expected improvement.",
        "About four weekly sessions: less is too soon to judge an intervention, and the band "
        "already allows for the slow start of recovery.",
    )
    min_clients: int = _threshold(
        "MIN_CLIENTS", 30,
        "Clients who started with the dynamic elevated, followed for at least MIN_WEEKS, needed "
        "to estimate that dynamic's curve from the practice's own data.",
        "With 30 clients the median of each week is within about a quarter of a standard "
        "deviation of the practice's true median.",
    )
    min_weeks: int = _threshold(
        "MIN_WEEKS", 12,
        "Weeks since coaching started that a client must have been followed to count towards "
        "the estimate.",
        "Twelve weeks cover the steep part of the expected curve, which fixes its pace.",
    )
    estimate_recovered_share: float = _threshold(
        "ESTIMATE_RECOVERED_SHARE", 0.5,
        "A client counts towards the practice's own curve of a dynamic when, by the last check-in, at "
        "least this share of its starting strain above the floor level is gone (0-1).",
        "The curve is what recovering looks like in this practice; half the excess gone is a clear "
        "recovery that slow responders also reach within a year.",
    )
    horizon_weeks: int = _threshold(
        "HORIZON_WEEKS", 26,
        "Weeks since coaching started that the estimate looks at.",
        "Half a year covers the pace and the level-off; later weeks come from fewer clients.",
    )
    min_plausible_share: float = _threshold(
        "MIN_PLAUSIBLE_SHARE", 0.5,
        "An estimated curve that has lost less than this share of the starting excess strain by "
        "HORIZON_WEEKS is not trusted; the default curve is used.",
        "The estimate rests on clients who lost at least half of their excess; a median path that "
        "has not got there by the horizon points to too few or too short histories.",
    )
    max_plausible_half_weeks: float = _threshold(
        "MAX_PLAUSIBLE_HALF_WEEKS", 26.0,
        "An estimated curve that needs longer than this many weeks to lose half of the starting "
        "excess strain is not trusted; the default curve is used.",
        "A curve that takes more than half a year to get halfway expects almost nothing of the "
        "first months and would hide every client who does not respond.",
    )

    def __post_init__(self) -> None:
        problems = common_problems(self)
        if not 0.0 <= self.floor_level < self.concern_level <= 100.0:
            problems.append("KOERS_RECOVERY_FLOOR_LEVEL must be at least 0 and below KOERS_RECOVERY_CONCERN_LEVEL "
                            "(at most 100)")
        for dynamic in DYNAMICS:
            if self.half_weeks(dynamic) <= 0:
                problems.append(f"KOERS_RECOVERY_HALF_WEEKS_{dynamic.upper()} must be above 0")
        if not 0.5 < self.recoverable_share <= 1.0:
            problems.append("KOERS_RECOVERY_RECOVERABLE_SHARE must be above 0.5 (so that half can go) and at most 1")
        if not 0.0 < self.level_weight < 1.0:
            problems.append("KOERS_RECOVERY_LEVEL_WEIGHT must lie between 0 and 1")
        if self.checkin_noise_points <= 0 or min(self.pace_spread, self.share_spread, self.focus_weeks,
                                                 self.amber_from_weeks) < 0:
            problems.append("KOERS_RECOVERY_CHECKIN_NOISE_POINTS must be above 0; KOERS_RECOVERY_PACE_SPREAD, "
                            "KOERS_RECOVERY_SHARE_SPREAD, KOERS_RECOVERY_FOCUS_WEEKS and "
                            "KOERS_RECOVERY_AMBER_FROM_WEEKS at least 0")
        if not 0.0 < self.band_z < self.well_above_z:
            problems.append("KOERS_RECOVERY_BAND_Z must be above 0 and below KOERS_RECOVERY_WELL_ABOVE_Z")
        if self.min_weeks > self.horizon_weeks:
            problems.append("KOERS_RECOVERY_MIN_WEEKS must not exceed KOERS_RECOVERY_HORIZON_WEEKS")
        if not 0.0 < self.estimate_recovered_share < 1.0:
            problems.append("KOERS_RECOVERY_ESTIMATE_RECOVERED_SHARE must lie between 0 and 1")
        if not 0.0 < self.min_plausible_share <= 1.0 or self.max_plausible_half_weeks <= 0 \
                or self.share_spread >= 1.0:
            problems.append("KOERS_RECOVERY_MIN_PLAUSIBLE_SHARE must lie in (0, 1], "
                            "KOERS_RECOVERY_MAX_PLAUSIBLE_HALF_WEEKS above 0 and KOERS_RECOVERY_SHARE_SPREAD below 1")
        if problems:
            raise ValueError("; ".join(problems))

    def half_weeks(self, dynamic: str) -> float:
        """The default half-time of a dynamic's recovery, in weeks."""
        value: float = getattr(self, f"half_weeks_{dynamic}")
        return value

    @property
    def level_lag_weeks(self) -> float:
        """How far the observed level trails a steady trend, in weeks of weekly check-ins.

        An exponentially weighted level with weight K puts its mean weight (1 - K) / K check-ins back.
        """
        return (1.0 - self.level_weight) / self.level_weight


DEFAULT_SETTINGS = RecoverySettings()
