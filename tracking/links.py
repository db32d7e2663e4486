"""Personal links: unguessable tokens, signed with KOERS_SECRET_KEY, stored only as a hash.

A token is 24 random characters, a dot, and an HMAC-SHA256 signature over the random part and
the link's purpose. The signature lets Koers recognise a tampered or made-up token without a
database look-up; the database knows, by the token's SHA-256 hash alone, which client and period it
opens, until when, and whether it was revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

PURPOSES = ("checkin", "pause")
RANDOM_BYTES = 18
SIGNATURE_BYTES = 12
QUERY_PARAMETER = {"checkin": "t", "pause": "pause"}
PAUSE_LINK_DAYS = 60  # a pause link in an old email still works for about two months


def _signature(random_part: str, purpose: str, secret_key: str) -> str:
    mac = hmac.new(secret_key.encode(), f"{purpose}:{random_part}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:SIGNATURE_BYTES]).decode().rstrip("=")


def new_token(purpose: str, secret_key: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    random_part = secrets.token_urlsafe(RANDOM_BYTES)
    return f"{random_part}.{_signature(random_part, purpose, secret_key)}"


def is_signed(token: str, purpose: str, secret_key: str) -> bool:
    """True when the token carries a valid signature for this purpose (it may still be unknown)."""
    if not token or len(token) > 200 or not token.isascii() or token.count(".") != 1:
        return False
    random_part, signature = token.split(".")
    if not random_part or not signature:
        return False
    return hmac.compare_digest(signature, _signature(random_part, purpose, secret_key))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url(base_url: str, purpose: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/?{QUERY_PARAMETER[purpose]}={token}"


@dataclass(frozen=True)
class IssuedLink:
    """A link made for one client: the token goes into the URL, only its hash into the database."""

    purpose: str
    client_id: str
    period_id: int | None
    expires_at: datetime
    token: str
    url: str

    @property
    def token_hash(self) -> str:
        return token_hash(self.token)


def issue(purpose: str, client_id: str, period_id: int | None, expires_at: datetime, *, base_url: str,
          secret_key: str) -> IssuedLink:
    token = new_token(purpose, secret_key)
    return IssuedLink(purpose, client_id, period_id, expires_at, token, url(base_url, purpose, token))


def pause_expiry(now: datetime) -> datetime:
    return now + timedelta(days=PAUSE_LINK_DAYS)
