"""Check-in periods as stored, on DuckDB and on PostgreSQL: created once per window, the open one found,
completed by a check-in, and closed as missed (scheduled) or expired (extra) when the window ends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tracking.errors import DatabaseError
from tracking.store import periods

DAY = timedelta(days=1)


def add(store, client="C1", kind="scheduled", opens=NOW, closes=NOW + 5 * DAY):
    with store.write() as con:
        return periods.ensure_period(con, client, kind, opens, closes, opens)


def test_a_period_is_created_once_per_client_kind_and_opening_time(store):
    first, created = add(store)
    again, created_again = add(store, closes=NOW + 6 * DAY)
    assert (created, created_again) == (True, False)
    assert again == first
    assert (first.client_id, first.kind, first.opens_at, first.closes_at) == ("C1", "scheduled", NOW, NOW + 5 * DAY)
    assert (first.status, first.checkin_id) == ("open", None)
    assert first.opens_at.tzinfo is not None


def test_the_same_window_twice_is_refused_by_the_database(store):
    add(store)
    with pytest.raises(DatabaseError, match="nothing was written"), store.write() as con:
        con.execute(
            "INSERT INTO periods (client_id, kind, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?, ?)",
            ["C1", "scheduled", NOW.replace(tzinfo=None), NOW.replace(tzinfo=None), NOW.replace(tzinfo=None)],
        )


def test_get_period_reads_one_back_or_none(store):
    period, _created = add(store)
    with store.read() as con:
        assert periods.get_period(con, period.id) == period
        assert periods.get_period(con, period.id + 1000) is None


def test_the_open_period_is_the_latest_window_that_contains_now(store):
    add(store, opens=NOW - 8 * DAY, closes=NOW - 3 * DAY)
    earlier, _ = add(store, opens=NOW - 2 * DAY, closes=NOW + 3 * DAY)
    later, _ = add(store, kind="extra", opens=NOW - DAY, closes=NOW + DAY)
    add(store, opens=NOW + 2 * DAY, closes=NOW + 7 * DAY)
    add(store, client="C2", opens=NOW - DAY, closes=NOW + 4 * DAY)
    with store.read() as con:
        assert periods.open_period(con, "C1", NOW) == later
        assert periods.open_period(con, "C1", NOW + DAY) == earlier  # the extra window has closed
        assert periods.open_period(con, "C1", NOW - 9 * DAY) is None
        assert periods.open_period(con, "C3", NOW) is None


def test_a_completed_period_keeps_its_check_in_and_stays_the_open_window(store):
    period, _ = add(store)
    with store.write() as con:
        periods.complete(con, period.id, 42)
    with store.read() as con:
        found = periods.open_period(con, "C1", NOW + DAY)
    assert found is not None and (found.id, found.status, found.checkin_id) == (period.id, "completed", 42)


def test_closing_records_scheduled_windows_as_missed_and_extra_ones_as_expired(store):
    missed, _ = add(store, opens=NOW - 8 * DAY, closes=NOW - 3 * DAY)
    expired, _ = add(store, kind="extra", opens=NOW - 4 * DAY, closes=NOW - 2 * DAY)
    answered, _ = add(store, opens=NOW - 15 * DAY, closes=NOW - 10 * DAY)
    still_open, _ = add(store, opens=NOW - DAY, closes=NOW + 4 * DAY)
    other, _ = add(store, client="C2", opens=NOW - 8 * DAY, closes=NOW)  # closes exactly now
    with store.write() as con:
        periods.complete(con, answered.id, 7)
        newly_missed = periods.close_expired(con, NOW)
    assert [p.id for p in newly_missed] == [missed.id, other.id]
    assert all(p.status == "missed" for p in newly_missed)
    with store.read() as con:
        statuses = {p.id: p.status for p in periods.history(con, "C1")}
    assert statuses == {missed.id: "missed", expired.id: "expired", answered.id: "completed", still_open.id: "open"}
    with store.write() as con:
        assert periods.close_expired(con, NOW) == []


def test_history_is_in_time_order(store):
    for offset in (14, 0, 7):
        add(store, opens=NOW - offset * DAY, closes=NOW - offset * DAY + 5 * DAY)
    with store.read() as con:
        opened = [p.opens_at for p in periods.history(con, "C1")]
    assert opened == [NOW - 14 * DAY, NOW - 7 * DAY, NOW]
