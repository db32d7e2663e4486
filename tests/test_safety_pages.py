"""The safety net and the client's language on the pages, through AppTest: the thank-you page says when
the coach responds and where to get urgent help in the client's language, the caseload puts the
alert first, and a language switch on the form is the language of the next visit."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from tests.dashboard_helpers import plain_texts, shown, signed_in, titles, use_database
from tests.factories import answers as full_answers
from tests.test_checkin_page import answer, new_link, open_page, send, texts
from tests.test_checkin_page import site as site  # noqa: F401 - the fixture, shared
from tracking.i18n import t, t_count
from tracking.instrument import load_instrument
from tracking.safety import URGENT_HELP_EN, URGENT_HELP_NL

HEAVIEST = {item.id: 0 if item.reversed else 10 for item in load_instrument().items}


def shown_as_written(at) -> list[str]:
    """The urgent-help notices, as the client reads them (the practice's text is shown as plain text)."""
    return shown(at, "warning")


def test_a_contact_request_is_told_when_the_coach_responds_and_where_to_get_help_now(site):
    at = answer(open_page(new_link(site)), **full_answers())
    at.checkbox(key="checkin.contact").check()
    at = send(at.run())
    shown = texts(at)
    assert t("checkin.safety.contact", "nl") in shown
    assert t_count("checkin.safety.respond", "nl", 1) in shown
    assert shown_as_written(at) == [URGENT_HELP_NL]


def test_answers_that_cross_a_level_of_concern_get_the_safety_net_in_english_too(site):
    at = open_page(new_link(site))
    at.segmented_control(key="checkin.lang").set_value("en").run()
    at = send(answer(at, **HEAVIEST))
    shown = texts(at)
    assert t("checkin.safety.concern", "en") in shown
    assert t_count("checkin.safety.respond", "en", 1) in shown
    assert shown_as_written(at) == [URGENT_HELP_EN]


def test_an_ordinary_check_in_shows_no_safety_net(site):
    at = send(answer(open_page(new_link(site)), **full_answers()))
    assert not shown(at, "warning")
    assert t("checkin.safety.contact", "nl") not in texts(at)


def test_the_practice_sets_the_response_time_and_the_text(site, monkeypatch):
    from dashboard import runtime

    monkeypatch.setenv("KOERS_SAFETY_RESPONSE_WORKING_DAYS", "3")
    monkeypatch.setenv("KOERS_SAFETY_URGENT_HELP_NL", "Bel de praktijk op 010 123 45 67")
    runtime._context.clear()
    at = answer(open_page(new_link(site)), **full_answers())
    at.checkbox(key="checkin.contact").check()
    at = send(at.run())
    assert t_count("checkin.safety.respond", "nl", 3) in texts(at)
    assert shown_as_written(at) == ["Bel de praktijk op 010 123 45 67"]


def test_a_client_who_switches_to_english_and_sends_opens_the_next_link_in_english(site, db_path):
    at = open_page(new_link(site))
    at.segmented_control(key="checkin.lang").set_value("en").run()
    send(answer(at, sleep=4))
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT lang, lang_chosen_at IS NOT NULL FROM clients WHERE id = 'C1'").fetchone() == (
            "en", True)
    again = open_page(new_link(site))
    assert titles(again) == [t("checkin.greeting.named", "en", name="Sanne")]


@pytest.fixture
def demo(demo_db, monkeypatch):
    use_database(monkeypatch, demo_db)
    return demo_db


def _heavy_checkin_for(demo_db, client_id: str) -> None:
    """A check-in of a demo client sent now through a personal link, with every answer at the strain end."""
    from tests.dashboard_helpers import SECRET_KEY
    from tests.factories import context, fresh_link
    from tracking.usecases import checkin

    ctx = context(demo_db, KOERS_SECRET_KEY=SECRET_KEY)
    now = datetime.now(UTC)
    url, _period = fresh_link(ctx, client_id, now=now)
    checkin.submit(ctx, url.split("?t=", 1)[1], checkin.clean_answers(ctx.instrument, HEAVIEST), now=now, lang="nl")


def test_the_caseload_puts_a_concern_first_until_the_coach_has_seen_it(demo):
    from tests.dashboard_helpers import MARC

    _heavy_checkin_for(demo, "M-207")
    at = signed_in(MARC, page="caseload")
    assert not at.exception
    assert at.subheader[0].value == t("alerts.title", "en")
    first = plain_texts(at, "line")[0][1]
    assert "Jesse (M-207)" in first and "level of concern" in first
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("concern_seen_"))).click().run()
    assert t("alerts.seen_done", "en") in shown(at, "info")
    assert all("level of concern" not in text for _kind, text in plain_texts(at))


def test_the_coach_sees_a_language_the_client_chose(demo):
    from tests.dashboard_helpers import MARC

    _heavy_checkin_for(demo, "M-209")  # Stijn, English, sends in Dutch
    at = signed_in(MARC, page="client", client="M-209")
    assert any("language: Dutch, chosen by the client on" in c.value for c in at.caption)
