"""Sign-in with the practice's own accounts, through Streamlit's `st.login`.

Streamlit runs the protocol on its own routes (`/auth/login`, `/oauth2callback`, `/auth/logout`) and
keeps the provider's identity in a signed cookie, so a coach stays signed in across reloads, new tabs
and links from emails. On every run `signed_in_coach` asks the application layer
(`tracking.usecases.provider_signin`) whether that identity is still a coach Koers admits; signing
out, idling or being deactivated ends it in every tab at the next interaction, even though the
cookie lives on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard import runtime
from tracking import oidc
from tracking.models import Coach
from tracking.usecases import provider_signin

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


def session_key() -> str | None:
    """The provider sign-in this Streamlit session was admitted with, if any."""
    key = st.session_state.get(SESSION_KEY)
    return key if isinstance(key, str) else None


def signed_in_coach() -> Coach | None:
    """The coach the provider's identity in this browser signs in as, if Koers admits them now."""
    chosen = provider()
    if chosen is None or not st.user.is_logged_in:
        st.session_state.pop(SESSION_KEY, None)
        return None
    who = oidc.identity(st.user.to_dict())
    if who is None:
        _refuse(None, oidc.Admission(refused="unverified"))
        return None
    with runtime.user_errors():
        admission = provider_signin.admit(runtime.context(), who, client_id=chosen.client_id, now=runtime.now())
    if admission.coach is None or admission.refused is not None:
        _refuse(who, admission)
        return None
    if st.session_state.get(SESSION_KEY) != who.session_key:
        st.session_state[SESSION_KEY] = who.session_key
        st.session_state.pop(SESSION_REFUSED, None)
        runtime.set_lang(admission.coach.lang)
    return admission.coach


def _refuse(who: oidc.Identity | None, admission: oidc.Admission) -> None:
    """Keep the identity out, once per browser session and refusal."""
    st.session_state.pop(SESSION_KEY, None)
    key = who.session_key if who else ""
    if st.session_state.get(SESSION_REFUSED, (None,))[0:2] == (key, admission.refused):
        return None
    st.session_state[SESSION_REFUSED] = (key, admission.refused, (who.email if who else None) or "")
    with runtime.user_errors():
        provider_signin.refuse(runtime.context(), who, admission, now=runtime.now())
    return None


def sign_out() -> None:
    """End this browser's provider sign-in in every tab, then let Streamlit drop the cookie and sign
    out at the provider (Streamlit follows its end_session_endpoint when it has one)."""
    key = st.session_state.pop(SESSION_KEY, None)
    if key is not None:
        with runtime.user_errors():
            provider_signin.sign_out(runtime.context(), key, now=runtime.now())
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
        runtime.show_plain(runtime.tr(f"oidc.refused.{reason}", email=email), "error")
    if st.button(runtime.tr("oidc.button", provider=provider_label()), type="primary", key="oidc_sign_in",
                 icon=":material/login:"):
        st.session_state.pop(SESSION_REFUSED, None)
        st.login(chosen.name)
