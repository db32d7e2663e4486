"""Refused anonymous attempts cost Koers no write each: made-up links and wrong passwords are counted in
the process and recorded in aggregate, at most once a minute, without the database's write lock per
attempt; and a link of a client whose coaching ended opens nothing."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from datetime import timedelta

import pytest

from tests import factories
from tests.conftest import NOW
from tracking import links
from tracking.context import Actor, Context
from tracking.usecases import checkin, clients, coaches, pause, refusals

SECRET = "refusal-tests-secret-key-0123456789abcdef"
ATTEMPTS = 400


@pytest.fixture
def practice(tmp_path) -> Context:
    ctx = factories.context(tmp_path / "koers.duckdb", KOERS_SECRET_KEY=SECRET)
    factories.coach(ctx, now=NOW)
    factories.client(ctx, "C1", name="Anna", now=NOW - timedelta(days=30))
    return ctx


@pytest.fixture
def units(practice, monkeypatch) -> Counter[str]:
    """The units of work the database is asked for: `write` takes the exclusive lock."""
    counted: Counter[str] = Counter()
    for kind in ("read", "write"):
        real = getattr(practice.db, kind)

        def counting(real=real, kind=kind):
            counted[kind] += 1
            return real()

        monkeypatch.setattr(practice.db, kind, counting)
    return counted


def refused_rows(ctx: Context, action: str) -> list[dict]:
    with ctx.db.read() as con:
        rows = con.execute("SELECT detail FROM audit_log WHERE action = ? ORDER BY id", [action]).fetchall()
    return [json.loads(detail) for (detail,) in rows]


def made_up(purpose: str) -> str:
    return f"{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(12)}" if purpose else ""


def test_hundreds_of_made_up_checkin_links_take_one_write_and_are_recorded_in_aggregate(practice, units):
    statuses = {checkin.open_link(practice, made_up("checkin"), now=NOW + timedelta(seconds=n / 10)).status
                for n in range(ATTEMPTS)}
    assert statuses == {"tampered"}
    assert units == Counter(write=1)  # the first refusal, written at once; no reads either
    assert [row["count"] for row in refused_rows(practice, "checkin_link_refused")] == [1]
    a_minute_later = NOW + timedelta(minutes=1, seconds=1)
    checkin.open_link(practice, made_up("checkin"), now=a_minute_later)
    rows = refused_rows(practice, "checkin_link_refused")
    assert [row["count"] for row in rows] == [1, ATTEMPTS]
    assert rows[1]["status"] == "tampered" and rows[1]["last"] == a_minute_later.isoformat()
    assert units["write"] == 2


def test_made_up_pause_links_are_counted_the_same_way(practice, units):
    for n in range(ATTEMPTS):
        assert pause.open_pause_link(practice, made_up("pause"), now=NOW + timedelta(seconds=n / 10)).status == "bad"
    assert units == Counter(write=1)
    assert refusals.tally(practice).pending() == ATTEMPTS - 1
    assert refusals.flush(practice, NOW + timedelta(minutes=2)) == ATTEMPTS - 1
    assert sum(row["count"] for row in refused_rows(practice, "pause_link_refused")) == ATTEMPTS


def test_wrong_passwords_are_counted_in_aggregate_per_account(practice):
    for n in range(3):
        coaches.sign_in_with_password(practice, "coach@example.org", "wrong password", now=NOW + timedelta(seconds=n))
        coaches.sign_in_with_password(practice, "nobody@example.org", "wrong password", now=NOW + timedelta(seconds=n))
    refusals.flush(practice, NOW + timedelta(minutes=2))
    with practice.db.read() as con:
        rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id"
                           ).fetchall()
    counts = Counter()
    for actor, detail in rows:
        counts[actor] += json.loads(detail)["count"]
    assert counts == Counter({"coach:1": 3, "anonymous": 3})
    assert len(rows) <= 3  # one at once, then one row per account


def test_a_link_of_a_client_whose_coaching_ended_opens_nothing(practice):
    coach = Actor.coach(coaches.coach(practice, 1))
    url, _period = factories.fresh_link(practice, "C1", now=NOW, actor=coach)
    token = url.split("?t=", 1)[1]
    assert checkin.open_link(practice, token, now=NOW).status == "open"
    clients.update_client(practice, coach, "C1", clients.ClientDetails(email="c1@example.org", name="Anna",
                                                                      status="ended"), now=NOW)
    opened = checkin.open_link(practice, token, now=NOW)
    assert (opened.status, opened.name, opened.lang) == ("ended", None, "nl")
    answers = checkin.clean_answers(practice.instrument, {"sleep": 3})
    assert checkin.submit(practice, token, answers, now=NOW).status == "ended"
    assert links.is_signed(token, "checkin", SECRET)
