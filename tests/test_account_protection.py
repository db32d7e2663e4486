"""Signing in under attack, through the use cases on a real database (a DuckDB file and PostgreSQL): many
guesses at once, unknown addresses, a code used twice, sessions that outlive a password change, and
secrets that a copy of the database must not give away."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pyotp
import pytest

from tests import factories
from tests.conftest import NOW
from tracking import auth, oidc
from tracking.context import Actor, Context, open_context
from tracking.errors import InvalidValue
from tracking.store import attempts, coach_sessions, provider_sessions
from tracking.usecases import coaches

SECRET = "account-protection-tests-secret-0123456789"
ADA, BO = "ada@example.org", "bo@example.org"
WRONG = "not the password at all"
GUESSERS = 20


@pytest.fixture
def practice(backend) -> Context:
    """Ada (admin) and Bo (coach), on either database."""
    ctx = open_context(backend.settings(secret_key=SECRET))
    factories.coach(ctx, ADA, "Ada", is_admin=True, now=NOW)
    factories.coach(ctx, BO, "Bo", now=NOW)
    return ctx


@pytest.fixture
def checks(monkeypatch) -> Counter[str]:
    """How many passwords Koers checked (each is an Argon2 verification), counted across threads."""
    counted: Counter[str] = Counter()
    lock = threading.Lock()
    real = auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            counted["password"] += 1
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    return counted


def actor(ctx: Context, email: str) -> Actor:
    return Actor.coach(next(c.coach for c in coaches.coach_accounts(ctx, Actor.operator()) if c.coach.email == email))


def at_once(count: int, attempt) -> list:
    """Run `attempt()` in `count` threads released together, as many browser sessions guessing at once."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        start.wait()
        results[index] = attempt()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def counter(ctx: Context, step: str, email: str) -> attempts.Attempts:
    with ctx.db.read() as con:
        return attempts.current(con, auth.attempt_key(SECRET, step, email))


def audit_actions(ctx: Context) -> Counter[str]:
    with ctx.db.read() as con:
        return Counter(action for (action,) in con.execute("SELECT action FROM audit_log").fetchall())


# 1. Parallel guesses.

def test_many_guesses_at_once_check_at_most_five_passwords_and_the_right_one_is_then_refused(practice, checks):
    outcomes = at_once(GUESSERS, lambda: coaches.sign_in_with_password(practice, BO, WRONG, now=NOW).status)
    assert checks["password"] <= auth.FREE_ATTEMPTS
    assert Counter(outcomes)["wrong"] <= auth.FREE_ATTEMPTS - 1
    assert counter(practice, "password", BO).failures == checks["password"]
    right = coaches.sign_in_with_password(practice, BO, factories.PASSWORD, now=NOW + timedelta(seconds=1))
    assert right.status == "locked" and right.coach is None
    assert checks["password"] <= auth.FREE_ATTEMPTS, "a locked account checks nothing"


def test_after_the_lock_one_guess_per_lock_and_the_lock_doubles(practice, checks):
    for _ in range(auth.FREE_ATTEMPTS):
        coaches.sign_in_with_password(practice, BO, WRONG, now=NOW)
    first = counter(practice, "password", BO).locked_until
    assert first == NOW + auth.FIRST_LOCK
    later = first + timedelta(seconds=1)
    assert [coaches.sign_in_with_password(practice, BO, WRONG, now=later).status for _ in range(3)] == ["locked"] * 3
    assert counter(practice, "password", BO).locked_until == later + 2 * auth.FIRST_LOCK
    assert checks["password"] == auth.FREE_ATTEMPTS + 1


def test_the_right_password_before_the_lock_clears_the_count(practice):
    for _ in range(auth.FREE_ATTEMPTS - 1):
        coaches.sign_in_with_password(practice, BO, WRONG, now=NOW)
    assert coaches.sign_in_with_password(practice, BO, factories.PASSWORD, now=NOW).status == "ok"
    assert counter(practice, "password", BO).failures == 0


