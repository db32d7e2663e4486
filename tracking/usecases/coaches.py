"""Coach and admin accounts: adding and managing them (admins), a coach's own account, and signing in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking import auth, sealed, validate
from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, ActorKind, Context
from tracking.errors import InvalidValue, NotFound, SettingsError
from tracking.models import Coach
from tracking.passwords import hash_password
from tracking.store import StoreConnection, accounts, attempts, audit, coach_sessions, provider_sessions
from tracking.usecases import checks, refusals, use_case


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
    """Deactivate a coach (they can no longer sign in, every session of theirs ends at its next
    interaction; their clients stay) or activate them again."""
    now = now or utcnow()
    with ctx.db.write() as con:
        coach = _other_coach(con, actor, coach_id)
        accounts.set_active(con, coach.id, active)
        if not active:
            _end_sessions(con, coach.id, now, "inactive")
        audit.record(con, now, actor, Action.COACH_ACTIVE, coach=coach.email, active=active)


@use_case(Action.COACH_ADMIN)
def set_coach_admin(ctx: Context, actor: Actor, coach_id: int, is_admin: bool, *,
                    now: datetime | None = None) -> None:
    now = now or utcnow()
    with ctx.db.write() as con:
        coach = _other_coach(con, actor, coach_id)
        accounts.set_admin(con, coach.id, is_admin)
        audit.record(con, now, actor, Action.COACH_ADMIN, coach=coach.email, admin=is_admin)


def _end_sessions(con: StoreConnection, coach_id: int, now: datetime, reason: str,
                  keep_provider_session: str | None = None) -> int:
    """Every session of the coach ends at its next interaction: password sessions by the new
    generation, sign-ins through the provider by ending their records. Returns the new generation."""
    provider_sessions.end_for_coach(con, coach_id, now, reason, keep=keep_provider_session)
    return coach_sessions.next_generation(con, coach_id)


@use_case(Action.COACH_UNLOCK)
def unlock_coach(ctx: Context, actor: Actor, coach_id: int, *, now: datetime | None = None) -> None:
    """Lift a lock-out after too many wrong passwords or codes."""
    _admin(actor)
    now = now or utcnow()
    with ctx.db.write() as con:
        coach = accounts.coach_by_id(con, coach_id)
        attempts.clear(con, list(checks.attempt_keys(ctx, coach.email).values()))
        audit.record(con, now, actor, Action.COACH_UNLOCK, coach=coach.email)


@use_case(Action.COACH_PASSWORD_RESET)
def reset_password(ctx: Context, actor: Actor, coach_id: int, password: str, *,
                   now: datetime | None = None) -> None:
    """An admin sets a new password for a coach (who forgot theirs): the lock is lifted and every
    session of the coach ends. A second factor that no longer opens (KOERS_SECRET_KEY changed) is
    turned off, so the coach can sign in and enrol again."""
    _admin(actor)
    now = now or utcnow()
    new_hash = hash_password(password)
    with ctx.db.write() as con:
        coach = accounts.coach_by_id(con, coach_id)
        credentials = accounts.credentials_by_id(con, coach.id)
        broken = credentials is not None and not _opens(ctx, credentials.totp_secret)
        accounts.set_password_hash(con, coach.id, new_hash)
        if broken:
            accounts.set_totp_secret(con, coach.id, None)
        attempts.clear(con, list(checks.attempt_keys(ctx, coach.email).values()))
        _end_sessions(con, coach.id, now, "password_reset")
        audit.record(con, now, actor, Action.COACH_PASSWORD_RESET, coach=coach.email,
                     **({"second_factor": "removed: it no longer opens"} if broken else {}))


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


def _failed(ctx: Context, turn: checks.Turn, now: datetime, actor: Actor, **detail: str) -> auth.Outcome:
    """A check that failed at sign-in: counted in aggregate; the lock-out it caused is recorded at once."""
    if turn.locked_until is None:
        refusals.note(ctx, now, Action.SIGN_IN_FAILED, actor=actor, step=turn.key.partition(":")[0], **detail)
        return auth.Outcome("wrong")
    with ctx.db.write() as con:
        audit.record(con, now, actor, Action.SIGN_IN_LOCKED, **checks.lock_detail(turn), **detail)
    return auth.Outcome("locked", locked_until=turn.locked_until)


def _refused(ctx: Context, turn: checks.Turn, now: datetime, actor: Actor, **detail: str) -> auth.Outcome:
    refusals.note(ctx, now, Action.SIGN_IN_FAILED, actor=actor, step=turn.key.partition(":")[0], reason="locked",
                  **detail)
    return auth.Outcome("locked", locked_until=turn.locked_until)


def _who(coach: Coach | None, email: str) -> tuple[Actor, dict[str, str]]:
    """How the audit log names an attempt: the coach whose account it was, or, for an address without an
    account, nobody, with only the address's domain."""
    if coach is not None:
        return Actor.coach(coach), {}
    return Actor.anonymous(), {"email_domain": auth.normalised_email(email).rpartition("@")[2][:64]}


