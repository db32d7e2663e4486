"""The client's side of a check-in: opening a link, sending answers once per period, editing within the
window with the original kept, and refusing closed windows and bad links without revealing anyone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import NOW
from tests.factories import answers as full_answers
from tracking import links
from tracking.context import open_context
from tracking.errors import InvalidValue
from tracking.instrument import DYNAMICS
from tracking.scoring import score_answers
from tracking.settings import load_settings
from tracking.store import clients, database, periods
from tracking.store import links as link_store
from tracking.store.submissions import CorePoint
from tracking.usecases import checkin as submission

SECRET = "submission-tests-secret-key-0123456789ab"
OPENS, CLOSES = NOW - timedelta(hours=1), NOW + timedelta(days=5)


@pytest.fixture
def db_path(backend):
    """Every test here runs on a DuckDB file and on PostgreSQL."""
    return backend.location


@pytest.fixture
def app(ready_db, koers, db_path):
    ran = koers("client", "add", "C1", "--email", "c1@example.org", "--coach", "coach@example.org",
                "--name", "Sanne", "--lang", "en")
    assert ran.exit_code == 0, ran.output
    return open_context(load_settings({}, secrets_file=None, db=db_path, secret_key=SECRET))


def issue(app, *, opens=OPENS, closes=CLOSES, client="C1", kind="scheduled", expires=None) -> str:
    """A token for a period of `client` with the given window (the period is created if needed)."""
    with app.db.write() as con:
        period, _created = periods.ensure_period(con, client, kind, opens, closes, opens)
        return link_store.issue(con, purpose="checkin", client_id=client, period_id=period.id,
                                expires_at=expires or closes, now=opens, secret_key=SECRET)


@pytest.fixture
def token(app) -> str:
    return issue(app)


def query(db_path, sql: str, params=()):
    with database(db_path).read() as con:
        return con.execute(sql, list(params)).fetchall()


def given(app, contact_request=False, note=None, **items):
    return submission.clean_answers(app.instrument, items, contact_request, note)


def audit_entries(db_path, action: str):
    return [(client, json.loads(detail) if detail else {})
            for client, detail in query(db_path, "SELECT client_id, detail FROM audit_log WHERE action = ? "
                                                 "ORDER BY id", [action])]


# --- opening a link ------------------------------------------------------------------------------


def test_an_open_link_shows_the_form_with_the_clients_name_language_and_window(app, token, db_path):
    opened = submission.open_link(app, token, now=NOW)
    assert (opened.status, opened.name, opened.lang, opened.closes_at) == ("open", "Sanne", "en", CLOSES)
    assert opened.previous is None and opened.submitted_at is None
    assert audit_entries(db_path, "checkin_link_opened") == [("C1", {"period": 1, "answered_before": False})]


@pytest.mark.parametrize("status", ["tampered", "unknown", "expired", "revoked"])
def test_a_bad_link_reveals_only_its_status_and_is_audited_without_the_token(app, token, db_path, status):
    if status == "tampered":
        bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif status == "unknown":
        bad = links.new_token("checkin", SECRET)
    elif status == "expired":
        bad = issue(app, expires=NOW - timedelta(minutes=1))
    else:
        bad = token
        issue(app)  # a newer link for the same period
    opened = submission.open_link(app, bad, now=NOW)
    assert opened == submission.Opened(status)
    refused = audit_entries(db_path, "checkin_link_refused")
    assert [detail["status"] for _client, detail in refused] == [status]
    assert bad not in repr(query(db_path, "SELECT * FROM audit_log"))


def test_after_the_window_the_link_says_the_check_in_has_closed(app, db_path):
    closed = issue(app, opens=NOW - timedelta(days=6), closes=NOW - timedelta(days=1))
    opened = submission.open_link(app, closed, now=NOW)
    assert (opened.status, opened.name, opened.lang) == ("closed", None, "en")
    assert audit_entries(db_path, "checkin_link_refused")[0][1]["link"] == "expired"


# --- sending -------------------------------------------------------------------------------------


def test_sending_stores_the_check_in_its_answers_and_scores_and_refreshes_detection(app, token, db_path):
    sent = given(app, **full_answers(sleep=2, energy=None), note="Zware week.\r\nMaar ok.")
    result = submission.submit(app, token, sent, now=NOW)
    assert (result.status, result.checkin_id, result.submitted_at) == ("saved", 1, NOW)
    [(client, source, period_id, note, edited_at)] = query(
        db_path, "SELECT client_id, source, period_id, note, edited_at FROM checkins")
    assert (client, source, period_id, note, edited_at) == ("C1", "link", 1, "Zware week.\nMaar ok.", None)
    assert query(db_path, "SELECT status, checkin_id FROM periods") == [("completed", 1)]
    stored = dict(query(db_path, "SELECT item_id, value FROM answers WHERE checkin_id = 1"))
    assert stored == {k: v for k, v in full_answers(sleep=2).items() if k != "energy"}
    [scores] = query(db_path, f"SELECT {', '.join(DYNAMICS)}, sleep, energy FROM scores WHERE checkin_id = 1")
    expected = score_answers(sent.items, app.instrument)
    assert scores == (*(pytest.approx(expected[d]) for d in DYNAMICS), 2, None)
    assert query(db_path, "SELECT count(*) FROM states JOIN checkins k ON k.id = checkin_id "
                          "WHERE k.client_id = 'C1'") == [(1,)]
    assert query(db_path, "SELECT used_at FROM link_tokens")[0][0] is not None
    [(_client, detail)] = audit_entries(db_path, "checkin_submitted")
    assert detail == {"period": 1, "checkin": 1, "answered": 15, "skipped": 1, "contact_request": False}


def test_unanswered_items_are_stored_as_unanswered_not_as_zero(app, token, db_path):
    submission.submit(app, token, given(app, sleep=7, meaning=3), now=NOW)
    assert dict(query(db_path, "SELECT item_id, value FROM answers")) == {"sleep": 7, "meaning": 3}
    assert query(db_path, "SELECT physiological, identity, energy FROM scores") == [(None, None, None)]


def test_sending_the_same_answers_again_changes_nothing(app, token, db_path):
    first = submission.submit(app, token, given(app, **full_answers()), now=NOW)
    scores = query(db_path, "SELECT * FROM scores")
    again = submission.submit(app, token, given(app, **full_answers()), now=NOW + timedelta(seconds=1))
    assert (first.status, again.status, again.checkin_id) == ("saved", "unchanged", first.checkin_id)
    assert query(db_path, "SELECT count(*) FROM checkins") == [(1,)]
    assert query(db_path, "SELECT count(*) FROM checkin_revisions") == [(0,)]
    assert query(db_path, "SELECT edited_at FROM checkins") == [(None,)]
    assert query(db_path, "SELECT * FROM scores") == scores
    assert audit_entries(db_path, "checkin_resubmitted") == [("C1", {"period": 1, "checkin": 1})]


def test_two_tabs_sending_different_answers_make_one_check_in_and_one_revision(app, token, db_path):
    first_tab = submission.open_link(app, token, now=NOW)
    second_tab = submission.open_link(app, token, now=NOW)
    assert first_tab.previous is None and second_tab.previous is None
    submission.submit(app, token, given(app, sleep=3), now=NOW)
    result = submission.submit(app, token, given(app, sleep=8), now=NOW + timedelta(seconds=2))
    assert result.status == "edited"
    assert query(db_path, "SELECT count(*) FROM checkins") == [(1,)]
    assert query(db_path, "SELECT count(*) FROM checkin_revisions") == [(1,)]


def test_an_edit_within_the_window_keeps_the_original_for_the_audit(app, token, db_path):
    first = given(app, contact_request=True, note="hulp", **full_answers(sleep=2))
    submission.submit(app, token, first, now=NOW)
    later = NOW + timedelta(days=1)
    reopened = submission.open_link(app, token, now=later)
    assert reopened.submitted_at == NOW
    assert reopened.previous == first
    edit = given(app, **full_answers(sleep=9, energy=None))
    result = submission.submit(app, token, edit, now=later)
    assert (result.status, result.checkin_id, result.submitted_at) == ("edited", 1, NOW)
    assert sorted(result.changed) == ["contact_request", "energy", "note", "sleep"]
    [(submitted_at, edited_at, contact, note)] = query(
        db_path, "SELECT submitted_at, edited_at, contact_request, note FROM checkins")
    assert (submitted_at, edited_at, contact, note) == (NOW.replace(tzinfo=None), later.replace(tzinfo=None),
                                                        False, None)
    stored = dict(query(db_path, "SELECT item_id, value FROM answers"))
    assert stored["sleep"] == 9 and "energy" not in stored
    [(revised_at, previous)] = query(db_path, "SELECT revised_at, previous FROM checkin_revisions")
    previous = json.loads(previous)
    assert revised_at == later.replace(tzinfo=None)
    assert previous["answers"] == full_answers(sleep=2)
    assert (previous["contact_request"], previous["note"]) == (True, "hulp")
    [scores] = query(db_path, f"SELECT {', '.join(DYNAMICS)}, sleep FROM scores")
    expected = score_answers(edit.items, app.instrument)
    assert scores == (*(pytest.approx(expected[d]) for d in DYNAMICS), 9)
    assert audit_entries(db_path, "checkin_edited")[0][1]["revision"] == 1


def test_withdrawing_the_contact_request_withdraws_its_flag(app, token, db_path):
    submission.submit(app, token, given(app, contact_request=True, **full_answers()), now=NOW)
    flags = "SELECT kind FROM flags WHERE client_id = 'C1' AND withdrawn_at IS NULL"
    assert query(db_path, flags) == [("contact_request",)]
    withdrawn = given(app, contact_request=False, **full_answers())
    submission.submit(app, token, withdrawn, now=NOW + timedelta(hours=1))
    assert query(db_path, flags) == []


def test_a_check_in_answered_another_way_for_the_period_is_edited_not_duplicated(app, token, db_path):
    submission.submit(app, token, given(app, sleep=4), now=NOW)
    with database(db_path).write() as con:  # as if the period had never recorded its check-in
        con.execute("UPDATE periods SET checkin_id = NULL, status = 'open'")
    result = submission.submit(app, token, given(app, sleep=6), now=NOW + timedelta(minutes=5))
    assert result.status == "edited"
    assert query(db_path, "SELECT count(*) FROM checkins") == [(1,)]
    assert query(db_path, "SELECT status, checkin_id FROM periods") == [("completed", 1)]


@pytest.mark.parametrize("when", ["closed", "revoked"])
def test_sending_after_the_window_closed_or_with_a_revoked_link_stores_nothing(app, token, db_path, when):
    now = CLOSES if when == "closed" else NOW
    if when == "revoked":
        issue(app)
    result = submission.submit(app, token, given(app, sleep=5), now=now)
    assert (result.status, result.stored, result.checkin_id) == (when, False, None)
    assert query(db_path, "SELECT count(*) FROM checkins") == [(0,)]
    assert audit_entries(db_path, "checkin_link_refused")[0][1] == {  # the first refusal is written at once
        "status": when, "link": "expired" if when == "closed" else "revoked", "during": "submit", "count": 1,
        "first": now.isoformat(), "last": now.isoformat()}


def test_nothing_at_all_cannot_be_sent(app, token):
    with pytest.raises(InvalidValue):
        submission.submit(app, token, given(app), now=NOW)


def test_only_a_note_or_a_contact_request_is_worth_sending(app):
    assert not given(app, note="ik wil even praten").is_empty
    assert not given(app, contact_request=True).is_empty
    assert given(app, note="  \n ").is_empty


@pytest.mark.parametrize("items, note", [
    ({"sleep": 11}, None), ({"sleep": -1}, None), ({"sleep": True}, None), ({"sleep": 2.5}, None),
    ({"favourite_colour": 3}, None), ({}, "x" * 2001),
])
def test_answers_outside_the_instrument_are_refused(app, items, note):
    with pytest.raises(InvalidValue):
        submission.clean_answers(app.instrument, items, False, note)


def test_a_note_of_exactly_the_maximum_length_is_accepted(app):
    assert len(given(app, note="é" * 2000).note) == 2000


def test_the_own_trend_comes_back_only_when_the_coach_enabled_it(app, token):
    hidden = submission.submit(app, token, given(app, sleep=4, energy=5, reactivity=6, meaning=7), now=NOW)
    assert hidden.trend is None
    with app.db.write() as con:
        clients.set_show_trend(con, "C1", True)
    shown = submission.submit(app, token, given(app, sleep=5), now=NOW + timedelta(minutes=1))
    core = {"sleep": 5, "energy": None, "reactivity": None, "meaning": None}
    assert shown.trend == [CorePoint(NOW, core)]