def test_many_codes_at_once_check_at_most_five_and_the_right_code_is_then_refused(practice):
    secret = pyotp.random_base32()
    bo = actor(practice, BO)
    coaches.enable_totp(practice, bo, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    later = NOW + timedelta(minutes=5)
    right = pyotp.TOTP(secret).at(later)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    outcomes = at_once(GUESSERS, lambda: coaches.sign_in_with_totp(practice, bo.coach_id, wrong, now=later).status)
    assert Counter(outcomes)["wrong"] <= auth.FREE_ATTEMPTS - 1
    assert counter(practice, "totp", BO).failures <= auth.FREE_ATTEMPTS
    assert coaches.sign_in_with_totp(practice, bo.coach_id, right, now=later).status == "locked"


def test_guessing_the_current_password_on_the_account_page_locks_and_is_recorded(practice, checks):
    bo = actor(practice, BO)

    def change() -> str:
        try:
            coaches.change_password(practice, bo, WRONG, "a brand new secret", "a brand new secret", now=NOW)
        except InvalidValue as refused:
            return refused.field or ""
        return "changed"

    fields = at_once(GUESSERS, change)
    assert checks["password"] <= auth.FREE_ATTEMPTS
    assert set(fields) == {"password_current", "password_locked"}
    assert audit_actions(practice)["password_change_failed"] == GUESSERS
    with pytest.raises(InvalidValue) as refused:  # now the right one cannot change it either
        coaches.change_password(practice, bo, factories.PASSWORD, "a brand new secret", "a brand new secret", now=NOW)
    assert refused.value.field == "password_locked"
    assert coaches.sign_in_with_password(practice, BO, factories.PASSWORD, now=NOW).status == "locked"


def test_turning_the_second_factor_off_needs_a_current_code_that_was_not_used(practice):
    secret = pyotp.random_base32()
    bo = actor(practice, BO)
    coaches.enable_totp(practice, bo, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    later = NOW + timedelta(minutes=5)
    for code in ("", "000000" if pyotp.TOTP(secret).at(later) != "000000" else "111111"):
        with pytest.raises(InvalidValue):
            coaches.disable_totp(practice, bo, code, now=later)
    code = pyotp.TOTP(secret).at(later)
    assert coaches.sign_in_with_totp(practice, bo.coach_id, code, now=later).status == "ok"
    with pytest.raises(InvalidValue):  # the same code, used a moment ago to sign in
        coaches.disable_totp(practice, bo, code, now=later)
    assert coaches.has_totp(practice, bo)
    coaches.disable_totp(practice, bo, pyotp.TOTP(secret).at(later + timedelta(seconds=30)),
                         now=later + timedelta(seconds=30))
    assert not coaches.has_totp(practice, bo)
    assert audit_actions(practice)["totp_disable_failed"] == 3


# 2. Unknown addresses.

def test_an_unknown_address_answers_and_locks_exactly_like_a_real_one(practice, checks):
    def attempts_at(email: str) -> list[tuple[str, object]]:
        found = []
        for n in range(auth.FREE_ATTEMPTS + 2):
            outcome = coaches.sign_in_with_password(practice, email, WRONG, now=NOW + timedelta(seconds=n))
            found.append((outcome.status, outcome.locked_until and outcome.locked_until - NOW))
        return found

    real, unknown = attempts_at(BO), attempts_at("nobody@example.org")
    assert real == unknown
    assert real[auth.FREE_ATTEMPTS - 1][0] == "locked"
    assert checks["password"] == 2 * auth.FREE_ATTEMPTS  # the same work for both, and none while locked
    with practice.db.read() as con:
        stored = [key for (key,) in con.execute("SELECT attempt_key FROM sign_in_attempts").fetchall()]
        locked = con.execute("SELECT actor FROM audit_log WHERE action = 'sign_in_locked' ORDER BY id").fetchall()
    assert len(stored) == 2 and not any("example.org" in key for key in stored)
    assert [who for (who,) in locked] == [f"coach:{actor(practice, BO).coach_id}", "anonymous"]


def test_an_admin_lifts_a_lock(practice):
    for _ in range(auth.FREE_ATTEMPTS):
        coaches.sign_in_with_password(practice, BO, WRONG, now=NOW)
    admin = actor(practice, ADA)
    listed = {a.coach.email: a.locked_until for a in coaches.coach_accounts(practice, admin, now=NOW)}
    assert listed[BO] == NOW + auth.FIRST_LOCK and listed[ADA] is None
    coaches.unlock_coach(practice, admin, actor(practice, BO).coach_id, now=NOW)
    assert coaches.sign_in_with_password(practice, BO, factories.PASSWORD, now=NOW).status == "ok"


# 5. A code works once.

def test_a_code_signs_in_once_even_in_two_sessions_at_once(practice):
    secret = pyotp.random_base32()
    bo = actor(practice, BO)
    coaches.enable_totp(practice, bo, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    later = NOW + timedelta(minutes=5)
    code = pyotp.TOTP(secret).at(later)
    outcomes = at_once(2, lambda: coaches.sign_in_with_totp(practice, bo.coach_id, code, now=later).status)
    assert sorted(outcomes) == ["ok", "wrong"]
    again = coaches.sign_in_with_totp(practice, bo.coach_id, code, now=later + timedelta(seconds=20))
    assert again.status == "wrong"
    earlier = pyotp.TOTP(secret).at(later - timedelta(seconds=30))  # still in the window, but older
    assert coaches.sign_in_with_totp(practice, bo.coach_id, earlier, now=later).status == "wrong"
    newer = pyotp.TOTP(secret).at(later + timedelta(seconds=30))
    assert coaches.sign_in_with_totp(practice, bo.coach_id, newer, now=later + timedelta(seconds=30)).status == "ok"


def test_the_code_that_turned_the_second_factor_on_does_not_sign_in(practice):
    secret = pyotp.random_base32()
    bo = actor(practice, BO)
    code = pyotp.TOTP(secret).at(NOW)
    coaches.enable_totp(practice, bo, secret, code, now=NOW)
    assert coaches.sign_in_with_totp(practice, bo.coach_id, code, now=NOW).status == "wrong"


# 6. Sessions end.

def test_a_password_change_ends_every_other_session_but_this_one(practice):
    bo = actor(practice, BO)
    signed_in = coaches.sign_in_with_password(practice, BO, factories.PASSWORD, now=NOW)
    before = signed_in.generation
    with practice.db.write() as con:
        provider_sessions.touch(con, "this-browser", bo.coach_id, NOW)
        provider_sessions.touch(con, "other-browser", bo.coach_id, NOW)
    changed = coaches.change_password(practice, bo, factories.PASSWORD, "a brand new secret", "a brand new secret",
                                      keep_provider_session="this-browser", now=NOW)
    coach, generation = coaches.session_coach(practice, bo.coach_id)
    assert generation == changed.generation != before
    with practice.db.read() as con:
        this, other = provider_sessions.find(con, "this-browser"), provider_sessions.find(con, "other-browser")
    assert this is not None and this.ended_at is None
    assert other is not None and other.end_reason == "password_changed"
    assert oidc.admit(_identity(), coach, other, client_id="koers", now=NOW, max_age=timedelta(hours=8),
                      idle=timedelta(minutes=30)).refused == "ended"


@pytest.mark.parametrize("change", ["reset", "deactivate"])
def test_an_admin_reset_or_deactivation_ends_every_session(practice, change):
    bo, admin = actor(practice, BO), actor(practice, ADA)
    with practice.db.write() as con:
        provider_sessions.touch(con, "a-browser", bo.coach_id, NOW)
        before = coach_sessions.generation(con, bo.coach_id)
    if change == "reset":
        coaches.reset_password(practice, admin, bo.coach_id, "a reset password", now=NOW)
    else:
        coaches.set_coach_active(practice, admin, bo.coach_id, False, now=NOW)
    _coach, generation = coaches.session_coach(practice, bo.coach_id)
    assert generation > before
    with practice.db.read() as con:
        found = provider_sessions.find(con, "a-browser")
    assert found is not None and found.ended_at == NOW


def _identity() -> oidc.Identity:
    return oidc.Identity("https://id.example", "bo-subject", BO, ("koers",), NOW - timedelta(minutes=1), "n")


# 11. Secrets at rest.

def test_a_second_factor_secret_is_stored_sealed(practice):
    secret = pyotp.random_base32()
    bo = actor(practice, BO)
    coaches.enable_totp(practice, bo, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    with practice.db.read() as con:
        (stored,) = con.execute("SELECT totp_secret FROM coaches WHERE email = ?", [BO]).fetchone()
    assert secret not in stored and stored.startswith("sealed.")
    assert auth.open_totp_secret(SECRET, stored) == secret
    with pytest.raises(Exception, match="does not open"):
        auth.open_totp_secret("another-secret-key-0123456789abcdef", stored)


def test_secrets_enrolled_before_sealing_are_sealed_by_init_and_at_the_next_sign_in(practice):
    secret = pyotp.random_base32()
    with practice.db.write() as con:
        con.execute("UPDATE coaches SET totp_secret = ? WHERE email IN (?, ?)", [secret, ADA, BO])
    bo = actor(practice, BO)
    later = NOW + timedelta(minutes=5)
    assert coaches.sign_in_with_totp(practice, bo.coach_id, pyotp.TOTP(secret).at(later), now=later).status == "ok"
    assert coaches.seal_totp_secrets(practice, Actor.operator(), now=later) == 1  # Ada's; Bo's was sealed above
    with practice.db.read() as con:
        stored = [s for (s,) in con.execute("SELECT totp_secret FROM coaches ORDER BY id").fetchall()]
    assert all(s.startswith("sealed.") and auth.open_totp_secret(SECRET, s) == secret for s in stored)
    assert coaches.seal_totp_secrets(practice, Actor.operator(), now=later) == 0


def test_after_the_key_changed_a_second_factor_says_so_and_an_admins_reset_turns_it_off(practice, backend):
    from tracking.errors import SettingsError

    secret = pyotp.random_base32()
    bo = actor(practice, BO)
    coaches.enable_totp(practice, bo, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    new_key = open_context(backend.settings(secret_key="a-new-secret-key-for-koers-0123456789"))
    later = NOW + timedelta(minutes=5)
    assert coaches.sign_in_with_password(new_key, BO, factories.PASSWORD, now=later).status == "totp_needed"
    with pytest.raises(SettingsError, match="ask an administrator to set a new password"):
        coaches.sign_in_with_totp(new_key, bo.coach_id, pyotp.TOTP(secret).at(later), now=later)
    coaches.reset_password(new_key, actor(new_key, ADA), bo.coach_id, "a password from the admin", now=later)
    assert not coaches.has_totp(new_key, bo)
    assert coaches.sign_in_with_password(new_key, BO, "a password from the admin", now=later).status == "ok"
