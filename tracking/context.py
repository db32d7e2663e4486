"""Who acts and with what: the typed context every use case takes, and the acting person.

`Context` bundles what a unit of work needs (settings, the instrument, the database); the command
line, the dashboard and the scheduler each build one and pass it down. `Actor` is the person or
process on whose behalf a use case runs; it names them in the audit log and decides what they see.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tracking.errors import NotFound
from tracking.instrument import Instrument, load_instrument
from tracking.models import Coach, Viewer
from tracking.settings import Settings
from tracking.store import Store, open_database


@dataclass(frozen=True)
class Context:
    """Settings, instrument and database for one process."""

    settings: Settings
    instrument: Instrument
    db: Store


def open_context(settings: Settings) -> Context:
    """The context for these settings: the instrument is read first (a broken instrument file stops
    every entry point before it touches data), then the database is opened and migrated."""
    instrument = load_instrument()
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
