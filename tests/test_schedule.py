"""Weekly due times in the client's time zone, right across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracking.schedule import Schedule, latest_occurrence, next_occurrence, occurrences, window_close

AMS = "Europe/Amsterdam"
NYC = "America/New_York"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M %Z")


def test_monday_nine_in_amsterdam_is_eight_utc_in_winter():
    due = next_occurrence(Schedule(0, "09:00", AMS), utc(2026, 11, 25, 12, 0))
    assert due == utc(2026, 11, 30, 8, 0)


def test_the_same_local_time_every_week_across_the_spring_change_in_amsterdam():
    # Clocks go forward on Sunday 29 March 2026 at 02:00.
    schedule = Schedule(6, "09:00", AMS)  # Sundays
    found = occurrences(schedule, utc(2026, 3, 16), utc(2026, 4, 6))
    assert [local(m, AMS) for m in found] == [
        "Sun 2026-03-22 09:00 CET", "Sun 2026-03-29 09:00 CEST", "Sun 2026-04-05 09:00 CEST"]
    assert found[1] - found[0] == timedelta(days=7, hours=-1)


def test_a_time_that_does_not_exist_moves_forward_by_the_gap():
    schedule = Schedule(6, "02:30", AMS)
    due = next_occurrence(schedule, utc(2026, 3, 28))
    assert local(due, AMS) == "Sun 2026-03-29 03:30 CEST"


def test_a_time_that_exists_twice_is_the_first():
    # Clocks go back on Sunday 25 October 2026 at 03:00 (to 02:00).
    schedule = Schedule(6, "02:30", AMS)
    found = occurrences(schedule, utc(2026, 10, 20), utc(2026, 10, 26))
    assert len(found) == 1
    assert found[0] == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first of the two


def test_the_autumn_change_in_amsterdam():
    schedule = Schedule(0, "09:00", AMS)
    found = occurrences(schedule, utc(2026, 10, 18), utc(2026, 11, 3))
    assert [local(m, AMS) for m in found] == ["Mon 2026-10-19 09:00 CEST", "Mon 2026-10-26 09:00 CET",
                                              "Mon 2026-11-02 09:00 CET"]


@pytest.mark.parametrize("after,expected", [
    (utc(2026, 3, 1), ["Mon 2026-03-02 08:00 EST", "Mon 2026-03-09 08:00 EDT"]),  # US change: 8 March 2026
    (utc(2026, 10, 26), ["Mon 2026-10-26 08:00 EDT", "Mon 2026-11-02 08:00 EST"]),  # US change: 1 November 2026
])
def test_the_us_changes_in_new_york(after, expected):
    found = occurrences(Schedule(0, "08:00", NYC), after, after + timedelta(days=10))
    assert [local(m, NYC) for m in found] == expected


def test_a_window_closes_days_later_at_the_same_local_time_even_across_dst():
    opens = utc(2026, 3, 27, 8, 0)  # Friday 09:00 CET
    closes = window_close(opens, AMS, 5)
    assert local(closes, AMS) == "Wed 2026-04-01 09:00 CEST"
    assert closes - opens == timedelta(days=5, hours=-1)


def test_latest_occurrence():
    schedule = Schedule(2, "18:30", AMS)  # Wednesdays
    assert latest_occurrence(schedule, utc(2026, 11, 25, 17, 30)) == utc(2026, 11, 25, 17, 30)
    assert latest_occurrence(schedule, utc(2026, 11, 25, 17, 29)) == utc(2026, 11, 18, 17, 30)
