"""What a copy of the database gives away: no working check-in or pause link (queued emails keep their
links sealed), and no second-factor secret. The sender still sends working links, and a changed
KOERS_SECRET_KEY makes a queued email fail plainly instead of sending a dead link."""

from __future__ import annotations

import re
import shutil
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pyotp
import pytest

from tests import factories
from tests.conftest import NOW
from tracking import sealed
from tracking.context import Actor, Context
from tracking.mail.send import run_once
from tracking.mail.transports import FileTransport
from tracking.usecases import checkin, coaches, links, pause

SECRET = "stolen-database-tests-secret-0123456789ab"
# Anything in a text column that could be a token, sealed or not: two URL-safe runs joined by a dot.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}")


@pytest.fixture
def practice(tmp_path) -> Context:
    """A coach with a second factor, and client C1 who was just emailed a fresh link (still queued)."""
    ctx = factories.context(tmp_path / "koers.duckdb", KOERS_SECRET_KEY=SECRET, KOERS_BASE_URL="https://koers.example",
                            KOERS_OUTBOX_DIR=str(tmp_path / "outbox"))
    coach = factories.coach(ctx, now=NOW)
    factories.client(ctx, "C1", name="Anna", now=NOW)
    secret = pyotp.random_base32()
    coaches.enable_totp(ctx, Actor.coach(coach), secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    links.email_fresh_link(ctx, Actor.coach(coach), "C1", now=NOW)
    return ctx


def everything_stored(db_path: Path) -> str:
    """Every value of every table of a copy of the database, as text."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return "\n".join(repr(row) for table in tables for row in con.execute(f'SELECT * FROM "{table}"').fetchall())


def test_a_copy_of_the_database_opens_no_checkin_pause_or_account(practice, tmp_path):
    stolen = tmp_path / "stolen.duckdb"
    shutil.copy(practice.settings.db, stolen)
    text = everything_stored(stolen)
    assert "?t=" + sealed.PREFIX in text and "?pause=" + sealed.PREFIX in text  # the queued email, sealed
    candidates = set(TOKEN_LIKE.findall(text))
    assert candidates
    for candidate in candidates:
        assert checkin.open_link(practice, candidate, now=NOW).status != "open", candidate
        assert pause.open_pause_link(practice, candidate, now=NOW).status == "bad", candidate
    (stored_secret,) = re.findall(r"'(sealed\.[A-Za-z0-9_\-]+)'", text.split("coach@example.org", 1)[1])[:1]
    with pytest.raises(sealed.SealBroken):  # without the key the secret does not open
        sealed.unseal("a-thief-does-not-have-the-key-0123456789", "totp secret", stored_secret)


def test_the_sender_opens_the_sealed_links_so_the_client_gets_working_ones(practice, tmp_path):
    summary = run_once(practice, clock=lambda: NOW, transport=FileTransport(tmp_path / "outbox", "koers@example.org"))
    assert len(summary.send.sent) == 1
    [sent] = (tmp_path / "outbox").glob("*.eml")
    body = message_from_bytes(sent.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    token = re.search(r"\?t=([A-Za-z0-9_\-.]+)", body)[1]
    pause_token = re.search(r"\?pause=([A-Za-z0-9_\-.]+)", body)[1]
    assert not token.startswith(sealed.PREFIX)
    assert checkin.open_link(practice, token, now=NOW).status == "open"
    assert pause.open_pause_link(practice, pause_token, now=NOW).status == "ok"
    assert token not in everything_stored(Path(practice.settings.db))  # the sent copy is redacted


def test_a_queued_email_whose_links_no_longer_open_fails_for_good_with_a_reason(practice, tmp_path):
    other_key = factories.context(Path(practice.settings.db), KOERS_SECRET_KEY="a-new-secret-key-0123456789abcdef",
                                  KOERS_BASE_URL="https://koers.example")
    summary = run_once(other_key, clock=lambda: NOW, transport=FileTransport(tmp_path / "outbox", "koers@example.org"))
    assert summary.send.sent == [] and len(summary.send.failed) == 1
    failure = summary.send.failed[0]
    assert failure.retry_at is None and "KOERS_SECRET_KEY changed" in failure.error
    assert not list((tmp_path / "outbox").glob("*.eml"))
