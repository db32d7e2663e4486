"""Which emails are due: invitations, follow-ups, contact requests and the coach's weekly digest.

Pure: every function takes plain data and an explicit `now`; the store loads the data and the
scheduler sends. Each email has a key that names what it is about (kind, client or coach, period),
and the outbox keeps one email per key, ever; so deciding "due" is deciding which keys should exist
by now and do not yet.

- An **invitation** is due from the client's scheduled moment (weekday, local time, IANA time zone;
  `tracking.schedule` handles daylight saving) until that week's window closes, for an active client
  with an email address, when that moment is after `schedule_from` (when the client was added, or
  their schedule last changed). A scheduler that was down sends it late while the window is open,
  and not at all once it has closed: the week then has no period, so it does not count as missed.
- One **follow-up** is due `followup_hours` after the invitation was actually sent, while the window
  is still open and nobody has answered it.
- A **contact** email goes to the coach for each open `contact_request` flag of a check-in from the
  last `contact_lookback_days` (so importing old paper check-ins does not flood the coach).
- A **digest** goes to each active coach at their own weekday and local time; if the scheduler was
  down for longer than `digest_grace_hours` after that moment, that week's digest is skipped.

Retries: a failed send is tried again after `RETRY_MINUTES` (the first within 15 minutes, then less
often), and after `MAX_ATTEMPTS` attempts (about six days) not any more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from tracking.clock import iso
from tracking.schedule import Schedule, latest_occurrence, window_close
from tracking.settings import Settings

KINDS = ("invitation", "followup", "link", "contact", "concern", "digest", "paused")
CLIENT_KINDS = ("invitation", "followup", "link")  # emails to the client, about a check-in period

# Minutes to wait after the n-th failed attempt (the last value repeats).
RETRY_MINUTES = (5, 15, 30, 60, 120, 240, 360)
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class ReminderRules:
    """The settings that decide what is due (see `tracking.settings` for the documented defaults)."""

    window_days: int = 5
    followup_hours: float = 48.0
    digest_grace_hours: float = 24.0
    contact_lookback_days: int = 7

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderRules:
        return cls(
            window_days=settings.window_days,
            followup_hours=settings.followup_hours,
            digest_grace_hours=settings.digest_grace_hours,
            contact_lookback_days=settings.contact_lookback_days,
        )

    @property
    def keys_lookback(self) -> timedelta:
        """How far back the outbox keys that can still matter were created (with a margin)."""
        return timedelta(days=max(self.window_days, self.contact_lookback_days, 7) + 2)


@dataclass(frozen=True)
class ScheduledClient:
    id: str
    email: str | None
    status: str  # active | paused | ended
    schedule: Schedule | None
    schedule_from: datetime  # invitations start at the first scheduled moment after this
    name: str | None = None
    lang: str = "nl"
    coach_name: str | None = None


@dataclass(frozen=True)
class OpenPeriod:
    """A scheduled check-in period whose window is open (answered or not)."""

    id: int
    client_id: str
    opens_at: datetime
    closes_at: datetime
    answered: bool  # completed, or the client checked in another way during the window
    invitation_sent_at: datetime | None


@dataclass(frozen=True)
class DigestCoach:
    id: int
    email: str
    active: bool
    schedule: Schedule
    since: datetime  # when the account was created: no digest for a week before that
    name: str = ""
    lang: str = "nl"


@dataclass(frozen=True)
class ContactFlag:
    id: int
    client_id: str
    coach_id: int | None
    coach_email: str | None
    status: str
    checkin_at: datetime


@dataclass(frozen=True)
class InvitationDue:
    """A weekly invitation; its check-in period is created with it."""

    key: str
    client_id: str
    opens_at: datetime
    closes_at: datetime
    kind: Literal["invitation"] = "invitation"


@dataclass(frozen=True)
class FollowupDue:
    key: str
    client_id: str
    period_id: int
    opens_at: datetime
    closes_at: datetime
    kind: Literal["followup"] = "followup"


@dataclass(frozen=True)
class ContactDue:
    """To the coach: a client asked for contact (the flag that says so)."""

    key: str
    client_id: str
    coach_id: int
    flag_id: int
    kind: Literal["contact"] = "contact"


@dataclass(frozen=True)
class DigestDue:
    key: str
    coach_id: int
    digest_date: date  # the coach's local date of the digest
    opens_at: datetime  # the moment it became due
    kind: Literal["digest"] = "digest"


Reminder = InvitationDue | FollowupDue | ContactDue | DigestDue  # one email that is due


@dataclass(frozen=True)
class UnsentEmail:
    """An email in the outbox that has not gone out yet, with what decides whether it still should."""

    id: int
    kind: str
    client_status: str | None
    period_closes_at: datetime | None
    period_answered: bool


@dataclass(frozen=True)
class Cancellation:
    outbox_id: int
    reason: str


def invitation_key(client_id: str, opens_at: datetime) -> str:
    return f"invitation:{client_id}:{iso(opens_at)}"


def followup_key(client_id: str, opens_at: datetime) -> str:
    return f"followup:{client_id}:{iso(opens_at)}"


def link_key(client_id: str, period_id: int, now: datetime) -> str:
    return f"link:{client_id}:{period_id}:{iso(now)}"


def contact_key(flag_id: int) -> str:
    return f"contact:{flag_id}"


def concern_key(checkin_id: int) -> str:
    return f"concern:{checkin_id}"


def digest_key(coach_id: int, local_date: date) -> str:
    return f"digest:{coach_id}:{local_date.isoformat()}"


def paused_key(client_id: str, now: datetime) -> str:
    return f"paused:{client_id}:{iso(now)}"


def _latest(schedule: Schedule, now: datetime, memo: dict[Schedule, datetime]) -> datetime:
    # Many clients share a schedule (Monday 09:00, Europe/Amsterdam): compute each one once.
    if schedule not in memo:
        memo[schedule] = latest_occurrence(schedule, now)
    return memo[schedule]


def due_invitations(clients: Iterable[ScheduledClient], existing_keys: Set[str], now: datetime,
                    rules: ReminderRules, periods: Iterable[OpenPeriod] = ()) -> list[InvitationDue]:
    # A client has one weekly window at a time: after a schedule change, a new time that falls inside
    # the window of this week's invitation waits for next week.
    windows: dict[str, set[datetime]] = {}
    for period in periods:
        if period.closes_at > now:
            windows.setdefault(period.client_id, set()).add(period.opens_at)
    due: list[InvitationDue] = []
    memo: dict[Schedule, datetime] = {}
    for client in clients:
        if client.status != "active" or not client.email or client.schedule is None:
            continue
        opens_at = _latest(client.schedule, now, memo)
        other_window_open = any(opened != opens_at for opened in windows.get(client.id, ()))
        if opens_at <= client.schedule_from or other_window_open:
            continue
        closes_at = window_close(opens_at, client.schedule.tz, rules.window_days)
        key = invitation_key(client.id, opens_at)
        if now < closes_at and key not in existing_keys:
            due.append(InvitationDue(key, client.id, opens_at, closes_at))
    return due


def due_followups(periods: Iterable[OpenPeriod], clients: Sequence[ScheduledClient], existing_keys: Set[str],
                  now: datetime, rules: ReminderRules) -> list[FollowupDue]:
    reachable = {c.id for c in clients if c.status == "active" and c.email}
    delay = timedelta(hours=rules.followup_hours)
    due: list[FollowupDue] = []
    for period in periods:
        if period.answered or period.invitation_sent_at is None or period.client_id not in reachable:
            continue
        key = followup_key(period.client_id, period.opens_at)
        if period.invitation_sent_at + delay <= now < period.closes_at and key not in existing_keys:
            due.append(FollowupDue(key, period.client_id, period.id, period.opens_at, period.closes_at))
    return due


def due_contacts(flags: Iterable[ContactFlag], existing_keys: Set[str], now: datetime,
                 rules: ReminderRules) -> list[ContactDue]:
    since = now - timedelta(days=rules.contact_lookback_days)
    return [
        ContactDue(contact_key(flag.id), flag.client_id, flag.coach_id, flag.id)
        for flag in flags
        if flag.status == "open" and flag.coach_id is not None and flag.coach_email and flag.checkin_at >= since
        and contact_key(flag.id) not in existing_keys
    ]


def due_digests(coaches: Iterable[DigestCoach], existing_keys: Set[str], now: datetime,
                rules: ReminderRules) -> list[DigestDue]:
    grace = timedelta(hours=rules.digest_grace_hours)
    due: list[DigestDue] = []
    memo: dict[Schedule, datetime] = {}
    for coach in coaches:
        if not coach.active or not coach.email:
            continue
        moment = _latest(coach.schedule, now, memo)
        local_date = moment.astimezone(coach.schedule.zone).date()
        key = digest_key(coach.id, local_date)
        if moment > coach.since and now - moment < grace and key not in existing_keys:
            due.append(DigestDue(key, coach.id, local_date, moment))
    return due


def due_reminders(
    clients: Sequence[ScheduledClient],
    periods: Sequence[OpenPeriod],
    existing_keys: Set[str],
    now: datetime,
    rules: ReminderRules,
    *,
    coaches: Sequence[DigestCoach] = (),
    contact_flags: Sequence[ContactFlag] = (),
) -> list[Reminder]:
    """Every email that is due at `now` and not in the outbox yet (by key)."""
    return [
        *due_invitations(clients, existing_keys, now, rules, periods),
        *due_followups(periods, clients, existing_keys, now, rules),
        *due_contacts(contact_flags, existing_keys, now, rules),
        *due_digests(coaches, existing_keys, now, rules),
    ]


def obsolete(unsent: Iterable[UnsentEmail], now: datetime) -> list[Cancellation]:
    """Queued emails to a client that should no longer go out: the client paused or ended, answered
    the check-in, or its window closed (a failed send that recovers too late)."""
    cancelled = []
    for email in unsent:
        if email.kind not in CLIENT_KINDS:
            continue
        if email.client_status != "active" and email.kind != "link":
            reason = f"not sent: the client's reminders are {email.client_status or 'gone'}"
        elif email.period_answered and email.kind != "link":
            reason = "not sent: the client checked in before it went out"
        elif email.period_closes_at is not None and email.period_closes_at <= now:
            reason = "not sent: the check-in window closed before it went out"
        else:
            continue
        cancelled.append(Cancellation(email.id, reason))
    return cancelled


def next_attempt(attempts: int, failed_at: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    minutes = RETRY_MINUTES[min(max(attempts, 1), len(RETRY_MINUTES)) - 1]
    return failed_at + timedelta(minutes=minutes)
