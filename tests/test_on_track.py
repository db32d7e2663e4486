"""Not on track as stored: the flag raised after two check-ins above the expected band and retired
when back inside, an acknowledgement that survives `koers recompute`, the curves stored like the
reliabilities, the timeline's `expected` values and `koers flags --kind not_on_track`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import OPERATOR, answers, coach, context, csv_text
from tracking.instrument import load_instrument
from tracking.models import FLAG_KINDS, Viewer
from tracking.recovery import RecoverySettings, default_curves
from tracking.store import checkins, on_track
from tracking.usecases import data
from tracking.usecases import flags as flag_cases
from tracking.usecases.clients import set_focus

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CALM = dict(work_safety=8, predictability=8, autonomy_support=8, alert_at_rest=2, reactivity=2,
            feedback_as_rejection=2, boundary_risk=2, guilt_at_rest=2, meaning=8, worth_from_performance=2,
            idle_threat=2, self_apart_from_work=8, sleep=8, energy=8, concentration=8, physical_exhaustion=2)
EMPTY_BODY = {**CALM, "sleep": 1, "energy": 1, "concentration": 2, "physical_exhaustion": 9}  # physiological 87.5


@pytest.fixture
def app(db_path):
    ctx = context(db_path)
    coach(ctx)
    return ctx


def week_rows(client_id: str, weeks: dict[int, dict]) -> list[dict]:
    return [{"client_id": client_id, "submitted_at": (START + timedelta(weeks=week)).isoformat(),
             **{item: str(value) for item, value in answers(**given).items()}, "contact_request": "", "note": ""}
            for week, given in sorted(weeks.items())]


def imported(app, tmp_path, client_id: str, weeks: dict[int, dict], now: datetime = NOW) -> None:
    source = tmp_path / f"{client_id}-{min(weeks)}.csv"
    source.write_text(csv_text(week_rows(client_id, weeks)), encoding="utf-8")
    data.import_checkins(app, OPERATOR, source, now=now)


def not_on_track(app, **filters) -> list[dict]:
    return [json.loads(text) for text in flag_cases.flags_as_json(app, OPERATOR, kind="not_on_track", lang="en",
                                                                  **filters)]


def test_not_on_track_is_a_flag_kind():
    assert "not_on_track" in FLAG_KINDS


def test_it_is_raised_after_two_checkins_above_the_band_and_retires_back_inside(app, tmp_path):
    imported(app, tmp_path, "N1", dict.fromkeys(range(8), EMPTY_BODY))
    assert not_on_track(app) == []  # in week 7 only one check-in above the band counts yet

    imported(app, tmp_path, "N1", {8: EMPTY_BODY})
    (flag,) = not_on_track(app)
    assert (flag["client"], flag["dynamic"], flag["status"]) == ("N1", "physiological", "open")
    assert flag["at"] == (START + timedelta(weeks=8)).isoformat()
    evidence = flag["evidence"]
    assert evidence["rule"] == "not_on_track.v1" and evidence["checkins_above"] == 2
    assert evidence["observed"] == 87.5 and evidence["started_at"] == 87.5
    assert evidence["expected"] < evidence["band_upper"] < evidence["observed"]
    assert evidence["weeks_since_start"] == 8.0 and evidence["focus"] is None
    assert evidence["dominant"] == "physiological" and evidence["curve_source"] == "default"
    assert evidence["summary"].startswith("Body / energy is not recovering as expected — 88 now")

    imported(app, tmp_path, "N1", {9: EMPTY_BODY, 10: CALM, 11: CALM, 12: CALM})
    (flag,) = not_on_track(app)
    assert flag["status"] == "retired"
    assert flag["retired"]["reason"] == "back_in_band"
    assert flag["retired"]["at"] == (START + timedelta(weeks=10)).isoformat()  # the first calm week


def test_the_focus_that_does_not_bring_the_expected_improvement_is_named(app, tmp_path):
    imported(app, tmp_path, "F1", dict.fromkeys(range(3), EMPTY_BODY))
    set_focus(app, OPERATOR, "F1", "physiological", now=START + timedelta(weeks=2, days=1))
    imported(app, tmp_path, "F1", dict.fromkeys(range(3, 14), EMPTY_BODY))
    flags = not_on_track(app)
    assert [f["evidence"]["rule"] for f in flags] == ["not_on_track.focus_not_improving.v1"]
    (flag,) = flags
    assert flag["evidence"]["focus"] == "physiological" and flag["evidence"]["clock"] == "focus"
    assert "the focus has been on it for" in flag["evidence"]["summary"]


def test_an_acknowledgement_survives_a_recompute(app, tmp_path):
    imported(app, tmp_path, "A1", dict.fromkeys(range(10), EMPTY_BODY))
    (flag,) = not_on_track(app)
    flag_cases.acknowledge(app, OPERATOR, flag["id"], "Talked about rhythm first", now=NOW)
    summary = data.recompute(app, OPERATOR, now=NOW + timedelta(days=1))
    assert summary.flags_raised == 0
    (again,) = not_on_track(app)
    assert (again["id"], again["status"]) == (flag["id"], "acknowledged")
    assert again["acknowledged"]["note"] == "Talked about rhythm first"
    assert again["evidence"] == flag["evidence"]


def test_a_recompute_stores_the_curves_it_used(app, tmp_path):
    imported(app, tmp_path, "C1", dict.fromkeys(range(4), EMPTY_BODY))
    data.recompute(app, OPERATOR, now=NOW)
    with app.db.read() as con:
        curves = on_track.load_curves(con, app.settings.recovery)
    assert curves is not None and set(curves.source.values()) == {"default"}  # too few clients for an estimate


def test_the_practices_own_curve_replaces_the_default_once_enough_clients_recovered(app, tmp_path):
    recovering = {}
    for number in range(32):
        falling = {week: {**EMPTY_BODY, "sleep": min(8, 1 + week // 2), "energy": min(8, 1 + week // 2),
                          "physical_exhaustion": max(2, 9 - week // 2)} for week in range(20)}
        recovering[f"R{number:02d}"] = falling
    rows = [row for client_id, weeks in recovering.items() for row in week_rows(client_id, weeks)]
    source = tmp_path / "practice.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    data.import_checkins(app, OPERATOR, source, now=NOW)
    with app.db.read() as con:
        curves = on_track.load_curves(con, app.settings.recovery)
    assert curves is not None
    assert curves.source["physiological"] == "estimated" and curves.clients["physiological"] == 32
    assert curves.source["identity"] == "default"


def test_the_timeline_gives_the_expected_strain_of_every_checkin(app, tmp_path, koers):
    imported(app, tmp_path, "T1", dict.fromkeys(range(10), EMPTY_BODY))
    ran = koers("timeline", "T1", "--format", "json")
    assert ran.exit_code == 0, ran.output
    points = json.loads(ran.stdout)["checkins"]
    assert [set(p["expected"]) for p in points] == [{"context", "relational", "physiological", "identity"}] * 10
    physiological = [p["expected"]["physiological"] for p in points]
    assert physiological[:2] == [None, None]  # the path starts at the third scored check-in
    assert physiological[2] == 87.5 and all(a > b for a, b in zip(physiological[2:], physiological[3:]))
    (flag,) = not_on_track(app)
    raised = next(p for p in points if p["at"] == flag["at"])
    assert raised["expected"]["physiological"] == flag["evidence"]["expected"]  # the same model, one client or all
    with app.db.read() as con:
        (point, *_rest) = on_track.timeline(con, "T1", Viewer.operator(), app.settings.recovery)[2:]
    assert point.band["physiological"]["zone"] == "inside"


def test_koers_flags_lists_not_on_track_by_kind(app, tmp_path, koers):
    imported(app, tmp_path, "K1", dict.fromkeys(range(10), EMPTY_BODY))
    ran = koers("flags", "--kind", "not_on_track", "--format", "json", "--lang", "nl")
    assert ran.exit_code == 0, ran.output
    (flag,) = json.loads(ran.stdout)
    assert (flag["kind"], flag["client"], flag["dynamic"]) == ("not_on_track", "K1", "physiological")
    assert flag["evidence"]["summary"].startswith("Lichaam / energie herstelt niet zoals verwacht")
    text = koers("flags", "--kind", "not_on_track")
    assert "not_on_track" in text.stdout and "physiological" in text.stdout


def test_the_curves_and_one_clients_expected_strain_read_the_same_on_both_databases(store):
    """Storing the curves and reading one client's expected strain use only SQL both databases accept."""
    instrument = load_instrument()
    settings = RecoverySettings()
    rows = [{"client_id": "P1", "submitted_at": START + timedelta(weeks=week), "answers": answers(**EMPTY_BODY),
             "contact_request": False, "note": None} for week in range(6)]
    curves = default_curves(settings)
    with store.write() as con:
        checkins.ingest(con, checkins.frame_from_rows(rows, instrument), instrument, source="import", now=NOW)
        con.execute("INSERT INTO focus_changes (client_id, focus, changed_by, changed_at) VALUES (?, ?, NULL, ?)",
                    ["P1", "physiological", (START + timedelta(weeks=3, days=1)).replace(tzinfo=None)])
        assert on_track.store_curves(con, curves, settings, NOW) is True
        assert on_track.store_curves(con, curves, settings, NOW) is False  # unchanged: nothing written
    with store.read() as con:
        assert on_track.load_curves(con, settings).as_dict() == curves.as_dict()
        assert on_track.load_curves(con, RecoverySettings(band_z=1.2)) is None  # made with other settings
        result = on_track.client_recovery(con, "P1", settings)
        points = on_track.timeline(con, "P1", Viewer.operator(), settings)
    assert result.expected.shape == (6, 4) and result.clock[4, 2] == 1  # the focus clock from week 4 on
    assert [p.expected["physiological"] for p in points][:3] == [None, None, 87.5]
    assert points[-1].band["physiological"]["zone"] in ("inside", "above", "well_above")
