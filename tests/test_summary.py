"""The plain-language summary above a client's charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracking.store.checkins import TimelinePoint
from tracking.summary import TREND_CHECKINS, summarize

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def point(week: int, state: str, **levels) -> TimelinePoint:
    base = {"context": 20.0, "relational": 20.0, "physiological": 20.0, "identity": 20.0}
    base.update(levels)
    return TimelinePoint(id=week, at=START + timedelta(weeks=week), source="import", instrument_version="1",
                         contact_request=False, note=None, edited_at=None, scores=dict(base), core={}, state=state,
                         dominant=None, levels=base)


def test_it_names_the_leading_dynamic_and_since_when():
    series = [point(0, "mixed"), point(1, "physiological"), point(2, "physiological")]
    assert summarize(series, START + timedelta(weeks=2, days=1))[0] == (
        "summary.leads", {"since": START + timedelta(weeks=1), "dynamic": "physiological"})


def test_it_says_which_two_are_close_when_mixed():
    series = [point(0, "mixed", context=60.0, relational=58.0)]
    assert summarize(series, START)[0] == (
        "summary.mixed", {"since": START, "dynamic": "context", "other": "relational"})


def test_it_mentions_a_rise_over_the_last_weeks():
    series = [point(w, "context", context=70.0, relational=30.0 + 4 * w) for w in range(TREND_CHECKINS + 2)]
    sentences = summarize(series, series[-1].at)
    assert ("summary.rising", {"dynamic": "relational", "checkins": TREND_CHECKINS, "points": 16}) in sentences


def test_a_quiet_client_is_noticed():
    series = [point(0, "none")]
    assert ("summary.quiet", {"days": 20}) in summarize(series, START + timedelta(days=20))


def test_no_checkins():
    assert summarize([], START) == [("summary.no_checkins", {})]
