"""Who the provider's identity signs in as: a verified email of an active coach, for Koers' client id,
recent enough, in a provider session Koers has not ended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW
from tracking import oidc
from tracking.models import Coach
from tracking.settings import load_settings

CLIENT_ID = "koers-at-the-practice"
ADA = Coach(7, "ada@practice.example", "Ada", False, "nl", True)
MAX_AGE = timedelta(hours=12)
IDLE = timedelta(minutes=30)


def claims(**changes) -> dict:
    base = {
        "is_logged_in": True, "iss": "https://login.practice.example", "sub": "ada-1", "aud": CLIENT_ID,
        "email": "Ada@Practice.example", "email_verified": True, "iat": int(NOW.timestamp()) - 60, "nonce": "n-1",
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def admit(who_claims: dict, coach: Coach | None = ADA, session: oidc.ProviderSession | None = None,
          now=NOW) -> oidc.Admission:
    who = oidc.identity(who_claims)
    assert who is not None
    return oidc.admit(who, coach, session, client_id=CLIENT_ID, now=now, max_age=MAX_AGE, idle=IDLE)


def session(**changes) -> oidc.ProviderSession:
    values = {"key": oidc.identity(claims()).session_key, "coach_id": ADA.id, "started_at": NOW - timedelta(hours=1),
              "last_active_at": NOW - timedelta(minutes=5), "ended_at": None, "end_reason": None}
    values.update(changes)
    return oidc.ProviderSession(**values)


@pytest.mark.parametrize("changes,email", [
    ({}, "ada@practice.example"),
    ({"email_verified": "true"}, "ada@practice.example"),
    ({"email_verified": False}, None),
    ({"email_verified": "false"}, None),
    ({"email_verified": None}, None),  # no claim at all, and no Entra ID claim either
    ({"email_verified": None, "xms_edov": True}, "ada@practice.example"),  # Entra ID: domain owner verified
    ({"email_verified": None, "xms_edov": "true"}, "ada@practice.example"),
    ({"email_verified": None, "xms_edov": False}, None),
    ({"email_verified": False, "xms_edov": True}, None),  # an explicit no from the provider wins
    ({"email": None}, None),
    ({"email": "not an address"}, None),
])
def test_only_an_email_the_provider_vouches_for_counts(changes, email):
    assert oidc.verified_email(claims(**changes)) == email


def test_a_verified_email_of_an_active_coach_signs_in():
    assert admit(claims()) == oidc.Admission(ADA)


@pytest.mark.parametrize("changes,coach,refused", [
    ({"aud": "another-app"}, ADA, "audience"),
    ({"email_verified": False}, ADA, "unverified"),
    ({"iat": int((NOW - MAX_AGE - timedelta(seconds=1)).timestamp())}, ADA, "expired"),
    ({"iat": None}, ADA, "expired"),
    ({}, None, "unknown"),
    ({}, Coach(7, "ada@practice.example", "Ada", False, "nl", False), "inactive"),
])
def test_it_refuses(changes, coach, refused):
    assert admit(claims(**changes), coach).refused == refused


def test_an_audience_list_with_koers_in_it_is_fine():
    assert admit(claims(aud=["other", CLIENT_ID])).refused is None


def test_an_ended_provider_session_stays_ended():
    assert admit(claims(), session=session(ended_at=NOW - timedelta(minutes=1), end_reason="signed_out")).refused \
        == "ended"


def test_a_provider_session_of_another_coach_is_not_taken_over():
    assert admit(claims(), session=session(coach_id=8)).refused == "ended"


def test_an_idle_provider_session_ends_and_an_active_one_goes_on():
    assert admit(claims(), session=session(last_active_at=NOW - IDLE - timedelta(seconds=1))).refused == "idle"
    assert admit(claims(), session=session(last_active_at=NOW - IDLE)).refused is None


def test_it_writes_activity_down_at_most_once_a_minute():
    assert oidc.needs_touch(None, NOW)
    assert not oidc.needs_touch(session(last_active_at=NOW - timedelta(seconds=59)), NOW)
    assert oidc.needs_touch(session(last_active_at=NOW - timedelta(seconds=60)), NOW)


def test_each_sign_in_is_its_own_provider_session():
    first = oidc.identity(claims())
    again = oidc.identity(claims(nonce="n-2"))
    assert first is not None and again is not None
    assert first.session_key == oidc.identity(claims()).session_key
    assert first.session_key != again.session_key


def test_an_identity_without_issuer_or_subject_is_none():
    assert oidc.identity(claims(iss=None)) is None
    assert oidc.identity(claims(sub="")) is None


def test_the_auth_section_comes_from_the_koers_settings(tmp_path: Path):
    settings = load_settings({
        "KOERS_SECRET_KEY": "k" * 40, "KOERS_BASE_URL": "https://koers.practice.example",
        "KOERS_OIDC_SERVER_METADATA_URL": "https://login.practice.example/.well-known/openid-configuration",
        "KOERS_OIDC_CLIENT_ID": CLIENT_ID, "KOERS_OIDC_CLIENT_SECRET": "s3cret",
    }, secrets_file=tmp_path / "none.toml")
    section = oidc.auth_secrets(settings)
    assert section == {
        "redirect_uri": "https://koers.practice.example/oauth2callback",
        "cookie_secret": oidc.cookie_secret("k" * 40),
        "client_id": CLIENT_ID,
        "client_secret": "s3cret",
        "server_metadata_url": "https://login.practice.example/.well-known/openid-configuration",
        "client_kwargs": {"scope": "openid email profile", "prompt": "select_account"},
    }
    assert oidc.provider_in(section) == oidc.Provider(None, CLIENT_ID)
    assert oidc.auth_secrets(load_settings({}, secrets_file=tmp_path / "none.toml")) is None


def test_the_cookie_secret_is_derived_but_never_the_secret_key_itself():
    derived = oidc.cookie_secret("k" * 40)
    assert derived == oidc.cookie_secret("k" * 40) and len(derived) == 64
    assert derived != "k" * 40 and derived != oidc.cookie_secret("l" * 40)


def test_a_named_provider_in_secrets_toml_is_found():
    section = {"redirect_uri": "x", "cookie_secret": "y", "microsoft": {"client_id": "abc", "client_secret": "z"}}
    assert oidc.provider_in(section) == oidc.Provider("microsoft", "abc")
    assert oidc.provider_in({**section, "google": {"client_id": "def"}}) is None  # Koers signs in with one
    assert oidc.provider_in({}) is None and oidc.provider_in(None) is None
