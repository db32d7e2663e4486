"""The plain-language summary above a client's charts, as (text key, values) for `tracking.i18n`.

"Since 3 March the physiological pattern leads; relational has been rising for four weeks."
Pure: it reads the stored states and smoothed levels, never raw scores, so it says what the
detection says.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracking.instrument import DYNAMICS

if TYPE_CHECKING:  # the record only: this module stays free of the database
    from tracking.store.checkins import TimelinePoint

TREND_CHECKINS = 4  # a trend is judged over the last four check-ins (about a month)
TREND_POINTS = 8.0  # on the 0-100 scale: a move smaller than this is within week-to-week noise
QUIET_DAYS = 10  # a last check-in older than this is worth mentioning


def _run_start(series: list[TimelinePoint]) -> TimelinePoint:
    last = series[-1].state
    start = series[-1]
    for point in reversed(series):
        if point.state != last:
            break
        start = point
    return start


def _leaders(levels: dict[str, float | None]) -> list[str]:
    known = [(value, d) for d, value in levels.items() if value is not None]
    return [d for _value, d in sorted(known, reverse=True)[:2]]


def summarize(series: list[TimelinePoint], now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Sentences about the current state, recent trends and the last check-in."""
    if not series:
        return [("summary.no_checkins", {})]
    latest = series[-1]
    sentences: list[tuple[str, dict[str, Any]]] = []
    state = latest.state
    since = _run_start(series).at
    if state in DYNAMICS:
        sentences.append(("summary.leads", {"since": since, "dynamic": state}))
    elif state == "mixed":
        first, second = ([*_leaders(latest.levels), None, None])[:2]
        if first and second:
            sentences.append(("summary.mixed", {"since": since, "dynamic": first, "other": second}))
        else:
            sentences.append(("summary.mixed_plain", {"since": since}))
    elif state == "none":
        sentences.append(("summary.none", {"since": since}))
    else:
        sentences.append(("summary.too_early", {}))
    if len(series) > TREND_CHECKINS:
        before = series[-1 - TREND_CHECKINS].levels
        for dynamic in DYNAMICS:
            now_level, then_level = latest.levels.get(dynamic), before.get(dynamic)
            if now_level is None or then_level is None:
                continue
            change = now_level - then_level
            if change >= TREND_POINTS:
                sentences.append(("summary.rising", {"dynamic": dynamic, "checkins": TREND_CHECKINS,
                                                     "points": round(change)}))
            elif change <= -TREND_POINTS:
                sentences.append(("summary.falling", {"dynamic": dynamic, "checkins": TREND_CHECKINS,
                                                      "points": round(-change)}))
    days = (now - latest.at).days
    if days > QUIET_DAYS:
        sentences.append(("summary.quiet", {"days": days}))
    return sentences
