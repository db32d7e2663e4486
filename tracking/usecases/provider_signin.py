"""Signing in through the practice's OpenID Connect provider: admitting an identity, refusing one,
and signing out. The provider says who someone is (`tracking.oidc`); Koers decides, on every
interaction, whether that is an active coach, and records each provider sign-in so that signing out,
idling or being deactivated ends it in every tab, however long the provider's cookie lives."""

from __future__ import annotations

from datetime import datetime, timedelta

from tracking import oidc
from tracking.audit import Action
from tracking.context import Actor, ActorKind, Context
from tracking.errors import NotFound
from tracking.models import Coach
from tracking.store import accounts, audit, provider_sessions
from tracking.usecases import use_case


def _coach_with_email(con: object, email: str | None) -> Coach | None:
    if email is None:
        return None
    try:
        return accounts.coach_by_email(con, email)  # type: ignore[arg-type]
    except NotFound:
        return None


@use_case(Action.SIGN_IN)
def admit(ctx: Context, who: oidc.Identity, *, client_id: str, now: datetime) -> oidc.Admission:
    """Whether the identity signs in as a coach now; the first interaction of a provider sign-in is
    recorded as a sign-in, and activity at most once a minute."""
    settings = ctx.settings
    with ctx.db.read() as con:
        coach = _coach_with_email(con, who.email)
        session = provider_sessions.find(con, who.session_key)
    admission = oidc.admit(who, coach, session, client_id=client_id, now=now,
                           max_age=timedelta(hours=settings.oidc_max_age_hours),
                           idle=timedelta(minutes=settings.session_minutes))
    if admission.coach is not None and admission.refused is None and oidc.needs_touch(session, now):
        with ctx.db.write() as con:
            if provider_sessions.touch(con, who.session_key, admission.coach.id, now):
                audit.record(con, now, Actor.coach(admission.coach), Action.SIGN_IN, method="oidc")
    return admission


@use_case(Action.SIGN_IN_REFUSED)
def refuse(ctx: Context, who: oidc.Identity | None, admission: oidc.Admission, *, now: datetime) -> None:
    """Keep an identity out: end its provider sign-in where Koers ended it (idle, deactivated), and
    record the refusal (a sign-in that had already ended is no new attempt)."""
    key = who.session_key if who else ""
    email = who.email if who else None
    coach = admission.coach
    with ctx.db.write() as con:
        if coach is not None and admission.refused in ("idle", "inactive"):
            provider_sessions.end(con, key, coach.id, now, admission.refused)
        if admission.refused not in ("ended", "idle"):
            actor = Actor.coach(coach) if coach is not None else Actor.anonymous()
            detail: dict[str, str | None] = {"method": "oidc", "reason": admission.refused}
            if coach is None and email:
                detail["email_domain"] = email.rpartition("@")[2][:64]
            audit.record(con, now, actor, Action.SIGN_IN_REFUSED, **detail)


@use_case(Action.SIGN_OUT)
def sign_out(ctx: Context, session_key: str, *, now: datetime) -> None:
    """End this browser's provider sign-in: every tab with it is signed out at its next interaction."""
    with ctx.db.write() as con:
        session = provider_sessions.find(con, session_key)
        if session is not None and session.ended_at is None:
            provider_sessions.end(con, session_key, session.coach_id, now, "signed_out")
            audit.record(con, now, Actor(ActorKind.COACH, coach_id=session.coach_id), Action.SIGN_OUT,
                         method="oidc")
