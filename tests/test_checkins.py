"""Check-ins stored in bulk (`tracking.store.checkins.ingest`), on DuckDB and on PostgreSQL: every
answer and score as `tracking.scoring` gives it, unknown clients created, and a time stored twice
refused with its record."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.conftest import NOW
from tracking.instrument import CORE_INDICATORS, load_instrument
from tracking.models import Viewer
from tracking.scoring import score_answers
from tracking.store import checkins

INSTRUMENT = load_instrument()


def rows(count: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    return [{
        "client_id": f"C{n % 3}", "submitted_at": NOW - timedelta(days=n, minutes=rng.randrange(600)),
        "answers": {item: rng.choice([None, *range(11)]) for item in INSTRUMENT.item_ids},
        "contact_request": rng.random() < 0.2, "note": rng.choice([None, "", "slecht geslapen; 50% \"moe\""]),
    } for n in range(count)]


@pytest.mark.parametrize("scored_here", [True, False], ids=["scored-in-python", "scored-in-the-database"])
def test_it_stores_every_answer_and_the_scores_the_rule_gives(store, monkeypatch, scored_here):
    monkeypatch.setattr(checkins, "SCORE_CHUNK_ROWS", 7)  # scores computed in chunks line up with their rows
    # A few check-ins are scored in Python; a larger batch on DuckDB by the database itself.
    monkeypatch.setattr(checkins, "SCORED_HERE_ROWS", 1_000 if scored_here else 0)
    given = rows(40)
    with store.write() as con:
        result = checkins.ingest(con, checkins.frame_from_rows(given, INSTRUMENT), INSTRUMENT, source="import",
                                 now=NOW)
    assert (result.checkins, result.client_ids, result.clients_created) == (40, ["C0", "C1", "C2"],
                                                                           ["C0", "C1", "C2"])
    with store.read() as con:
        stored = {(row.client_id, row.submitted_at): row for c in ("C0", "C1", "C2")
                  for row in checkins.export_rows(con, c, Viewer.operator())}
        points = {(c, p.at): p for c in ("C0", "C1", "C2") for p in checkins.timeline(con, c, Viewer.operator())}
    for row in given:
        key = (row["client_id"], row["submitted_at"])
        answered = {item: value for item, value in row["answers"].items() if value is not None}
        assert stored[key].answers == answered
        assert stored[key].contact_request == row["contact_request"] and stored[key].note == row["note"]
        expected = score_answers(answered, INSTRUMENT)
        for dynamic, score in points[key].scores.items():
            assert score == (None if expected[dynamic] is None else pytest.approx(expected[dynamic], abs=0.006))
        assert points[key].core == {item: row["answers"][item] for item in CORE_INDICATORS}


def test_a_time_stored_twice_is_refused_with_its_record_and_nothing_is_written(store):
    first = rows(3)
    with store.write() as con:
        checkins.ingest(con, checkins.frame_from_rows(first, INSTRUMENT), INSTRUMENT, source="import", now=NOW)
    again = [rows(1, seed=9)[0] | {"client_id": "C7"}, first[1]]
    with pytest.raises(checkins.IngestConflict) as refused, store.write() as con:
        checkins.ingest(con, checkins.frame_from_rows(again, INSTRUMENT), INSTRUMENT, source="import", now=NOW)
    assert [(c.rec, c.column) for c in refused.value.conflicts] == [(1, "submitted_at")]
    with store.read() as con:
        assert checkins.count_checkins(con) == 3
        assert con.execute("SELECT count(*) FROM clients WHERE id = 'C7'").fetchone()[0] == 0


def test_a_coach_reads_only_their_own_clients(store):
    """The store's filter by the viewer (`clients.VISIBLE`), on both databases: another coach's client is
    not found and its series are empty, while the operator sees them."""
    from tracking.errors import NotFound
    from tracking.store import accounts, clients, insights

    with store.write() as con:
        anne, marc = (accounts.add_coach(con, email=f"{name}@example.org", name=name, password_hash="-",
                                         is_admin=False, now=NOW) for name in ("anne", "marc"))
        for client_id, coach in (("A1", anne), ("M1", marc)):
            clients.add_client(con, client_id=client_id, coach_id=coach.id, email=None, name=None, lang="nl",
                               tz="Europe/Amsterdam", reminder_weekday=None, reminder_time=None, now=NOW)
            clients.set_focus(con, client_id, "identity", coach.id, NOW)
            clients.add_observation(con, coach.id, {"client_id": client_id, "observed_at": NOW, "note": "seen"})
        given = [row | {"client_id": client_id} for client_id in ("A1", "M1") for row in rows(2)]
        checkins.ingest(con, checkins.frame_from_rows(given, INSTRUMENT), INSTRUMENT, source="import", now=NOW)
    as_marc = Viewer.coach(marc)
    with store.read() as con:
        assert [c.id for c in clients.list_clients(con, as_marc)] == ["M1"]
        with pytest.raises(NotFound):
            clients.get_client(con, "A1", as_marc)
        for series in (checkins.timeline, checkins.export_rows, insights.item_answers, insights.observations,
                       insights.focus_history):
            assert series(con, "A1", as_marc) == [], series.__name__
            assert series(con, "A1", Viewer.operator()), series.__name__
            assert series(con, "M1", as_marc), series.__name__
