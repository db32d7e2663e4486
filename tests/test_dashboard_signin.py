"""Signing in: Argon2id passwords, lock-out with back-off, idle expiry, sign-out and TOTP."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyotp
import pytest

from tests.dashboard_helpers import (
    ANNE,
    ANNE_EMAIL,
    DEMO_PASSWORD,
    MARC,
    MARC_EMAIL,
    app,
    long_ago,
    sign_in_form,
    signed_in,
    texts,
)
from tracking.auth import FREE_ATTEMPTS, lock_after

pytestmark = pytest.mark.usefixtures("demo_db")


def test_it_signs_in_with_the_right_password_and_shows_the_caseload():
    at = sign_in_form(app().run(), MARC_EMAIL, DEMO_PASSWORD)
    assert at.session_state["coach_id"] == 2
    assert [t.value for t in at.title] == ["Caseload"]
    assert "Signed in as Marc Jansen" in [c.value for c in at.sidebar.caption]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer():
    wrong = sign_in_form(app().run(), MARC_EMAIL, "not the password")
    unknown = sign_in_form(app().run(), "nobody@koers.example", "not the password")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error]
    assert "coach_id" not in wrong.session_state


def test_repeated_failures_lock_the_account_even_for_the_right_password(demo_db):
    at = app().run()
    for _attempt in range(FREE_ATTEMPTS):
        at = sign_in_form(at, MARC_EMAIL, "guessing wrong")
    assert "Te veel mislukte pogingen" in texts(at)  # the sign-in page starts in Dutch
    at = sign_in_form(at, MARC_EMAIL, DEMO_PASSWORD)
    assert "coach_id" not in at.session_state
    with duckdb.connect(str(demo_db), read_only=True) as con:
        failed, locked_until = con.execute(
            "SELECT failed_logins, locked_until FROM coaches WHERE email = ?", [MARC_EMAIL]).fetchone()
    assert failed == FREE_ATTEMPTS
    assert locked_until is not None


def test_the_lock_doubles_with_every_further_failure():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert lock_after(FREE_ATTEMPTS - 1, now) is None
    first = lock_after(FREE_ATTEMPTS, now) - now
    second = lock_after(FREE_ATTEMPTS + 1, now) - now
    assert second == 2 * first
    assert lock_after(FREE_ATTEMPTS + 40, now) - now <= lock_after(FREE_ATTEMPTS + 41, now) - now


def test_an_idle_session_ends_with_a_message():
    at = signed_in(MARC)
    assert [t.value for t in at.title] == ["Caseload"]
    at.session_state["last_active"] = long_ago()
    at.run()
    assert "coach_id" not in at.session_state
    assert "signed out after a while without activity" in texts(at)


def test_signing_out():
    at = signed_in(MARC)
    at.sidebar.button(key="sign_out").click()
    at.run()
    assert "coach_id" not in at.session_state
    assert "You are signed out." in texts(at)


def test_a_second_factor_is_asked_for_after_the_password(demo_db):
    secret = pyotp.random_base32()
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE coaches SET totp_secret = ? WHERE id = ?", [secret, ANNE])
    at = sign_in_form(app().run(), ANNE_EMAIL, DEMO_PASSWORD)
    assert "coach_id" not in at.session_state
    assert "6-cijferige code" in texts(at)
    at.text_input[0].set_value("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    at.form_submit_button[0].click()
    at.run()
    assert "coach_id" not in at.session_state
    assert [e.value for e in at.error]
    at.text_input[0].set_value(pyotp.TOTP(secret).now())
    at.form_submit_button[0].click()
    at.run()
    at.run()
    assert at.session_state["coach_id"] == ANNE


def test_enrolling_a_second_factor_on_the_account_page(demo_db):
    at = signed_in(MARC, page="account")
    [b for b in at.button if b.label == "Set up"][0].click()
    at.run()
    secret = at.session_state["totp_enrol_secret"]
    assert at.image, "a QR code to scan"
    assert secret in [c.value for c in at.code]
    form_input = [t for t in at.text_input if t.label == "Code from the app"][0]
    form_input.set_value(pyotp.TOTP(secret).now())
    [b for b in at.form_submit_button if b.label == "Turn on"][0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT totp_secret FROM coaches WHERE id = ?", [MARC]).fetchone()[0] == secret
