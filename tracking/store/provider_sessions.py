"""Sign-ins through the practice's OpenID Connect provider, as Koers records and ends them."""

from __future__ import annotations

from datetime import UTC, datetime

from tracking.clock import from_db, to_db
from tracking.oidc import ProviderSession
from tracking.store.contract import StoreConnection

COLUMNS = "session_key, coach_id, started_at, last_active_at, ended_at, end_reason"


def find(con: StoreConnection, key: str) -> ProviderSession | None:
    row = con.execute(f"SELECT {COLUMNS} FROM provider_sessions WHERE session_key = ?", [key]).fetchone()
    if row is None:
        return None
    started, last_active = (moment.replace(tzinfo=UTC) for moment in row[2:4])  # NOT NULL columns
    return ProviderSession(row[0], row[1], started, last_active, from_db(row[4]), row[5])


def touch(con: StoreConnection, key: str, coach_id: int, now: datetime) -> bool:
    """Record activity now; True when this is the session's first interaction."""
    updated = con.execute(
        "UPDATE provider_sessions SET last_active_at = ? WHERE session_key = ? AND ended_at IS NULL RETURNING 1",
        [to_db(now), key],
    ).fetchall()
    if updated or find(con, key) is not None:
        return False
    con.execute(
        f"INSERT INTO provider_sessions ({COLUMNS}) VALUES (?, ?, ?, ?, NULL, NULL)",
        [key, coach_id, to_db(now), to_db(now)],
    )
    return True


def end(con: StoreConnection, key: str, coach_id: int, now: datetime, reason: str) -> None:
    """End the session for good; a session never seen before is recorded as ended."""
    if find(con, key) is None:
        con.execute(
            f"INSERT INTO provider_sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            [key, coach_id, to_db(now), to_db(now), to_db(now), reason],
        )
        return
    con.execute(
        "UPDATE provider_sessions SET ended_at = ?, end_reason = ? WHERE session_key = ? AND ended_at IS NULL",
        [to_db(now), reason, key],
    )


def end_for_coach(con: StoreConnection, coach_id: int, now: datetime, reason: str,
                  keep: str | None = None) -> int:
    """End every open provider sign-in of a coach, in every browser, but `keep` (the one acting now);
    returns how many there were."""
    ended = con.execute(
        "UPDATE provider_sessions SET ended_at = ?, end_reason = ? "
        "WHERE coach_id = ? AND ended_at IS NULL AND session_key <> ? RETURNING 1",
        [to_db(now), reason, coach_id, keep or ""],
    ).fetchall()
    return len(ended)
