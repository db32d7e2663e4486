"""Flags as stored: retirement through recomputes, acknowledgements that survive them, acknowledging
several at once, the weekly digest's lines and the caseload's order of urgency, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import NOW
from tests.factories import answers
from tracking.context import open_context
from tracking.errors import NotFound
from tracking.flag_text import day
from tracking.models import Viewer
from tracking.settings import load_settings
from tracking.store import accounts, caseload, checkins, clients, derived, flags
from tracking.store.migrate import ensure_schema

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CALM = dict(work_safety=8, predictability=8, autonomy_support=8, alert_at_rest=2, reactivity=2,
            feedback_as_rejection=2, boundary_risk=2, guilt_at_rest=2, meaning=8, worth_from_performance=2,
            idle_threat=2, self_apart_from_work=8, sleep=8, energy=8, concentration=8, physical_exhaustion=2)
PHYSIOLOGICAL = {**CALM, "sleep": 1, "energy": 1, "concentration": 2, "physical_exhaustion": 9}
IDENTITY = {**CALM, "meaning": 1, "worth_from_performance": 9, "idle_threat": 9, "self_apart_from_work": 1}
CONTEXT = {**CALM, "work_safety": 1, "predictability": 1, "autonomy_support": 2, "alert_at_rest": 9}


@pytest.fixture
def db_path(backend):
    """Every test here runs on a DuckDB file and on a PostgreSQL database."""
    return backend.location


@pytest.fixture
def app(db_path):
    app = open_context(load_settings({}, secrets_file=None, db=db_path))
    ensure_schema(app.db)
    with app.db.write() as con:
        for email, name in (("anne@example.org", "Anne"), ("marc@example.org", "Marc")):
            accounts.add_coach(con, email=email, name=name, password_hash="x", is_admin=False, now=NOW)
    return app


def coach(app, email: str = "anne@example.org") -> Viewer:
    with app.db.read() as con:
        return Viewer.coach(accounts.coach_by_email(con, email))


def add(app, client_id: str, weeks: list[dict], *, start: datetime = START, coach_email: str = "anne@example.org",
        contact: dict[int, str] | None = None, now: datetime = NOW) -> None:
    """A client of the coach with check-ins one week apart from `start`, derived as an import does."""
    with app.db.write() as con:
        if con.execute("SELECT count(*) FROM clients WHERE id = ?", [client_id]).fetchone()[0] == 0:
            clients.add_client(con, client_id=client_id, coach_id=accounts.coach_by_email(con, coach_email).id,
                               email=None, name=client_id.title(), lang="nl", tz="Europe/Amsterdam",
                               reminder_weekday=None, reminder_time=None, now=start)
        rows = [{"client_id": client_id, "submitted_at": start + timedelta(weeks=i), "answers": answers(**given),
                 "contact_request": i in (contact or {}), "note": (contact or {}).get(i)}
                for i, given in enumerate(weeks)]
        checkins.ingest(con, checkins.frame_from_rows(rows, app.instrument), app.instrument, source="import", now=now)
        derived.refresh(con, [client_id], app.instrument, app.settings.detection, now)


def recompute(app, now: datetime = NOW + timedelta(days=1)):
    with app.db.write() as con:
        return derived.refresh(con, None, app.instrument, app.settings.detection, now, reestimate=True)


def found(app, viewer: Viewer | None = None, **filters) -> list[flags.Flag]:
    with app.db.read() as con:
        return flags.find_flags(con, viewer or Viewer.operator(), **filters)


def test_an_acknowledged_shift_retires_when_superseded_and_keeps_its_acknowledgement(app):
    add(app, "ada", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10)
    (shift,) = found(app, kind="dominant_shift")
    anne = coach(app)
    with app.db.write() as con:
        flags.acknowledge(con, shift.id, anne, "talked about it", NOW)
    add(app, "ada", [CONTEXT] * 10, start=START + timedelta(weeks=20))
    first, second = found(app, kind="dominant_shift")
    assert first.id == shift.id and first.status == "retired" and first.retired_reason == "superseded"
    assert first.retired_at == second.at and first.acknowledged.note == "talked about it"
    assert second.status == "open" and second.retired_at is None
    for _ in range(2):
        summary = recompute(app)
        assert summary.flags_raised == summary.flags_withdrawn == summary.flags_retired == 0
    assert [(f.id, f.status, f.retired_reason) for f in found(app, kind="dominant_shift")] == [
        (first.id, "retired", "superseded"), (second.id, "open", None)]


def test_a_flag_whose_retirement_the_data_takes_back_is_acknowledged_again_not_open(app):
    add(app, "bo", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10)
    (shift,) = found(app, kind="dominant_shift")
    anne = coach(app)
    with app.db.write() as con:
        flags.acknowledge(con, shift.id, anne, None, NOW)
    add(app, "bo", [CONTEXT] * 10, start=START + timedelta(weeks=20))
    assert found(app, kind="dominant_shift")[0].status == "retired"
    with app.db.write() as con:  # the last weeks turn out to belong to another client
        late = (START + timedelta(weeks=20)).replace(tzinfo=None)
        con.execute("DELETE FROM scores WHERE checkin_id IN (SELECT id FROM checkins WHERE submitted_at >= ?)", [late])
        con.execute("DELETE FROM checkins WHERE submitted_at >= ?", [late])
    recompute(app)
    (again,) = found(app, kind="dominant_shift")
    assert (again.id, again.status, again.retired_at) == (shift.id, "acknowledged", None)


def test_a_resolved_flag_stays_resolved_and_reopening_a_retired_one_keeps_it_retired(app):
    add(app, "cy", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10)
    (shift,) = found(app, kind="dominant_shift")
    anne = coach(app)
    with app.db.write() as con:
        flags.resolve(con, shift.id, anne, NOW)
    add(app, "cy", [CONTEXT] * 10, start=START + timedelta(weeks=20))
    old = found(app, kind="dominant_shift")[0]
    assert (old.status, old.retired_reason) == ("resolved", "superseded")
    with app.db.write() as con:
        flags.reopen(con, shift.id, anne)
    assert found(app, kind="dominant_shift")[0].status == "retired"


def test_a_reliable_deterioration_retires_once_back_within_noise(app):
    add(app, "di", [CALM] * 8 + [PHYSIOLOGICAL] * 10 + [CALM] * 12)
    (worse,) = found(app, kind="reliable_deterioration")
    assert worse.dynamic == "physiological" and worse.status == "retired"
    assert worse.retired_reason == "back_within_noise" and worse.at < worse.retired_at
    assert found(app, kind="reliable_deterioration", status="open") == []


def test_missed_check_ins_retire_when_the_client_checks_in_again(app):
    add(app, "ed", [CALM] * 3)
    with app.db.write() as con:
        for index, status in enumerate(["completed", "missed", "missed"]):
            opens = (START + timedelta(weeks=10 + index)).replace(tzinfo=None)
            con.execute("INSERT INTO periods (client_id, kind, opens_at, closes_at, status, created_at) "
                        "VALUES ('ed', 'scheduled', ?, ?, ?, ?)", [opens, opens + timedelta(days=5), status, opens])
        derived.refresh(con, ["ed"], app.instrument, app.settings.detection, NOW)
    (missed,) = found(app, kind="missed_checkins")
    assert missed.status == "open"
    add(app, "ed", [CALM], start=START + timedelta(weeks=13))
    (missed,) = found(app, kind="missed_checkins")
    assert (missed.status, missed.retired_reason) == ("retired", "checked_in")
    assert missed.retired_at == START + timedelta(weeks=13)


def test_a_mismatch_raised_by_a_focus_change_is_dated_at_that_change(app):
    add(app, "fa", [PHYSIOLOGICAL] * 6)
    changed = START + timedelta(weeks=7, hours=3)
    with app.db.write() as con:
        clients.set_focus(con, "fa", "context", None, changed)
        derived.refresh(con, ["fa"], app.instrument, app.settings.detection, NOW)
    (mismatch,) = found(app, kind="focus_mismatch")
    assert mismatch.at == changed and mismatch.checkin_id is None and mismatch.status == "open"


def test_a_contact_request_leaves_the_open_list_only_through_a_coach(app):
    add(app, "gi", [CALM] * 4 + [PHYSIOLOGICAL] * 20, contact={1: "Kunnen we praten?"})
    (request,) = found(app, kind="contact_request")
    assert request.status == "open" and request.retired_at is None
    anne = coach(app)
    with app.db.write() as con:
        flags.resolve(con, request.id, anne, NOW)
    recompute(app)
    assert found(app, kind="contact_request")[0].status == "resolved"


def test_several_flags_of_a_client_are_acknowledged_at_once_and_only_the_viewers(app):
    add(app, "ha", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10, contact={2: "Graag contact"})
    add(app, "iv", [CALM] * 3, contact={1: "Hallo"}, coach_email="marc@example.org")
    # Open flags only: the physiological not_on_track retired when identity took over, and stays history.
    mine = [flag.id for flag in found(app, client_id="ha", status="open")]
    (theirs,) = [flag.id for flag in found(app, client_id="iv")]
    anne = coach(app)
    with pytest.raises(NotFound), app.db.write() as con:
        flags.acknowledge_many(con, "ha", [*mine, theirs], anne, "seen", NOW)
    assert {flag.status for flag in found(app, client_id="ha") if flag.id in mine} == {"open"}
    with pytest.raises(NotFound), app.db.write() as con:
        flags.acknowledge_many(con, "iv", [theirs], anne, "seen", NOW)
    with app.db.write() as con:
        done = flags.acknowledge_many(con, "ha", mine, anne, "seen in session", NOW)
        again = flags.acknowledge_many(con, "ha", mine, anne, "again", NOW + timedelta(hours=1))
    assert done == flags.Acknowledged("ha", tuple(sorted(mine))) and again.flag_ids == ()
    after = [flag for flag in found(app, client_id="ha") if flag.id in mine]
    assert {flag.status for flag in after} == {"acknowledged"}
    assert {flag.acknowledged.note for flag in after} == {"seen in session"}
    recompute(app)
    assert {flag.status for flag in found(app, client_id="ha") if flag.id in mine} == {"acknowledged"}


def test_the_digest_gives_each_client_one_line_without_repeats_or_history(app):
    add(app, "ja", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10 + [CONTEXT] * 10)  # two shifts, the first retired
    add(app, "ko", [CALM] * 3, contact={1: "Bel me", 2: "Nog steeds graag"})
    add(app, "lu", [CALM] * 12)
    anne = coach(app)
    with app.db.read() as con:
        lines = flags.digest_lines(con, [anne.coach_id], NOW - timedelta(days=7))[anne.coach_id]
    assert [line.client_id for line in lines] == ["ko", "ja"]  # a contact request first; nothing for lu
    ko, ja = lines
    assert [item.kind for item in ko.items] == ["contact_request"]  # the newer of two requests, once
    assert ko.items[0].at == START + timedelta(weeks=2) and ko.new == 1
    shifts = [item for item in ja.items if item.kind == "dominant_shift"]
    assert len(shifts) == 1 and shifts[0].status == "open"
    assert (shifts[0].evidence["from"], shifts[0].evidence["to"]) == ("identity", "context")
    subjects = [(item.kind, item.evidence.get("dynamic")) for item in ja.items]
    assert len(subjects) == len(set(subjects)) and ja.items[0].kind == "dominant_shift"
    assert all(item.status == "open" for item in ja.items) and ja.label == "Ja (ja)"
    assert ko.words("nl") == f"Ko (ko): Wil contact, {day(START + timedelta(weeks=2), 'nl')}"
    assert ja.words("en").startswith("Ja (ja): Dominant dynamic shifted: Identity → Context, ")


def test_the_caseload_orders_by_urgency_and_says_what_needs_attention(app):
    add(app, "old-shift", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10)
    add(app, "asks-early", [CALM] * 3, contact={1: "Het gaat niet goed met me, kunnen we eerder afspreken?"})
    add(app, "asks-late", [CALM] * 3, start=START + timedelta(weeks=5), contact={2: "Graag contact"})
    add(app, "worse", [CALM] * 8 + [PHYSIOLOGICAL] * 4)
    add(app, "seen", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10)
    add(app, "quiet", [CALM] * 5)
    seen = [flag.id for flag in found(app, client_id="seen")]
    anne = coach(app)
    with app.db.write() as con:
        flags.acknowledge_many(con, "seen", seen, anne, None, NOW)
        listed = caseload.attention(con, anne)
        rows = caseload.sort_by_urgency(caseload.caseload(con, anne))
    order = ["asks-late", "asks-early", "old-shift", "worse", "seen", "quiet"]
    assert [entry.client_id for entry in listed] == order
    assert [row["id"] for row in rows] == order
    by_id = {entry.client_id: entry for entry in listed}
    assert by_id["asks-early"].items[0].note_start == "Het gaat niet goed met me, kunnen we eerder afspreken?"
    assert by_id["asks-early"].items[0].words("en").startswith("Asks for contact: “Het gaat niet goed met me")
    shift = by_id["old-shift"].items[0]
    assert shift.words("nl", tz="Europe/Amsterdam") == (
        f"Verschuiving dominante dynamiek: Lichaam / energie → Identiteit, {day(shift.at, 'nl', 'Europe/Amsterdam')}")
    worse = {item.kind: item for item in by_id["worse"].items}
    assert [item.rank for item in by_id["worse"].items] == [2, 2]  # not on track ranks with a deterioration
    assert worse["reliable_deterioration"].words("en").startswith("Reliable deterioration: Body / energy +")
    assert worse["not_on_track"].words("en").startswith("Not on track: Body / energy, ")
    assert by_id["quiet"].items == () and by_id["seen"].rank == caseload.ACKNOWLEDGED


def test_the_caseload_trend_follows_one_dynamic(app):
    add(app, "tr", [PHYSIOLOGICAL] * 8 + [IDENTITY] * 8)
    with app.db.read() as con:
        (row,) = caseload.caseload(con, coach(app))
    assert row["spark_dynamic"] == "identity" and len(row["spark"]) == caseload.SPARK_POINTS
    assert None not in row["spark"] and row["spark"][-1] > 70


def test_koers_flags_gives_the_same_sentence_in_the_asked_language(app, koers):
    add(app, "mo", [CALM] * 8 + [PHYSIOLOGICAL] * 6 + [IDENTITY] * 8, contact={3: "Bellen?"})
    stored = {flag.id: flag for flag in found(app)}
    for lang in ("nl", "en"):
        listed = json.loads(koers("flags", "--format", "json", "--lang", lang).stdout)
        assert {flag["id"] for flag in listed} == set(stored)
        for flag in listed:
            assert flag["evidence"]["summary"] == stored[flag["id"]].words(lang).summary
            assert set(flag) >= {"id", "client", "kind", "at", "from", "to", "dynamic", "status", "evidence"}
        text = koers("flags", "--lang", lang, "--client", "mo").stdout
        assert all(stored[flag_id].words(lang).summary in text for flag_id in stored)
    retired = json.loads(koers("flags", "--format", "json", "--status", "retired").stdout)
    assert all(flag["status"] == "retired" and flag["retired"]["reason"] for flag in retired)
    assert koers("flags", "--format", "json", "--kind", "missed_checkins").stdout == "[]\n"


def test_every_finding_keeps_one_row_however_often_it_is_recomputed(app):
    add(app, "no", [PHYSIOLOGICAL] * 10 + [IDENTITY] * 10 + [CONTEXT] * 10, contact={4: "Graag"})
    for _ in range(3):
        recompute(app)
    with app.db.read() as con:
        total, keys = con.execute("SELECT count(*), count(DISTINCT key) FROM flags").fetchone()
    assert total == keys > 0
