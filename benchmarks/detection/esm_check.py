"""Real-data check: Koers' reliable-change logic on the weekly depression score of ESMdata.csv.

One patient (Kossakowski et al. 2017, Wichers et al. 2016) was followed for 239 days while his
antidepressant was tapered; a depressive relapse followed around study day 127. The weekly SCL-90-R
depression score `dep` (mean of 13 items, 1-4) is put on Koers' 0-100 scale and run through the same
functions the product uses (`tracking.detection.change`): Cronbach's alpha over the 13 items, the
fallback reference SD (one person has no spread between people), the fallback week-to-week variation
and clustering (one person's 27 differences are too few to estimate them), the baseline of the
first weeks, the recent mean and the episodes with their retirements.

    python -m benchmarks.detection.esm_check [PATH]     (default ../shared/data/ESMdata.csv)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import pandas as pd

from benchmarks.detection.baselines import rci_two_in_a_row_flags
from tracking.detection import (
    DYNAMICS,
    DetectionSettings,
    Reliability,
    SeriesBatch,
    cronbach_alpha,
    reliable_change_events,
)
from tracking.detection.change import clustering_factor, weekly_noise

DEFAULT_PATH = Path("../shared/data/ESMdata.csv")
RELAPSE_DAY = 127
ITEM_MIN, ITEM_MAX = 1.0, 4.0


def study_day(dayno: pd.Series) -> pd.Series:
    """Day 1-239 of the study from the day of the calendar year (226 = 13 Aug 2012)."""
    return dayno.where(dayno < 226, dayno - 225).where(dayno >= 226, dayno + 141)


def weekly_depression(path: Path) -> pd.DataFrame:
    """One row per weekly questionnaire: study day, the 13 items and `dep`, in day order."""
    data = pd.read_csv(path)
    items = [column for column in data.columns if column.startswith("SCL.90.R.")]
    data["day"] = study_day(data["dayno"])
    weekly = data.dropna(subset=["dep"]).groupby("day", as_index=False).first()
    return weekly[["day", *items, "dep"]].sort_values("day").reset_index(drop=True)


def to_points(values: pd.Series | np.ndarray) -> np.ndarray:
    """The 1-4 item mean on Koers' 0-100 strain scale."""
    return (np.asarray(values, dtype=np.float64) - ITEM_MIN) / (ITEM_MAX - ITEM_MIN) * 100.0


def flags(weekly: pd.DataFrame, reliability: Reliability, settings: DetectionSettings) -> dict:
    """Days of the reliable-change flags (and of their retirements), with the numbers behind the first."""
    score = to_points(weekly["dep"])
    scores = np.full((score.size, len(DYNAMICS)), np.nan)
    scores[:, 0] = score  # one dynamic carries the depression score
    batch = SeriesBatch.of(np.zeros(score.size), weekly["day"].to_numpy() / 7.0, scores)
    events = reliable_change_events(batch, reliability, settings)
    day = weekly["day"].to_numpy()
    found = [(event.kind.removeprefix("reliable_"), int(day[event.row]),
              None if event.retired_row < 0 else int(day[event.retired_row])) for event in events]
    worse = [event for event in events if event.kind == "reliable_deterioration"]
    first = worse[0].evidence if worse else {}
    return {
        "baseline_checkins": settings.baseline_checkins, "recent_checkins": settings.recent_checkins,
        "change_z": settings.change_z, "flags": found,
        "first_day": int(day[worse[0].row]) if worse else None,
        "first": first,
    }


def report(path: Path) -> list[dict]:
    weekly = weekly_depression(path)
    items = weekly[[c for c in weekly.columns if c.startswith("SCL.90.R.")]].to_numpy(dtype=np.float64)
    settings = DetectionSettings()
    alpha, n_weeks = cronbach_alpha(items)
    usable = n_weeks >= settings.min_alpha_checkins and (
        settings.min_plausible_alpha <= alpha <= settings.max_plausible_alpha
    )
    product_alpha = alpha if usable else settings.fallback_alpha
    score = to_points(weekly["dep"])
    own_noise, differences = weekly_noise(np.zeros(score.size, dtype=np.int64), score)
    own_clustering, pairs = clustering_factor(np.zeros(score.size, dtype=np.int64), score, settings.recent_checkins)

    def reliability(alpha_value: float, noise: float | None = None, clustering: float | None = None) -> Reliability:
        every = {d: alpha_value for d in DYNAMICS}
        return Reliability(
            alpha=every, sd={d: settings.fallback_sd for d in DYNAMICS}, source="fallback", n=n_weeks,
            weekly_noise=None if noise is None else {d: noise for d in DYNAMICS},
            clustering_recent={d: clustering or settings.fallback_clustering for d in DYNAMICS},
            clustering_baseline={d: clustering or settings.fallback_clustering for d in DYNAMICS},
        )

    variants = [
        ("as Koers runs it", reliability(product_alpha), settings),
        ("alpha estimated from the 28 weeks", reliability(alpha), settings),
        ("the patient's own week-to-week variation", reliability(product_alpha, own_noise), settings),
        ("weeks independent (clustering 1)", reliability(product_alpha, clustering=1.0), settings),
        ("baseline and recent mean of 4", reliability(product_alpha),
         replace(settings, baseline_checkins=4, recent_checkins=4)),
        ("threshold 3 instead of 3.6", reliability(product_alpha), replace(settings, change_z=3.0)),
    ]
    rows = [{"variant": name, **flags(weekly, variant_reliability, variant_settings)}
            for name, variant_reliability, variant_settings in variants]
    before_scores = np.full((score.size, len(DYNAMICS)), np.nan)
    before_scores[:, 0] = score
    before, _directions, _dynamics = rci_two_in_a_row_flags(
        SeriesBatch.of(np.zeros(score.size), weekly["day"].to_numpy() / 7.0, before_scores), product_alpha,
        settings.fallback_sd)
    print(f"{path}: {len(weekly)} weekly scores, days {int(weekly['day'].min())}-{int(weekly['day'].max())}; "
          f"alpha of the 13 items over {n_weeks} weeks = {alpha:.2f} "
          f"({'used' if usable else f'not used: fewer than {settings.min_alpha_checkins} weeks'}); "
          f"own week-to-week variation {own_noise:.1f} points from {differences} differences, own clustering "
          f"{own_clustering:.2f} from {pairs} pairs (both too few to be used)")
    print("day  dep   points")
    for day, dep in zip(weekly["day"], weekly["dep"], strict=True):
        print(f"{int(day):>3}  {dep:.3f} {to_points([dep])[0]:6.1f}")
    for row in rows:
        first = row["first"]
        detail = (f"baseline {first['baseline']:.1f}, recent mean {first['recent']:.1f} of {first['recent_checkins']}, "
                  f"z {first['z']:.1f}, standard error {first['se_points']:.1f}" if first else "")
        days = ", ".join(f"{kind} day {day}" + (f" (retired day {retired})" if retired else "")
                         for kind, day, retired in row["flags"])
        print(f"{row['variant']}: first deterioration on day {row['first_day']} "
              f"({'' if row['first_day'] is None else row['first_day'] - RELAPSE_DAY:+} days from the relapse; "
              f"{detail}); every flag: {days or 'none'}")
    print("the rule used before (single-score RCI against the first 3, two in a row beyond 1.96): flags on days "
          f"{[int(weekly['day'][row]) for row in sorted(before)]}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    if not args.path.exists():
        raise SystemExit(f"{args.path}: not found; give the path to ESMdata.csv")
    report(args.path)


if __name__ == "__main__":
    main()
