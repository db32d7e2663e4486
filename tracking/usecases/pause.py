"""A client pausing their reminders with the one-click link in an email.

Opening the link changes nothing; the client confirms first. Then the client's status becomes
`paused` (nothing else: check-in links keep working), the audit log records it and the coach gets
an email. A link that does not work is counted (without the token, in aggregate:
`tracking.usecases.refusals`) and reveals nothing about anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking import links
from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, Context
from tracking.errors import NotFound
from tracking.mail import compose, due
from tracking.mail.outbox import new_email
from tracking.models import Client, Viewer
from tracking.store import StoreConnection, audit, clients, outbox
from tracking.store import due as due_store
from tracking.store import links as link_store
from tracking.store.due import CoachRecipient
from tracking.usecases import refusals, use_case


@dataclass(frozen=True)
class PauseLink:
    """What a pause link opens. `status`: ok, paused (done just now), already (was paused), bad."""

    status: str
    lang: str | None = None
    coach_name: str | None = None


def _resolve(con: StoreConnection, token: str, now: datetime, secret_key: str) -> tuple[str, Client | None]:
    resolution = link_store.resolve(con, token, "pause", now, secret_key)
    if resolution.status != "ok" or resolution.client_id is None:
        return resolution.status, None
    try:
        return "ok", clients.get_client(con, resolution.client_id, Viewer.operator())
    except NotFound:
        return "unknown", None


def _coach_of(con: StoreConnection, client: Client) -> CoachRecipient | None:
    if client.coach_id is None:
        return None
    return due_store.coaches_by_id(con, [client.coach_id]).get(client.coach_id)


@use_case(Action.PAUSE_LINK_REFUSED)
def open_pause_link(ctx: Context, token: str, *, now: datetime | None = None) -> PauseLink:
    """What the pause page shows before the client confirms; it writes nothing (a link that does not
    work is counted with the other refusals)."""
    now = now or utcnow()
    secret_key = ctx.settings.require_secret_key()
    if not links.is_signed(token, "pause", secret_key):
        refusals.note(ctx, now, Action.PAUSE_LINK_REFUSED, status="tampered", during="open")
        return PauseLink("bad")
    with ctx.db.read() as con:
        status, client = _resolve(con, token, now, secret_key)
        coach = _coach_of(con, client) if client else None
    if client is None:
        refusals.note(ctx, now, Action.PAUSE_LINK_REFUSED, status=status, during="open")
        return PauseLink("bad")
    return PauseLink("ok" if client.status == "active" else "already", client.lang, coach.name if coach else None)


@use_case(Action.REMINDERS_PAUSED, Action.PAUSE_LINK_REFUSED)
def pause_reminders(ctx: Context, token: str, *, now: datetime | None = None) -> PauseLink:
    """The client confirmed: pause their reminders, record it, and queue an email to the coach."""
    now = now or utcnow()
    secret_key = ctx.settings.require_secret_key()
    if not links.is_signed(token, "pause", secret_key):
        refusals.note(ctx, now, Action.PAUSE_LINK_REFUSED, status="tampered", during="confirm")
        return PauseLink("bad")
    with ctx.db.write() as con:
        status, client = _resolve(con, token, now, secret_key)
        if client is None:
            audit.record(con, now, Actor.anonymous(), Action.PAUSE_LINK_REFUSED, None, status=status,
                         during="confirm")
            return PauseLink("bad")
        coach = _coach_of(con, client)
        coach_name = coach.name if coach else None
        if client.status != "active":
            return PauseLink("already", client.lang, coach_name)
        clients.update_client(con, client.id, Viewer.operator(), now, status="paused")
        link_store.mark_used(con, token, now)
        audit.record(con, now, Actor.client(client.id), Action.REMINDERS_PAUSED, client.id, via="pause_link")
        if coach and coach.email:
            content = compose.paused(lang=coach.lang, coach_name=coach.name,
                                     client_label=compose.client_label(client.id, client.name), paused_at=now,
                                     tz=coach.tz, dashboard_url=compose.dashboard_url(ctx.settings.base_url, client.id))
            outbox.enqueue(con, [new_email(due.paused_key(client.id, now), "paused", coach.email, content,
                                           coach.lang, secret_key=secret_key, client_id=client.id,
                                           coach_id=client.coach_id)], now)
    return PauseLink("paused", client.lang, coach_name)
