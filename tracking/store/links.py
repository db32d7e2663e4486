"""Personal links as stored: hash, purpose, client, period, expiry and revocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking import links
from tracking.clock import from_db, to_db
from tracking.store.contract import StoreConnection


@dataclass(frozen=True)
class Resolution:
    """What a token opens. `status` is ok, tampered, unknown, expired or revoked."""

    status: str
    client_id: str | None = None
    period_id: int | None = None
    expires_at: datetime | None = None


def issue(con: StoreConnection, *, purpose: str, client_id: str, period_id: int | None,
          expires_at: datetime, now: datetime, secret_key: str) -> str:
    """A fresh token; for a check-in link, every earlier link to the same period stops working."""
    token: str = links.new_token(purpose, secret_key)
    if purpose == "checkin":
        con.execute(
            "UPDATE link_tokens SET revoked_at = ? WHERE purpose = 'checkin' AND period_id = ? AND revoked_at IS NULL",
            [to_db(now), period_id],
        )
    con.execute(
        """
        INSERT INTO link_tokens (token_hash, purpose, client_id, period_id, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        [links.token_hash(token), purpose, client_id, period_id, to_db(now), to_db(expires_at)],
    )
    return token


def resolve(con: StoreConnection, token: str, purpose: str, now: datetime, secret_key: str) -> Resolution:
    if not links.is_signed(token, purpose, secret_key):
        return Resolution("tampered")
    row = con.execute(
        """
        SELECT client_id, period_id, expires_at, revoked_at FROM link_tokens
        WHERE token_hash = ? AND purpose = ?
        """,
        [links.token_hash(token), purpose],
    ).fetchone()
    if row is None:
        return Resolution("unknown")
    client_id, period_id, expires_at, revoked_at = row
    expires = from_db(expires_at)
    if revoked_at is not None:
        return Resolution("revoked", client_id, period_id, expires)
    if expires is None or expires <= now:
        return Resolution("expired", client_id, period_id, expires)
    return Resolution("ok", client_id, period_id, expires)


def mark_used(con: StoreConnection, token: str, now: datetime) -> None:
    con.execute("UPDATE link_tokens SET used_at = ? WHERE token_hash = ?", [to_db(now), links.token_hash(token)])
