"""Every threshold of pattern detection, with what it means and why it has its default.

The reasons quote the benchmark in `benchmarks/detection/` (docs/detection.md has the tables).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracking.thresholds import common_problems, threshold_field

_threshold = threshold_field("KOERS_DETECT_")


@dataclass(frozen=True)
class DetectionSettings:
    """Every threshold of pattern detection; `doc` says what it means, `reason` why the default."""

    fast_weight: float = _threshold(
        "FAST_WEIGHT", 0.42,
        "Weight of a new weekly check-in in a dynamic's fast level, the level the state is read from "
        "(0-1; after a longer gap the new check-in weighs more).",
        "Follows a real change within about two check-ins and halves the week-to-week noise. In the "
        "benchmark 0.35 finds 4 in 100 hard switches too late, 0.5 doubles the false alarms.",
    )
    slow_weight: float = _threshold(
        "SLOW_WEIGHT", 0.095,
        "Weight of a new weekly check-in in a dynamic's slow reference level, the client's usual "
        "pattern over the last months (0-1, below fast_weight).",
        "A memory of about ten weeks: it still shows the old pattern when a switch is confirmed, and "
        "has moved on before a second switch. 0.07 adds false alarms for little recall; 0.13 "
        "forgets the old lead too soon and misses 3 in 100 more hard switches.",
    )
    elevated_level: float = _threshold(
        "ELEVATED_LEVEL", 40.0,
        "A dynamic is elevated when its fast level is at least this (0-100); when no dynamic is, "
        "the state is none.",
        "Below 40 the answers lean clearly to the resource side; the benchmark's recovering clients "
        "settle below it. At 50, switches into a dynamic at 55-60 are called late and recall on "
        "the easy regime falls to 0.99.",
    )
    margin_points: float = _threshold(
        "MARGIN_POINTS", 4.0,
        "A dynamic leads when its fast level is at least this many points (0-100) above every "
        "other; otherwise the state is mixed.",
        "A smaller margin names a dominant on differences that one noisy week produces, so the "
        "state flickers; at 6, switches into a dynamic that leads by about one slider point are "
        "missed more often (hard-regime recall -0.015).",
    )
    shift_points: float = _threshold(
        "SHIFT_POINTS", 13.5,
        "A new dynamic takes over from the established dominant only when their fast difference "
        "is at least this many points away from their slow (long-run) difference.",
        "The benchmark's balance point between its two tightest goals: at 12.5 near-ties in the easy "
        "regime reach about 0.02 false alarms per client-year (the goal), at 14.5 hard-regime "
        "recall falls to about 0.93 (the goal).",
    )
    first_checkins: int = _threshold(
        "FIRST_CHECKINS", 2,
        "Check-ins in a row a dynamic must lead before it becomes a client's first dominant "
        "(the first dominant raises no flag).",
        "One noisy first week does not set the dominant; waiting longer leaves clients without a "
        "dominant when an early switch happens, so the switch cannot be flagged.",
    )
    baseline_checkins: int = _threshold(
        "BASELINE_CHECKINS", 8,
        "A client's baseline for a dynamic is the mean of its first this-many scores; reliable "
        "change is judged from the check-in after them on.",
        "The baseline's own error is shared by every later comparison, so it sets how small a change "
        "can be told from noise. With 6 the benchmark's unchanged clients stay as quiet but recall of "
        "lasting changes in the hard regime falls to 0.93-0.96; with 8 it is 0.96-0.99. Longer would "
        "leave the first months of coaching without a judgement.",
    )
    recent_checkins: int = _threshold(
        "RECENT_CHECKINS", 8,
        "Reliable change compares the mean of a dynamic's last this-many scores (fewer just after the "
        "baseline) with the baseline.",
        "A mean of 8 weeks is steady enough that a stable client's ups and downs rarely reach the "
        "threshold, and a complete change still shows within 0-2 check-ins (median). With 10-12 the "
        "false alarms fall a little further but the median delay grows to 3-4 check-ins.",
    )
    change_z: float = _threshold(
        "CHANGE_Z", 3.6,
        "A change is reliable when the recent mean differs from the baseline by at least this many "
        "standard errors of that difference (the client's own week-to-week variation, allowing for "
        "runs of good and bad weeks).",
        "Chosen for an in-control run length as in statistical process control: an unchanged dynamic "
        "whose weeks vary as estimated crosses it in one direction about once in 250 years of weekly "
        "check-ins; on the benchmark's stable and near-tie clients that is 0.02-0.06 flags per "
        "client-year over all four dynamics and both directions (goal: at most 0.10), with 96-99% of "
        "lasting changes found. At 3.5 one tuning seed reaches 0.07; at 3.8 recall falls to 0.955.",
    )
    back_z: float = _threshold(
        "BACK_Z", 1.0,
        "A reliable-change flag retires (and the same flag can be raised again later) once the recent "
        "mean is back within this many standard errors of the baseline.",
        "Back within one standard error is back within noise; a score hovering near the threshold "
        "raises one flag, not one every other week.",
    )
    back_checkins: int = _threshold(
        "BACK_CHECKINS", 2,
        "Check-ins in a row the recent mean must be back within noise before a reliable-change flag "
        "retires.",
        "One good week inside a lasting change does not retire the flag; the recent mean already "
        "spans several weeks, so two in a row is a sustained stretch.",
    )
    noise_prior_checkins: int = _threshold(
        "NOISE_PRIOR_CHECKINS", 30,
        "A client's own week-to-week variation is estimated from the differences between successive "
        "scores, starting from the instrument's measurement error as if it were this many check-ins.",
        "Clients differ about twofold in how much their weeks vary; with 30 a client's own estimate "
        "takes over within a year, while a few early weeks cannot make the threshold much smaller or "
        "larger. With 10, false alarms on the benchmark rise by 10-20%.",
    )
    rci_z: float = _threshold(
        "RCI_Z", 1.96,
        "The Reliable Change Index of the latest score against the baseline is shown with this "
        "threshold in a flag's details, to relate it to the literature.",
        "Jacobson & Truax (1991): measurement error alone gives a change this large 5% of the time.",
    )
    fallback_alpha: float = _threshold(
        "FALLBACK_ALPHA", 0.80,
        "Reliability (Cronbach's alpha) of a dynamic's score when it cannot be estimated from the data.",
        "A usual alpha for a four-item subscale of a validated wellbeing questionnaire.",
    )
    fallback_sd: float = _threshold(
        "FALLBACK_SD", 15.0,
        "Spread (standard deviation, points) of clients' first scores when it cannot be estimated.",
        "Close to the spread of first scores in the benchmark (18-21) and of four-item 0-10 "
        "subscales generally, on the cautious side: a smaller SD makes more changes look reliable.",
    )
    fallback_clustering: float = _threshold(
        "FALLBACK_CLUSTERING", 2.0,
        "How many times more the mean of several weeks varies than independent weeks would (good and "
        "bad weeks come in runs), when it cannot be estimated from the data.",
        "The benchmark's data give 1.7-2.6 for means of 8 weeks (more with a stronger weekly mood). "
        "With 2 and every other figure at its fallback, the benchmark still meets its goals (0.05 "
        "false alarms per client-year, 97-99% of lasting changes found).",
    )
    min_alpha_checkins: int = _threshold(
        "MIN_ALPHA_CHECKINS", 30,
        "Check-ins with every item of a dynamic answered needed to estimate its alpha (and successive "
        "differences needed to estimate a score's typical week-to-week variation).",
        "With 30 check-ins the standard error of an alpha near 0.8 is about 0.06.",
    )
    min_sd_clients: int = _threshold(
        "MIN_SD_CLIENTS", 20,
        "Clients with a first score needed to estimate the reference SD.",
        "An SD from 20 people is within about 15% of the true spread.",
    )
    min_clustering_pairs: int = _threshold(
        "MIN_CLUSTERING_PAIRS", 200,
        "Pairs of successive blocks of weeks (from all clients) needed to estimate the clustering.",
        "The estimate is a median of ratios; with 200 its standard error is about 15%.",
    )
    min_plausible_alpha: float = _threshold(
        "MIN_PLAUSIBLE_ALPHA", 0.5,
        "An estimated alpha below this is not trusted; the fallback is used.",
        "Items of one dynamic that agree this little point to a data problem, not to a noisy subscale.",
    )
    max_plausible_alpha: float = _threshold(
        "MAX_PLAUSIBLE_ALPHA", 0.97,
        "An estimated alpha above this is not trusted; the fallback is used.",
        "Four slider items do not agree this well in practice; an alpha near 1 would flag every "
        "small change.",
    )
    min_plausible_sd: float = _threshold(
        "MIN_PLAUSIBLE_SD", 2.0,
        "An estimated reference SD below this many points is not trusted; the fallback is used.",
        "Clients who all start within a couple of points of each other point to test or demo data.",
    )
    max_plausible_clustering: float = _threshold(
        "MAX_PLAUSIBLE_CLUSTERING", 4.0,
        "An estimated clustering above this is not trusted; the fallback is used (below 1 counts as 1).",
        "Above 4, most clients' weeks would drift for months on end: more likely a practice whose "
        "clients mostly change than a property of the weeks, and it would hide real changes.",
    )

    def __post_init__(self) -> None:
        problems = common_problems(self)
        if not 0.0 < self.slow_weight < self.fast_weight < 1.0:
            problems.append("KOERS_DETECT_SLOW_WEIGHT must be above 0, below KOERS_DETECT_FAST_WEIGHT (< 1)")
        if self.recent_checkins < 2:
            problems.append("KOERS_DETECT_RECENT_CHECKINS must be at least 2")
        if not 0.0 < self.fallback_alpha < 1.0:
            problems.append("KOERS_DETECT_FALLBACK_ALPHA must lie between 0 and 1")
        if not 0.0 < self.min_plausible_alpha < self.max_plausible_alpha < 1.0:
            problems.append(
                "KOERS_DETECT_MIN_PLAUSIBLE_ALPHA must be above 0 and below "
                "KOERS_DETECT_MAX_PLAUSIBLE_ALPHA, below 1"
            )
        if self.fallback_sd <= 0 or self.rci_z <= 0 or self.change_z <= 0:
            problems.append("KOERS_DETECT_FALLBACK_SD, KOERS_DETECT_RCI_Z and KOERS_DETECT_CHANGE_Z must be positive")
        if not 0.0 <= self.back_z < self.change_z:
            problems.append("KOERS_DETECT_BACK_Z must be at least 0 and below KOERS_DETECT_CHANGE_Z")
        if not 1.0 <= self.fallback_clustering <= self.max_plausible_clustering:
            problems.append(
                "KOERS_DETECT_FALLBACK_CLUSTERING must be at least 1 and at most "
                "KOERS_DETECT_MAX_PLAUSIBLE_CLUSTERING"
            )
        if problems:
            raise ValueError("; ".join(problems))


DEFAULTS = DetectionSettings()
