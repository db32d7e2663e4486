"""Sign-in for coaches and admins: password, then a TOTP code when the account has one.

The app shows this page at every coach address until someone signs in, so a deep link (say, to a
client from the weekly digest) leads to that page right after signing in."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import oidc, runtime
from tracking import auth
from tracking.demo import DEMO_PASSWORD
from tracking.errors import NotFound
from tracking.usecases import coaches, data

tr = runtime.tr
PENDING = "signin_pending"  # (coach id, until): password accepted, waiting for the TOTP code
PENDING_MINUTES = 5


def _locked_message(outcome: auth.Outcome) -> str:
    until = outcome.locked_until or runtime.now()
    minutes = max(1, int((until - runtime.now()).total_seconds() // 60) + 1)
    return tr("signin.locked", minutes=minutes)


def _finish(outcome: auth.Outcome) -> None:
    if outcome.status == "ok" and outcome.coach is not None:
        st.session_state.pop(PENDING, None)
        runtime.sign_in(outcome.coach, outcome.generation)
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
    with runtime.user_errors():
        demo_accounts = data.demo_accounts(runtime.context())
    if demo_accounts:
        runtime.show_plain(tr("signin.demo_data", emails=", ".join(demo_accounts), password=DEMO_PASSWORD), "warning")
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
            with runtime.user_errors():
                outcome = coaches.sign_in_with_password(runtime.context(), email or "", password or "",
                                                        now=runtime.now())
            if outcome.status == "totp_needed" and outcome.coach is not None:
                st.session_state[PENDING] = (outcome.coach.id, runtime.now() + timedelta(minutes=PENDING_MINUTES))
                st.rerun()
            _finish(outcome)
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
            try:
                outcome = coaches.sign_in_with_totp(runtime.context(), pending[0], code or "", now=runtime.now())
            except NotFound:
                st.session_state.pop(PENDING, None)
                st.rerun()
            _finish(outcome)
            st.error(_locked_message(outcome) if outcome.status == "locked" else tr("signin.totp_wrong"))
