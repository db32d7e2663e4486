"""Signing in: password, lock-out with back-off, and an optional TOTP second factor."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import qrcode

from tracking.models import Coach
from tracking.passwords import verify_password

FREE_ATTEMPTS = 5  # wrong passwords before the account locks
FIRST_LOCK = timedelta(minutes=1)  # doubles with every further failure
LONGEST_LOCK = timedelta(hours=1)
TOTP_ISSUER = "Koers"


@dataclass(frozen=True)
class Credentials:
    coach: Coach
    password_hash: str
    totp_secret: str | None
    failed_logins: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | totp_needed | wrong | locked
    coach: Coach | None = None
    locked_until: datetime | None = None
    failed_logins: int = 0


def lock_after(failed_logins: int, now: datetime) -> datetime | None:
    """When the account unlocks after this many consecutive failures (None: not locked)."""
    if failed_logins < FREE_ATTEMPTS:
        return None
    doublings = failed_logins - FREE_ATTEMPTS
    lock: timedelta = min(FIRST_LOCK * (2**min(doublings, 12)), LONGEST_LOCK)
    return now + lock


def check_password(credentials: Credentials | None, password: str, now: datetime) -> Outcome:
    """The first step. An unknown email and a wrong password look the same to the person signing in."""
    if credentials is None or not credentials.coach.active:
        verify_password(_DUMMY_HASH, password)  # the same work, so timing does not tell accounts apart
        return Outcome("wrong")
    if credentials.locked_until is not None and credentials.locked_until > now:
        return Outcome("locked", credentials.coach, credentials.locked_until, credentials.failed_logins)
    if not verify_password(credentials.password_hash, password):
        failed = credentials.failed_logins + 1
        until = lock_after(failed, now)
        return Outcome("locked" if until else "wrong", credentials.coach, until, failed)
    if credentials.totp_secret:
        return Outcome("totp_needed", credentials.coach, failed_logins=credentials.failed_logins)
    return Outcome("ok", credentials.coach)


def check_totp(credentials: Credentials, code: str, now: datetime) -> Outcome:
    if credentials.locked_until is not None and credentials.locked_until > now:
        return Outcome("locked", credentials.coach, credentials.locked_until, credentials.failed_logins)
    if credentials.totp_secret and verify_totp(credentials.totp_secret, code, now):
        return Outcome("ok", credentials.coach)
    failed = credentials.failed_logins + 1
    until = lock_after(failed, now)
    return Outcome("locked" if until else "wrong", credentials.coach, until, failed)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def verify_totp(secret: str, code: str, now: datetime) -> bool:
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    return len(digits) == 6 and pyotp.TOTP(secret).verify(digits, for_time=now, valid_window=1)


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_qr_png(secret: str, email: str) -> bytes:
    image = qrcode.make(totp_uri(secret, email), box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# A real Argon2id hash of a random text nobody knows, so an unknown email costs as much as a wrong password.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$0KmeDZc20npYhNaImULtiA$WOFQCAlIOgtMcICmWTBetMKJ42kYBX56BOSiC9gyoMo"
