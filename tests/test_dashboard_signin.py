"""Signing in: Argon2id passwords, lock-out with back-off, idle expiry, sign-out and TOTP."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyotp
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard_helpers import (
    ANNE,
    ANNE_EMAIL,
    DEMO_PASSWORD,
    MARC,
    MARC_EMAIL,
    SECRET_KEY,
    app,
    long_ago,
    plain_texts,
    sign_in_form,
    signed_in,
    texts,
)
from tracking.auth import FREE_ATTEMPTS, lock_after, open_totp_secret

pytestmark = pytest.mark.usefixtures("demo_db")


def test_it_signs_in_with_the_right_password_and_shows_the_caseload():
    at = sign_in_form(app().run(), MARC_EMAIL, DEMO_PASSWORD)
    assert at.session_state["coach_id"] == 2
    assert [t.value for t in at.title] == ["Caseload"]
    assert "Signed in as Marc Jansen" in [text for _kind, text in plain_texts(at.sidebar, "caption")]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer():
    wrong = sign_in_form(app().run(), MARC_EMAIL, "not the password")
    unknown = sign_in_form(app().run(), "nobody@koers.example", "not the password")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error]
    assert "coach_id" not in wrong.session_state


def _guess(email: str, times: int) -> AppTest:
    at = app().run()
    for _attempt in range(times):
        at = sign_in_form(at, email, "guessing wrong")
    return at


def test_repeated_failures_lock_the_account_even_for_the_right_password(demo_db):
    at = _guess(MARC_EMAIL, FREE_ATTEMPTS)
    assert "Te veel mislukte pogingen" in texts(at)  # the sign-in page starts in Dutch
    at = sign_in_form(at, MARC_EMAIL, DEMO_PASSWORD)
    assert "coach_id" not in at.session_state
    assert "Te veel mislukte pogingen" in texts(at)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        failed, locked_until = con.execute("SELECT failures, locked_until FROM sign_in_attempts").fetchone()
        locked = con.execute("SELECT actor FROM audit_log WHERE action = 'sign_in_locked'").fetchall()
    assert failed == FREE_ATTEMPTS
    assert locked_until is not None
    assert locked == [(f"coach:{MARC}",)]


def test_an_unknown_email_locks_exactly_like_a_real_one(demo_db):
    known, unknown = _guess(MARC_EMAIL, FREE_ATTEMPTS + 1), _guess("nobody@koers.example", FREE_ATTEMPTS + 1)
    assert [e.value for e in known.error] == [e.value for e in unknown.error]
    assert "Te veel mislukte pogingen" in texts(unknown)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute("SELECT attempt_key, failures FROM sign_in_attempts ORDER BY attempt_key").fetchall()
        locked = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'sign_in_locked' ORDER BY id"
                             ).fetchall()
    assert [failures for _key, failures in rows] == [FREE_ATTEMPTS, FREE_ATTEMPTS]  # the sixth was not checked
    assert not any("koers.example" in key or "marc" in key for key, _failures in rows)  # keyed hashes only
    assert [actor for actor, _detail in locked] == [f"coach:{MARC}", "anonymous"]
    assert '"email_domain": "koers.example"' in locked[1][1]


def test_an_admin_lifts_a_lock(demo_db):
    at = _guess(MARC_EMAIL, FREE_ATTEMPTS)
    admin = signed_in(ANNE, page="admin_coaches")
    assert "Marc Jansen" in list(admin.dataframe[0].value["Name"])
    locked = admin.dataframe[0].value.set_index("Name").loc["Marc Jansen", "Locked until"]
    assert locked, "the lock shows on the admin's list"
    admin.selectbox[0].set_value(MARC).run()
    [b for b in admin.button if b.label == "Unlock"][0].click().run()
    at = sign_in_form(app().run(), MARC_EMAIL, DEMO_PASSWORD)
    assert at.session_state["coach_id"] == MARC
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'coach_unlock'").fetchone() == (1,)


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


def _change_password(at, current: str, new: str):
    form = {t.label: t for t in at.text_input}
    form["Current password"].set_value(current)
    form["New password"].set_value(new)
    form["New password again"].set_value(new)
    [b for b in at.form_submit_button if b.label == "Change password"][0].click()
    return at.run()


def test_a_password_change_signs_out_every_other_session_at_its_next_click(demo_db):
    phone = sign_in_form(app().run(), MARC_EMAIL, DEMO_PASSWORD)
    laptop = sign_in_form(app().run(), MARC_EMAIL, DEMO_PASSWORD)
    assert phone.session_state["coach_id"] == laptop.session_state["coach_id"] == MARC
    laptop.switch_page("views/account.py").run()
    laptop = _change_password(laptop, DEMO_PASSWORD, "a brand new password")
    assert "Password changed." in texts(laptop)
    assert laptop.session_state["coach_id"] == MARC, "the session that changed it stays signed in"
    phone.run()
    assert "coach_id" not in phone.session_state
    assert "this account's password was changed" in texts(phone)


def test_a_wrong_current_password_on_the_account_page_is_counted_and_recorded(demo_db):
    at = signed_in(MARC, page="account")
    for _attempt in range(FREE_ATTEMPTS):
        at = _change_password(at, "not my password", "a brand new password")
    assert "Too many wrong passwords" in texts(at)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (failed,) = con.execute("SELECT count(*) FROM audit_log WHERE action = 'password_change_failed'").fetchone()
    assert failed == FREE_ATTEMPTS
    assert "Te veel mislukte pogingen" in texts(sign_in_form(app().run(), MARC_EMAIL, DEMO_PASSWORD))


def test_the_sign_in_page_says_plainly_that_the_database_holds_demo_data(demo_db):
    at = app().run()
    warning = [text for kind, text in plain_texts(at, "warning")]
    assert len(warning) == 1 and "demogegevens" in warning[0]
    assert "anne@koers.example" in warning[0] and "koers-demo" in warning[0]
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE coaches SET active = false WHERE email LIKE '%@koers.example'")
    assert not plain_texts(app().run(), "warning")


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
        (stored,) = con.execute("SELECT totp_secret FROM coaches WHERE id = ?", [MARC]).fetchone()
    assert secret not in stored, "sealed with a key derived from KOERS_SECRET_KEY"
    assert open_totp_secret(SECRET_KEY, stored) == secret


@pytest.mark.parametrize("page", ["caseload", "client"])
def test_a_page_reads_the_signed_in_coach_once_per_run(monkeypatch, page):
    """The app checks the session before it runs the page, and the page uses that check: one read of the
    account per click, not two (each read opens the database file)."""
    from tracking.usecases import coaches

    reads = []
    real = coaches.session_coach

    def counted(ctx, coach_id):
        reads.append(coach_id)
        return real(ctx, coach_id)

    monkeypatch.setattr(coaches, "session_coach", counted)
    at = signed_in(ANNE, page=page, **({"client": "K-101"} if page == "client" else {}))
    assert not at.exception and not at.error
    assert reads == [ANNE]


def test_a_session_ended_elsewhere_is_still_refused_with_one_read_per_run(demo_db):
    at = signed_in(MARC)
    assert at.session_state["coach_id"] == MARC
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE coaches SET active = FALSE WHERE id = ?", [MARC])
    at.run()
    assert "coach_id" not in at.session_state
    assert [t.value for t in at.title] != ["Caseload"]
