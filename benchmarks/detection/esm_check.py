"""Real-data check: Koers' reliable-deterioration logic on the weekly depression score of ESMdata.csv.

One patient (Kossakowski et al. 2017, Wichers et al. 2016) was followed for 239 days while his
antidepressant was tapered; a depressive relapse followed around study day 127. The weekly SCL-90-R
depression score `dep` (mean of 13 items, 1-4) is put on Koers' 0-100 scale and run through the same
functions the product uses: Cronbach's alpha over the 13 items, the fallback reference SD (one
person has no spread between people), the baseline of the first weeks and the RCI episodes.

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

from tracking.detection import (
    DetectionSettings,
    cronbach_alpha,
    reliable_change_points,
    reliable_change_rows,
)

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


def first_flag(weekly: pd.DataFrame, alpha: float, sd: float, settings: DetectionSettings) -> dict:
    """Days of the reliable-deterioration flags and the numbers behind the first one."""
    score = to_points(weekly["dep"])
    client = np.zeros(score.size, dtype=np.int64)
    points = reliable_change_points(alpha, sd, settings.baseline_checkins)
    worse, _better, baseline, rci = reliable_change_rows(client, score, points, settings)
    days = [int(weekly["day"][row]) for row in worse]
    first = int(worse[0]) if worse.size else None
    return {
        "alpha": alpha, "sd": sd, "baseline_checkins": settings.baseline_checkins,
        "rci_checkins": settings.rci_checkins,
        "threshold_points": settings.rci_z * points,
        "baseline_points": float(baseline[-1]),
        "flag_days": days,
        "first_day": days[0] if days else None,
        "first_score": None if first is None else float(score[first]),
        "first_rci": None if first is None else float(rci[first]),
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
    single = replace(settings, rci_checkins=1)
    variants = [
        ("as Koers runs it", product_alpha, settings),
        ("alpha estimated from the 28 weeks", alpha, settings),
        ("single check-in RCI (rci_checkins=1)", product_alpha, single),
        ("single check-in RCI, estimated alpha", alpha, single),
        ("baseline = first check-in", product_alpha, replace(settings, baseline_checkins=1)),
    ]
    rows = [
        {"variant": name, **first_flag(weekly, variant_alpha, settings.fallback_sd, variant_settings)}
        for name, variant_alpha, variant_settings in variants
    ]
    print(f"{path}: {len(weekly)} weekly scores, days {int(weekly['day'].min())}-{int(weekly['day'].max())}; "
          f"alpha of the 13 items over {n_weeks} weeks = {alpha:.2f} "
          f"({'used' if usable else f'not used: fewer than {settings.min_alpha_checkins} weeks'})")
    print("day  dep   points")
    for day, dep in zip(weekly["day"], weekly["dep"], strict=True):
        print(f"{int(day):>3}  {dep:.3f} {to_points([dep])[0]:6.1f}")
    for row in rows:
        print(f"{row['variant']}: alpha {row['alpha']:.2f}, SD {row['sd']:.1f}, baseline "
              f"{row['baseline_points']:.1f} (first {row['baseline_checkins']}), reliable change "
              f"{row['threshold_points']:.1f} points, {row['rci_checkins']} in a row -> first flag on day "
              f"{row['first_day']} ({'' if row['first_day'] is None else row['first_day'] - RELAPSE_DAY:+} "
              f"days from the relapse), all flags on days {row['flag_days']}")
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
