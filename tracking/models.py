"""The records Koers works with, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FLAG_KINDS = (
    "dominant_shift",
    "focus_mismatch",
    "reliable_deterioration",
    "reliable_improvement",
    "missed_checkins",
    "contact_request",
    "not_on_track",
)
# How urgently a coach should look at an open flag of each kind, most urgent first: a contact request,
# a shift, a deterioration or a client not on track (alike), missed check-ins, a focus that differs, an
# improvement. A kind not listed ranks with a deterioration. The caseload, the client page and the
# digest all order by it.
KIND_URGENCY = {"contact_request": 0, "dominant_shift": 1, "reliable_deterioration": 2, "not_on_track": 2,
                "missed_checkins": 3, "focus_mismatch": 4, "reliable_improvement": 5}
UNKNOWN_KIND_URGENCY = 2


def kind_urgency(kind: str) -> int:
    return KIND_URGENCY.get(kind, UNKNOWN_KIND_URGENCY)


# `open`: needs attention now; `acknowledged`: a coach has seen it (it still describes the client);
# `resolved`: a coach has dealt with it; `retired`: the data no longer describe the client so (see
# tracking.detection.flags for the reasons). Acknowledged, resolved and retired flags are history.
FLAG_STATUSES = ("open", "acknowledged", "resolved", "retired")
CLIENT_STATUSES = ("active", "paused", "ended")
EMAIL_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


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


@dataclass(frozen=True)
class Email:
    """One email Koers sends, from the moment it is composed until it was sent (or given up).

    The outbox keeps one email per `key`, ever. The fields after `period_id` are the outbox's: they
    are set once the email is stored there."""

    key: str
    kind: str  # invitation | followup | link | contact | digest | paused
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    lang: str = "nl"
    client_id: str | None = None
    coach_id: int | None = None
    period_id: int | None = None
    id: int | None = None
    status: str = "pending"  # pending | sending | sent | failed | cancelled
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_at: datetime | None = None
    claimed_by: str | None = None  # host:pid:run of the sender that claimed it
    sent_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime | None = None

    @property
    def outbox_id(self) -> int:
        """The id of an email the outbox holds (composed emails have none yet)."""
        if self.id is None:
            raise ValueError("this email is not in the outbox yet")
        return self.id
