"""Your account: language, weekly digest time, password, and the optional second factor (TOTP)."""

from __future__ import annotations

import streamlit as st

from dashboard import oidc, runtime
from dashboard.sections.settings import COMMON_ZONES
from tracking import auth
from tracking.errors import InvalidValue
from tracking.usecases import coaches

tr = runtime.tr
actor = runtime.actor()
ENROL = "totp_enrol_secret"

with runtime.user_errors():
    coach = coaches.own_account(runtime.context(), actor)
    totp_on = coaches.has_totp(runtime.context(), actor)

st.title(tr("account.title"), anchor=False)
runtime.show_plain(f"{coach.name} · {coach.email}", "caption")
runtime.show_notice()


def _done(message: str) -> None:
    st.session_state["notice"] = message
    st.rerun()


st.subheader(tr("account.preferences"), anchor=False)
with st.form("preferences"):
    lang = st.radio(tr("account.lang"), ["nl", "en"], index=["nl", "en"].index(coach.lang), horizontal=True,
                    format_func=runtime.labels("language."))
    zones = list(COMMON_ZONES) if coach.tz in COMMON_ZONES else [coach.tz, *COMMON_ZONES]
    left, middle, right = st.columns(3)
    weekday = left.selectbox(tr("account.digest_day"), range(7), index=coach.digest_weekday,
                             format_func=runtime.weekday_label())
    digest_time = middle.text_input(tr("account.digest_time"), value=coach.digest_time, max_chars=5)
    tz = right.selectbox(tr("account.tz"), zones, index=zones.index(coach.tz))
    st.caption(tr("account.digest_help"))
    saved = st.form_submit_button(tr("account.save"), type="primary")
if saved:
    with runtime.user_errors():
        coaches.set_preferences(runtime.context(), actor, lang=lang, digest_weekday=int(weekday),
                                digest_time=digest_time, tz=tz, now=runtime.now())
    runtime.set_lang(lang)
    _done(runtime.tr("account.saved"))

st.subheader(tr("account.password"), anchor=False)
with st.form("password", clear_on_submit=True):
    current = st.text_input(tr("account.password_current"), type="password", autocomplete="current-password")
    new = st.text_input(tr("account.password_new"), type="password", autocomplete="new-password")
    again = st.text_input(tr("account.password_again"), type="password", autocomplete="new-password")
    changed = st.form_submit_button(tr("account.password_change"))
if changed:
    try:
        changed_to = coaches.change_password(runtime.context(), actor, current, new, again,
                                             keep_provider_session=oidc.session_key(), now=runtime.now())
    except InvalidValue as problem:
        runtime.show_invalid(problem)
    else:
        runtime.keep_signed_in(changed_to.generation)
        _done(tr("account.password_changed"))

st.subheader(tr("account.totp"), anchor=False)
if totp_on:
    st.success(tr("account.totp_on"))
    with st.form("totp_off", clear_on_submit=True):
        code = st.text_input(tr("account.totp_code_to_disable"), max_chars=6, autocomplete="one-time-code")
        off = st.form_submit_button(tr("account.totp_disable"))
    if off:
        try:
            coaches.disable_totp(runtime.context(), actor, code, now=runtime.now())
        except InvalidValue as problem:
            runtime.show_invalid(problem)
        else:
            _done(tr("account.totp_disabled"))
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
            try:
                coaches.enable_totp(runtime.context(), actor, secret, code, now=runtime.now())
            except InvalidValue as problem:
                runtime.show_invalid(problem, right)
            else:
                st.session_state.pop(ENROL, None)
                _done(tr("account.totp_enabled"))
