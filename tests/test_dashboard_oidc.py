"""Signing in with the practice's provider, as the dashboard sees it: the identity in `st.user` (what
Streamlit's signed cookie holds) becomes a Koers coach on every run, or is refused and audited.
The protocol itself runs against a real provider in tests/browser/test_oidc_browser.py."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from tests.dashboard_helpers import MARC, MARC_EMAIL, app, plain_texts, texts
from tracking.settings import load_settings
from tracking.store import accounts, open_database

CLIENT_ID = "koers-test-client"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "0123456789abcdef0123456789abcdef",
    "client_id": CLIENT_ID,
    "client_secret": "not-used-without-a-browser",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture(autouse=True)
def provider_settings(demo_db, monkeypatch):
    monkeypatch.setenv("KOERS_OIDC_PROVIDER_NAME", "Praktijk-ID")


def identity(email: str = MARC_EMAIL, nonce: str = "nonce-1", **changes) -> dict:
    claims = {"is_logged_in": True, "iss": "http://127.0.0.1:9", "sub": f"sub-{email}", "aud": CLIENT_ID,
              "email": email, "email_verified": True, "iat": int(time.time()) - 60, "nonce": nonce}
    claims.update(changes)
    return claims


def browser_tab(claims: dict | None):
    """One run of the app in a tab of a browser whose provider cookie holds `claims`."""
    at = app()
    at.secrets["auth"] = AUTH
    at.user = claims if claims is not None else {"is_logged_in": False}
    return at.run()


def rows(db, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def oidc_audit(db) -> list[tuple]:
    return rows(db, "SELECT actor, action, detail FROM audit_log WHERE detail LIKE '%oidc%' ORDER BY id")


def set_active(db, coach_id: int, active: bool) -> None:
    with open_database(load_settings({}, secrets_file=None, db=db)).write() as con:
        accounts.set_active(con, coach_id, active)


def test_a_verified_email_of_a_coach_signs_in_and_is_recorded_once(demo_db):
    at = browser_tab(identity())
    assert [t.value for t in at.title] == ["Caseload"]
    assert "Signed in as Marc Jansen" in [text for _kind, text in plain_texts(at.sidebar, "caption")]
    at.run()
    assert oidc_audit(demo_db) == [(f"coach:{MARC}", "sign_in", '{"method": "oidc"}')]
    assert rows(demo_db, "SELECT coach_id, ended_at FROM provider_sessions") == [(MARC, None)]


def test_the_sign_in_page_offers_the_provider_beside_the_password():
    at = browser_tab(None)
    assert at.button(key="oidc_sign_in").label == "Inloggen met Praktijk-ID"
    assert len(at.text_input) == 2  # email and password


def test_a_practice_can_turn_password_sign_in_off(monkeypatch):
    monkeypatch.setenv("KOERS_PASSWORD_SIGNIN", "false")
    at = app()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    monkeypatch.setenv("KOERS_OIDC_SERVER_METADATA_URL", AUTH["server_metadata_url"])
    monkeypatch.setenv("KOERS_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("KOERS_OIDC_CLIENT_SECRET", AUTH["client_secret"])
    at.run()
    assert at.button(key="oidc_sign_in").label == "Inloggen met Praktijk-ID"
    assert len(at.text_input) == 0 and len(at.form_submit_button) == 0


def test_koers_settings_without_koers_dashboard_say_what_is_wrong(monkeypatch):
    monkeypatch.setenv("KOERS_OIDC_SERVER_METADATA_URL", AUTH["server_metadata_url"])
    monkeypatch.setenv("KOERS_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("KOERS_OIDC_CLIENT_SECRET", AUTH["client_secret"])
    at = app()
    at.user = {"is_logged_in": False}
    at.run()
    assert "niet gestart met `koers dashboard`" in texts(at)


@pytest.mark.parametrize("claims,message,reason,domain", [
    (identity("nobody@elsewhere.example"), "er is geen coach met dit e-mailadres", "unknown", "elsewhere.example"),
    (identity(email_verified=False), "geen bevestigd e-mailadres", "unverified", None),
    (identity(aud="another-app"), "niet voor Koers bedoeld", "audience", "koers.example"),
    (identity(iat=int(time.time()) - 13 * 3600), "Je aanmelding is verlopen", "expired", "koers.example"),
])
def test_it_refuses_an_identity_with_a_message_and_audits_it_once(demo_db, claims, message, reason, domain):
    at = browser_tab(claims)
    at.run()
    assert message in texts(at)
    assert at.button(key="oidc_sign_in")  # to sign in again, with another account
    assert [t.value for t in at.title] == ["Koers"]
    detail = {"method": "oidc", "reason": reason, **({"email_domain": domain} if domain else {})}
    assert [(actor, action, json.loads(text)) for actor, action, text in oidc_audit(demo_db)] == [
        ("anonymous", "sign_in_refused", detail)]


def test_deactivation_wins_at_the_next_interaction_and_ends_the_sign_in(demo_db):
    cookie = identity()
    at = browser_tab(cookie)
    assert [t.value for t in at.title] == ["Caseload"]
    set_active(demo_db, MARC, False)
    at.run()
    assert "has been deactivated" in texts(at)  # in Marc's language, as he signed in
    assert rows(demo_db, "SELECT end_reason FROM provider_sessions") == [("inactive",)]
    set_active(demo_db, MARC, True)
    assert "Je bent in deze browser uitgelogd" in texts(browser_tab(cookie))  # that sign-in stays ended
    assert [t.value for t in browser_tab(identity(nonce="nonce-2")).title] == ["Caseload"]  # a new sign-in


def test_signing_out_ends_the_sign_in_in_every_tab_of_the_browser(demo_db):
    cookie = identity()
    first, second = browser_tab(cookie), browser_tab(cookie)
    assert [t.value for t in second.title] == ["Caseload"]
    first.button(key="sign_out").click().run()
    assert first.user == {"is_logged_in": False}  # st.logout: Streamlit drops the cookie
    assert rows(demo_db, "SELECT end_reason FROM provider_sessions") == [("signed_out",)]
    second.run()  # the other tab still holds the identity it started with
    assert "You signed out in this browser" in texts(second)
    assert [t.value for t in second.title] == ["Koers"]
    actions = [action for _actor, action, _detail in oidc_audit(demo_db)]
    assert actions == ["sign_in", "sign_out"]


def test_a_sign_in_idle_for_longer_than_the_session_minutes_ends(demo_db):
    at = browser_tab(identity())
    assert [t.value for t in at.title] == ["Caseload"]
    idle_since = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=31)
    with open_database(load_settings({}, secrets_file=None, db=demo_db)).write() as con:
        con.execute("UPDATE provider_sessions SET last_active_at = ?", [idle_since])
    at.run()
    assert "after a while without activity" in texts(at)
    assert rows(demo_db, "SELECT end_reason FROM provider_sessions") == [("idle",)]


def test_the_role_comes_from_koers_not_from_the_provider():
    at = browser_tab(identity(roles=["admin"], groups=["Koers admins"]))
    assert [t.value for t in at.title] == ["Caseload"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/admin_coaches.py")
