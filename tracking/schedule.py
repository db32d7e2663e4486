"""When check-ins are due: weekly times in the client's own time zone, right across daylight saving.

A client is invited every week on a weekday at a local time in an IANA time zone. The check-in
window opens at that moment and closes a number of days later at the same local time. Pure: every
function takes an explicit `now`.

Daylight saving: a local time that does not exist (02:30 on the night the clocks go forward) is
moved forward by the gap, so the invitation goes out at 03:30; a local time that exists twice
(02:30 on the night the clocks go back) is the first of the two. Either way there is exactly one
invitation that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Schedule:
    weekday: int  # 0 = Monday
    local_time: str  # "HH:MM"
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def clock(self) -> time:
        hours, minutes = self.local_time.split(":")
        return time(int(hours), int(minutes))


def local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time. With fold=0, a time in a DST gap is mapped with
    the offset from before the gap, which lands one gap later on the clock (02:30 -> 03:30), and a
    time that occurs twice is the first of the two."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def occurrence_on(day: date, schedule: Schedule) -> datetime:
    return local_instant(day, schedule.clock, schedule.zone)


def next_occurrence(schedule: Schedule, after: datetime) -> datetime:
    """The first scheduled moment strictly after `after`."""
    zone = schedule.zone
    local_day = after.astimezone(zone).date()
    day = local_day + timedelta(days=(schedule.weekday - local_day.weekday()) % 7)
    while True:
        moment = occurrence_on(day, schedule)
        if moment > after:
            return moment
        day += timedelta(days=7)


def occurrences(schedule: Schedule, after: datetime, until: datetime) -> list[datetime]:
    """Every scheduled moment in (after, until]."""
    found = []
    moment = next_occurrence(schedule, after)
    while moment <= until:
        found.append(moment)
        moment = next_occurrence(schedule, moment)
    return found


def window_close(opens_at: datetime, tz: str, window_days: int) -> datetime:
    """A window closes `window_days` later at the same local time (so 5 days, even across DST)."""
    zone = ZoneInfo(tz)
    local = opens_at.astimezone(zone)
    return local_instant(local.date() + timedelta(days=window_days), local.time().replace(tzinfo=None), zone)


def latest_occurrence(schedule: Schedule, at_or_before: datetime) -> datetime:
    """The most recent scheduled moment at or before the given instant."""
    moment = next_occurrence(schedule, at_or_before - timedelta(days=8))
    previous = moment
    while moment <= at_or_before:
        previous = moment
        moment = next_occurrence(schedule, moment)
    return previous
