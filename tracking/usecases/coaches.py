"""Coach and admin accounts: adding and managing them (admins), a coach's own account, and signing in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking import auth, validate
from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, ActorKind, Context
from tracking.errors import InvalidValue, NotFound
from tracking.models import Coach
from tracking.passwords import hash_password, verify_password
from tracking.store import StoreConnection, accounts, audit
from tracking.usecases import use_case


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotFound("only an admin manages coach accounts")


@use_case(Action.COACH_ADD)
def add_coach(ctx: Context, actor: Actor, email: str, name: str, password: str, *, is_admin: bool = False,
              lang: str = "nl", now: datetime | None = None) -> Coach:
    """A new coach (or admin and coach) account that signs in with `email` and `password`."""
    _admin(actor)
    now = now or utcnow()
    values = validate.collect({
        "name": lambda: validate.required_name(name),
        "email": lambda: validate.email(email),
        "lang": lambda: validate.lang(lang),
        "password": lambda: hash_password(password),
    })
    with ctx.db.write() as con:
        created = accounts.add_coach(con, email=str(values["email"]), name=str(values["name"]),
                                     password_hash=str(values["password"]), is_admin=is_admin, now=now,
                                     lang=str(values["lang"]))
        audit.record(con, now, actor, Action.COACH_ADD, coach=created.email, admin=is_admin)
    return created


def _other_coach(con: StoreConnection, actor: Actor, coach_id: int) -> Coach:
    _admin(actor)
    coach = accounts.coach_by_id(con, coach_id)
    if coach.id == actor.coach_id:
        raise InvalidValue("an admin does not change their own role or access", "coach")
    return coach


@use_case(Action.COACH_ACTIVE)
def set_coach_active(ctx: Context, actor: Actor, coach_id: int, active: bool, *,
                     now: datetime | None = None) -> None:
    """Deactivate a coach (they can no longer sign in; their clients stay) or activate them again."""
    now = now or utcnow()
    with ctx.db.write() as con:
        coach = _other_coach(con, actor, coach_id)
        accounts.set_active(con, coach.id, active)
        audit.record(con, now, actor, Action.COACH_ACTIVE, coach=coach.email, active=active)


@use_case(Action.COACH_ADMIN)
def set_coach_admin(ctx: Context, actor: Actor, coach_id: int, is_admin: bool, *,
                    now: datetime | None = None) -> None:
    now = now or utcnow()
    with ctx.db.write() as con:
        coach = _other_coach(con, actor, coach_id)
        accounts.set_admin(con, coach.id, is_admin)
        audit.record(con, now, actor, Action.COACH_ADMIN, coach=coach.email, admin=is_admin)


@use_case(Action.COACH_UNLOCK)
def unlock_coach(ctx: Context, actor: Actor, coach_id: int, *, now: datetime | None = None) -> None:
    """Lift a lock-out after too many wrong passwords."""
    _admin(actor)
    now = now or utcnow()
    with ctx.db.write() as con:
        coach = accounts.coach_by_id(con, coach_id)
        accounts.record_sign_in(con, coach.id)
        audit.record(con, now, actor, Action.COACH_UNLOCK, coach=coach.email)


@use_case(Action.COACH_PASSWORD_RESET)
def reset_password(ctx: Context, actor: Actor, coach_id: int, password: str, *,
                   now: datetime | None = None) -> None:
    """An admin sets a new password for a coach (who forgot theirs)."""
    _admin(actor)
    now = now or utcnow()
    new_hash = hash_password(password)
    with ctx.db.write() as con:
        coach = accounts.coach_by_id(con, coach_id)
        accounts.set_password_hash(con, coach.id, new_hash)
        audit.record(con, now, actor, Action.COACH_PASSWORD_RESET, coach=coach.email)


def _own(actor: Actor) -> int:
    if actor.kind is not ActorKind.COACH or actor.coach_id is None:
        raise NotFound("sign in as a coach first")
    return actor.coach_id


@use_case(Action.ACCOUNT_PREFERENCES)
def set_preferences(ctx: Context, actor: Actor, *, lang: str, digest_weekday: int, digest_time: str, tz: str,
                    now: datetime | None = None) -> Coach:
    """A coach's language and when their weekly digest comes (their own weekday, time and time zone)."""
    coach_id = _own(actor)
    now = now or utcnow()
    values = validate.collect({
        "lang": lambda: validate.lang(lang),
        "time": lambda: validate.clock_time(digest_time),
        "tz": lambda: validate.timezone(tz),
    })
    if not 0 <= int(digest_weekday) <= 6:
        raise InvalidValue(f"weekday: {digest_weekday!r} is not a day of the week (0-6)", "weekday")
    with ctx.db.write() as con:
        accounts.set_lang(con, coach_id, str(values["lang"]))
        accounts.set_digest(con, coach_id, int(digest_weekday), str(values["time"]), str(values["tz"]))
        audit.record(con, now, actor, Action.ACCOUNT_PREFERENCES)
        return accounts.coach_by_id(con, coach_id)


