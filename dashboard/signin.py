"""Sign-in for coaches and admins: password, then a TOTP code when the account has one.

The app shows this page at every coach address until someone signs in, so a deep link (say, to a
client from the weekly digest) leads to that page right after signing in."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import oidc, runtime
from tracking import auth
from tracking.store import accounts, audit

tr = runtime.tr
PENDING = "signin_pending"  # (coach id, until): password accepted, waiting for the TOTP code
PENDING_MINUTES = 5


def _locked_message(outcome: auth.Outcome) -> str:
    minutes = max(1, int((outcome.locked_until - runtime.now()).total_seconds() // 60) + 1)
    return tr("signin.locked", minutes=minutes)


def _finish(outcome: auth.Outcome, email: str) -> None:
    now = runtime.now()
    with runtime.user_errors(), runtime.database().write() as con:
        if outcome.status == "ok":
            accounts.record_sign_in(con, outcome.coach.id)
            audit.record(con, now, f"coach:{outcome.coach.id}", "sign_in")
        elif outcome.coach is not None and outcome.status in ("wrong", "locked"):
            accounts.record_sign_in_failure(con, outcome.coach.id, outcome.failed_logins, outcome.locked_until)
            audit.record(con, now, f"coach:{outcome.coach.id}", "sign_in_failed", failed=outcome.failed_logins)
        elif outcome.coach is None:
            audit.record(con, now, "anonymous", "sign_in_failed", email_domain=email.rpartition("@")[2][:64])
    if outcome.status == "ok":
        st.session_state.pop(PENDING, None)
        runtime.sign_in(outcome.coach)
        st.rerun()


def render() -> None:
    choice = st.segmented_control(
        "Taal / Language", ["nl", "en"], default=runtime.lang(), format_func=lambda v: {"nl": "NL", "en": "EN"}[v],
        key="signin_lang", label_visibility="collapsed",
    )
    if choice and choice != runtime.lang():
        runtime.set_lang(choice)
        st.rerun()

    st.title("Koers")
    st.caption(tr("signin.tagline"))
    runtime.show_notice()

    pending = st.session_state.get(PENDING)
    if pending and pending[1] < runtime.now():
        st.session_state.pop(PENDING, None)
        pending = None

    if pending is None and oidc.configured():
        oidc.render_sign_in()
        if not runtime.settings().password_signin:
            return
        st.caption(tr("oidc.or_password"))
    if pending is None:
        with st.form("signin"):
            email = st.text_input(tr("signin.email"), autocomplete="username")
            password = st.text_input(tr("signin.password"), type="password", autocomplete="current-password")
            submitted = st.form_submit_button(tr("signin.submit"), type="primary")
        if submitted:
            with runtime.user_errors(), runtime.database().read() as con:
                found = accounts.credentials(con, email or "")
            outcome = auth.check_password(found, password or "", runtime.now())
            if outcome.status == "totp_needed":
                st.session_state[PENDING] = (outcome.coach.id, runtime.now() + timedelta(minutes=PENDING_MINUTES))
                st.rerun()
            _finish(outcome, email or "")
            st.error(_locked_message(outcome) if outcome.status == "locked" else tr("signin.wrong"))
    else:
        st.info(tr("signin.totp_prompt"))
        with st.form("totp"):
            code = st.text_input(tr("signin.totp_code"), max_chars=6, autocomplete="one-time-code")
            submitted = st.form_submit_button(tr("signin.verify"), type="primary")
        if st.button(tr("signin.back")):
            st.session_state.pop(PENDING, None)
            st.rerun()
        if submitted:
            with runtime.user_errors(), runtime.database().read() as con:
                found = accounts.credentials_by_id(con, pending[0])
            if found is None:
                st.session_state.pop(PENDING, None)
                st.rerun()
            outcome = auth.check_totp(found, code or "", runtime.now())
            _finish(outcome, found.coach.email)
            st.error(_locked_message(outcome) if outcome.status == "locked" else tr("signin.totp_wrong"))
