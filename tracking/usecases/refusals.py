"""Refused anonymous attempts, counted in the process and recorded in the audit log in aggregate.

Anyone can open a made-up link or type a wrong password as often as they like. Writing each refusal
to the audit log would let them take the database's write lock at will, and slow down every coach
and client; so each process counts refusals in memory and writes one audit row per kind (action,
actor, client and the details that tell refusals apart) with `count`, `first` and `last`, at most
once a minute (`FLUSH_SECONDS`). The first refusal after a quiet minute is written at once; the
dashboard writes what is pending at the next page view after the minute (`flush`). What a process
counted in its last minute is lost if it is killed.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.audit import Action
from tracking.clock import iso
from tracking.context import Actor, Context
from tracking.errors import DatabaseBusy
from tracking.store import audit
from tracking.usecases import use_case

FLUSH_SECONDS = 60
ANONYMOUS_ACTIONS = (Action.CHECKIN_LINK_REFUSED, Action.PAUSE_LINK_REFUSED, Action.SIGN_IN_FAILED)


@dataclass(frozen=True)
class Kind:
    """What makes refusals the same kind: they are counted on one audit row."""

    action: Action
    actor: Actor
    client_id: str | None
    detail: tuple[tuple[str, Hashable], ...]


@dataclass
class Count:
    n: int
    first: datetime
    last: datetime


class Tally:
    """The refusals one process has counted and not yet written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Kind, Count] = {}
        self._written_at: datetime | None = None

    def add(self, kind: Kind, now: datetime) -> None:
        with self._lock:
            found = self._pending.get(kind)
            if found is None:
                self._pending[kind] = Count(1, now, now)
            else:
                found.n += 1
                found.first, found.last = min(found.first, now), max(found.last, now)

    def take(self, now: datetime, *, force: bool = False) -> dict[Kind, Count]:
        """What is pending, if it is time to write it (then the clock of the minute restarts)."""
        with self._lock:
            quiet = self._written_at is None or now - self._written_at >= timedelta(seconds=FLUSH_SECONDS)
            if not self._pending or not (quiet or force):
                return {}
            taken, self._pending = self._pending, {}
            self._written_at = now
            return taken

    def put_back(self, taken: dict[Kind, Count]) -> None:
        with self._lock:
            for kind, count in taken.items():
                found = self._pending.get(kind)
                if found is None:
                    self._pending[kind] = count
                else:
                    found.n += count.n
                    found.first, found.last = min(found.first, count.first), max(found.last, count.last)

    def pending(self) -> int:
        with self._lock:
            return sum(count.n for count in self._pending.values())


_TALLIES: dict[tuple[str, str], Tally] = {}
_TALLIES_LOCK = threading.Lock()


def tally(ctx: Context) -> Tally:
    """This process's tally for the context's database."""
    with _TALLIES_LOCK:
        return _TALLIES.setdefault(ctx.db.key, Tally())


def note(ctx: Context, now: datetime, action: Action, *, actor: Actor | None = None, client_id: str | None = None,
         **detail: Hashable) -> None:
    """Count one refusal; the audit log gets it with the next write of the tally."""
    tally(ctx).add(Kind(action, actor or Actor.anonymous(), client_id, tuple(sorted(detail.items()))), now)
    flush(ctx, now)


@use_case(*ANONYMOUS_ACTIONS)
def flush(ctx: Context, now: datetime, *, force: bool = False) -> int:
    """Write the counted refusals if the last write was a minute ago (or `force`); returns how many
    refusals were written. A busy database keeps them for the next time."""
    taken = tally(ctx).take(now, force=force)
    if not taken:
        return 0
    try:
        with ctx.db.write() as con:
            for kind, count in taken.items():
                audit.record(con, count.last, kind.actor, kind.action, kind.client_id, **dict(kind.detail),
                             count=count.n, first=iso(count.first), last=iso(count.last))
    except DatabaseBusy:
        tally(ctx).put_back(taken)
        return 0
    return sum(count.n for count in taken.values())
