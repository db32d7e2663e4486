"""Sign-in with the practice's own accounts, through Streamlit's `st.login`.

Streamlit runs the protocol on its own routes (`/auth/login`, `/oauth2callback`, `/auth/logout`) and
keeps the provider's identity in a signed cookie, so a coach stays signed in across reloads, new tabs
and links from emails. On every run this module asks `tracking.oidc` whether that identity is still a
coach Koers admits, and records each sign-in in the database so that signing out, idling or being
deactivated ends it in every tab at the next interaction, even though the cookie lives on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import streamlit as st

from dashboard import runtime
from tracking import oidc
from tracking.errors import NotFound
from tracking.models import Coach
from tracking.store import accounts, audit, provider_sessions

SESSION_KEY = "oidc_session"  # the provider session this Streamlit session was admitted with
SESSION_REFUSED = "oidc_refused"  # (provider session, refusal, email) shown on the sign-in page, audited once


def _streamlit_auth() -> Mapping[str, Any] | None:
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets file and none handed to Streamlit
        return None
    return section if isinstance(section, Mapping) else None


def configured() -> bool:
    """Whether a provider is configured, in KOERS_OIDC_* settings or in [auth] in secrets.toml."""
    return oidc.auth_secrets(runtime.settings()) is not None or oidc.provider_in(_streamlit_auth()) is not None


def provider() -> oidc.Provider | None:
    """The provider Streamlit can sign in with in this process."""
    return oidc.provider_in(_streamlit_auth())


def provider_label() -> str:
    return runtime.settings().oidc_provider_name or runtime.tr("oidc.default_provider")


def signed_in() -> bool:
    """Whether this Streamlit session's coach came in through the provider."""
    return SESSION_KEY in st.session_state


def signed_in_coach() -> Coach | None:
    """The coach the provider's identity in this browser signs in as, if Koers admits them now."""
    chosen = provider()
    if chosen is None or not st.user.is_logged_in:
        st.session_state.pop(SESSION_KEY, None)
        return None
    who = oidc.identity(st.user.to_dict())
    if who is None:
        return _refuse(None, oidc.Admission(refused="unverified"))
    now = runtime.now()
    with runtime.user_errors(), runtime.database().read() as con:
        coach = _coach_with_email(con, who.email)
        session = provider_sessions.find(con, who.session_key)
    settings = runtime.settings()
    admission = oidc.admit(
        who, coach, session, client_id=chosen.client_id, now=now,
        max_age=timedelta(hours=settings.oidc_max_age_hours), idle=timedelta(minutes=settings.session_minutes),
    )
    if admission.coach is None or admission.refused is not None:
        return _refuse(who, admission)
    if oidc.needs_touch(session, now):
        with runtime.user_errors(), runtime.database().write() as con:
            if provider_sessions.touch(con, who.session_key, admission.coach.id, now):
                audit.record(con, now, f"coach:{admission.coach.id}", "sign_in", method="oidc")
    if st.session_state.get(SESSION_KEY) != who.session_key:
        st.session_state[SESSION_KEY] = who.session_key
        st.session_state.pop(SESSION_REFUSED, None)
        runtime.set_lang(admission.coach.lang)
    return admission.coach


def _coach_with_email(con, email: str | None) -> Coach | None:
    if email is None:
        return None
    try:
        return accounts.coach_by_email(con, email)
    except NotFound:
        return None


def _refuse(who: oidc.Identity | None, admission: oidc.Admission) -> None:
    """Keep the identity out, end its provider session where Koers ended it, and audit it once."""
    st.session_state.pop(SESSION_KEY, None)
    key = who.session_key if who else ""
    email = who.email if who else None
    if st.session_state.get(SESSION_REFUSED, (None,))[0:2] == (key, admission.refused):
        return None
    st.session_state[SESSION_REFUSED] = (key, admission.refused, email or "")
    now = runtime.now()
    coach = admission.coach
    with runtime.user_errors(), runtime.database().write() as con:
        if coach is not None and admission.refused in ("idle", "inactive"):
            provider_sessions.end(con, key, coach.id, now, admission.refused)
        if admission.refused not in ("ended", "idle"):  # a sign-in that already ended is no new attempt
            actor = f"coach:{coach.id}" if coach is not None else "anonymous"
            detail = {"method": "oidc", "reason": admission.refused}
            if coach is None and email:
                detail["email_domain"] = email.rpartition("@")[2][:64]
            audit.record(con, now, actor, "sign_in_refused", **detail)
    return None


def sign_out() -> None:
    """End this browser's provider sign-in in every tab, then let Streamlit drop the cookie and sign
    out at the provider (Streamlit follows its end_session_endpoint when it has one)."""
    key = st.session_state.pop(SESSION_KEY, None)
    if key is not None:
        now = runtime.now()
        with runtime.user_errors(), runtime.database().write() as con:
            session = provider_sessions.find(con, key)
            if session is not None and session.ended_at is None:
                provider_sessions.end(con, key, session.coach_id, now, "signed_out")
                audit.record(con, now, f"coach:{session.coach_id}", "sign_out", method="oidc")
    st.logout()


def render_sign_in() -> None:
    """The sign-in page's part: why the last identity was refused, and the provider's button."""
    chosen = provider()
    if chosen is None:
        if oidc.auth_secrets(runtime.settings()) is not None:
            st.error(runtime.tr("oidc.not_started"))
        return
    refused = st.session_state.get(SESSION_REFUSED)
    if refused and st.user.is_logged_in:
        _key, reason, email = refused
        st.error(runtime.tr(f"oidc.refused.{reason}", email=runtime.plain(email)))
    if st.button(runtime.tr("oidc.button", provider=provider_label()), type="primary", key="oidc_sign_in",
                 icon=":material/login:"):
        st.session_state.pop(SESSION_REFUSED, None)
        st.login(chosen.name)
