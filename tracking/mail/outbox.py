"""Filling the outbox, each step one short unit of work: what `koers remind`, the scheduler, the pause
page and the dashboard's "send a link by email" call. Sending is `scheduler.sender`.

`fill_outbox` is one write: re-queue claims of senders that died, record windows that closed
without a check-in as missed (and recompute those clients' flags, so `missed_checkins` can fire),
cancel queued emails that are no longer needed, then ask `tracking.reminders` what is due and put
those emails in the outbox, with the check-in periods and personal links they need. Rendering is
`tracking.mail`. No email is sent while the database is locked.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from tracking import links, mail, reminders
from tracking.clock import utcnow
from tracking.errors import InvalidValue, NotFound
from tracking.models import Viewer
from tracking.reminders import Reminder, ReminderRules
from tracking.services import period_for_link
from tracking.store import audit, clients, derived, outbox, periods
from tracking.store import links as link_store
from tracking.store import reminders as planning

PAUSE_LINK_DAYS = 60  # a pause link in an old email still works for about two months


def claim_timeout(settings) -> timedelta:
    return timedelta(minutes=settings.claim_timeout_minutes)


def dashboard_url(settings, client_id: str | None = None) -> str:
    base = settings.base_url.rstrip("/")
    if client_id is None:
        return base + "/"
    return f"{base}/client?{urlencode({'client': client_id})}"


def client_label(client_id: str, name: str | None) -> str:
    return f"{name} ({client_id})" if name else client_id


def _new_email(key: str, kind: str, recipient: str, rendered: mail.Email, lang: str,
               **about) -> outbox.NewEmail:
    return outbox.NewEmail(key, kind, recipient, rendered.subject, rendered.text, rendered.html, lang,
                           **about)


@dataclass
class FillSummary:
    requeued: list[int] = field(default_factory=list)
    missed: list = field(default_factory=list)  # periods recorded as missed
    flags_raised: int = 0
    cancelled: int = 0
    queued: dict[str, int] = field(default_factory=dict)  # key -> outbox id of each email added
    by_kind: Counter = field(default_factory=Counter)


@dataclass
class Plan:
    """What a run would do at `now`, read without writing anything (`koers remind --dry-run`)."""

    missed: list[tuple[str, datetime]] = field(default_factory=list)  # (client, opens_at)
    stale: list[int] = field(default_factory=list)
    cancellations: list[reminders.Cancellation] = field(default_factory=list)
    due: list[Reminder] = field(default_factory=list)
    recipients: dict[str, str] = field(default_factory=dict)  # reminder key -> address
    queued: list[outbox.OutboxRow] = field(default_factory=list)  # already in the outbox and due


def _inputs(con, now: datetime, rules: ReminderRules):
    scheduled = planning.scheduled_clients(con)
    return {
        "clients": scheduled,
        "periods": planning.open_periods(con, now),
        "existing_keys": outbox.existing_keys(con, now - rules.keys_lookback),
        "coaches": planning.digest_coaches(con),
        "contact_flags": planning.contact_flags(con, now - timedelta(days=rules.contact_lookback_days)),
    }


def _due(inputs: dict, now: datetime, rules: ReminderRules) -> list[Reminder]:
    return reminders.due_reminders(
        inputs["clients"], inputs["periods"], inputs["existing_keys"], now, rules,
        coaches=inputs["coaches"], contact_flags=inputs["contact_flags"],
    )


class _Links:
    """Personal links issued within one unit of work, stored together at the end."""

    def __init__(self, settings, now: datetime):
        self.settings = settings
        self.now = now
        self.rows: list[dict] = []

    def url(self, purpose: str, client_id: str, period_id: int | None, expires_at: datetime) -> str:
        token = links.new_token(purpose, self.settings.require_secret_key())
        self.rows.append({"token_hash": links.token_hash(token), "purpose": purpose, "client_id": client_id,
                          "period_id": period_id, "expires_at": expires_at})
        return links.url(self.settings.base_url, purpose, token)

    def pause_url(self, client_id: str) -> str:
        return self.url("pause", client_id, None, self.now + timedelta(days=PAUSE_LINK_DAYS))


def _client_emails(con, due: list[Reminder], inputs: dict, settings, now: datetime, issued: _Links):
    by_id = {c.id: c for c in inputs["clients"]}
    invitations = [r for r in due if r.kind == "invitation"]
    period_ids = planning.create_scheduled_periods(
        con, [(r.client_id, r.opens_at, r.closes_at) for r in invitations], now)
    emails = []
    for reminder in (r for r in due if r.kind in ("invitation", "followup")):
        client = by_id[reminder.client_id]
        period_id = reminder.period_id or period_ids[(reminder.client_id, reminder.opens_at)]
        rendered = mail.checkin_invitation(
            kind=reminder.kind, lang=client.lang, name=client.name,
            url=issued.url("checkin", client.id, period_id, reminder.closes_at), closes_at=reminder.closes_at,
            tz=client.schedule.tz, pause_url=issued.pause_url(client.id), coach_name=client.coach_name,
        )
        emails.append(_new_email(reminder.key, reminder.kind, client.email, rendered, client.lang,
                                 client_id=client.id, period_id=period_id))
    return emails


def _coach_emails(con, due: list[Reminder], inputs: dict, settings) -> list[outbox.NewEmail]:
    contacts = [r for r in due if r.kind == "contact"]
    digests = [r for r in due if r.kind == "digest"]
    if not contacts and not digests:
        return []
    client_info = planning.clients_by_id(con, sorted({r.client_id for r in contacts}))
    coach_ids = sorted({r.coach_id for r in contacts} | {r.coach_id for r in digests})
    coaches = planning.coaches_by_id(con, coach_ids)
    flagged_at = planning.flags_by_id(con, [r.flag_id for r in contacts])
    contents = planning.digest_contents(con, [r.coach_id for r in digests])
    emails = []
    for reminder in contacts:
        coach, client = coaches[reminder.coach_id], client_info[reminder.client_id]
        rendered = mail.contact_request(
            lang=coach["lang"], coach_name=coach["name"],
            client_label=client_label(reminder.client_id, client["name"]),
            checkin_at=flagged_at[reminder.flag_id], tz=coach["tz"],
            dashboard_url=dashboard_url(settings, reminder.client_id),
        )
        emails.append(_new_email(reminder.key, "contact", coach["email"], rendered, coach["lang"],
                                 client_id=reminder.client_id, coach_id=reminder.coach_id))
    for reminder in digests:
        coach = coaches[reminder.coach_id]
        count, flags = contents[reminder.coach_id]
        rendered = mail.digest(
            lang=coach["lang"], coach_name=coach["name"], day=reminder.digest_date, clients=count,
            items=[mail.DigestItem(kind, client_label(cid, name), since) for kind, cid, name, since in flags],
            tz=coach["tz"], dashboard_url=dashboard_url(settings),
        )
        emails.append(_new_email(reminder.key, "digest", coach["email"], rendered, coach["lang"],
                                 coach_id=reminder.coach_id))
    return emails


def _record_missed(con, app, now: datetime, summary: FillSummary) -> None:
    # A week answered through another link (an extra check-in) is not a missed week.
    for period_id, checkin_id in planning.answered_elsewhere(con, now):
        periods.complete(con, period_id, checkin_id)
    summary.missed = periods.close_expired(con, now)
    if summary.missed:
        missed_clients = sorted({p.client_id for p in summary.missed})
        summary.flags_raised = derived.refresh(
            con, missed_clients, app.instrument, app.settings.detection, now).flags_raised
        for period in summary.missed:
            audit.record(con, now, "scheduler", "checkin_missed", period.client_id, period=period.id)


def fill_outbox(app, now: datetime, *, runner: str = "remind", transport: str = "") -> FillSummary:
    """One short write: everything that is due at `now` goes into the outbox (nothing is sent)."""
    rules = ReminderRules.from_settings(app.settings)
    summary = FillSummary()
    issued = _Links(app.settings, now)
    with app.db.write() as con:
        summary.requeued = outbox.requeue_stale(con, now, claim_timeout(app.settings))
        _record_missed(con, app, now, summary)
        summary.cancelled = outbox.cancel(con, reminders.obsolete(planning.unsent_client_emails(con), now))
        inputs = _inputs(con, now, rules)
        due = _due(inputs, now, rules)
        emails = _client_emails(con, due, inputs, app.settings, now, issued)
        emails += _coach_emails(con, due, inputs, app.settings)
        planning.insert_link_tokens(con, issued.rows, now)
        summary.queued = outbox.enqueue(con, emails, now)
        kinds = {e.key: e.kind for e in emails}
        summary.by_kind = Counter(kinds[key] for key in summary.queued)
        outbox.record_run(con, runner=runner, host=socket.gethostname(), pid=os.getpid(), transport=transport,
                          now=now, queued=len(summary.queued))
    return summary


def plan(app, now: datetime) -> Plan:
    """What `fill_outbox` and a sender would do at `now`, read without writing anything."""
    rules = ReminderRules.from_settings(app.settings)
    result = Plan()
    with app.db.read() as con:
        result.missed = planning.closed_without_checkin(con, now)
        result.stale = [r.id for r in outbox.listing(con, statuses=["sending"], limit=100_000)
                        if r.claimed_at and r.claimed_at <= now - claim_timeout(app.settings)]
        result.cancellations = reminders.obsolete(planning.unsent_client_emails(con), now)
        inputs = _inputs(con, now, rules)
        result.due = _due(inputs, now, rules)
        result.queued = outbox.due_rows(con, now)
        emails = {c.id: c.email for c in inputs["clients"]}
        coach_emails = {c.id: c.email for c in inputs["coaches"]}
        coach_emails.update({f.coach_id: f.coach_email for f in inputs["contact_flags"] if f.coach_id})
    for reminder in result.due:
        to_client = reminder.kind in reminders.CLIENT_KINDS
        address = emails.get(reminder.client_id) if to_client else coach_emails.get(reminder.coach_id)
        result.recipients[reminder.key] = address or "?"
    return result


@dataclass(frozen=True)
class LinkEmail:
    outbox_id: int | None  # None when the same request was queued already (a double click)
    period: periods.Period
    recipient: str


def send_link_now(app, client_id: str, viewer, now: datetime | None = None) -> LinkEmail:
    """Queue an email with a fresh personal check-in link for the client: for the period whose window
    is open, or else an extra check-in opened now (as `koers link`: earlier links to that period stop
    working). The scheduler sends it within a minute."""
    now = now or utcnow()
    secret_key = app.settings.require_secret_key()
    with app.db.write() as con:
        client = clients.get_client(con, client_id, viewer)
        if not client.email:
            raise InvalidValue(f"client {client.id} has no email address", "email")
        period = period_for_link(con, client, now, app.settings.window_days)
        token = link_store.issue(con, purpose="checkin", client_id=client.id, period_id=period.id,
                                 expires_at=period.closes_at, now=now, secret_key=secret_key)
        pause_token = link_store.issue(con, purpose="pause", client_id=client.id, period_id=None,
                                       expires_at=now + timedelta(days=PAUSE_LINK_DAYS), now=now,
                                       secret_key=secret_key)
        coach_name = _coach_name(con, client)
        rendered = mail.checkin_invitation(
            kind="link", lang=client.lang, name=client.name,
            url=links.url(app.settings.base_url, "checkin", token), closes_at=period.closes_at, tz=client.tz,
            coach_name=coach_name,
            pause_url=links.url(app.settings.base_url, "pause", pause_token),
        )
        key = reminders.link_key(client.id, period.id, now)
        email = _new_email(key, "link", client.email, rendered, client.lang, client_id=client.id,
                           period_id=period.id)
        added = outbox.enqueue(con, [email], now)
        audit.record(con, now, viewer.actor, "link_emailed", client.id, period=period.id, kind=period.kind)
    return LinkEmail(added.get(key), period, client.email)


@dataclass(frozen=True)
class PauseLink:
    """What a pause link opens. `status`: ok, paused (done just now), already (was paused), bad."""

    status: str
    lang: str | None = None
    coach_name: str | None = None


def _resolve_pause(con, token: str, now: datetime, secret_key: str):
    resolution = link_store.resolve(con, token, "pause", now, secret_key)
    if resolution.status != "ok":
        return resolution.status, None
    try:
        return "ok", clients.get_client(con, resolution.client_id, Viewer.operator())
    except NotFound:
        return "unknown", None


def _coach_of(con, client) -> dict | None:
    """The client's coach: name, email, lang, tz (None when the client has no coach yet)."""
    if client.coach_id is None:
        return None
    return planning.coaches_by_id(con, [client.coach_id]).get(client.coach_id)


