"""Signing in: password, lock-out with back-off, and an optional TOTP second factor.

Every check of a password or code is counted as a failure before it is made (`attempt_key` names the
counter; `tracking.store.attempts` claims it), so parallel guesses cannot pass the lock; a success
clears the counter. Addresses without an account have counters too, and cost the same work, so
neither the answer, the lock nor the time taken tells which accounts exist.
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from tracking import sealed
from tracking.models import Coach
from tracking.passwords import verify_password

FREE_ATTEMPTS = 5  # wrong passwords (or codes) before the step locks
FIRST_LOCK = timedelta(minutes=1)  # doubles with every further failure
LONGEST_LOCK = timedelta(hours=1)
TOTP_ISSUER = "Koers"
STEPS = ("password", "totp")  # each step of signing in has its own counter per address
ATTEMPTS_PURPOSE = "sign-in attempts"
TOTP_PURPOSE = "totp secret"


@dataclass(frozen=True)
class Credentials:
    coach: Coach
    password_hash: str
    totp_secret: str | None  # sealed with KOERS_SECRET_KEY (see open_totp_secret)
    # The first schema's counter; failures are now counted per step and address in sign_in_attempts.
    failed_logins: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | totp_needed | wrong | locked
    coach: Coach | None = None  # for ok and totp_needed only
    locked_until: datetime | None = None
    generation: int = 0  # the coach's sign-in generation, for ok (see tracking.store.coach_sessions)


def lock_after(failed_logins: int, now: datetime) -> datetime | None:
    """When the account unlocks after this many consecutive failures (None: not locked)."""
    if failed_logins < FREE_ATTEMPTS:
        return None
    doublings = failed_logins - FREE_ATTEMPTS
    lock: timedelta = min(FIRST_LOCK * (1 << min(doublings, 12)), LONGEST_LOCK)
    return now + lock


def lock_schedule(now: datetime) -> list[tuple[int, datetime]]:
    """Every lock `lock_after` can give at `now`, as (failures at least, locked until), most failures first."""
    schedule = []
    failed = FREE_ATTEMPTS
    while True:
        until = lock_after(failed, now)
        assert until is not None
        schedule.append((failed, until))
        if until - now >= LONGEST_LOCK:
            return schedule[::-1]
        failed += 1


def normalised_email(email: str) -> str:
    return (email or "").strip().lower()


def attempt_key(secret_key: str, step: str, email: str) -> str:
    """The counter of one sign-in step for one address: the step and a keyed hash of the address."""
    if step not in STEPS:
        raise ValueError(f"unknown sign-in step {step!r}")
    return f"{step}:{sealed.fingerprint(secret_key, ATTEMPTS_PURPOSE, normalised_email(email))}"


def check_password(credentials: Credentials | None, password: str) -> bool:
    """Whether the password is right for an active coach. An unknown email, an inactive coach and a wrong
    password cost the same work, so timing does not tell them apart."""
    if credentials is None or not credentials.coach.active:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(credentials.password_hash, password)


def seal_totp_secret(secret_key: str, secret: str) -> str:
    return sealed.seal(secret_key, TOTP_PURPOSE, secret)


def open_totp_secret(secret_key: str, stored: str | None) -> str | None:
    """The TOTP secret as stored: sealed (or, from before sealing, as it was enrolled)."""
    if stored is None or not sealed.is_sealed(stored):
        return stored
    return sealed.unseal(secret_key, TOTP_PURPOSE, stored)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second time step whose code `code` is (the current one, or one either side for a clock
    that is a little off), or None. A step's code is accepted once (`tracking.store.coach_sessions`)."""
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def verify_totp(secret: str, code: str, now: datetime) -> bool:
    return totp_step(secret, code, now) is not None


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_qr_png(secret: str, email: str) -> bytes:
    import qrcode  # Pillow with it: only where a QR code is drawn, not for every command and page

    image = qrcode.make(totp_uri(secret, email), box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# A real Argon2id hash of a random text nobody knows, so an unknown email costs as much as a wrong password.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$0KmeDZc20npYhNaImULtiA$WOFQCAlIOgtMcICmWTBetMKJ42kYBX56BOSiC9gyoMo"
