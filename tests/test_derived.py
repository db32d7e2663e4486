"""States and flags as stored: every flag kind through the store, deterministic and idempotent
recomputes, acknowledgements that survive, withdrawn findings, and recomputing one client only; on both
databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import NOW
from tests.factories import OPERATOR, answers
from tracking.context import open_context
from tracking.models import Viewer
from tracking.settings import load_settings
from tracking.store import checkins, clients, derived, flags
from tracking.store.connection import Database
from tracking.store.migrate import ensure_schema
from tracking.usecases.clients import set_focus

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PHYSIOLOGICAL = dict(sleep=1, energy=1, concentration=2, physical_exhaustion=9)
CALM_PHYSIOLOGY = dict(sleep=8, energy=8, concentration=8, physical_exhaustion=2)
IDENTITY = dict(meaning=1, worth_from_performance=9, idle_threat=9, self_apart_from_work=1)
CALM_ELSEWHERE = dict(work_safety=8, predictability=8, autonomy_support=8, alert_at_rest=2, reactivity=2,
                      feedback_as_rejection=2, boundary_risk=2, guilt_at_rest=2, meaning=8,
                      worth_from_performance=2, idle_threat=2, self_apart_from_work=8)


@pytest.fixture
def db_path(backend):
    """Every test here runs on a DuckDB file and on a PostgreSQL database."""
    return backend.location


@pytest.fixture
def app(db_path):
    app = open_context(load_settings({}, secrets_file=None, db=db_path))
    ensure_schema(app.db)
    return app


def store(app, client_id: str, weeks: list[dict], *, start: datetime = START, contact_week: int | None = None,
          refresh: bool = True, times: list[datetime] | None = None):
    """Check-ins one week apart from `start` (or at `times`), stored and derived as an import does."""
    times = times or [start + timedelta(weeks=week) for week in range(len(weeks))]
    rows = [{
        "client_id": client_id, "submitted_at": moment,
        "answers": answers(**given), "contact_request": week == contact_week, "note": None,
    } for week, (moment, given) in enumerate(zip(times, weeks))]
    with app.db.write() as con:
        result = checkins.ingest(con, checkins.frame_from_rows(rows, app.instrument), app.instrument, source="import",
                                 now=NOW)
        if refresh:
            derived.refresh(con, result.client_ids, app.instrument, app.settings.detection, NOW)


def shifting(weeks_before: int = 8, weeks_after: int = 8) -> list[dict]:
    """Physiological strain that later gives way to identity strain."""
    return ([{**CALM_ELSEWHERE, **PHYSIOLOGICAL}] * weeks_before
            + [{**CALM_ELSEWHERE, **CALM_PHYSIOLOGY, **IDENTITY}] * weeks_after)


def listed(app, **filters) -> list[dict]:
    with app.db.read() as con:
        return flags.list_flags(con, Viewer.operator(), **filters)


def states(app, client_id: str) -> list[str]:
    with app.db.read() as con:
        return [row.state for row in checkins.timeline(con, client_id, Viewer.operator())]


def test_a_dominant_shift_is_flagged_from_and_to_with_evidence(app):
    store(app, "S1", shifting())
    (shift,) = listed(app, kind="dominant_shift")
    assert (shift["client"], shift["from"], shift["to"]) == ("S1", "physiological", "identity")
    assert shift["evidence"]["rule"] == "dominant_shift.v1" and shift["evidence"]["summary"]
    assert states(app, "S1")[2] == "physiological" and states(app, "S1")[-1] == "identity"


def test_a_stable_client_raises_no_shift_and_keeps_its_dominant(app):
    store(app, "S2", [{**CALM_ELSEWHERE, **PHYSIOLOGICAL}] * 16)
    assert listed(app, kind="dominant_shift") == []
    assert set(states(app, "S2")[2:]) == {"physiological"}


def test_a_contact_request_is_flagged_at_its_checkin(app):
    store(app, "C1", [CALM_ELSEWHERE] * 3, contact_week=1)
    (flag,) = listed(app, kind="contact_request")
    assert flag["at"] == (START + timedelta(weeks=1)).isoformat()


def test_a_focus_that_differs_from_the_dominant_is_flagged_and_cleared_when_it_matches(app):
    store(app, "F1", [{**CALM_ELSEWHERE, **PHYSIOLOGICAL}] * 6)
    with app.db.write() as con:
        clients.set_focus(con, "F1", "context", None, NOW)
        derived.refresh(con, ["F1"], app.instrument, app.settings.detection, NOW)
    (mismatch,) = listed(app, kind="focus_mismatch")
    assert (mismatch["from"], mismatch["to"]) == ("context", "physiological")
    set_focus(app, OPERATOR, "F1", "physiological", now=NOW + timedelta(hours=1))
    assert listed(app, kind="focus_mismatch", status="open") == []
    (retired,) = listed(app, kind="focus_mismatch")
    assert retired["status"] == "retired"
    assert retired["retired"] == {"at": (NOW + timedelta(hours=1)).isoformat(), "reason": "focus_matches"}


def test_two_missed_windows_in_a_row_raise_one_flag(app):
    store(app, "M1", [CALM_ELSEWHERE] * 2)
    with app.db.write() as con:
        for week, status in enumerate(["completed", "missed", "missed", "missed"]):
            opens = START + timedelta(weeks=week)
            con.execute(
                "INSERT INTO periods (client_id, kind, opens_at, closes_at, status, created_at) "
                "VALUES ('M1', 'scheduled', ?, ?, ?, ?)",
                [opens.replace(tzinfo=None), (opens + timedelta(days=5)).replace(tzinfo=None), status,
                 opens.replace(tzinfo=None)],
            )
        derived.refresh(con, ["M1"], app.instrument, app.settings.detection, NOW)
    (missed,) = listed(app, kind="missed_checkins")
    assert missed["evidence"]["missed"] == [(START + timedelta(weeks=1)).isoformat(),
                                           (START + timedelta(weeks=2)).isoformat()]


def test_a_reliable_deterioration_is_flagged_against_the_baseline(app):
    calm = {**CALM_ELSEWHERE, **CALM_PHYSIOLOGY}
    store(app, "R1", [calm] * 8 + [{**calm, **PHYSIOLOGICAL}] * 4)
    worse = listed(app, kind="reliable_deterioration", client_id="R1")
    assert [f["dynamic"] for f in worse] == ["physiological"]
    assert worse[0]["evidence"]["rci"] >= 1.96 and worse[0]["evidence"]["z"] >= 3.6


def test_recomputing_is_deterministic_and_keeps_acknowledgements(app):
    store(app, "S1", shifting(), contact_week=3)
    before = listed(app)
    shift = next(f for f in before if f["kind"] == "dominant_shift")
    with app.db.write() as con:
        flags.acknowledge(con, shift["id"], Viewer.operator(), "seen in session", NOW)
    for _ in range(2):
        with app.db.write() as con:
            summary = derived.refresh(con, None, app.instrument, app.settings.detection, NOW + timedelta(days=1),
                                      reestimate=True)
        assert summary.flags_raised == 0 and summary.flags_withdrawn == 0
    after = listed(app)
    assert [(f["id"], f["kind"], f["at"]) for f in after] == [(f["id"], f["kind"], f["at"]) for f in before]
    acknowledged = next(f for f in after if f["id"] == shift["id"])
    assert acknowledged["status"] == "acknowledged" and acknowledged["acknowledged"]["note"] == "seen in session"


def test_a_finding_that_later_data_no_longer_supports_is_withdrawn(app):
    store(app, "W1", shifting(weeks_after=3))
    assert len(listed(app, kind="dominant_shift")) == 1
    with app.db.write() as con:  # the late weeks turn out to have been entered for the wrong client
        con.execute("DELETE FROM scores WHERE checkin_id IN (SELECT id FROM checkins WHERE submitted_at >= ?)",
                    [(START + timedelta(weeks=8)).replace(tzinfo=None)])
        con.execute("DELETE FROM checkins WHERE submitted_at >= ?", [(START + timedelta(weeks=8)).replace(tzinfo=None)])
        summary = derived.refresh(con, ["W1"], app.instrument, app.settings.detection, NOW)
    assert summary.flags_withdrawn >= 1
    assert listed(app, kind="dominant_shift") == []


def test_a_late_checkin_recomputes_only_its_own_client(app, monkeypatch):
    from tracking import detection

    store(app, "A1", shifting())
    store(app, "B1", shifting())
    seen = []
    original = detection.detect_states

    def recording(batch, *args, **kwargs):
        seen.append((len(set(batch.client.tolist())), len(batch.client)))
        return original(batch, *args, **kwargs)

    monkeypatch.setattr(detection, "detect_states", recording)
    store(app, "A1", [{**CALM_ELSEWHERE, **IDENTITY}], start=START + timedelta(weeks=3, days=2))
    assert seen == [(1, 17)]  # one client, its 16 earlier check-ins and the late one
    with app.db.read() as con:
        per_client = "SELECT count(*) FROM states JOIN checkins k ON k.id = checkin_id WHERE k.client_id = ?"
        assert con.execute(per_client, ["A1"]).fetchone()[0] == 17
        assert con.execute(per_client, ["B1"]).fetchone()[0] == 16


def test_checkins_out_of_order_and_with_irregular_gaps_give_the_same_states(app, tmp_path):
    weeks = shifting()
    # Irregular: some answered late in the week, some after a missed week.
    times = [START + timedelta(weeks=week, hours=(week % 3) * 29) + timedelta(weeks=week // 6) for week in range(16)]
    store(app, "G1", weeks[::2], times=times[::2])
    store(app, "G1", weeks[1::2], times=times[1::2])  # the other half arrives later, in between
    other = open_context(load_settings({}, secrets_file=None, db=tmp_path / "other.duckdb"))
    ensure_schema(Database(other.settings.db))
    for moment, given in zip(times, weeks):
        store(other, "G1", [given], times=[moment])
    assert states(app, "G1") == states(other, "G1")
    assert [f["to"] for f in listed(app, kind="dominant_shift")] == ["identity"]
    assert [f["to"] for f in listed(other, kind="dominant_shift")] == ["identity"]


def test_the_refresh_writer_does_its_work_in_order_and_stops_at_the_first_failure():
    done = []

    def fail(what):
        raise RuntimeError(what)

    with pytest.raises(RuntimeError, match="states"), derived._Writer() as writer:
        writer.submit(done.append, "first")
        writer.submit(fail, "states")
        writer.submit(done.append, "after the failure")
    assert done == ["first"]


def test_an_error_while_the_writer_works_waits_for_it_and_is_the_one_raised():
    done, release = [], threading.Event()

    def write():
        release.wait()
        done.append("written")

    with pytest.raises(ValueError, match="computing"), derived._Writer() as writer:
        writer.submit(write)
        release.set()
        raise ValueError("computing")
    assert done == ["written"]  # the writer finished before the connection was handed back


def test_an_estimate_read_back_after_it_is_stored_is_its_stored_form(store):
    """An import computes its flags with `stored_form` while the writer stores the estimate: the two
    must agree exactly, fallbacks included, or a recompute would find other flags."""
    from tracking.detection import DetectionSettings, Reliability

    settings = DetectionSettings()
    estimate = Reliability(
        alpha={"context": 0.81, "relational": 0.72, "physiological": 0.9, "identity": 0.654321},
        sd={"context": 14.2, "relational": 11.0, "physiological": 17.125, "identity": 9.999},
        source="estimated", n=20_000,
        weekly_noise={"context": 4.5, "identity": 3.25},  # the others fall back to the SEM
        clustering_recent={"relational": 1.8},  # the others to the settings' fallback
    )
    with store.write() as con:
        derived.store_reliability(con, estimate, settings, NOW)
    with store.read() as con:
        assert derived.load_reliability(con, settings) == derived.stored_form(estimate, settings)
