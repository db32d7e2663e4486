"""Coach and admin accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracking.auth import Credentials
from tracking.clock import from_db, to_db
from tracking.errors import AlreadyExists, NotFound
from tracking.models import Coach
from tracking.store.contract import StoreConnection

COLUMNS = "id, email, name, is_admin, lang, active, tz, digest_weekday, digest_time"


def _coach(row: tuple[Any, ...]) -> Coach:
    return Coach(*row)


def add_coach(
    con: StoreConnection,
    *,
    email: str,
    name: str,
    password_hash: str,
    is_admin: bool,
    now: datetime,
    lang: str = "nl",
) -> Coach:
    if con.execute("SELECT 1 FROM coaches WHERE email = ?", [email]).fetchone():
        raise AlreadyExists(f"a coach with email {email} exists already")
    row = con.execute(
        f"""
        INSERT INTO coaches (email, name, is_admin, password_hash, lang, created_at)
        VALUES (?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}
        """,
        [email, name, is_admin, password_hash, lang, to_db(now)],
    ).fetchone()
    assert row is not None  # RETURNING gives the inserted row
    return _coach(row)


def coach_by_email(con: StoreConnection, email: str) -> Coach:
    row = con.execute(f"SELECT {COLUMNS} FROM coaches WHERE email = ?", [email.strip().lower()]).fetchone()
    if row is None:
        raise NotFound(f"no coach with email {email}; create one with `koers coach add {email} --name ...`")
    return _coach(row)


def coach_by_id(con: StoreConnection, coach_id: int) -> Coach:
    row = con.execute(f"SELECT {COLUMNS} FROM coaches WHERE id = ?", [coach_id]).fetchone()
    if row is None:
        raise NotFound(f"no coach with id {coach_id}")
    return _coach(row)


def list_coaches(con: StoreConnection) -> list[Coach]:
    return [_coach(r) for r in con.execute(f"SELECT {COLUMNS} FROM coaches ORDER BY name, email").fetchall()]


def credentials(con: StoreConnection, email: str) -> Credentials | None:
    """Everything sign-in needs, or None for an unknown email."""
    row = con.execute(
        f"SELECT {COLUMNS}, password_hash, totp_secret, failed_logins, locked_until FROM coaches WHERE email = ?",
        [email.strip().lower()],
    ).fetchone()
    if row is None:
        return None
    return Credentials(_coach(row[:9]), row[9], row[10], row[11], from_db(row[12]))


def credentials_by_id(con: StoreConnection, coach_id: int) -> Credentials | None:
    email = con.execute("SELECT email FROM coaches WHERE id = ?", [coach_id]).fetchone()
    return None if email is None else credentials(con, email[0])


def record_sign_in_failure(con: StoreConnection, coach_id: int, failed_logins: int,
                           locked_until: datetime | None) -> None:
    con.execute(
        "UPDATE coaches SET failed_logins = ?, locked_until = ? WHERE id = ?",
        [failed_logins, to_db(locked_until) if locked_until else None, coach_id],
    )


def record_sign_in(con: StoreConnection, coach_id: int) -> None:
    con.execute("UPDATE coaches SET failed_logins = 0, locked_until = NULL WHERE id = ?", [coach_id])


def set_totp_secret(con: StoreConnection, coach_id: int, secret: str | None) -> None:
    con.execute("UPDATE coaches SET totp_secret = ? WHERE id = ?", [secret, coach_id])


def set_password_hash(con: StoreConnection, coach_id: int, password_hash: str) -> None:
    con.execute(
        "UPDATE coaches SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
        [password_hash, coach_id],
    )


def set_lang(con: StoreConnection, coach_id: int, lang: str) -> None:
    con.execute("UPDATE coaches SET lang = ? WHERE id = ?", [lang, coach_id])


def set_active(con: StoreConnection, coach_id: int, active: bool) -> None:
    con.execute("UPDATE coaches SET active = ? WHERE id = ?", [active, coach_id])


def set_admin(con: StoreConnection, coach_id: int, is_admin: bool) -> None:
    con.execute("UPDATE coaches SET is_admin = ? WHERE id = ?", [is_admin, coach_id])


def set_digest(con: StoreConnection, coach_id: int, weekday: int, time_of_day: str, tz: str) -> None:
    con.execute(
        "UPDATE coaches SET digest_weekday = ?, digest_time = ?, tz = ? WHERE id = ?",
        [weekday, time_of_day, tz, coach_id],
    )
