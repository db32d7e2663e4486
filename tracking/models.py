"""The records Koers works with, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATES_EXTRA = ("mixed", "none")
FLAG_KINDS = (
    "dominant_shift",
    "focus_mismatch",
    "reliable_deterioration",
    "reliable_improvement",
    "missed_checkins",
    "contact_request",
)
# `open`: needs attention now; `acknowledged`: a coach has seen it (it still describes the client);
# `resolved`: a coach has dealt with it; `retired`: the data no longer describe the client so (see
# tracking.detection.flags for the reasons). Acknowledged, resolved and retired flags are history.
FLAG_STATUSES = ("open", "acknowledged", "resolved", "retired")
CLIENT_STATUSES = ("active", "paused", "ended")


@dataclass(frozen=True)
class Coach:
    id: int
    email: str
    name: str
    is_admin: bool
    lang: str
    active: bool
    tz: str = "Europe/Amsterdam"
    digest_weekday: int = 0
    digest_time: str = "08:00"


@dataclass(frozen=True)
class Client:
    id: str
    coach_id: int | None
    name: str | None
    email: str | None
    lang: str
    tz: str
    reminder_weekday: int | None
    reminder_time: str | None
    status: str
    show_trend: bool
    focus: str | None
    schedule_from: datetime | None
    created_at: datetime

    @property
    def label(self) -> str:
        """How a coach sees the client everywhere: the name (if set) and the id."""
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True)
class Viewer:
    """Who is looking. Coaches see only their own clients; the operator (the CLI) sees all."""

    coach_id: int | None
    is_admin: bool = False
    is_operator: bool = False

    @classmethod
    def operator(cls) -> Viewer:
        return cls(coach_id=None, is_admin=True, is_operator=True)

    @classmethod
    def coach(cls, coach: Coach) -> Viewer:
        return cls(coach_id=coach.id, is_admin=coach.is_admin)

    @property
    def actor(self) -> str:
        return "cli" if self.is_operator else f"coach:{self.coach_id}"
