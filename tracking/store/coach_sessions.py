"""What ends a coach's sessions and what makes a TOTP code work once: per coach, a sign-in generation
(raised by a password change, a reset or a deactivation; a session of an older generation ends at its
next interaction) and the time step of the last TOTP code accepted."""

from __future__ import annotations

from tracking.store.contract import StoreConnection


def _ensure(con: StoreConnection, coach_id: int) -> None:
    con.execute("INSERT INTO coach_sessions (coach_id) VALUES (?) ON CONFLICT (coach_id) DO NOTHING", [coach_id])


def generation(con: StoreConnection, coach_id: int) -> int:
    row = con.execute("SELECT generation FROM coach_sessions WHERE coach_id = ?", [coach_id]).fetchone()
    return 0 if row is None else int(row[0])


def next_generation(con: StoreConnection, coach_id: int) -> int:
    """End every session of the coach signed in before now; returns the new generation."""
    _ensure(con, coach_id)
    row = con.execute(
        "UPDATE coach_sessions SET generation = generation + 1 WHERE coach_id = ? RETURNING generation", [coach_id]
    ).fetchone()
    assert row is not None  # the row exists: _ensure made it
    return int(row[0])


def use_totp_step(con: StoreConnection, coach_id: int, step: int) -> bool:
    """Record that a code of this time step was used; False when it, or a later one, was used before."""
    _ensure(con, coach_id)
    row = con.execute(
        "UPDATE coach_sessions SET totp_last_step = ? "
        "WHERE coach_id = ? AND (totp_last_step IS NULL OR totp_last_step < ?) RETURNING coach_id",
        [step, coach_id, step],
    ).fetchone()
    return row is not None
