"""The client's safety net: the levels of concern, what a client is told after asking for contact or
crossing one, and the coach's alert (an email queued with the check-in, and the top of the caseload).
Also the client's language: the one a client sends in is the one they get next time."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as email_policy

import duckdb
import pytest

from tests import factories
from tests.conftest import NOW
from tracking.context import Actor
from tracking.errors import SettingsError
from tracking.i18n import formats, t, t_count
from tracking.instrument import load_instrument
from tracking.mail.outbox import fill_outbox
from tracking.mail.send import run_once
from tracking.safety import URGENT_HELP_EN, URGENT_HELP_NL, SafetySettings, concern
from tracking.settings import load_settings
from tracking.usecases import checkin, clients, safety

SECRET = "safety-tests-secret-key-0123456789abcdef"
INSTRUMENT = load_instrument()
HEAVIEST = {item.id: 0 if item.reversed else 10 for item in INSTRUMENT.items}  # every answer at the strain end
ORDINARY = factories.answers()  # 5 everywhere: 50 on every dynamic


def scores(context=50.0, relational=50.0, physiological=50.0, identity=50.0):
    return {"context": context, "relational": relational, "physiological": physiological, "identity": identity}


# The levels.

def test_one_dynamic_at_the_heaviest_end_is_a_concern():
    found = concern(scores(physiological=97.5), SafetySettings())
    assert found is not None and found.levels == ("dynamic",) and found.dynamic == "physiological"


def test_strain_high_everywhere_is_a_concern_without_any_extreme():
    found = concern(scores(80, 78, 76, 74), SafetySettings())
    assert found is not None and found.levels == ("overall",) and found.overall_points == pytest.approx(77)


def test_an_ordinary_burnout_week_with_one_clear_lead_is_no_concern():
    assert concern(scores(context=88, relational=45, physiological=40, identity=35), SafetySettings()) is None


def test_a_level_set_to_off_is_not_checked():
    off = SafetySettings(concern_dynamic_points=None, concern_overall_points=None)
    assert concern(scores(100, 100, 100, 100), off) is None


def test_the_mean_needs_three_scored_dynamics():
    two = {"context": 90.0, "relational": 90.0, "physiological": None, "identity": None}
    assert concern(two, SafetySettings(concern_dynamic_points=None)) is None
    assert concern({}, SafetySettings()) is None


def test_the_evidence_keeps_the_numbers_and_the_levels_they_crossed():
    settings = SafetySettings()
    evidence = concern(scores(96, 80, 80, 80), settings).evidence(settings)
    assert evidence == {"levels": ["dynamic", "overall"], "dynamic": "context", "dynamic_points": 96.0,
                        "overall_points": 84.0, "dynamic_level": 95.0, "overall_level": 75.0}


# The settings.

def test_the_defaults_are_the_dutch_ways_to_urgent_help_and_a_neutral_english_one(tmp_path):
    net = load_settings({}, secrets_file=tmp_path / "none.toml").safety
    assert net.response_working_days == 1
    assert "huisarts" in net.urgent_help("nl") and "huisartsenpost" in URGENT_HELP_NL
    assert "113 Zelfmoordpreventie" in URGENT_HELP_NL and "0800-0113" in URGENT_HELP_NL and "gratis" in URGENT_HELP_NL
    assert net.urgent_help("en") == URGENT_HELP_EN and "GP or doctor" in URGENT_HELP_EN and "112" in URGENT_HELP_EN


def test_the_practice_sets_its_own_levels_and_texts(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('KOERS_SAFETY_URGENT_HELP_NL = "Bel de praktijk: 010-1234567."\n', encoding="utf-8")
    net = load_settings({"KOERS_SAFETY_CONCERN_DYNAMIC_POINTS": "off", "KOERS_SAFETY_RESPONSE_WORKING_DAYS": "2"},
                        secrets_file=secrets).safety
    assert net.concern_dynamic_points is None and net.response_working_days == 2
    assert net.urgent_help("nl") == "Bel de praktijk: 010-1234567."


@pytest.mark.parametrize("env,value,message", [
    ("KOERS_SAFETY_CONCERN_OVERALL_POINTS", "lots", "'lots' is not a number from 1 to 100, or off"),
    ("KOERS_SAFETY_CONCERN_DYNAMIC_POINTS", "150", "out of range"),
    ("KOERS_SAFETY_RESPONSE_WORKING_DAYS", "0", "out of range (1 to 10 working days)"),
    ("KOERS_SAFETY_URGENT_HELP_EN", "  ", "is empty"),
])
def test_a_bad_safety_setting_names_itself(tmp_path, env, value, message):
    with pytest.raises(SettingsError, match=re.escape(f"{env} (from the environment): ") + ".*" + re.escape(message)):
        load_settings({env: value}, secrets_file=tmp_path / "none.toml")


# Sending, and the coach's alert.

@pytest.fixture
def world(tmp_path):
    """Coach Bo (English) with Dutch client C1 (Sanne); Cy, another coach, with client C2."""
    ctx = factories.context(tmp_path / "koers.duckdb", KOERS_SECRET_KEY=SECRET,
                            KOERS_OUTBOX_DIR=str(tmp_path / "outbox"), KOERS_BASE_URL="https://koers.example")
    factories.coach(ctx, "bo@example.org", "Bo de Boer", lang="en", now=NOW - timedelta(days=90))
    factories.coach(ctx, "cy@example.org", "Cy", now=NOW - timedelta(days=90))
    factories.client(ctx, "C1", coach_email="bo@example.org", name="Sanne", lang="nl", now=NOW - timedelta(days=60))
    factories.client(ctx, "C2", coach_email="cy@example.org", name="Tim", now=NOW - timedelta(days=60))
    return ctx


def send(ctx, answers, *, contact=False, lang=None, client="C1", now=NOW):
    url, _period = factories.fresh_link(ctx, client, now=now)
    cleaned = checkin.clean_answers(ctx.instrument, answers, contact)
    return checkin.submit(ctx, url.split("?t=", 1)[1], cleaned, now=now, lang=lang)


def rows(ctx, sql, params=()):
    with duckdb.connect(str(ctx.settings.db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_heavy_answers_are_recorded_as_a_concern_with_the_coachs_email_queued_in_the_same_write(world):
    result = send(world, HEAVIEST)
    assert result.concern and result.safety_net and not result.contact_request
    [(client_id, checkin_id, evidence)] = rows(world, "SELECT client_id, checkin_id, evidence FROM concerns")
    assert (client_id, checkin_id) == ("C1", result.checkin_id) and '"dynamic_points": 100.0' in evidence
    [(key, kind, recipient, lang, subject, body)] = rows(
        world, "SELECT key, kind, recipient, lang, subject, body_text FROM outbox")
    assert (key, kind, recipient, lang) == (f"concern:{result.checkin_id}", "concern", "bo@example.org", "en")
    assert subject == "Concern: Sanne (C1)"
    assert body.startswith("Hello Bo,\n")  # a coach is greeted by their first name
    assert t_count("mail.concern.told", "en", 1) in body
    assert "100" not in body and "score" not in body.lower()  # no health data in an email


def test_the_scheduler_sends_the_alert_on_its_next_run(world):
    send(world, HEAVIEST, contact=True)
    ran = run_once(world, clock=lambda: NOW + timedelta(minutes=1))
    assert {email.kind for email in ran.send.sent} >= {"concern", "contact"}
    folder = world.settings.outbox_folder()
    files = [*folder.glob("*-concern.eml"), *folder.glob("*-contact.eml")]
    subjects = sorted(message_from_bytes(f.read_bytes(), policy=email_policy)["Subject"] for f in files)
    assert subjects == ["Concern: Sanne (C1)", "Contact request from Sanne (C1)"]


def test_a_contact_request_queues_its_email_at_once_and_the_scheduler_adds_no_second(world):
    result = send(world, ORDINARY, contact=True)
    assert result.safety_net and not result.concern
    [(flag_id,)] = rows(world, "SELECT id FROM flags WHERE kind = 'contact_request'")
    assert rows(world, "SELECT key, kind FROM outbox") == [(f"contact:{flag_id}", "contact")]
    fill_outbox(world, NOW + timedelta(minutes=1))
    assert rows(world, "SELECT count(*) FROM outbox WHERE kind = 'contact'") == [(1,)]


def test_an_ordinary_check_in_alerts_nobody(world):
    result = send(world, ORDINARY)
    assert not result.safety_net
    assert rows(world, "SELECT count(*) FROM concerns") == [(0,)]
    assert rows(world, "SELECT count(*) FROM outbox") == [(0,)]


def test_changing_heavy_answers_raises_no_second_concern(world):
    url, _period = factories.fresh_link(world, "C1", now=NOW)
    token = url.split("?t=", 1)[1]
    checkin.submit(world, token, checkin.clean_answers(world.instrument, HEAVIEST), now=NOW)
    changed = dict(HEAVIEST, sleep=1)
    again = checkin.submit(world, token, checkin.clean_answers(world.instrument, changed),
                           now=NOW + timedelta(minutes=5))
    assert again.status == "edited" and again.concern
    assert rows(world, "SELECT count(*) FROM concerns") == [(1,)]
    assert rows(world, "SELECT count(*) FROM outbox") == [(1,)]


def test_a_coach_sees_the_alerts_of_their_own_clients_first_until_they_have_seen_them(world):
    send(world, HEAVIEST)
    send(world, ORDINARY, contact=True, client="C2")
    bo, cy = (Actor.coach(c) for c in _coaches(world))
    [mine] = safety.alerts(world, bo.viewer)
    assert (mine.kind, mine.client_id, mine.client_name) == ("concern", "C1", "Sanne")
    assert [(a.kind, a.client_id) for a in safety.alerts(world, cy.viewer)] == [("contact_request", "C2")]
    with pytest.raises(Exception, match="concern"):
        safety.acknowledge_concern(world, cy, mine.id, now=NOW)  # not Cy's client
    assert safety.acknowledge_concern(world, bo, mine.id, now=NOW) == "C1"
    assert safety.alerts(world, bo.viewer) == []
    assert rows(world, "SELECT acknowledged_by IS NOT NULL FROM concerns") == [(True,)]


def _coaches(ctx):
    from tracking.usecases import coaches

    return coaches.coach(ctx, 1), coaches.coach(ctx, 2)


# The client's language.

def test_a_client_who_sends_in_english_gets_english_next_time(world):
    result = send(world, ORDINARY, lang="en", now=NOW)
    assert result.lang == "en"
    url, _period = factories.fresh_link(world, "C1", now=NOW + timedelta(days=7))
    opened = checkin.open_link(world, url.split("?t=", 1)[1], now=NOW + timedelta(days=7))
    assert opened.lang == "en"
    bundle = clients.client_bundle(world, Actor.coach(_coaches(world)[0]).viewer, "C1")
    assert bundle.client.lang == "en" and bundle.lang_chosen_at == NOW
    [(detail,)] = rows(world, "SELECT detail FROM audit_log WHERE action = 'checkin_submitted'")
    assert '"lang": "en"' in detail


def test_the_next_invitation_is_in_the_language_the_client_chose(world):
    send(world, ORDINARY, lang="en", now=NOW)
    monday = NOW + timedelta(days=7, hours=-3)  # C1's reminder: Monday 09:00 in Amsterdam
    fill_outbox(world, monday)
    [(lang, subject)] = rows(world, "SELECT lang, subject FROM outbox WHERE kind = 'invitation' AND client_id = 'C1'")
    assert (lang, subject) == ("en", t("mail.invitation.subject", "en"))


def test_sending_in_the_language_the_client_already_has_records_no_choice(world):
    send(world, ORDINARY, lang="nl")
    bundle = clients.client_bundle(world, Actor.coach(_coaches(world)[0]).viewer, "C1")
    assert bundle.client.lang == "nl" and bundle.lang_chosen_at is None


def test_an_unknown_language_is_refused(world):
    with pytest.raises(Exception, match="language"):
        send(world, ORDINARY, lang="fr")


def test_the_coachs_email_names_the_day_in_the_coachs_language_and_time_zone(world):
    send(world, HEAVIEST)
    [(body,)] = rows(world, "SELECT body_text FROM outbox")
    assert f"{formats.long_day(NOW, 'en', 'Europe/Amsterdam')} at 13:00" in body  # NOW is 12:00 UTC
