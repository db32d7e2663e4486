"""Your account: language, weekly digest time, password, and the optional second factor (TOTP)."""

from __future__ import annotations

import streamlit as st

from dashboard import runtime
from dashboard.sections.settings import COMMON_ZONES
from tracking import auth, validate
from tracking.errors import InvalidValue
from tracking.passwords import hash_password, verify_password
from tracking.store import accounts, audit

tr = runtime.tr
viewer = runtime.viewer()
now = runtime.now()
ENROL = "totp_enrol_secret"

with runtime.user_errors(), runtime.database().read() as con:
    coach = accounts.coach_by_id(con, viewer.coach_id)
    credentials = accounts.credentials_by_id(con, viewer.coach_id)

st.title(tr("account.title"))
st.caption(f"{runtime.plain(coach.name)} · {runtime.plain(coach.email)}")
runtime.show_notice()


def _done(message: str) -> None:
    st.session_state["notice"] = message
    st.rerun()


st.subheader(tr("account.preferences"))
with st.form("preferences"):
    lang = st.radio(tr("account.lang"), ["nl", "en"], index=["nl", "en"].index(coach.lang), horizontal=True,
                    format_func=runtime.labels("language."))
    zones = list(COMMON_ZONES) if coach.tz in COMMON_ZONES else [coach.tz, *COMMON_ZONES]
    left, middle, right = st.columns(3)
    weekday = left.selectbox(tr("account.digest_day"), range(7), index=coach.digest_weekday,
                             format_func=runtime.labels("weekday."))
    digest_time = middle.text_input(tr("account.digest_time"), value=coach.digest_time, max_chars=5)
    tz = right.selectbox(tr("account.tz"), zones, index=zones.index(coach.tz))
    st.caption(tr("account.digest_help"))
    saved = st.form_submit_button(tr("account.save"), type="primary")
if saved:
    try:
        digest_time = validate.clock_time(digest_time)
    except InvalidValue:
        st.error(tr("invalid.time"))
        st.stop()
    with runtime.user_errors(), runtime.database().write() as con:
        accounts.set_lang(con, coach.id, lang)
        accounts.set_digest(con, coach.id, int(weekday), digest_time, tz)
        audit.record(con, now, viewer.actor, "account_preferences")
    runtime.set_lang(lang)
    _done(runtime.tr("account.saved"))

st.subheader(tr("account.password"))
with st.form("password", clear_on_submit=True):
    current = st.text_input(tr("account.password_current"), type="password", autocomplete="current-password")
    new = st.text_input(tr("account.password_new"), type="password", autocomplete="new-password")
    again = st.text_input(tr("account.password_again"), type="password", autocomplete="new-password")
    changed = st.form_submit_button(tr("account.password_change"))
if changed:
    if not verify_password(credentials.password_hash, current):
        st.error(tr("account.password_wrong"))
    elif new != again:
        st.error(tr("account.password_mismatch"))
    else:
        try:
            new_hash = hash_password(new)
        except InvalidValue:
            st.error(tr("invalid.password"))
            st.stop()
        with runtime.user_errors(), runtime.database().write() as con:
            accounts.set_password_hash(con, coach.id, new_hash)
            audit.record(con, now, viewer.actor, "password_change")
        _done(tr("account.password_changed"))

st.subheader(tr("account.totp"))
if credentials.totp_secret:
    st.success(tr("account.totp_on"))
    with st.form("totp_off", clear_on_submit=True):
        code = st.text_input(tr("account.totp_code_to_disable"), max_chars=6, autocomplete="one-time-code")
        off = st.form_submit_button(tr("account.totp_disable"))
    if off:
        if auth.verify_totp(credentials.totp_secret, code, now):
            with runtime.user_errors(), runtime.database().write() as con:
                accounts.set_totp_secret(con, coach.id, None)
                audit.record(con, now, viewer.actor, "totp_disable")
            _done(tr("account.totp_disabled"))
        st.error(tr("signin.totp_wrong"))
else:
    st.caption(tr("account.totp_help"))
    secret = st.session_state.get(ENROL)
    if secret is None:
        if st.button(tr("account.totp_start"), icon=":material/qr_code_2:"):
            st.session_state[ENROL] = auth.new_totp_secret()
            st.rerun()
    else:
        left, right = st.columns([1, 2])
        left.image(auth.totp_qr_png(secret, coach.email), caption=tr("account.totp_scan"), width=220)
        right.write(tr("account.totp_manual"))
        right.code(secret, language=None)
        with right.form("totp_on", clear_on_submit=True):
            code = st.text_input(tr("account.totp_code"), max_chars=6, autocomplete="one-time-code")
            on = st.form_submit_button(tr("account.totp_enable"), type="primary")
        if on:
            if auth.verify_totp(secret, code, now):
                with runtime.user_errors(), runtime.database().write() as con:
                    accounts.set_totp_secret(con, coach.id, secret)
                    audit.record(con, now, viewer.actor, "totp_enable")
                st.session_state.pop(ENROL, None)
                _done(tr("account.totp_enabled"))
            right.error(tr("signin.totp_wrong"))
