"""Exports: the CSV round-trips through the import; formulas stay inert; the report escapes text."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.factories import checkin, csv_text
from tracking.context import open_context
from tracking.export import checkins_csv, escape_cell, unescape_cell
from tracking.instrument import load_instrument
from tracking.models import Viewer
from tracking.settings import load_settings
from tracking.store import checkins


def _export(db_path, client_id: str) -> str:
    app = open_context(load_settings({}, secrets_file=None, db=db_path))
    with app.db.read() as con:
        return checkins_csv(checkins.export_rows(con, client_id, Viewer.operator()), load_instrument())


@pytest.mark.parametrize("text", ["=1+1", "+31 6 1234", "-4", "@SUM(A1)", "\tx", "plain", "", "'=already"])
def test_escaping_round_trips(text):
    assert unescape_cell(escape_cell(text)) == (text or "")


def test_a_formula_is_inert_in_the_exported_file():
    assert escape_cell("=HYPERLINK(\"http://x\")").startswith("'=")
    assert escape_cell("-3 days") == "'-3 days"


def _imported_again(koers, tmp_path, exported: str, client_id: str) -> str:
    """The exported file imported into a new database, and that client exported from it."""
    second_db = tmp_path / "second.duckdb"
    again = tmp_path / "exported.csv"
    again.write_text(exported, encoding="utf-8", newline="")
    assert koers("init", "--no-secret", db=second_db).exit_code == 0
    ran = koers("import", again, db=second_db)
    assert ran.exit_code == 0, ran.output
    return _export(second_db, client_id)


@pytest.mark.usefixtures("ready_db")
def test_the_csv_export_round_trips_through_the_import(koers, tmp_path, db_path):
    rows = [
        checkin("R1", "2026-03-02T09:15:00+01:00", sleep=3, meaning="", note='=cmd|"/c calc"!A1'),
        checkin("R1", "2026-03-09T10:00:00+01:00", contact_request="1", note="line one\nline two; with, commas"),
        checkin("R1", "2026-03-16T08:30:00Z", energy=0, concentration=10, note="-minus first"),
    ]
    source = tmp_path / "source.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    assert koers("import", source).exit_code == 0
    exported = _export(db_path, "R1")
    first_note = next(csv.DictReader(io.StringIO(exported)))["note"]
    assert first_note.startswith("'=")  # a spreadsheet shows it as text

    assert _imported_again(koers, tmp_path, exported, "R1") == exported


@pytest.mark.usefixtures("ready_db")
def test_times_with_a_fraction_of_a_second_round_trip(koers, tmp_path, db_path):
    """Two check-ins half a second apart stay two: written to the second, they were one time twice,
    and the exported file was refused as a duplicate."""
    rows = [checkin("F1", "2026-03-23T08:30:00.25Z"), checkin("F1", "2026-03-23T08:30:00.75Z"),
            checkin("F1", "2026-03-30T08:30:00Z")]
    source = tmp_path / "source.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    assert koers("import", source).exit_code == 0
    exported = _export(db_path, "F1")
    times = [row["submitted_at"] for row in csv.DictReader(io.StringIO(exported))]
    assert times == ["2026-03-23T08:30:00.250000+00:00", "2026-03-23T08:30:00.750000+00:00",
                     "2026-03-30T08:30:00+00:00"]

    assert _imported_again(koers, tmp_path, exported, "F1") == exported
    timeline = json.loads(koers("timeline", "F1", "--format", "json").stdout)  # two times there too
    assert [point["at"] for point in timeline["checkins"]] == times


def test_the_longest_note_and_client_id_round_trip_though_the_export_adds_an_apostrophe(koers, tmp_path, db_path):
    """The export puts an apostrophe before a leading formula character; the import takes it off again
    before it measures, so what fitted once fits again."""
    longest_id = "=" + "K" * 63  # 64 characters, the most a client id may have
    longest_note = "- " + "x" * 1998  # 2,000 characters, a list as people type one
    source = tmp_path / "source.csv"
    source.write_text(csv_text([checkin(longest_id, "2026-03-02T09:15:00Z", note=longest_note)]), encoding="utf-8")
    assert koers("import", source).exit_code == 0
    exported = _export(db_path, longest_id)
    row = next(csv.DictReader(io.StringIO(exported)))
    assert (row["client_id"], row["note"]) == ("'" + longest_id, "'" + longest_note)

    assert _imported_again(koers, tmp_path, exported, longest_id) == exported
