"""Putting what is due into the outbox: the scheduler's use case, one short write per run.

`fill_outbox` re-queues claims of senders that died, records windows that closed without a
check-in as missed (and recomputes those clients' flags, so `missed_checkins` can fire), cancels
queued emails that are no longer needed, then asks `tracking.mail.due` what is due and puts those
emails in the outbox, with the check-in periods and personal links they need. What the emails say
is `tracking.mail.compose`; sending them is `tracking.mail.send`. No email is sent while the
database is locked.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tracking import links, sealed
from tracking.audit import Action
from tracking.context import Actor, Context
from tracking.links import IssuedLink
from tracking.mail import compose, due
from tracking.mail.due import ContactDue, DigestDue, FollowupDue, InvitationDue, Reminder, ReminderRules
from tracking.models import Email
from tracking.settings import Settings
from tracking.store import StoreConnection, audit, derived, outbox, periods
from tracking.store import due as store
from tracking.store.periods import Period
from tracking.usecases import use_case


def claim_timeout(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.claim_timeout_minutes)


# A personal link's token in an email (random part, dot, signature), and the same token sealed.
_TOKEN = re.compile(r"([?&](?:t|pause)=)(?!" + re.escape(sealed.PREFIX) + r")([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
_SEALED_TOKEN = re.compile(r"([?&](?:t|pause)=)(" + re.escape(sealed.PREFIX) + r"[A-Za-z0-9_\-]+)")
LINKS_PURPOSE = "outbox links"


def seal_links(text: str | None, secret_key: str | None) -> str | None:
    """The text with every personal link's token sealed: an email waiting in the outbox (or in a copy
    of the database) opens nothing without KOERS_SECRET_KEY. The sender opens them (`open_links`)."""
    if text is None or secret_key is None:
        return text
    return _TOKEN.sub(lambda m: m[1] + sealed.seal(secret_key, LINKS_PURPOSE, m[2]), text)


def open_links(text: str | None, secret_key: str | None) -> str | None:
    """The text with its sealed tokens opened again, to be sent. Raises `sealed.SealBroken` when they
    do not open with this key (it changed since the email was queued)."""
    if text is None or not _SEALED_TOKEN.search(text):
        return text
    if secret_key is None:
        raise sealed.SealBroken("KOERS_SECRET_KEY is not set")
    return _SEALED_TOKEN.sub(lambda m: m[1] + sealed.unseal(secret_key, LINKS_PURPOSE, m[2]), text)


def opened(email: Email, secret_key: str | None) -> Email:
    """The email as it is sent: with working links."""
    return dataclasses.replace(email, body_text=open_links(email.body_text, secret_key) or "",
                               body_html=open_links(email.body_html, secret_key))


def new_email(key: str, kind: str, recipient: str, content: compose.Content, lang: str, *, secret_key: str | None,
              client_id: str | None = None, coach_id: int | None = None, period_id: int | None = None) -> Email:
    """A composed email, ready for the outbox, its personal links sealed with `secret_key`."""
    return Email(key=key, kind=kind, recipient=recipient, subject=content.subject,
                 body_text=seal_links(content.text, secret_key) or "", body_html=seal_links(content.html, secret_key),
                 lang=lang, client_id=client_id, coach_id=coach_id, period_id=period_id)


@dataclass
class FillSummary:
    requeued: list[int] = field(default_factory=list)
    missed: list[Period] = field(default_factory=list)  # periods recorded as missed
    flags_raised: int = 0
    cancelled: int = 0
    queued: dict[str, int] = field(default_factory=dict)  # key -> outbox id of each email added
    by_kind: Counter[str] = field(default_factory=Counter)


@dataclass
class Plan:
    """What a run would do at `now`, read without writing anything (`koers remind --dry-run`)."""

    missed: list[tuple[str, datetime]] = field(default_factory=list)  # (client, opens_at)
    stale: list[int] = field(default_factory=list)
    cancellations: list[due.Cancellation] = field(default_factory=list)
    due: list[Reminder] = field(default_factory=list)
    recipients: dict[str, str] = field(default_factory=dict)  # reminder key -> address
    queued: list[Email] = field(default_factory=list)  # already in the outbox and due


@dataclass(frozen=True)
class _Inputs:
    clients: list[due.ScheduledClient]
    periods: list[due.OpenPeriod]
    existing_keys: set[str]
    coaches: list[due.DigestCoach]
    contact_flags: list[due.ContactFlag]


def _inputs(con: StoreConnection, now: datetime, rules: ReminderRules) -> _Inputs:
    return _Inputs(
        clients=store.scheduled_clients(con),
        periods=store.open_periods(con, now),
        existing_keys=outbox.existing_keys(con, now - rules.keys_lookback),
        coaches=store.digest_coaches(con),
        contact_flags=store.contact_flags(con, now - timedelta(days=rules.contact_lookback_days)),
    )


def _due(inputs: _Inputs, now: datetime, rules: ReminderRules) -> list[Reminder]:
    return due.due_reminders(inputs.clients, inputs.periods, inputs.existing_keys, now, rules,
                             coaches=inputs.coaches, contact_flags=inputs.contact_flags)


class _Links:
    """Personal links issued within one run, stored together at the end."""

    def __init__(self, settings: Settings, now: datetime):
        self.settings = settings
        self.now = now
        self.issued: list[IssuedLink] = []

    def url(self, purpose: str, client_id: str, period_id: int | None, expires_at: datetime) -> str:
        issued = links.issue(purpose, client_id, period_id, expires_at, base_url=self.settings.base_url,
                             secret_key=self.settings.require_secret_key())
        self.issued.append(issued)
        return issued.url

    def pause_url(self, client_id: str) -> str:
        return self.url("pause", client_id, None, links.pause_expiry(self.now))


def _client_emails(con: StoreConnection, reminders: list[Reminder], inputs: _Inputs, now: datetime,
                   issued: _Links) -> list[Email]:
    by_id = {c.id: c for c in inputs.clients}
    invitations = [r for r in reminders if isinstance(r, InvitationDue)]
    period_ids = store.create_scheduled_periods(
        con, [(r.client_id, r.opens_at, r.closes_at) for r in invitations], now)
    emails = []
    for reminder in reminders:
        if isinstance(reminder, InvitationDue):
            period_id = period_ids[(reminder.client_id, reminder.opens_at)]
        elif isinstance(reminder, FollowupDue):
            period_id = reminder.period_id
        else:
            continue
        client = by_id[reminder.client_id]
        if client.email is None or client.schedule is None:
            continue
        content = compose.checkin_invitation(
            kind=reminder.kind, lang=client.lang, name=client.name,
            url=issued.url("checkin", client.id, period_id, reminder.closes_at), closes_at=reminder.closes_at,
            tz=client.schedule.tz, pause_url=issued.pause_url(client.id), coach_name=client.coach_name,
        )
        emails.append(new_email(reminder.key, reminder.kind, client.email, content, client.lang,
                                secret_key=issued.settings.secret_key, client_id=client.id, period_id=period_id))
    return emails


def _coach_emails(con: StoreConnection, reminders: list[Reminder], settings: Settings) -> list[Email]:
    contacts = [r for r in reminders if isinstance(r, ContactDue)]
    digests = [r for r in reminders if isinstance(r, DigestDue)]
    if not contacts and not digests:
        return []
    client_info = store.clients_by_id(con, sorted({r.client_id for r in contacts}))
    coaches = store.coaches_by_id(con, sorted({r.coach_id for r in contacts} | {r.coach_id for r in digests}))
    flagged_at = store.flags_by_id(con, [r.flag_id for r in contacts])
    contents = store.digest_contents(con, [r.coach_id for r in digests])
    emails = []
    for contact in contacts:
        coach, client = coaches[contact.coach_id], client_info[contact.client_id]
        content = compose.contact_request(
            lang=coach.lang, coach_name=coach.name, client_label=compose.client_label(client.id, client.name),
            checkin_at=flagged_at[contact.flag_id], tz=coach.tz,
            dashboard_url=compose.dashboard_url(settings.base_url, contact.client_id),
        )
        emails.append(new_email(contact.key, "contact", coach.email, content, coach.lang,
                                secret_key=settings.secret_key, client_id=contact.client_id,
                                coach_id=contact.coach_id))
    for reminder in digests:
        coach = coaches[reminder.coach_id]
        digest = contents[reminder.coach_id]
        content = compose.digest(
            lang=coach.lang, coach_name=coach.name, day=reminder.digest_date, clients=digest.clients,
            items=[compose.DigestItem(f.kind, compose.client_label(f.client_id, f.client_name), f.since)
                   for f in digest.flags],
            tz=coach.tz, dashboard_url=compose.dashboard_url(settings.base_url),
        )
        emails.append(new_email(reminder.key, "digest", coach.email, content, coach.lang,
                                secret_key=settings.secret_key, coach_id=reminder.coach_id))
    return emails


def _record_missed(con: StoreConnection, ctx: Context, now: datetime, summary: FillSummary) -> None:
    # A week answered through another link (an extra check-in) is not a missed week.
    for period_id, checkin_id in store.answered_elsewhere(con, now):
        periods.complete(con, period_id, checkin_id)
    summary.missed = periods.close_expired(con, now)
    if summary.missed:
        missed_clients = sorted({p.client_id for p in summary.missed})
        summary.flags_raised = derived.refresh(
            con, missed_clients, ctx.instrument, ctx.settings.detection, now,
            recovery=ctx.settings.recovery).flags_raised
        for period in summary.missed:
            audit.record(con, now, Actor.scheduler(), Action.CHECKIN_MISSED, period.client_id, period=period.id)


@use_case(Action.CHECKIN_MISSED)
def fill_outbox(ctx: Context, now: datetime, *, runner: str = "remind", transport: str = "") -> FillSummary:
    """One short write: everything that is due at `now` goes into the outbox (nothing is sent)."""
    rules = ReminderRules.from_settings(ctx.settings)
    summary = FillSummary()
    issued = _Links(ctx.settings, now)
    with ctx.db.write() as con:
        summary.requeued = outbox.requeue_stale(con, now, claim_timeout(ctx.settings))
        _record_missed(con, ctx, now, summary)
        summary.cancelled = outbox.cancel(con, due.obsolete(store.unsent_client_emails(con), now))
        inputs = _inputs(con, now, rules)
        reminders = _due(inputs, now, rules)
        emails = _client_emails(con, reminders, inputs, now, issued)
        emails += _coach_emails(con, reminders, ctx.settings)
        store.insert_links(con, issued.issued, now)
        summary.queued = outbox.enqueue(con, emails, now)
        kinds = {e.key: e.kind for e in emails}
        summary.by_kind = Counter(kinds[key] for key in summary.queued)
        outbox.record_run(con, runner=runner, host=socket.gethostname(), pid=os.getpid(), transport=transport,
                          now=now, queued=len(summary.queued))
    return summary


def plan(ctx: Context, now: datetime) -> Plan:
    """What `fill_outbox` and a sender would do at `now`, read without writing anything."""
    rules = ReminderRules.from_settings(ctx.settings)
    result = Plan()
    with ctx.db.read() as con:
        result.missed = store.closed_without_checkin(con, now)
        result.stale = [r.id for r in outbox.listing(con, statuses=["sending"], limit=100_000)
                        if r.id is not None and r.claimed_at and r.claimed_at <= now - claim_timeout(ctx.settings)]
        result.cancellations = due.obsolete(store.unsent_client_emails(con), now)
        inputs = _inputs(con, now, rules)
        result.due = _due(inputs, now, rules)
        result.queued = outbox.due_rows(con, now)
        emails = {c.id: c.email for c in inputs.clients}
        coach_emails: dict[int, str | None] = {c.id: c.email for c in inputs.coaches}
        coach_emails.update({f.coach_id: f.coach_email for f in inputs.contact_flags if f.coach_id is not None})
    for reminder in result.due:
        if isinstance(reminder, InvitationDue | FollowupDue):
            address = emails.get(reminder.client_id)
        else:
            address = coach_emails.get(reminder.coach_id)
        result.recipients[reminder.key] = address or "?"
    return result
