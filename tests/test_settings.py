"""Settings: strict parsing from the environment or .streamlit/secrets.toml, every key documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracking.errors import SettingsError
from tracking.safety import safety_fields
from tracking.settings import detection_fields, load_settings, recovery_fields, setting_fields

ROOT = Path(__file__).resolve().parents[1]


def test_defaults(tmp_path):
    settings = load_settings({}, secrets_file=tmp_path / "none.toml")
    assert settings.db.name == "koers.duckdb"
    assert settings.base_url == "http://localhost:8501"
    assert settings.secret_key is None
    assert settings.smtp_starttls is True


def test_the_environment_wins_over_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('KOERS_DB = "/from/file.duckdb"\nKOERS_SMTP_PORT = 2525\n', encoding="utf-8")
    settings = load_settings({"KOERS_DB": "/from/env.duckdb"}, secrets_file=secrets)
    assert settings.db == Path("/from/env.duckdb")
    assert settings.smtp_port == 2525


@pytest.mark.parametrize("env,message", [
    ({"KOERS_SMTP_PORT": "smtp"}, "KOERS_SMTP_PORT (from the environment): 'smtp' is not a port number"),
    ({"KOERS_SMTP_PORT": "70000"}, "KOERS_SMTP_PORT (from the environment): 70000 is not a port number"),
    ({"KOERS_BASE_URL": "koers.example"}, "KOERS_BASE_URL (from the environment): 'koers.example' is not an http"),
    ({"KOERS_SMTP_STARTTLS": "maybe"}, "KOERS_SMTP_STARTTLS (from the environment): 'maybe' is not true or false"),
    ({"KOERS_SECRET_KEY": "short"}, "KOERS_SECRET_KEY (from the environment): is too short"),
    ({"KOERS_MAIL_FROM": "koers"}, "KOERS_MAIL_FROM (from the environment): 'koers' is not an email address"),
    ({"KOERS_DBB": "x"}, "KOERS_DBB (in the environment) is not a Koers setting"),
])
def test_a_bad_value_names_the_setting(tmp_path, env, message):
    with pytest.raises(SettingsError) as caught:
        load_settings(env, secrets_file=tmp_path / "none.toml")
    assert message in str(caught.value)


def test_a_bad_secrets_file_is_named(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("KOERS_DB = \n", encoding="utf-8")
    with pytest.raises(SettingsError, match="secrets.toml: not valid TOML"):
        load_settings({}, secrets_file=secrets)


def test_a_bad_detection_threshold_names_the_setting(tmp_path):
    env = detection_fields()[0][1]
    with pytest.raises(SettingsError, match=f"{env} \\(from the environment\\): 'lots' is not a"):
        load_settings({env: "lots"}, secrets_file=tmp_path / "none.toml")


def test_the_recovery_thresholds_are_read_and_a_bad_one_names_the_setting(tmp_path):
    settings = load_settings({"KOERS_RECOVERY_BAND_Z": "1.2", "KOERS_RECOVERY_CHECKINS_ABOVE": "3"},
                             secrets_file=tmp_path / "none.toml")
    assert (settings.recovery.band_z, settings.recovery.checkins_above) == (1.2, 3)
    assert load_settings({}, secrets_file=tmp_path / "none.toml").recovery.band_z == 1.1
    with pytest.raises(SettingsError, match="KOERS_RECOVERY_CHECKINS_ABOVE \\(from the environment\\): '2.5' is not"):
        load_settings({"KOERS_RECOVERY_CHECKINS_ABOVE": "2.5"}, secrets_file=tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="KOERS_RECOVERY_BAND_Z must be above 0 and below KOERS_RECOVERY_WELL"):
        load_settings({"KOERS_RECOVERY_BAND_Z": "3"}, secrets_file=tmp_path / "none.toml")


def test_every_setting_is_in_the_readme_and_the_example_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    keys = [env for _name, env, _doc, _default in setting_fields()]
    keys += [env for _name, env, _doc, _default, _reason in detection_fields()]
    keys += [env for _name, env, _doc, _default, _reason in safety_fields()]
    keys += [env for _name, env, _doc, _default, _reason in recovery_fields()]
    for key in keys:
        assert key in readme, f"{key} is not documented in README.md"
        assert key in example, f"{key} is not in .streamlit/secrets.toml.example"


def test_the_settings_documentation_is_generated_from_the_code():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "settings_docs.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