def _signed_in(con: StoreConnection, coach: Coach, keys: list[str], now: datetime,
               **detail: str) -> auth.Outcome:
    attempts.clear(con, keys)
    audit.record(con, now, Actor.coach(coach), Action.SIGN_IN, **detail)
    return auth.Outcome("ok", coach, generation=coach_sessions.generation(con, coach.id))


@use_case(Action.SIGN_IN, Action.SIGN_IN_FAILED, Action.SIGN_IN_LOCKED)
def sign_in_with_password(ctx: Context, email: str, password: str, *, now: datetime | None = None) -> auth.Outcome:
    """The first step of signing in. `totp_needed`: the account has a second factor (see `sign_in_with_totp`).

    Any address, with or without an account, gets the same answers, the same lock and the same work."""
    now = now or utcnow()
    address = auth.normalised_email(email)
    with ctx.db.read() as con:
        found = accounts.credentials(con, address)
    coach = found.coach if found is not None and found.coach.active else None
    actor, detail = _who(coach, address)
    turn = checks.take_turn(ctx, checks.attempt_keys(ctx, address)["password"], now)
    if not turn.allowed:
        return _refused(ctx, turn, now, actor, **detail)
    right = auth.check_password(found, password or "")  # the same work for any address
    if coach is None or found is None or not right:
        return _failed(ctx, turn, now, actor, **detail)
    with ctx.db.write() as con:
        if found.totp_secret:
            attempts.clear(con, [turn.key])
            return auth.Outcome("totp_needed", coach)
        return _signed_in(con, coach, [turn.key], now)


def _totp_secret(ctx: Context, found: auth.Credentials) -> str | None:
    try:
        return auth.open_totp_secret(ctx.settings.require_secret_key(), found.totp_secret)
    except sealed.SealBroken:
        raise SettingsError("the second factor of this account was sealed with another KOERS_SECRET_KEY; ask an "
                            "administrator to set a new password, which turns it off") from None


def _opens(ctx: Context, stored: str | None) -> bool:
    try:
        auth.open_totp_secret(ctx.settings.require_secret_key(), stored)
    except sealed.SealBroken:
        return False
    return True


@use_case(Action.SIGN_IN, Action.SIGN_IN_FAILED, Action.SIGN_IN_LOCKED)
def sign_in_with_totp(ctx: Context, coach_id: int, code: str, *, now: datetime | None = None) -> auth.Outcome:
    """The second step, after the password: the code of the coach's authenticator app, which works once."""
    now = now or utcnow()
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, coach_id)
    if found is None:
        raise NotFound(f"no coach with id {coach_id}")
    actor = Actor.coach(found.coach)
    turn = checks.take_turn(ctx, checks.attempt_keys(ctx, found.coach.email)["totp"], now)
    if not turn.allowed:
        return _refused(ctx, turn, now, actor)
    secret = _totp_secret(ctx, found)
    step = auth.totp_step(secret, code or "", now) if secret and found.coach.active else None
    if step is not None:
        with ctx.db.write() as con:
            if coach_sessions.use_totp_step(con, coach_id, step):
                if secret and not sealed.is_sealed(found.totp_secret):  # enrolled before secrets were sealed
                    accounts.set_totp_secret(con, coach_id,
                                             auth.seal_totp_secret(ctx.settings.require_secret_key(), secret))
                return _signed_in(con, found.coach, [turn.key], now)
        return _failed(ctx, turn, now, actor, reason="used_before")
    return _failed(ctx, turn, now, actor)


