"""The client's check-in page, driven through the real app with AppTest: a link opens the form, answers
are sent once per period, edits within the window, closed windows, bad links, languages, skipped items.

Time is real here (the page asks `runtime.now()`), so every window is days wide around the present,
and a closed window is one whose end lies in the past.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard_helpers import plain_texts, titles
from tests.factories import answers as full_answers
from tests.factories import checkin, csv_text, fresh_link
from tracking import links
from tracking.clock import to_db, utcnow
from tracking.context import open_context
from tracking.i18n import t
from tracking.instrument import DYNAMICS, load_instrument
from tracking.settings import load_settings
from tracking.store import clients, periods
from tracking.store import links as link_store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
SECRET = "checkin-page-tests-secret-key-0123456789"
INSTRUMENT = load_instrument()
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "error", "warning",
              "success")


@pytest.fixture
def site(ready_db, koers, db_path, monkeypatch):
    """A database with coach Ada and client C1 (Sanne, Dutch), and the app pointed at it."""
    from dashboard import runtime

    ran = koers("client", "add", "C1", "--email", "c1@example.org", "--coach", "coach@example.org",
                "--name", "Sanne", "--lang", "nl")
    assert ran.exit_code == 0, ran.output
    monkeypatch.setenv("KOERS_DB", str(db_path))
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET)
    runtime._context.clear()
    return open_context(load_settings({}, secrets_file=None, db=db_path, secret_key=SECRET))


def new_link(site, client: str = "C1") -> str:
    url, _period = fresh_link(site, client, now=utcnow())
    return url.split("?t=", 1)[1]


def open_page(token: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["t"] = token
    return at.run()


def answer(at: AppTest, **values) -> AppTest:
    for item_id, value in values.items():
        at.select_slider(key=f"checkin.item.{item_id}").set_value("skip" if value is None else value)
    return at.run()


def send(at: AppTest) -> AppTest:
    return at.button(key="checkin.submit").click().run()


def texts(at: AppTest) -> str:
    shown = [str(element.value) for kind in TEXT_KINDS for element in at.get(kind)]
    return "\n".join(shown + [text for _kind, text in plain_texts(at)])


def query(db_path, sql: str, params=()):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def checkin_count(db_path) -> int:
    return query(db_path, "SELECT count(*) FROM checkins")[0][0]


# --- the form ------------------------------------------------------------------------------------


def test_a_valid_link_opens_the_form_in_the_clients_language_with_nothing_answered(site):
    at = open_page(new_link(site))
    assert not at.exception
    assert titles(at) == ["Hoi Sanne"]
    sliders = at.select_slider
    assert [s.label for s in sliders] == [item.text["nl"] for item in INSTRUMENT.in_display_order()]
    captions = [c.value for c in at.caption]
    assert "Vraag 1 van 16" in captions and "Vraag 16 van 16" in captions
    assert all(s.value == "skip" for s in sliders)
    assert {s.options[0] for s in sliders} == {t("checkin.not_answered", "nl")}
    assert [s.options[1:] for s in sliders][0] == [str(v) for v in range(11)]
    assert "0 = Heel slecht · 10 = Heel goed" in [c.value for c in at.caption]
    assert at.checkbox(key="checkin.contact").label == INSTRUMENT.contact_request_text["nl"]
    assert at.checkbox(key="checkin.contact").value is False
    assert at.text_area(key="checkin.note").proto.max_chars == 2000
    assert [p.proto.text for p in at.get("progress")] == ["0 van de 16 vragen beantwoord"] * 2


def test_the_client_never_sees_a_dynamic_and_no_coach_page_is_reachable(site):
    at = open_page(new_link(site))
    shown = texts(at) + "\n".join(s.label for s in at.select_slider)
    for dynamic in DYNAMICS:
        assert dynamic not in shown
        assert t(f"dynamic.{dynamic}", "nl") not in shown and t(f"dynamic.{dynamic}", "en") not in shown
    assert len(at.sidebar) == 0
    assert not at.get("text_input")  # no sign-in form either


def test_the_progress_counts_answers_as_they_are_given(site):
    at = answer(open_page(new_link(site)), sleep=0, meaning=10, energy=4)
    assert [p.proto.text for p in at.get("progress")] == ["3 van de 16 vragen beantwoord"] * 2
    assert at.select_slider(key="checkin.item.sleep").value == 0


def test_sending_stores_the_check_in_and_says_thank_you(site, db_path):
    at = answer(open_page(new_link(site)), **full_answers(sleep=2, meaning=8))
    at.checkbox(key="checkin.contact").check()
    at.text_area(key="checkin.note").input("Een *zware* week <b>echt</b>")
    at = at.run()
    assert t("checkin.note_help", "nl", count=28, max="2.000") in texts(at)
    at = send(at)
    assert not at.exception
    assert titles(at) == [t("checkin.thanks.title", "nl")]
    assert t("checkin.thanks.saved", "nl") in texts(at)
    assert t("checkin.safety.contact", "nl") in texts(at)
    [(checkin_id, source, contact, note, period_id)] = query(
        db_path, "SELECT id, source, contact_request, note, period_id FROM checkins")
    assert (source, contact, note) == ("link", True, "Een *zware* week <b>echt</b>")
    assert dict(query(db_path, "SELECT item_id, value FROM answers")) == full_answers(sleep=2, meaning=8)
    assert query(db_path, "SELECT checkin_id, status FROM periods WHERE id = ?", [period_id]) == [
        (checkin_id, "completed")]
    assert query(db_path, "SELECT count(*) FROM scores WHERE checkin_id = ?", [checkin_id]) == [(1,)]
    assert query(db_path, "SELECT kind FROM flags WHERE client_id = 'C1'") == [("contact_request",)]
    assert "zware" not in texts(at)  # the note is stored, never echoed as Markdown


# --- skipped items -------------------------------------------------------------------------------


def test_skipped_items_are_listed_before_sending_and_stored_as_unanswered(site, db_path):
    order = INSTRUMENT.in_display_order()
    skipped = {order[2].id, order[6].id}
    at = answer(open_page(new_link(site)), **{item.id: 6 for item in order if item.id not in skipped})
    intro = t("checkin.skipped.many", "nl", count=2)
    [listed] = [info.value for info in at.info if info.value.startswith(intro)]
    assert f"Vraag 3: {order[2].text['nl']}" in listed
    assert f"Vraag 7: {order[6].text['nl']}" in listed
    at = send(at)
    stored = dict(query(db_path, "SELECT item_id, value FROM answers"))
    assert set(stored) == {item.id for item in order} - skipped
    assert set(stored.values()) == {6}


def test_answering_the_last_skipped_item_clears_the_list(site):
    at = answer(open_page(new_link(site)), **full_answers(sleep=None))
    [listed] = [info.value for info in at.info if info.value.startswith(t("checkin.skipped.one", "nl"))]
    assert f"Vraag 1: {INSTRUMENT.item('sleep').text['nl']}" in listed
    at = answer(at, sleep=5)
    assert not [info for info in at.info if "niet ingevuld" in info.value]
    assert [s.value for s in at.success] == [t("checkin.all_answered", "nl")]


def test_sending_nothing_at_all_asks_for_something_first(site, db_path):
    at = send(open_page(new_link(site)))
    assert t("checkin.nothing_to_send", "nl") in texts(at)
    assert checkin_count(db_path) == 0


# --- once per period: double sends, second tabs, edits -------------------------------------------


def test_sending_twice_in_one_session_keeps_one_check_in(site, db_path):
    at = send(answer(open_page(new_link(site)), **full_answers()))
    at = at.button(key="checkin.change").click().run()
    assert all(s.value == 5 for s in at.select_slider)  # the answers are still there
    at = send(at)
    assert t("checkin.thanks.unchanged", "nl") in texts(at)
    assert checkin_count(db_path) == 1
    assert query(db_path, "SELECT count(*) FROM checkin_revisions") == [(0,)]


def test_a_second_tab_changes_the_check_in_instead_of_adding_one(site, db_path):
    token = new_link(site)
    first, second = open_page(token), open_page(token)
    send(answer(first, **full_answers(sleep=3)))
    second = send(answer(second, **full_answers(sleep=9)))
    assert t("checkin.thanks.edited", "nl") in texts(second)
    assert checkin_count(db_path) == 1
    assert query(db_path, "SELECT value FROM answers WHERE item_id = 'sleep'") == [(9,)]
    [(previous,)] = query(db_path, "SELECT previous FROM checkin_revisions")
    assert json.loads(previous)["answers"]["sleep"] == 3


def test_opening_the_link_again_shows_the_answers_to_review_and_records_an_edit(site, db_path):
    token = new_link(site)
    send(answer(open_page(token), **full_answers(sleep=2, energy=None)))
    again = open_page(token)  # a new session: a refresh, or the link from the email once more
    assert at_info_starts(again, t("checkin.already", "nl", when="", closes="")[:30])
    assert again.select_slider(key="checkin.item.sleep").value == 2
    assert again.select_slider(key="checkin.item.energy").value == "skip"
    assert again.button(key="checkin.submit").label == t("checkin.submit_changes", "nl")
    again = send(answer(again, sleep=7, energy=1))
    assert t("checkin.thanks.edited", "nl") in texts(again)
    assert checkin_count(db_path) == 1
    [(edited_at,)] = query(db_path, "SELECT edited_at FROM checkins")
    assert edited_at is not None
    [(previous,)] = query(db_path, "SELECT previous FROM checkin_revisions")
    first_answers = {k: v for k, v in full_answers(sleep=2).items() if k != "energy"}
    assert json.loads(previous)["answers"] == first_answers
    assert dict(query(db_path, "SELECT item_id, value FROM answers"))["energy"] == 1


def at_info_starts(at: AppTest, prefix: str) -> bool:
    return any(info.value.startswith(prefix) for info in at.info)


# --- windows and bad links -----------------------------------------------------------------------


def closed_period_link(site) -> str:
    now = utcnow()
    with site.db.write() as con:
        period, _created = periods.ensure_period(con, "C1", "scheduled", now - timedelta(days=8),
                                                 now - timedelta(days=3), now - timedelta(days=8))
        return link_store.issue(con, purpose="checkin", client_id="C1", period_id=period.id,
                                expires_at=period.closes_at, now=now - timedelta(days=8), secret_key=SECRET)


def test_after_the_window_the_page_says_the_check_in_has_closed(site, db_path):
    at = open_page(closed_period_link(site))
    assert not at.exception
    assert [h.value for h in at.header] == [t("checkin.closed.title", "nl"), t("checkin.closed.title", "en")]
    assert not at.select_slider
    assert "Sanne" not in texts(at)


def test_a_window_that_closes_while_answering_stores_nothing_and_says_so(site, db_path):
    token = new_link(site)
    at = answer(open_page(token), **full_answers())
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE periods SET closes_at = ?", [to_db(utcnow() - timedelta(minutes=1))])
    at = send(at)
    assert t("checkin.closed.title", "nl") in texts(at)
    assert t("checkin.closed.not_saved", "nl") in texts(at)
    assert checkin_count(db_path) == 0


def bad_token(site, status: str) -> str:
    if status == "tampered":
        token = new_link(site)
        return token[:-1] + ("A" if token[-1] != "A" else "B")
    if status == "unknown":
        return links.new_token("checkin", SECRET)
    if status == "expired":
        now = utcnow()
        with site.db.write() as con:
            period, _created = periods.ensure_period(con, "C1", "extra", now - timedelta(hours=1),
                                                     now + timedelta(days=4), now - timedelta(hours=1))
            return link_store.issue(con, purpose="checkin", client_id="C1", period_id=period.id,
                                    expires_at=now - timedelta(minutes=5), now=now - timedelta(hours=1),
                                    secret_key=SECRET)
    if status == "revoked":
        old = new_link(site)
        new_link(site)
        return old
    return status  # "" or garbage


@pytest.mark.parametrize("status, text_key", [
    ("tampered", "checkin.bad.invalid"), ("unknown", "checkin.bad.invalid"),
    ("expired", "checkin.bad.expired"), ("revoked", "checkin.bad.revoked"),
    ("not-a-token", "checkin.bad.invalid"), ("", "checkin.bad.invalid"),
])
def test_a_bad_link_gets_a_friendly_page_in_both_languages_that_reveals_no_one(site, db_path, status,
                                                                               text_key):
    token = bad_token(site, status)
    at = open_page(token)
    assert not at.exception
    assert [h.value for h in at.header] == [t("checkin.bad.title", "nl"), t("checkin.bad.title", "en")]
    shown = texts(at)
    assert t(text_key, "nl") in shown and t(text_key, "en") in shown
    assert "Sanne" not in shown and "C1" not in shown
    assert not at.select_slider and not at.button
    refused = query(db_path, "SELECT actor, detail FROM audit_log WHERE action = 'checkin_link_refused'")
    expected = status if status in ("tampered", "unknown", "expired", "revoked") else "tampered"
    assert [(actor, json.loads(detail)["status"]) for actor, detail in refused] == [("anonymous", expected)]
    if token:
        assert token not in repr(query(db_path, "SELECT * FROM audit_log"))


def test_opening_a_link_is_recorded_once_per_session(site, db_path):
    at = answer(open_page(new_link(site)), sleep=3)
    answer(at, energy=4)
    assert query(db_path, "SELECT actor, client_id FROM audit_log WHERE action = 'checkin_link_opened'") == [
        ("client:C1", "C1")]


# --- language --------------------------------------------------------------------------------------


def test_the_language_switch_changes_every_text_and_keeps_the_answers(site):
    at = answer(open_page(new_link(site)), sleep=6)
    [switch] = at.get("button_group")
    assert switch.value == "nl"
    switch.set_value("en")
    at = at.run()
    assert titles(at) == ["Hi Sanne"]
    assert at.select_slider[0].label == INSTRUMENT.item("sleep").text["en"]
    assert "Question 1 of 16" in [c.value for c in at.caption]
    assert at.select_slider(key="checkin.item.sleep").value == 6
    assert at.select_slider(key="checkin.item.energy").options[0] == "not answered yet"
    assert at.checkbox(key="checkin.contact").label == INSTRUMENT.contact_request_text["en"]
    assert [p.proto.text for p in at.get("progress")][0] == "1 of 16 questions answered"
    at = send(at)
    assert t("checkin.thanks.saved", "en") in texts(at)


# --- the client's own trend ------------------------------------------------------------------------


def test_the_own_trend_shows_after_sending_only_when_the_coach_enabled_it(site, db_path, koers, tmp_path):
    hidden = send(answer(open_page(new_link(site)), **full_answers()))
    assert not hidden.get("plotly_chart")
    assert t("checkin.trend.title", "nl") not in texts(hidden)

    earlier = tmp_path / "earlier.csv"
    earlier.write_text(csv_text([checkin("C1", utcnow() - timedelta(days=7), sleep=2)]), encoding="utf-8")
    assert koers("import", earlier).exit_code == 0
    with site.db.write() as con:
        clients.set_show_trend(con, "C1", True)
    shown = send(answer(open_page(new_link(site)), sleep=8))
    assert len(shown.get("plotly_chart")) == 4
    words = texts(shown)
    assert t("checkin.trend.title", "nl") in words
    assert "Slaap: 0 = Heel slecht" not in words
    assert any(caption.value.startswith("0 = Heel slecht · 10 = Heel goed. Je laatste antwoord: 8 van 10 (")
               for caption in shown.caption)
    for kind in ("dominant_shift", "contact_request", "missed_checkins", "reliable_deterioration"):
        assert t(f"flag.{kind}", "nl") not in words
    for dynamic in DYNAMICS:
        assert t(f"dynamic.{dynamic}", "nl") not in words


def test_a_name_is_shown_as_typed_never_as_markdown_or_html(site):
    with site.db.write() as con:
        con.execute("UPDATE clients SET name = '*Sam* <b>[x](y)' WHERE id = 'C1'")
    at = open_page(new_link(site))
    assert titles(at) == ["Hoi *Sam* <b>[x](y)"]
    assert any("Hoi *Sam* &lt;b&gt;[x](y)</h1>" in element.value for element in at.html)
