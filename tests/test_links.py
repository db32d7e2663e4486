"""Personal check-in links: signed, stored only as a hash, expiring with the window, revocable (on
DuckDB and on PostgreSQL); and `koers link CLIENT`, which prints one that works now."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests import factories
from tests.conftest import NOW
from tests.factories import database_fingerprint, fresh_link
from tracking import links
from tracking.context import open_context
from tracking.schedule import window_close
from tracking.settings import load_settings
from tracking.store import links as link_store
from tracking.store import periods

SECRET = "links-tests-secret-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(backend):
    """Client C1 (Sanne) of one coach, on either backend."""
    app = open_context(backend.settings(secret_key=SECRET, base_url="https://koers.example.org"))
    factories.coach(app, now=NOW)
    factories.client(app, "C1", name="Sanne", now=NOW)
    return app


@pytest.fixture
def cli_app(ready_db, koers, db_path):
    """Client C1 added through the command line, on a DuckDB file."""
    ran = koers("client", "add", "C1", "--email", "c1@example.org", "--coach", "coach@example.org",
                "--name", "Sanne")
    assert ran.exit_code == 0, ran.output
    return open_context(load_settings({}, secrets_file=None, db=db_path, secret_key=SECRET,
                             base_url="https://koers.example.org"))


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["t"][0]


def resolve(app, token: str, now=NOW, key: str = SECRET):
    with app.db.read() as con:
        return link_store.resolve(con, token, "checkin", now, key)


def test_a_link_names_one_client_and_one_period_and_starts_with_the_base_url(app):
    url, period = fresh_link(app, "C1", now=NOW)
    assert url.startswith("https://koers.example.org/?t=")
    found = resolve(app, token_of(url))
    assert (found.status, found.client_id, found.period_id) == ("ok", "C1", period.id)


def test_the_token_is_stored_only_as_its_hash(app):
    url, _period = fresh_link(app, "C1", now=NOW)
    token = token_of(url)
    with app.db.read() as con:
        stored = con.execute("SELECT * FROM link_tokens").fetchall()
    assert [row[0] for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in repr(stored)
    assert token.split(".")[0] not in repr(stored)


@pytest.mark.parametrize("change", ["signature", "random part", "truncated", "purpose"])
def test_a_tampered_token_is_recognised_without_its_client(app, change):
    url, _period = fresh_link(app, "C1", now=NOW)
    token = token_of(url)
    random_part, signature = token.split(".")
    flip = {"A": "B"}.get(signature[0], "A")
    if change == "signature":
        bad = f"{random_part}.{flip}{signature[1:]}"
    elif change == "random part":
        bad = f"{random_part[:-1]}{'x' if random_part[-1] != 'x' else 'y'}.{signature}"
    elif change == "truncated":
        bad = token[:-3]
    else:  # a pause link's signature does not open a check-in
        pause_token = links.new_token("pause", SECRET)
        bad = pause_token
    found = resolve(app, bad)
    assert (found.status, found.client_id, found.period_id) == ("tampered", None, None)


def test_a_token_signed_with_another_key_is_tampered(app):
    url, _period = fresh_link(app, "C1", now=NOW)
    assert resolve(app, token_of(url), key="another-secret-key-0123456789abcdefgh").status == "tampered"


def test_a_well_signed_token_that_was_never_issued_is_unknown(app):
    found = resolve(app, links.new_token("checkin", SECRET))
    assert (found.status, found.client_id) == ("unknown", None)


def test_a_link_expires_when_its_window_closes(app):
    url, period = fresh_link(app, "C1", now=NOW)
    token = token_of(url)
    assert period.closes_at == window_close(NOW, "Europe/Amsterdam", app.settings.window_days)
    assert resolve(app, token, now=period.closes_at - timedelta(seconds=1)).status == "ok"
    assert resolve(app, token, now=period.closes_at).status == "expired"


def test_a_new_link_for_the_same_period_revokes_the_old_one(app):
    first_url, first_period = fresh_link(app, "C1", now=NOW)
    second_url, second_period = fresh_link(app, "C1", now=NOW + timedelta(hours=2))
    assert second_period.id == first_period.id
    assert resolve(app, token_of(first_url), now=NOW + timedelta(hours=3)).status == "revoked"
    assert resolve(app, token_of(second_url), now=NOW + timedelta(hours=3)).status == "ok"


def test_the_link_opens_the_scheduled_period_whose_window_is_open(app):
    with app.db.write() as con:
        scheduled, _created = periods.ensure_period(
            con, "C1", "scheduled", NOW - timedelta(days=1), NOW + timedelta(days=4), NOW - timedelta(days=1))
    _url, period = fresh_link(app, "C1", now=NOW)
    assert (period.id, period.kind) == (scheduled.id, "scheduled")


def test_without_an_open_window_the_link_opens_an_extra_check_in_now(app):
    with app.db.write() as con:
        periods.ensure_period(con, "C1", "scheduled", NOW - timedelta(days=8), NOW - timedelta(days=3),
                              NOW - timedelta(days=8))
    _url, period = fresh_link(app, "C1", now=NOW)
    assert (period.kind, period.opens_at) == ("extra", NOW)


# --- koers link CLIENT ---------------------------------------------------------------------------


def test_koers_link_prints_a_link_that_works_now(cli_app, koers, monkeypatch):
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET)
    monkeypatch.setenv("KOERS_BASE_URL", "https://coach.example.org/koers")
    ran = koers("link", "C1")
    assert ran.exit_code == 0, ran.output
    url = ran.stdout.strip()
    assert url.startswith("https://coach.example.org/koers/?t=")
    assert "Sanne (C1)" in ran.stderr and "no longer works" in ran.stderr
    from tracking.clock import utcnow

    assert resolve(cli_app, token_of(url), now=utcnow()).status == "ok"


def test_koers_link_as_json_names_the_period_and_its_expiry(cli_app, koers, monkeypatch):
    import json

    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET)
    ran = koers("link", "C1", "--format", "json")
    assert ran.exit_code == 0, ran.output
    shown = json.loads(ran.stdout)
    assert shown["client"] == "C1" and shown["kind"] == "extra"
    assert shown["url"].startswith("http://localhost:8501/?t=")
    assert shown["expires_at"] > shown["opens_at"]


def test_koers_link_without_a_secret_key_exits_2_naming_the_setting_and_writes_nothing(cli_app, koers, db_path):
    before = database_fingerprint(db_path)
    ran = koers("link", "C1")
    assert ran.exit_code == 2
    assert "KOERS_SECRET_KEY" in ran.stderr
    assert ran.stdout == ""
    assert database_fingerprint(db_path) == before


def test_koers_link_for_an_unknown_client_exits_2(cli_app, koers, monkeypatch):
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET)
    ran = koers("link", "NOBODY")
    assert ran.exit_code == 2
    assert "NOBODY" in ran.stderr


def test_koers_link_has_help_that_says_what_the_link_does(koers):
    ran = koers("link", "--help", db=None)
    assert ran.exit_code == 0
    assert "works now" in ran.stdout and "KOERS_SECRET_KEY" in ran.stdout and "--db" in ran.stdout


def test_the_installed_command_exits_2_without_a_secret_key(cli_app, db_path, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "KOERS_DB": str(db_path)}
    done = subprocess.run([sys.executable, "-m", "tracking", "link", "C1"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert "KOERS_SECRET_KEY" in done.stderr
    assert done.returncode == 2