@dataclass(frozen=True)
class PasswordChanged:
    generation: int  # the coach's new sign-in generation: this session's, every other one has ended


@use_case(Action.PASSWORD_CHANGE, Action.PASSWORD_CHANGE_FAILED)
def change_password(ctx: Context, actor: Actor, current: str, new: str, again: str, *,
                    keep_provider_session: str | None = None, now: datetime | None = None) -> PasswordChanged:
    """A coach changes their own password: the current one first (counted and locked like signing in),
    the new one twice. Every other session of the coach ends; `keep_provider_session` is this one when
    it came through the practice's provider."""
    coach_id = _own(actor)
    now = now or utcnow()
    if new != again:
        raise InvalidValue("password: the two new passwords differ", "password_mismatch")
    new_hash = hash_password(new)
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, coach_id)
    if found is None:
        raise NotFound("sign in as a coach first")
    turn = checks.take_turn(ctx, checks.attempt_keys(ctx, found.coach.email)["password"], now)
    if not turn.allowed or not auth.check_password(found, current or ""):
        with ctx.db.write() as con:
            audit.record(con, now, actor, Action.PASSWORD_CHANGE_FAILED, **checks.lock_detail(turn))
        if turn.locked_until is not None:
            raise InvalidValue("password: too many wrong passwords; try again later", "password_locked")
        raise InvalidValue("password: the current password is not right", "password_current")
    with ctx.db.write() as con:
        accounts.set_password_hash(con, coach_id, new_hash)
        attempts.clear(con, [turn.key])
        generation = _end_sessions(con, coach_id, now, "password_changed", keep_provider_session)
        audit.record(con, now, actor, Action.PASSWORD_CHANGE)
    return PasswordChanged(generation)


@use_case(Action.TOTP_ENABLE)
def enable_totp(ctx: Context, actor: Actor, secret: str, code: str, *, now: datetime | None = None) -> None:
    """Turn on the second factor with a secret the coach's app now holds, proven by a current code.
    The secret is stored sealed with a key derived from KOERS_SECRET_KEY; the code is used up."""
    coach_id = _own(actor)
    now = now or utcnow()
    step = auth.totp_step(secret, code, now)
    if step is None:
        raise InvalidValue("code: not the current code of the authenticator app", "totp")
    sealed_secret = auth.seal_totp_secret(ctx.settings.require_secret_key(), secret)
    with ctx.db.write() as con:
        accounts.set_totp_secret(con, coach_id, sealed_secret)
        coach_sessions.use_totp_step(con, coach_id, step)
        audit.record(con, now, actor, Action.TOTP_ENABLE)


@use_case(Action.TOTP_DISABLE, Action.TOTP_DISABLE_FAILED)
def disable_totp(ctx: Context, actor: Actor, code: str, *, now: datetime | None = None) -> None:
    """Turn off the second factor; needs a current code, counted and locked like the sign-in step."""
    coach_id = _own(actor)
    now = now or utcnow()
    with ctx.db.read() as con:
        found = accounts.credentials_by_id(con, coach_id)
    if found is None or not found.totp_secret:
        raise InvalidValue("code: the second factor is not on", "totp")
    turn = checks.take_turn(ctx, checks.attempt_keys(ctx, found.coach.email)["totp"], now)
    secret = _totp_secret(ctx, found) if turn.allowed else None
    step = auth.totp_step(secret, code, now) if secret else None
    with ctx.db.write() as con:
        if step is not None and coach_sessions.use_totp_step(con, coach_id, step):
            accounts.set_totp_secret(con, coach_id, None)
            attempts.clear(con, [turn.key])
            audit.record(con, now, actor, Action.TOTP_DISABLE)
            return
        audit.record(con, now, actor, Action.TOTP_DISABLE_FAILED, **checks.lock_detail(turn))
    if turn.locked_until is not None:
        raise InvalidValue("code: too many wrong codes; try again later", "totp_locked")
    raise InvalidValue("code: not the current code of the authenticator app", "totp")


