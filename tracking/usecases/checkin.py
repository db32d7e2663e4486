"""The client's side of a check-in: open a personal link, then submit or change that period's answers.

Each function is one unit of work on the database. The link is checked again inside every unit, so a
link revoked or a window closed between opening and sending is refused at the moment it matters.

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

from tracking import links, validate
from tracking.audit import Action
from tracking.context import Actor, Context
from tracking.errors import InvalidValue, NotFound
from tracking.instrument import Instrument
from tracking.models import Client, Viewer
from tracking.scoring import score_answers
from tracking.store import audit, checkins, clients, derived, periods
from tracking.store import links as link_store
from tracking.store import submissions as store
from tracking.store.contract import StoreConnection
from tracking.store.periods import Period
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
    trend: list[dict] | None = None  # the client's core indicators over time, when the coach enabled it
    changed: list[str] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        return self.status in ("saved", "edited", "unchanged")


@dataclass(frozen=True)
class _Found:
    status: str
    token_status: str
    client: Client | None = None
    period: Period | None = None


def _find(con, token: str, now: datetime, secret_key: str) -> _Found:
    resolution = link_store.resolve(con, token, "checkin", now, secret_key)
    if resolution.status in ("tampered", "unknown") or resolution.client_id is None:
        return _Found(resolution.status, resolution.status)
    period = periods.get_period(con, resolution.period_id) if resolution.period_id is not None else None
    try:
        client = clients.get_client(con, resolution.client_id, Viewer.operator())
    except NotFound:
        return _Found("unknown", resolution.status)
    if period is None or period.client_id != client.id:
        return _Found("unknown", resolution.status)
    if client.status == "ended":
        return _Found("ended", resolution.status, client, period)
    if now >= period.closes_at:
        # However the link stands, what helps the client is knowing that this check-in has passed.
        return _Found("closed", resolution.status, client, period)
    status = "open" if resolution.status == "ok" else resolution.status
    return _Found(status, resolution.status, client, period)


def _refuse(ctx: Context, found: _Found, now: datetime, during: str) -> None:
    client_id = found.client.id if found.client else None
    refusals.note(ctx, now, Action.CHECKIN_LINK_REFUSED, client_id=client_id, status=found.status,
                  link=found.token_status, during=during)


def _refuse_in(con: StoreConnection, found: _Found, now: datetime, during: str) -> None:
    """A link that stopped working between the read and the write (rare, and only with a real link):
    recorded at once, in the unit of work that found it."""
    client_id = found.client.id if found.client else None
    audit.record(con, now, Actor.anonymous(), Action.CHECKIN_LINK_REFUSED, client_id, status=found.status,
                 link=found.token_status, during=during)


def _lang(found: _Found) -> str | None:
    """The language of a refusal: the client's, where the link's own client is told about it."""
    return found.client.lang if found.status in ("closed", "ended") and found.client else None


def _look_up(ctx: Context, token: str, now: datetime, secret_key: str) -> _Found:
    """What the link is, with no database work for a made-up one and only a read for the rest."""
    if not links.is_signed(token, "checkin", secret_key):
        return _Found("tampered", "tampered")
    with ctx.db.read() as con:
        return _find(con, token, now, secret_key)


@use_case(Action.CHECKIN_LINK_OPENED, Action.CHECKIN_LINK_REFUSED)
def open_link(ctx: Context, token: str, *, now: datetime) -> Opened:
    """What the link `token` opens now; records the opening (or counts the refusal) in the audit log."""
    secret_key = ctx.settings.require_secret_key()
    found = _look_up(ctx, token, now, secret_key)
    if found.status != "open":
        _refuse(ctx, found, now, "open")
        return Opened(found.status, lang=_lang(found))
    with ctx.db.write() as con:
        found = _find(con, token, now, secret_key)
        if found.status != "open":
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


def _store_new(con, instrument: Instrument, client_id: str, answers: CheckinAnswers,
               submitted_at: datetime) -> int:
    frame = checkins.frame_from_rows(
        [{"client_id": client_id, "submitted_at": submitted_at, "answers": answers.items,
          "contact_request": answers.contact_request, "note": answers.note}],
        instrument,
    )
    con.register("link_checkin", frame)
    try:
        result = checkins.ingest(con, "link_checkin", instrument, source="link", now=submitted_at)
    finally:
        con.unregister("link_checkin")
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


@use_case(Action.CHECKIN_SUBMITTED, Action.CHECKIN_EDITED, Action.CHECKIN_RESUBMITTED, Action.CHECKIN_LINK_REFUSED)
def submit(ctx: Context, token: str, answers: CheckinAnswers, *, now: datetime) -> Submitted:
    """Store the answers for the link's period in one transaction: a new check-in, or a change to the
    period's check-in. Detection for the client is refreshed in the same transaction."""
    instrument = ctx.instrument
    answers = clean_answers(instrument, answers.items, answers.contact_request, answers.note)
    if answers.is_empty:
        raise InvalidValue("nothing to send: no answers, no contact request and no note", "empty")
    secret_key = ctx.settings.require_secret_key()
    found = _look_up(ctx, token, now, secret_key)
    if found.status != "open":
        _refuse(ctx, found, now, "submit")
        return Submitted(found.status, lang=_lang(found))
    with ctx.db.write() as con:
        found = _find(con, token, now, secret_key)
        if found.status != "open":
            _refuse_in(con, found, now, "submit")
            return Submitted(found.status, lang=_lang(found))
        client, period = found.client, found.period
        actor = Actor.client(client.id)
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
                         contact_request=answers.contact_request)
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
                             checkin=checkin_id, revision=revision, changed=changed)
            else:
                status = "unchanged"
                audit.record(con, now, actor, Action.CHECKIN_RESUBMITTED, client.id, period=period.id,
                             checkin=checkin_id)
        if status != "unchanged":
            derived.refresh(con, [client.id], instrument, ctx.settings.detection, now)
        link_store.mark_used(con, token, now)
        trend = store.core_series(con, client.id, TREND_POINTS) if client.show_trend else None
    return Submitted(status, checkin_id=checkin_id, lang=client.lang, tz=client.tz,
                     closes_at=period.closes_at, submitted_at=submitted_at,
                     contact_request=answers.contact_request, trend=trend, changed=changed)