@use_case(Action.PASSWORD_CHANGE)
def change_password(ctx: Context, actor: Actor, current: str, new: str, again: str, *,
                    now: datetime | None = None) -> None:
    """A coach changes their own password: the current one first, the new one twice."""
    coach_id = _own(actor)
    now = now or utcnow()
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, coach_id)
    if found is None or not verify_password(found.password_hash, current):
        raise InvalidValue("password: the current password is not right", "password_current")
    if new != again:
        raise InvalidValue("password: the two new passwords differ", "password_mismatch")
    new_hash = hash_password(new)
    with ctx.db.write() as con:
        accounts.set_password_hash(con, coach_id, new_hash)
        audit.record(con, now, actor, Action.PASSWORD_CHANGE)


@use_case(Action.TOTP_ENABLE)
def enable_totp(ctx: Context, actor: Actor, secret: str, code: str, *, now: datetime | None = None) -> None:
    """Turn on the second factor with a secret the coach's app now holds, proven by a current code."""
    coach_id = _own(actor)
    now = now or utcnow()
    if not auth.verify_totp(secret, code, now):
        raise InvalidValue("code: not the current code of the authenticator app", "totp")
    with ctx.db.write() as con:
        accounts.set_totp_secret(con, coach_id, secret)
        audit.record(con, now, actor, Action.TOTP_ENABLE)


@use_case(Action.TOTP_DISABLE)
def disable_totp(ctx: Context, actor: Actor, code: str, *, now: datetime | None = None) -> None:
    """Turn off the second factor; needs a current code."""
    coach_id = _own(actor)
    now = now or utcnow()
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, coach_id)
    if found is None or not found.totp_secret or not auth.verify_totp(found.totp_secret, code, now):
        raise InvalidValue("code: not the current code of the authenticator app", "totp")
    with ctx.db.write() as con:
        accounts.set_totp_secret(con, coach_id, None)
        audit.record(con, now, actor, Action.TOTP_DISABLE)


def _record_outcome(ctx: Context, outcome: auth.Outcome, email: str, now: datetime) -> None:
    with ctx.db.write() as con:
        if outcome.status == "ok" and outcome.coach is not None:
            accounts.record_sign_in(con, outcome.coach.id)
            audit.record(con, now, Actor.coach(outcome.coach), Action.SIGN_IN)
        elif outcome.coach is not None and outcome.status in ("wrong", "locked"):
            accounts.record_sign_in_failure(con, outcome.coach.id, outcome.failed_logins, outcome.locked_until)
            audit.record(con, now, Actor.coach(outcome.coach), Action.SIGN_IN_FAILED, failed=outcome.failed_logins)
        elif outcome.coach is None:
            audit.record(con, now, Actor.anonymous(), Action.SIGN_IN_FAILED,
                         email_domain=email.rpartition("@")[2][:64])


@use_case(Action.SIGN_IN, Action.SIGN_IN_FAILED)
def sign_in_with_password(ctx: Context, email: str, password: str, *, now: datetime | None = None) -> auth.Outcome:
    """The first step of signing in. `totp_needed`: the account has a second factor (see `sign_in_with_totp`)."""
    now = now or utcnow()
    with ctx.db.read() as con:
        found = accounts.credentials(con, email or "")
    outcome = auth.check_password(found, password or "", now)
    if outcome.status != "totp_needed":
        _record_outcome(ctx, outcome, email or "", now)
    return outcome


@use_case(Action.SIGN_IN, Action.SIGN_IN_FAILED)
def sign_in_with_totp(ctx: Context, coach_id: int, code: str, *, now: datetime | None = None) -> auth.Outcome:
    """The second step, after the password: the code of the coach's authenticator app."""
    now = now or utcnow()
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, coach_id)
    if found is None:
        raise NotFound(f"no coach with id {coach_id}")
    outcome = auth.check_totp(found, code or "", now)
    _record_outcome(ctx, outcome, found.coach.email, now)
    return outcome


# What the account and admin pages read.

def coach(ctx: Context, coach_id: int) -> Coach:
    with ctx.db.read() as con:
        return accounts.coach_by_id(con, coach_id)


def own_account(ctx: Context, actor: Actor) -> Coach:
    """The signed-in coach's own account."""
    return coach(ctx, _own(actor))


def has_totp(ctx: Context, actor: Actor) -> bool:
    """Whether the signed-in coach has turned on the second factor."""
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, _own(actor))
    return bool(found and found.totp_secret)


@dataclass(frozen=True)
class CoachAccount:
    """A coach as the admin's list shows them."""

    coach: Coach
    has_totp: bool
    locked_until: datetime | None


def coach_accounts(ctx: Context, actor: Actor) -> list[CoachAccount]:
    _admin(actor)
    with ctx.db.read() as con:
        found = []
        for listed in accounts.list_coaches(con):
            credentials = accounts.credentials_by_id(con, listed.id)
            found.append(CoachAccount(listed, bool(credentials and credentials.totp_secret),
                                      credentials.locked_until if credentials else None))
    return found


def audit_entries(ctx: Context, actor: Actor, *, client_id: str | None = None, limit: int = 500) -> list[AuditLine]:
    """The audit log, newest first, with coaches named (admins only)."""
    _admin(actor)
    with ctx.db.read() as con:
        entries = audit.recent(con, limit=limit, client_id=client_id)
        names = {f"coach:{c.id}": f"{c.name} <{c.email}>" for c in accounts.list_coaches(con)}
    return [AuditLine(entry, names.get(entry.actor, entry.actor)) for entry in entries]


@dataclass(frozen=True)
class AuditLine:
    entry: audit.AuditEntry
    who: str  # the coach's name and email, or the actor as recorded