@use_case(Action.TOTP_SECRETS_SEALED)
def seal_totp_secrets(ctx: Context, actor: Actor, *, now: datetime | None = None) -> int:
    """Seal the TOTP secrets stored before Koers sealed them (`koers init` does this); returns how many."""
    now = now or utcnow()
    secret_key = ctx.settings.require_secret_key()
    with ctx.db.write() as con:
        plain = {}
        for coach in accounts.list_coaches(con):
            credentials = accounts.credentials_by_id(con, coach.id)
            if credentials is not None and credentials.totp_secret and not sealed.is_sealed(credentials.totp_secret):
                plain[coach.id] = credentials.totp_secret
        for coach_id, secret in plain.items():
            accounts.set_totp_secret(con, coach_id, auth.seal_totp_secret(secret_key, secret))
        if plain:
            audit.record(con, now, actor, Action.TOTP_SECRETS_SEALED, coaches=len(plain))
    return len(plain)


# What the account and admin pages read.

def coach(ctx: Context, coach_id: int) -> Coach:
    with ctx.db.read() as con:
        return accounts.coach_by_id(con, coach_id)


def own_account(ctx: Context, actor: Actor) -> Coach:
    """The signed-in coach's own account."""
    return coach(ctx, _own(actor))


def session_coach(ctx: Context, coach_id: int) -> tuple[Coach, int]:
    """The coach of a session and their sign-in generation: a session of an older one has ended."""
    with ctx.db.read() as con:
        return accounts.coach_by_id(con, coach_id), coach_sessions.generation(con, coach_id)


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


def coach_accounts(ctx: Context, actor: Actor, *, now: datetime | None = None) -> list[CoachAccount]:
    """Every coach, with their second factor and the lock on signing in as them, if any."""
    _admin(actor)
    now = now or utcnow()
    with ctx.db.read() as con:
        found = []
        for listed in accounts.list_coaches(con):
            credentials = accounts.credentials_by_id(con, listed.id)
            locks = [state.locked_until for key in checks.attempt_keys(ctx, listed.email).values()
                     if (state := attempts.current(con, key)).locked(now) and state.locked_until is not None]
            found.append(CoachAccount(listed, bool(credentials and credentials.totp_secret), max(locks, default=None)))
    return found


def audit_entries(ctx: Context, actor: Actor, *, client_id: str | None = None, limit: int = 500) -> list[AuditLine]:
    """The audit log, newest first, with coaches named (admins only)."""
    _admin(actor)
    with ctx.db.read() as con:
        entries = audit.recent(con, limit=limit, client_id=client_id)
        names = {f"coach:{c.id}": f"{c.name} <{c.email}>" for c in accounts.list_coaches(con)}
    return [AuditLine(entry, names.get(entry.actor, entry.actor)) for entry in entries]


@use_case(Action.VIEW_AUDIT_LOG)
def record_audit_log_view(ctx: Context, actor: Actor, shown: int, *, client_id: str | None = None,
                          now: datetime | None = None) -> None:
    """Who read the audit log, and for which client when it was narrowed to one (admins only)."""
    _admin(actor)
    named = client_id if client_id is not None and validate.client_id_problem(client_id) is None else None
    with ctx.db.write() as con:
        audit.record(con, now or utcnow(), actor, Action.VIEW_AUDIT_LOG, named, entries=shown)


@dataclass(frozen=True)
class AuditLine:
    entry: audit.AuditEntry
    who: str  # the coach's name and email, or the actor as recorded
