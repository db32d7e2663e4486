"""Who acts and with what: the typed context every use case takes, and the acting person.

`Context` bundles what a unit of work needs (settings, the instrument, the database); the command
line, the dashboard and the scheduler each build one and pass it down. `Actor` is the person or
process on whose behalf a use case runs; it names them in the audit log and decides what they see.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tracking.errors import DatabaseError, NotFound
from tracking.instrument import Instrument, load_instrument
from tracking.models import Coach, Viewer
from tracking.settings import Settings
from tracking.store import Store, database, open_database


@dataclass(frozen=True)
class Context:
    """Settings, instrument and database for one process."""

    settings: Settings
    instrument: Instrument
    db: Store


def open_context(settings: Settings, *, existing: bool = False) -> Context:
    """The context for these settings: the instrument is read first (a broken instrument file stops
    every entry point before it touches data), then the database is opened and migrated. With
    `existing` (a command on what is stored), a database that is not there yet is refused instead of
    created empty; a folder or a pipe given as the database file is always refused."""
    instrument = load_instrument()
    location = settings.db
    if existing and not database(location).exists():
        raise DatabaseError(
            f"{location}: there is no database here. Check the path (--db, or KOERS_DB); "
            f"`koers init --db {shlex.quote(str(location))}` creates a new one.")
    if isinstance(location, Path) and location.exists() and not location.is_file():
        raise DatabaseError(f"{location}: not a database file (a folder, or a device or pipe). "
                            "Check the path (--db, or KOERS_DB).")
    return Context(settings, instrument, open_database(settings))


class ActorKind(StrEnum):
    COACH = "coach"
    OPERATOR = "operator"  # the command line on the server
    CLIENT = "client"  # through a personal link
    SCHEDULER = "scheduler"
    ANONYMOUS = "anonymous"  # someone with a link or a sign-in form Koers could not match


@dataclass(frozen=True)
class Actor:
    """Who acts. A coach sees their own clients only; the operator and the scheduler see all."""

    kind: ActorKind
    coach_id: int | None = None
    client_id: str | None = None
    is_admin: bool = False

    @classmethod
    def coach(cls, coach: Coach) -> Actor:
        return cls(ActorKind.COACH, coach_id=coach.id, is_admin=coach.is_admin)

    @classmethod
    def operator(cls) -> Actor:
        return cls(ActorKind.OPERATOR, is_admin=True)

    @classmethod
    def client(cls, client_id: str) -> Actor:
        return cls(ActorKind.CLIENT, client_id=client_id)

    @classmethod
    def scheduler(cls) -> Actor:
        return cls(ActorKind.SCHEDULER)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(ActorKind.ANONYMOUS)

    @property
    def audit_name(self) -> str:
        """How the audit log names the actor: 'coach:<id>', 'cli', 'client:<id>', 'scheduler', 'anonymous'."""
        if self.kind is ActorKind.COACH:
            return f"coach:{self.coach_id}"
        if self.kind is ActorKind.CLIENT:
            return f"client:{self.client_id}"
        if self.kind is ActorKind.OPERATOR:
            return "cli"
        return self.kind.value

    @property
    def viewer(self) -> Viewer:
        """What the actor may read: a coach their own clients, the operator and the scheduler all.
        A client or anonymous visitor reads nothing through a viewer (links resolve their own client)."""
        if self.kind is ActorKind.COACH:
            return Viewer(coach_id=self.coach_id, is_admin=self.is_admin)
        if self.kind in (ActorKind.OPERATOR, ActorKind.SCHEDULER):
            return Viewer.operator()
        raise NotFound("nothing is visible without signing in")
