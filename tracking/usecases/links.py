"""A fresh personal check-in link that works now, for a coach to copy or to have emailed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking import links
from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, Context
from tracking.errors import InvalidValue
from tracking.mail import compose, due
from tracking.mail.outbox import new_email
from tracking.models import Client
from tracking.schedule import window_close
from tracking.store import StoreConnection, audit, clients, outbox, periods
from tracking.store import due as due_store
from tracking.store import links as link_store
from tracking.store.periods import Period
from tracking.usecases import use_case


def period_for_link(con: StoreConnection, client: Client, now: datetime, window_days: int) -> Period:
    """The period a fresh link opens: the one whose window is open now, or else an extra check-in
    opened now that closes like a weekly one."""
    period = periods.open_period(con, client.id, now)
    if period is None:
        closes = window_close(now, client.tz, window_days)
        period, _created = periods.ensure_period(con, client.id, "extra", now, closes, now)
    return period


@dataclass(frozen=True)
class FreshLink:
    client: Client
    period: Period
    url: str


def _fresh_link(con: StoreConnection, ctx: Context, actor: Actor, client_id: str, now: datetime) -> FreshLink:
    """Issue the link; every earlier link to the same period stops working."""
    secret_key = ctx.settings.require_secret_key()
    client = clients.get_client(con, client_id, actor.viewer)
    period = period_for_link(con, client, now, ctx.settings.window_days)
    token = link_store.issue(con, purpose="checkin", client_id=client.id, period_id=period.id,
                             expires_at=period.closes_at, now=now, secret_key=secret_key)
    return FreshLink(client, period, links.url(ctx.settings.base_url, "checkin", token))


@use_case(Action.LINK_ISSUED)
def fresh_checkin_link(ctx: Context, actor: Actor, client_id: str, *, now: datetime | None = None) -> FreshLink:
    """A personal check-in link that works now: for the period whose window is open, or else an
    extra check-in opened now. It expires when that window closes."""
    now = now or utcnow()
    ctx.settings.require_secret_key()
    with ctx.db.write() as con:
        fresh = _fresh_link(con, ctx, actor, client_id, now)
        audit.record(con, now, actor, Action.LINK_ISSUED, fresh.client.id, period=fresh.period.id,
                     kind=fresh.period.kind)
    return fresh


@dataclass(frozen=True)
class LinkEmail:
    outbox_id: int | None  # None when the same request was queued already (a double click)
    period: Period
    recipient: str


@use_case(Action.LINK_EMAILED)
def email_fresh_link(ctx: Context, actor: Actor, client_id: str, *, now: datetime | None = None) -> LinkEmail:
    """Queue an email with a fresh personal check-in link (as `fresh_checkin_link`) and a pause link;
    the scheduler sends it within a minute."""
    now = now or utcnow()
    secret_key = ctx.settings.require_secret_key()
    with ctx.db.write() as con:
        client = clients.get_client(con, client_id, actor.viewer)
        if not client.email:
            raise InvalidValue(f"client {client.id} has no email address", "email")
        fresh = _fresh_link(con, ctx, actor, client.id, now)
        pause_token = link_store.issue(con, purpose="pause", client_id=client.id, period_id=None,
                                       expires_at=links.pause_expiry(now), now=now, secret_key=secret_key)
        coach = due_store.coaches_by_id(con, [client.coach_id]).get(client.coach_id) if client.coach_id else None
        content = compose.checkin_invitation(
            kind="link", lang=client.lang, name=client.name, url=fresh.url, closes_at=fresh.period.closes_at,
            tz=client.tz, coach_name=coach.name if coach else None,
            pause_url=links.url(ctx.settings.base_url, "pause", pause_token),
        )
        key = due.link_key(client.id, fresh.period.id, now)
        added = outbox.enqueue(con, [new_email(key, "link", client.email, content, client.lang, secret_key=secret_key,
                                               client_id=client.id, period_id=fresh.period.id)], now)
        audit.record(con, now, actor, Action.LINK_EMAILED, client.id, period=fresh.period.id, kind=fresh.period.kind)
    return LinkEmail(added.get(key), fresh.period, client.email)
