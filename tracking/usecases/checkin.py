"""The client's side of a check-in: open a personal link, then submit or change that period's answers.

Each function is one unit of work on the database. The link is checked again inside every unit, so a
link revoked or a window closed between opening and sending is refused at the moment it matters.

The client's safety net is part of sending: a check-in that asks for contact, or whose answers cross
a level the practice set as a concern (`tracking.safety`), queues the coach's email in the same
transaction (the scheduler sends it within a minute) and tells the client when the coach responds
and where to get urgent help. The language the client sent in is remembered on the client: their
next form, emails and link pages use it, and the coach sees the change.

Idempotent per period: a period has at most one check-in. Sending for a period that already has one
(a double click, a refresh, a second tab, or coming back later in the window) changes that check-in:
the earlier version is kept in `checkin_revisions`, `checkins.edited_at` is set, its scores are
recomputed, and so are the client's states and flags. Sending the same answers again changes nothing.

What a bad link reveals is only its status; the audit log records the status, never the token.
Refusals are counted in aggregate (`tracking.usecases.refusals`): a made-up link costs no database
work at all, and a link that does not work only a read, so nobody can make Koers write at will.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tracking import links, safety, validate
from tracking.audit import Action
from tracking.context import Actor, Context
from tracking.errors import InvalidValue, NotFound
from tracking.i18n import LANGS
from tracking.instrument import Instrument
from tracking.mail import compose, due
from tracking.mail.outbox import new_email
from tracking.models import Client, Viewer
from tracking.scoring import score_answers
from tracking.store import StoreConnection, accounts, audit, checkins, clients, derived, outbox, periods
from tracking.store import links as link_store
from tracking.store import safety as safety_store
from tracking.store import submissions as store
from tracking.store.periods import Period
from tracking.store.submissions import CorePoint
from tracking.usecases import refusals, use_case

BAD_LINK_STATUSES = ("tampered", "unknown", "expired", "revoked", "ended")
TREND_POINTS = 26  # about half a year of weekly check-ins: enough to see a direction, short enough to read


@dataclass(frozen=True)
class CheckinAnswers:
    """What a client gives: every item (None = unanswered), the contact request and the note."""

    items: dict[str, int | None]
    contact_request: bool = False
    note: str | None = None

    @property
    def answered(self) -> dict[str, int]:
        return {item_id: value for item_id, value in self.items.items() if value is not None}

    @property
    def skipped(self) -> list[str]:
        return [item_id for item_id, value in self.items.items() if value is None]

    @property
    def is_empty(self) -> bool:
        return not self.answered and not self.contact_request and not self.note


def clean_answers(instrument: Instrument, items: Mapping[str, int | None], contact_request: bool = False,
                  note: str | None = None) -> CheckinAnswers:
    """Check a client's answers against the instrument; a problem raises `InvalidValue` naming the field."""
    cleaned = validate.answers(dict(items), instrument)
    text = (note or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > instrument.note_max_length:
        raise InvalidValue(f"note: longer than {instrument.note_max_length} characters", "note")
    return CheckinAnswers(cleaned, bool(contact_request), text or None)


@dataclass(frozen=True)
class Opened:
    """What a link shows. `status` is `open` (the form), `closed` (the window has passed) or one of
    `BAD_LINK_STATUSES`. Only an open link carries anything about its client."""

    status: str
    name: str | None = None
    lang: str | None = None
    tz: str = "Europe/Amsterdam"
    closes_at: datetime | None = None
    submitted_at: datetime | None = None  # when this period was answered already
    previous: CheckinAnswers | None = None  # those answers, to review and change


@dataclass(frozen=True)
class Submitted:
    """The outcome of sending. `status` is `saved` (a new check-in), `edited`, `unchanged`, or, when
    nothing was stored, `closed` or one of `BAD_LINK_STATUSES`."""

    status: str
    checkin_id: int | None = None
    lang: str | None = None
    tz: str = "Europe/Amsterdam"
    closes_at: datetime | None = None
    submitted_at: datetime | None = None  # when the check-in was first sent (an edit keeps that time)
    contact_request: bool = False
    concern: bool = False  # the answers cross a level the practice set as a concern
    trend: list[CorePoint] | None = None  # the client's core indicators over time, when the coach enabled it
    changed: list[str] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        return self.status in ("saved", "edited", "unchanged")

    @property
    def safety_net(self) -> bool:
        """Whether the thank-you page tells the client when the coach responds and where to get urgent help."""
        return self.stored and (self.contact_request or self.concern)


@dataclass(frozen=True)
class _Refused:
    """A link that opens no form: `status` is `closed`, `ended` or one of `BAD_LINK_STATUSES`."""

    status: str
    token_status: str
    client: Client | None = None  # known only when the check-in has closed or the coaching ended


@dataclass(frozen=True)
class _Open:
    client: Client
    period: Period


def _find(con: StoreConnection, token: str, now: datetime, secret_key: str) -> _Open | _Refused:
    resolution = link_store.resolve(con, token, "checkin", now, secret_key)
    if resolution.status in ("tampered", "unknown") or resolution.client_id is None:
        return _Refused(resolution.status, resolution.status)
    period = periods.get_period(con, resolution.period_id) if resolution.period_id is not None else None
    try:
        client = clients.get_client(con, resolution.client_id, Viewer.operator())
    except NotFound:
        return _Refused("unknown", resolution.status)
    if period is None or period.client_id != client.id:
        return _Refused("unknown", resolution.status)
    if client.status == "ended":
        return _Refused("ended", resolution.status, client)
    if now >= period.closes_at:
        # However the link stands, what helps the client is knowing that this check-in has passed.
        return _Refused("closed", resolution.status, client)
    if resolution.status != "ok":
        return _Refused(resolution.status, resolution.status)
    return _Open(client, period)


def _refuse(ctx: Context, found: _Refused, now: datetime, during: str) -> None:
    client_id = found.client.id if found.client else None
    refusals.note(ctx, now, Action.CHECKIN_LINK_REFUSED, client_id=client_id, status=found.status,
                  link=found.token_status, during=during)


def _refuse_in(con: StoreConnection, found: _Refused, now: datetime, during: str) -> None:
    """A link that stopped working between the read and the write (rare, and only with a real link):
    recorded at once, in the unit of work that found it."""
    client_id = found.client.id if found.client else None
    audit.record(con, now, Actor.anonymous(), Action.CHECKIN_LINK_REFUSED, client_id, status=found.status,
                 link=found.token_status, during=during)


def _lang(found: _Refused) -> str | None:
    """The language of a refusal: the client's, where the link's own client is told about it."""
    return found.client.lang if found.status in ("closed", "ended") and found.client else None


def _look_up(ctx: Context, token: str, now: datetime, secret_key: str) -> _Open | _Refused:
    """What the link is, with no database work for a made-up one and only a read for the rest."""
    if not links.is_signed(token, "checkin", secret_key):
        return _Refused("tampered", "tampered")
    with ctx.db.read() as con:
        return _find(con, token, now, secret_key)


@use_case(Action.CHECKIN_LINK_OPENED, Action.CHECKIN_LINK_REFUSED)
def open_link(ctx: Context, token: str, *, now: datetime) -> Opened:
    """What the link `token` opens now; records the opening (or counts the refusal) in the audit log."""
    secret_key = ctx.settings.require_secret_key()
    looked_up = _look_up(ctx, token, now, secret_key)
    if isinstance(looked_up, _Refused):
        _refuse(ctx, looked_up, now, "open")
        return Opened(looked_up.status, lang=_lang(looked_up))
    with ctx.db.write() as con:
        found = _find(con, token, now, secret_key)
        if isinstance(found, _Refused):
            _refuse_in(con, found, now, "open")
            return Opened(found.status, lang=_lang(found))
        client, period = found.client, found.period
        existing = store.checkin_of_period(con, period)
        stored = store.stored_checkin(con, existing) if existing is not None else None
        audit.record(con, now, Actor.client(client.id), Action.CHECKIN_LINK_OPENED, client.id, period=period.id,
                     answered_before=stored is not None)
    previous = None
    if stored is not None:
        previous = CheckinAnswers(
            {item_id: stored.answers.get(item_id) for item_id in ctx.instrument.item_ids},
            stored.contact_request, stored.note,
        )
    return Opened(
        "open", name=client.name, lang=client.lang, tz=client.tz, closes_at=period.closes_at,
        submitted_at=stored.submitted_at if stored else None, previous=previous,
    )


def _store_new(con: StoreConnection, instrument: Instrument, client_id: str, answers: CheckinAnswers,
               submitted_at: datetime) -> int:
    frame = checkins.frame_from_rows(
        [{"client_id": client_id, "submitted_at": submitted_at, "answers": answers.items,
          "contact_request": answers.contact_request, "note": answers.note}],
        instrument,
    )
    result = checkins.ingest(con, frame, instrument, source="link", now=submitted_at)
    return result.first_checkin_id


def _changes(stored: store.StoredCheckin, answers: CheckinAnswers) -> list[str]:
    """What differs between the stored version and the new answers: item ids, contact_request, note."""
    changed = [
        item_id for item_id, value in answers.items.items() if stored.answers.get(item_id) != value
    ]
    if stored.contact_request != answers.contact_request:
        changed.append("contact_request")
    if (stored.note or None) != answers.note:
        changed.append("note")
    return changed


def _alert_coach(con: StoreConnection, ctx: Context, client: Client, checkin_id: int, submitted_at: datetime,
                 answers: CheckinAnswers, concern_id: int | None, now: datetime) -> None:
    """Queue the coach's emails about this check-in: its contact request, its concern. Keys are the
    scheduler's own, so a contact email is never queued twice."""
    if client.coach_id is None:
        return
    coach = accounts.coach_by_id(con, client.coach_id)
    if not coach.active or not coach.email:
        return
    label = compose.client_label(client.id, client.name)
    url = compose.dashboard_url(ctx.settings.base_url, client.id)
    emails = []
    flag_id = safety_store.contact_flag_of(con, checkin_id) if answers.contact_request else None
    if flag_id is not None:
        content = compose.contact_request(lang=coach.lang, coach_name=coach.name, client_label=label,
                                          checkin_at=submitted_at, tz=coach.tz, dashboard_url=url)
        emails.append(new_email(due.contact_key(flag_id), "contact", coach.email, content, coach.lang,
                                secret_key=ctx.settings.secret_key, client_id=client.id, coach_id=coach.id))
    if concern_id is not None:
        content = compose.concern(lang=coach.lang, coach_name=coach.name, client_label=label, checkin_at=submitted_at,
                                  tz=coach.tz, contact_request=answers.contact_request,
                                  response_working_days=ctx.settings.safety.response_working_days, dashboard_url=url)
        emails.append(new_email(due.concern_key(checkin_id), "concern", coach.email, content, coach.lang,
                                secret_key=ctx.settings.secret_key, client_id=client.id, coach_id=coach.id))
    if emails:
        outbox.enqueue(con, emails, now)


@use_case(Action.CHECKIN_SUBMITTED, Action.CHECKIN_EDITED, Action.CHECKIN_RESUBMITTED, Action.CHECKIN_LINK_REFUSED)
def submit(ctx: Context, token: str, answers: CheckinAnswers, *, now: datetime, lang: str | None = None) -> Submitted:
    """Store the answers for the link's period in one transaction: a new check-in, or a change to the
    period's check-in. Detection for the client is refreshed, the language the client sent in (`lang`)
    is remembered, and a contact request or a concern queues the coach's email, all in the same
    transaction."""
    instrument = ctx.instrument
    answers = clean_answers(instrument, answers.items, answers.contact_request, answers.note)
    if answers.is_empty:
        raise InvalidValue("nothing to send: no answers, no contact request and no note", "empty")
    if lang is not None and lang not in LANGS:
        raise InvalidValue(f"language: {lang!r} is not one of {', '.join(LANGS)}", "lang")
    secret_key = ctx.settings.require_secret_key()
    found_concern = safety.concern(score_answers(answers.items, instrument), ctx.settings.safety)
    looked_up = _look_up(ctx, token, now, secret_key)
    if isinstance(looked_up, _Refused):
        _refuse(ctx, looked_up, now, "submit")
        return Submitted(looked_up.status, lang=_lang(looked_up))
    with ctx.db.write() as con:
        found = _find(con, token, now, secret_key)
        if isinstance(found, _Refused):
            _refuse_in(con, found, now, "submit")
            return Submitted(found.status, lang=_lang(found))
        client, period = found.client, found.period
        actor = Actor.client(client.id)
        chosen = lang if lang is not None and lang != client.lang else None
        if chosen is not None:
            safety_store.record_language(con, client.id, chosen, now)
        # Recorded only when they apply: the language the client switched to, and a concern.
        told: dict[str, object] = {"lang": chosen} if chosen else {}
        if found_concern is not None:
            told["concern"] = True
        existing = store.checkin_of_period(con, period)
        changed: list[str] = []
        if existing is None:
            # Whole seconds, as every other source records check-ins (and as flags name their moment).
            submitted_at = now.replace(microsecond=0)
            checkin_id = _store_new(con, instrument, client.id, answers, submitted_at)
            store.attach_to_period(con, checkin_id, period.id)
            status = "saved"
            audit.record(con, now, actor, Action.CHECKIN_SUBMITTED, client.id, period=period.id,
                         checkin=checkin_id, answered=len(answers.answered), skipped=len(answers.skipped),
                         contact_request=answers.contact_request, **told)
        else:
            checkin_id = existing
            if period.checkin_id is None:
                store.attach_to_period(con, checkin_id, period.id)
            stored = store.stored_checkin(con, checkin_id)
            submitted_at = stored.submitted_at
            changed = _changes(stored, answers)
            if changed:
                revision = store.record_revision(con, stored, now)
                store.replace_answers(con, checkin_id, instrument, answers=answers.items,
                                      contact_request=answers.contact_request, note=answers.note,
                                      scores=score_answers(answers.items, instrument), now=now)
                status = "edited"
                audit.record(con, now, actor, Action.CHECKIN_EDITED, client.id, period=period.id,
                             checkin=checkin_id, revision=revision, changed=changed, **told)
            else:
                status = "unchanged"
                audit.record(con, now, actor, Action.CHECKIN_RESUBMITTED, client.id, period=period.id,
                             checkin=checkin_id, **told)
        concern_id = None
        if status != "unchanged":
            derived.refresh(con, [client.id], instrument, ctx.settings.detection, now,
                            recovery=ctx.settings.recovery)
            if found_concern is not None:
                concern_id = safety_store.raise_concern(
                    con, client_id=client.id, checkin_id=checkin_id, checkin_at=submitted_at,
                    evidence=found_concern.evidence(ctx.settings.safety), now=now)
            _alert_coach(con, ctx, client, checkin_id, submitted_at, answers, concern_id, now)
        link_store.mark_used(con, token, now)
        trend = store.core_series(con, client.id, TREND_POINTS) if client.show_trend else None
    return Submitted(status, checkin_id=checkin_id, lang=chosen or client.lang, tz=client.tz,
                     closes_at=period.closes_at, submitted_at=submitted_at,
                     contact_request=answers.contact_request, concern=found_concern is not None, trend=trend,
                     changed=changed)
