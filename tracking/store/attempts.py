"""Failed sign-in checks as stored: one counter per step and email fingerprint, claimed before the check.

A password or code is checked only after `claim` has counted it as a failure in one UPDATE, so however
many sessions guess at once, no more checks pass than the lock allows; a success deletes the counter.
Rows are keyed by `tracking.auth.attempt_key`: never an email, and the same for addresses that have no
account, so the lock-out does not tell which accounts exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.clock import from_db, to_db
from tracking.store.contract import StoreConnection

FORGET_AFTER = timedelta(days=1)  # a counter whose lock has ended and that saw no failure for this long


@dataclass(frozen=True)
class Attempts:
    """Failures counted for one key, and until when the step is locked (None: not locked)."""

    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def current(con: StoreConnection, key: str) -> Attempts:
    row = con.execute("SELECT failures, locked_until FROM sign_in_attempts WHERE attempt_key = ?", [key]).fetchone()
    return Attempts() if row is None else Attempts(int(row[0]), from_db(row[1]))


def claim(con: StoreConnection, key: str, now: datetime, locks: Sequence[tuple[int, datetime]]) -> Attempts | None:
    """Count one failure before the check, and lock as `locks` says for the new count: (failures at
    least, locked until), most failures first. None when the step is locked: nothing may be checked."""
    con.execute(
        "DELETE FROM sign_in_attempts WHERE last_failure_at < ? AND (locked_until IS NULL OR locked_until < ?)",
        [to_db(now - FORGET_AFTER), to_db(now)],
    )
    con.execute(
        "INSERT INTO sign_in_attempts (attempt_key, failures, locked_until, last_failure_at) VALUES (?, 0, NULL, ?) "
        "ON CONFLICT (attempt_key) DO NOTHING",
        [key, to_db(now)],
    )
    cases = " ".join("WHEN failures + 1 >= ? THEN CAST(? AS TIMESTAMP)" for _ in locks)
    parameters: list[object] = [to_db(now)]
    for failures, until in locks:
        parameters += [failures, to_db(until)]
    row = con.execute(
        f"""
        UPDATE sign_in_attempts
        SET failures = failures + 1, last_failure_at = ?, locked_until = CASE {cases} ELSE NULL END
        WHERE attempt_key = ? AND (locked_until IS NULL OR locked_until <= ?)
        RETURNING failures, locked_until
        """,
        [*parameters, key, to_db(now)],
    ).fetchone()
    return None if row is None else Attempts(int(row[0]), from_db(row[1]))


def clear(con: StoreConnection, keys: Sequence[str]) -> None:
    """Forget the failures of these keys (a success, or an admin lifting a lock)."""
    for key in keys:
        con.execute("DELETE FROM sign_in_attempts WHERE attempt_key = ?", [key])
