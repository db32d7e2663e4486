"""Sign-ins through the provider as the database keeps them: started once, touched, ended for good."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tracking.settings import load_settings
from tracking.store import open_database, provider_sessions

COACH = 1  # the coach of `ready_db`


@pytest.fixture
def db_path(backend):
    """Every test here runs on a DuckDB file and on PostgreSQL."""
    return backend.location


def database(db_path):
    return open_database(load_settings({}, secrets_file=None, db=db_path))


def test_it_starts_once_and_then_only_records_activity(ready_db, db_path):
    db = database(db_path)
    with db.write() as con:
        assert provider_sessions.touch(con, "key-1", COACH, NOW) is True
        assert provider_sessions.touch(con, "key-1", COACH, NOW + timedelta(minutes=2)) is False
    with db.read() as con:
        found = provider_sessions.find(con, "key-1")
    assert found is not None
    assert (found.coach_id, found.started_at, found.last_active_at, found.ended_at) == (
        COACH, NOW, NOW + timedelta(minutes=2), None)


def test_an_ended_session_stays_ended(ready_db, db_path):
    db = database(db_path)
    with db.write() as con:
        provider_sessions.touch(con, "key-1", COACH, NOW)
        provider_sessions.end(con, "key-1", COACH, NOW + timedelta(minutes=1), "signed_out")
        provider_sessions.end(con, "key-1", COACH, NOW + timedelta(minutes=2), "idle")
        assert provider_sessions.touch(con, "key-1", COACH, NOW + timedelta(minutes=3)) is False
    with db.read() as con:
        found = provider_sessions.find(con, "key-1")
    assert found is not None
    assert (found.ended_at, found.end_reason, found.last_active_at) == (
        NOW + timedelta(minutes=1), "signed_out", NOW)


def test_ending_a_session_never_seen_keeps_it_out(ready_db, db_path):
    db = database(db_path)
    with db.write() as con:
        provider_sessions.end(con, "key-2", COACH, NOW, "inactive")
        assert provider_sessions.touch(con, "key-2", COACH, NOW) is False
    with db.read() as con:
        found = provider_sessions.find(con, "key-2")
    assert found is not None and found.end_reason == "inactive"


def test_every_open_sign_in_of_a_coach_can_be_ended_at_once(ready_db, db_path):
    db = database(db_path)
    with db.write() as con:
        provider_sessions.touch(con, "laptop", COACH, NOW)
        provider_sessions.touch(con, "phone", COACH, NOW)
        provider_sessions.end(con, "old", COACH, NOW, "signed_out")
        assert provider_sessions.end_for_coach(con, COACH, NOW + timedelta(minutes=1), "password_changed") == 2
    with db.read() as con:
        reasons = {key: provider_sessions.find(con, key).end_reason for key in ("laptop", "phone", "old")}
    assert reasons == {"laptop": "password_changed", "phone": "password_changed", "old": "signed_out"}