def _coach_name(con, client) -> str | None:
    coach = _coach_of(con, client)
    return coach["name"] if coach else None


def open_pause_link(app, token: str, now: datetime) -> PauseLink:
    """What the pause page shows before the client confirms. A link that does not work is recorded in
    the audit log (without the token) and reveals nothing about any client."""
    secret_key = app.settings.require_secret_key()
    with app.db.write() as con:
        status, client = _resolve_pause(con, token, now, secret_key)
        if client is None:
            audit.record(con, now, "anonymous", "pause_link_refused", None, status=status, during="open")
            return PauseLink("bad")
        coach_name = _coach_name(con, client)
    return PauseLink("ok" if client.status == "active" else "already", client.lang, coach_name)


def pause_reminders(app, token: str, now: datetime) -> PauseLink:
    """The client confirmed: set the client's status to paused, record it, and queue an email to the
    coach. Nothing else changes: check-in links keep working and nothing is revoked."""
    secret_key = app.settings.require_secret_key()
    with app.db.write() as con:
        status, client = _resolve_pause(con, token, now, secret_key)
        if client is None:
            audit.record(con, now, "anonymous", "pause_link_refused", None, status=status, during="confirm")
            return PauseLink("bad")
        coach_name = _coach_name(con, client)
        if client.status != "active":
            return PauseLink("already", client.lang, coach_name)
        clients.update_client(con, client.id, Viewer.operator(), now, status="paused")
        link_store.mark_used(con, token, now)
        audit.record(con, now, f"client:{client.id}", "reminders_paused", client.id, via="pause_link")
        coach = _coach_of(con, client)
        if coach and coach["email"]:
            rendered = mail.paused(lang=coach["lang"], coach_name=coach["name"],
                                   client_label=client_label(client.id, client.name), paused_at=now,
                                   tz=coach["tz"], dashboard_url=dashboard_url(app.settings, client.id))
            email = _new_email(reminders.paused_key(client.id, now), "paused", coach["email"], rendered,
                               coach["lang"], client_id=client.id, coach_id=client.coach_id)
            outbox.enqueue(con, [email], now)
    return PauseLink("paused", client.lang, coach_name)
