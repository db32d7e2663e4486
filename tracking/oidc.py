"""Signing coaches in with the practice's own OpenID Connect provider (Microsoft Entra ID, Google).

The provider says who someone is; Koers alone decides whether they may come in and what they may do.
Streamlit runs the protocol (`st.login`) and keeps the provider's ID-token claims in a signed cookie;
this module takes those claims as plain data with an explicit `now`:

- an identity counts only with a verified email (`email_verified`, or Entra ID's `xms_edov` where
  the token has no `email_verified`), issued for Koers' own client id, and not older than the
  practice's maximum age;
- the email must belong to an active Koers coach; role (admin or not) always comes from Koers;
- each signed-in browser is a provider session that Koers can end (sign-out, idle, deactivation),
  keyed by the ID token behind the cookie, because the cookie itself cannot be withdrawn.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tracking.models import Coach
from tracking.settings import Settings

CALLBACK_PATH = "/oauth2callback"  # Streamlit's own route for the provider's answer
SCOPE = "openid email profile"
TOUCH_EVERY = timedelta(minutes=1)  # how stale a session's last activity may be before it is written again

Refusal = Literal["audience", "unverified", "expired", "unknown", "inactive", "ended", "idle"]


@dataclass(frozen=True)
class Provider:
    """The provider `st.login` signs coaches in with."""

    name: str | None  # `st.login(name)`; None for the keys at the top of [auth]
    client_id: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says is signed in, from the ID-token claims Streamlit keeps in its cookie."""

    issuer: str
    subject: str
    email: str | None  # lower case, and only when the provider vouches for it
    audience: tuple[str, ...]
    issued_at: datetime | None
    nonce: str

    @property
    def session_key(self) -> str:
        """One sign-in at the provider: every tab of the browser that signed in shares it."""
        text = "\n".join((self.issuer, self.subject, str(self.issued_at), self.nonce))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ProviderSession:
    """Koers' record of one sign-in through the provider."""

    key: str
    coach_id: int
    started_at: datetime
    last_active_at: datetime
    ended_at: datetime | None
    end_reason: str | None


@dataclass(frozen=True)
class Admission:
    """Koers' answer to an identity: the coach it signs in, or why not."""

    coach: Coach | None = None
    refused: Refusal | None = None


def cookie_secret(secret_key: str) -> str:
    """The key that signs Streamlit's identity cookie, derived from Koers' own secret key."""
    return hmac.new(secret_key.encode("utf-8"), b"koers oidc cookie", hashlib.sha256).hexdigest()


def auth_secrets(settings: Settings) -> dict[str, Any] | None:
    """Streamlit's `[auth]` section made from the KOERS_OIDC_* settings (None when they are not set)."""
    if not (settings.oidc_server_metadata_url and settings.oidc_client_id and settings.oidc_client_secret):
        return None
    return {
        "redirect_uri": settings.oidc_redirect_uri or settings.base_url + CALLBACK_PATH,
        "cookie_secret": settings.oidc_cookie_secret or cookie_secret(settings.require_secret_key()),
        "client_id": settings.oidc_client_id,
        "client_secret": settings.oidc_client_secret,
        "server_metadata_url": settings.oidc_server_metadata_url,
        "client_kwargs": {"scope": SCOPE, "prompt": "select_account"},
    }


def provider_in(section: Mapping[str, Any] | None) -> Provider | None:
    """The provider of an `[auth]` section: its top-level keys, or else its one named provider."""
    if not section:
        return None
    if section.get("client_id"):
        return Provider(None, str(section["client_id"]))
    named = [(name, value) for name, value in section.items()
             if isinstance(value, Mapping) and value.get("client_id")]
    if len(named) != 1:
        return None
    name, value = named[0]
    return Provider(name, str(value["client_id"]))


def _true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _moment(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def verified_email(claims: Mapping[str, Any]) -> str | None:
    """The email the provider vouches for, in lower case. Entra ID sends no `email_verified`; its
    optional `xms_edov` claim says the tenant owns the email's domain."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    verified = _true(claims["email_verified"] if "email_verified" in claims else claims.get("xms_edov"))
    return email.strip().lower() if verified else None


def identity(claims: Mapping[str, Any]) -> Identity | None:
    """The identity in `st.user`, or None when it lacks what every ID token carries."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        return None
    audience = claims.get("aud")
    audiences = (audience,) if isinstance(audience, str) else tuple(a for a in audience or () if isinstance(a, str))
    nonce = claims.get("nonce")
    return Identity(issuer, subject, verified_email(claims), audiences, _moment(claims.get("iat")),
                    nonce if isinstance(nonce, str) else "")


def admit(
    who: Identity,
    coach: Coach | None,
    session: ProviderSession | None,
    *,
    client_id: str,
    now: datetime,
    max_age: timedelta,
    idle: timedelta,
) -> Admission:
    """Whether the identity signs in as `coach` (the coach with its verified email, if any) now."""
    if client_id not in who.audience:
        return Admission(refused="audience")
    if who.email is None:
        return Admission(refused="unverified")
    if who.issued_at is None or now - who.issued_at > max_age:
        return Admission(refused="expired")
    if coach is None:
        return Admission(refused="unknown")
    if not coach.active:
        return Admission(coach, "inactive")
    if session is not None:
        if session.ended_at is not None or session.coach_id != coach.id:
            return Admission(coach, "ended")
        if now - session.last_active_at > idle:
            return Admission(coach, "idle")
    return Admission(coach)


def needs_touch(session: ProviderSession | None, now: datetime) -> bool:
    """Whether this interaction should be written down as the session's last activity."""
    return session is None or now - session.last_active_at >= TOUCH_EVERY
