"""The sign-in settings: a provider comes whole and from one place, and someone can always sign in."""

from __future__ import annotations

import pytest

from tracking.errors import SettingsError
from tracking.settings import load_settings

PROVIDER = {
    "KOERS_OIDC_SERVER_METADATA_URL": "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration",
    "KOERS_OIDC_CLIENT_ID": "client",
    "KOERS_OIDC_CLIENT_SECRET": "secret",
}
AUTH_SECTION = """
[auth]
redirect_uri = "https://koers.practice.example/oauth2callback"
cookie_secret = "0123456789abcdef0123456789abcdef"
client_id = "client"
client_secret = "secret"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
"""


def test_defaults_keep_password_sign_in_and_no_provider(tmp_path):
    settings = load_settings({}, secrets_file=tmp_path / "none.toml")
    assert settings.password_signin is True
    assert settings.oidc_client_id is None and settings.oidc_max_age_hours == 12


def test_a_provider_from_the_environment(tmp_path):
    settings = load_settings({**PROVIDER, "KOERS_PASSWORD_SIGNIN": "false", "KOERS_OIDC_PROVIDER_NAME": "Microsoft"},
                             secrets_file=tmp_path / "none.toml")
    assert settings.oidc_client_id == "client" and settings.password_signin is False
    assert settings.oidc_provider_name == "Microsoft"


def test_password_sign_in_may_be_off_with_an_auth_section_in_secrets_toml(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(AUTH_SECTION, encoding="utf-8")
    assert load_settings({"KOERS_PASSWORD_SIGNIN": "false"}, secrets_file=secrets).password_signin is False


@pytest.mark.parametrize("env,message", [
    ({"KOERS_OIDC_CLIENT_ID": "client"},
     "KOERS_OIDC_SERVER_METADATA_URL, KOERS_OIDC_CLIENT_SECRET missing: sign-in with a provider needs"),
    ({**PROVIDER, "KOERS_OIDC_SERVER_METADATA_URL": "http://login.example/.well-known/openid-configuration"},
     "KOERS_OIDC_SERVER_METADATA_URL (from the environment): 'http://login.example/.well-known/openid-configuration' "
     "must use https"),
    ({**PROVIDER, "KOERS_OIDC_SERVER_METADATA_URL": "login.example"},
     "KOERS_OIDC_SERVER_METADATA_URL (from the environment): 'login.example' is not an https address"),
    ({**PROVIDER, "KOERS_OIDC_REDIRECT_URI": "https://koers.example/callback"},
     "KOERS_OIDC_REDIRECT_URI (from the environment): 'https://koers.example/callback' must end with /oauth2callback"),
    ({**PROVIDER, "KOERS_OIDC_COOKIE_SECRET": "short"},
     "KOERS_OIDC_COOKIE_SECRET (from the environment): is too short"),
    ({"KOERS_PASSWORD_SIGNIN": "false"}, "KOERS_PASSWORD_SIGNIN is false but no provider is configured"),
    ({"KOERS_OIDC_MAX_AGE_HOURS": "0"}, "KOERS_OIDC_MAX_AGE_HOURS (from the environment): 0 is out of range"),
])
def test_a_bad_sign_in_setting_names_the_setting(tmp_path, env, message):
    with pytest.raises(SettingsError) as caught:
        load_settings(env, secrets_file=tmp_path / "none.toml")
    assert message in str(caught.value)


def test_a_provider_on_this_machine_may_use_plain_http(tmp_path):
    env = {**PROVIDER, "KOERS_OIDC_SERVER_METADATA_URL": "http://127.0.0.1:4000/.well-known/openid-configuration"}
    assert load_settings(env, secrets_file=tmp_path / "none.toml").oidc_server_metadata_url.startswith("http://127")


def test_a_provider_in_both_places_is_refused(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(AUTH_SECTION, encoding="utf-8")
    with pytest.raises(SettingsError, match=r"KOERS_OIDC_\* settings and an \[auth\] section"):
        load_settings(PROVIDER, secrets_file=secrets)
