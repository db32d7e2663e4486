"""Checks of passwords and codes, counted before they are made.

A check takes a turn first: one `UPDATE … RETURNING` counts it as a failure (`tracking.store.attempts`),
so however many sessions guess at once, no more checks are made than the lock allows; a success
clears the count. Each sign-in step has its own counter per address (`tracking.auth.attempt_key`),
kept for addresses without an account too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking import auth
from tracking.clock import iso
from tracking.context import Context
from tracking.store import attempts


def attempt_keys(ctx: Context, email: str) -> dict[str, str]:
    """The failure counter of each sign-in step for this address."""
    secret_key = ctx.settings.require_secret_key()
    return {step: auth.attempt_key(secret_key, step, email) for step in auth.STEPS}


@dataclass(frozen=True)
class Turn:
    """Whether a password or code may be checked now. Claimed before the check and counted as a failure
    until the check succeeds; `locked_until` is the lock in force, or the lock this turn set."""

    allowed: bool
    key: str
    locked_until: datetime | None = None


def take_turn(ctx: Context, key: str, now: datetime) -> Turn:
    """One check for the counter `key`. A locked step is refused on a read alone."""
    with ctx.db.read() as con:
        found = attempts.current(con, key)
    if found.locked(now):
        return Turn(False, key, found.locked_until)
    with ctx.db.write() as con:
        claimed = attempts.claim(con, key, now, auth.lock_schedule(now))
        if claimed is None:
            return Turn(False, key, attempts.current(con, key).locked_until)
    return Turn(True, key, claimed.locked_until)


def lock_detail(turn: Turn) -> dict[str, str]:
    """What the audit log says about a check and the lock: the step, until when it is locked, and
    whether the check was refused because it was locked already."""
    detail = {"step": turn.key.partition(":")[0], "until": iso(turn.locked_until) or ""}
    if not turn.allowed:
        detail["refused"] = "locked"
    return detail
