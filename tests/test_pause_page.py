"""The one-click pause link through AppTest: it asks first, pauses only that, tells the coach, and a
link that does not work gets one friendly answer in both languages that reveals nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from tests.dashboard_helpers import SECRET_KEY, app, texts, use_database
from tracking import links
from tracking.store import accounts, clients
from tracking.store import links as link_store
from tracking.store.connection import Database
from tracking.store.migrate import ensure_schema

NOW = datetime.now(UTC)


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "koers.duckdb"
    ensure_schema(Database(path))
    with Database(path).write() as con:
        coach = accounts.add_coach(con, email="coach@example.org", name="Ada *Coach*", password_hash="-",
                                   is_admin=False, now=NOW - timedelta(days=30))
        for client_id, lang in (("C1", "nl"), ("C2", "en")):
            clients.add_client(con, client_id=client_id, coach_id=coach.id, email=f"{client_id}@example.org",
                               name=f"Name of {client_id}", lang=lang, tz="Europe/Amsterdam",
                               reminder_weekday=0, reminder_time="09:00", now=NOW - timedelta(days=30))
    use_database(monkeypatch, path)
    return path


def issue(db_path, purpose="pause", client_id="C1", expires_in=timedelta(days=60)) -> str:
    with Database(db_path).write() as con:
        return link_store.issue(con, purpose=purpose, client_id=client_id, period_id=None,
                                expires_at=NOW + expires_in, now=NOW - timedelta(days=1),
                                secret_key=SECRET_KEY)


def open_link(token: str):
    at = app()
    at.query_params["pause"] = token
    return at.run()


def query(db_path, sql: str):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_it_asks_before_pausing_and_changes_nothing_until_confirmed(db_path):
    at = open_link(issue(db_path))
    assert not at.exception
    assert at.title[0].value == "Herinneringen pauzeren"
    assert "Wil je de wekelijkse check-in-herinneringen pauzeren?" in texts(at)
    assert "Ada *Coach*" in texts(at)  # the coach's name as plain text, not Markdown
    assert not any("Coach" in str(element.value) for element in at.caption)
    assert [b.label for b in at.button] == ["Ja, pauzeer de herinneringen"]
    assert query(db_path, "SELECT status FROM clients WHERE id = 'C1'") == [("active",)]


def test_confirming_pauses_only_that_client_records_it_and_queues_an_email_to_the_coach(db_path):
    checkin_token = issue(db_path, purpose="checkin")
    at = open_link(issue(db_path))
    at.button(key="pause.confirm").click().run()
    assert not at.exception
    assert "De herinneringen zijn gepauzeerd" in at.success[0].value
    assert query(db_path, "SELECT id, status FROM clients ORDER BY id") == [
        ("C1", "paused"), ("C2", "active")]
    assert query(db_path, "SELECT actor, client_id FROM audit_log WHERE action = 'reminders_paused'") == [
        ("client:C1", "C1")]
    assert query(db_path, "SELECT kind, recipient, subject, status FROM outbox") == [
        ("paused", "coach@example.org", "Name of C1 (C1) heeft de herinneringen gepauzeerd", "pending")]
    with Database(db_path).read() as con:  # pausing revokes nothing
        assert link_store.resolve(con, checkin_token, "checkin", NOW, SECRET_KEY).status == "ok"


def test_a_second_visit_says_it_is_paused_already_and_tells_the_coach_once(db_path):
    token = issue(db_path)
    open_link(token).button(key="pause.confirm").click().run()
    again = open_link(token)
    assert "De herinneringen staan al op pauze" in again.info[0].value
    assert "pause.confirm" not in [b.key for b in again.button]
    assert query(db_path, "SELECT count(*) FROM outbox") == [(1,)]


def test_the_page_speaks_the_client_language_and_can_switch(db_path):
    at = open_link(issue(db_path, client_id="C2"))
    assert at.title[0].value == "Pause reminders"
    assert [b.label for b in at.button] == ["Yes, pause the reminders"]
    at.segmented_control(key="pause.lang").set_value("nl").run()
    assert at.title[0].value == "Herinneringen pauzeren"


@pytest.mark.parametrize("kind", ["tampered", "unknown", "expired", "check-in link", "empty"])
def test_a_link_that_does_not_work_gets_one_friendly_answer_in_both_languages(db_path, kind):
    if kind == "tampered":
        token = issue(db_path)[:-2] + "xx"
    elif kind == "unknown":
        token = links.new_token("pause", SECRET_KEY)
    elif kind == "expired":
        token = issue(db_path, expires_in=timedelta(seconds=-1))
    elif kind == "check-in link":
        token = issue(db_path, purpose="checkin")
    else:
        token = ""
    at = open_link(token)
    assert not at.exception
    shown = texts(at)
    assert "Deze link werkt niet (meer)" in shown and "This link does not work (any more)" in shown
    assert "Name of C1" not in shown and "Ada" not in shown and not at.button
    refused = query(db_path, "SELECT client_id FROM audit_log WHERE action = 'pause_link_refused'")
    assert refused == [(None,)]  # recorded, without naming a client
    assert query(db_path, "SELECT status FROM clients WHERE id = 'C1'") == [("active",)]
