"""The demo data: a caseload like a real practice, where most clients respond and a few need attention."""

from __future__ import annotations

import duckdb

from tests.conftest import NOW
from tracking import demo
from tracking.instrument import load_instrument


def open_flags(path) -> list[tuple[str, str, str]]:
    """(coach email, client id, kind) of every open flag."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT co.email, f.client_id, f.kind FROM flags f JOIN clients c ON c.id = f.client_id "
            "JOIN coaches co ON co.id = c.coach_id WHERE f.status = 'open' AND f.withdrawn_at IS NULL").fetchall()


def test_only_a_few_demo_clients_are_not_on_track_pieter_among_them(demo_db):
    not_on_track = {client for _coach, client, kind in open_flags(demo_db) if kind == "not_on_track"}
    assert 3 <= len(not_on_track) <= 6
    assert "K-114" in not_on_track and "M-213" not in not_on_track


def test_every_demo_coach_has_calm_clients_and_clients_needing_attention(demo_db):
    flags = open_flags(demo_db)
    for coach in demo.COACHES:
        clients = {client_id for client_id, _name, number, *_ in demo.CLIENTS
                   if demo.COACHES[number]["email"] == coach["email"]}
        flagged = {client for email, client, _kind in flags if email == coach["email"]}
        needing_attention = {client for email, client, kind in flags
                             if email == coach["email"] and kind != "reliable_improvement"}
        assert clients - flagged, f"{coach['email']} has no calm client"
        assert needing_attention, f"{coach['email']} has no client needing attention"


def test_the_demo_tells_each_of_its_stories_with_an_open_flag(demo_db):
    assert {kind for _coach, _client, kind in open_flags(demo_db)} >= {
        "contact_request", "dominant_shift", "focus_mismatch", "reliable_deterioration", "reliable_improvement",
        "missed_checkins", "not_on_track"}


def test_the_same_seed_and_now_give_the_same_demo():
    instrument = load_instrument()
    assert demo.build(instrument, NOW, seed=2026) == demo.build(instrument, NOW, seed=2026)
