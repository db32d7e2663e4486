"""`koers import`, on a DuckDB file and on PostgreSQL: every bad input is refused with its line and
column, and nothing is written."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from tests.factories import checkin, csv_text, database_fingerprint, weekly
from tracking.store import database
from tracking.store.dialect import answer_at
from tracking.store.importer import CONTACT_WORDS

GOOD = [checkin("C1", "2026-03-02T09:15:00+01:00"), checkin("C1", "2026-03-09T09:15:00+01:00")]


@pytest.fixture
def db_path(backend):
    """Every test here runs on a DuckDB file and on a PostgreSQL database."""
    return backend.location


def write(tmp_path, text: str | bytes, name: str = "checkins.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def refused(koers, db_path, path, *expected: str, coach: str | None = None):
    """Import must exit 2, name every expected fragment, and leave the database as it was."""
    before = database_fingerprint(db_path)
    args = ["import", path] + (["--coach", coach] if coach else [])
    ran = koers(*args)
    assert ran.exit_code == 2, ran.output
    for fragment in expected:
        assert fragment in ran.stderr, f"{fragment!r} not in:\n{ran.stderr}"
    assert "Traceback" not in ran.output
    assert database_fingerprint(db_path) == before
    return ran.stderr


@pytest.mark.usefixtures("ready_db")
class TestBadInput:
    def test_unknown_column(self, koers, db_path, tmp_path):
        header = ["client_id", "submitted_at", *[k for k in GOOD[0] if k not in ("client_id", "submitted_at")], "mood"]
        path = write(tmp_path, csv_text(GOOD, header=header))
        refused(koers, db_path, path, "line 1, column mood: unknown column")

    def test_missing_column(self, koers, db_path, tmp_path):
        header = [k for k in GOOD[0] if k != "meaning"]
        path = write(tmp_path, csv_text(GOOD, header=header))
        refused(koers, db_path, path, "line 1, column meaning: missing column")

    def test_duplicate_column(self, koers, db_path, tmp_path):
        header = [*GOOD[0].keys(), "sleep"]
        path = write(tmp_path, csv_text(GOOD, header=header))
        refused(koers, db_path, path, "line 1, column sleep: this column appears twice")

    def test_value_that_is_not_a_number(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([GOOD[0], checkin("C1", "2026-03-09T09:00:00Z", sleep="good")]))
        refused(koers, db_path, path, "line 3, column sleep: 'good' is not a number")

    @pytest.mark.parametrize("value", ["11", "-1", "100"])
    def test_value_out_of_range(self, koers, db_path, tmp_path, value):
        path = write(tmp_path, csv_text([checkin("C1", energy=value)]))
        refused(koers, db_path, path, f"line 2, column energy: '{value}' is out of range")

    @pytest.mark.parametrize("value, written", [("-0", "0"), ("010", "10"), ("+007", "7")])
    def test_a_number_on_the_scale_written_oddly_says_how_to_write_it(self, koers, db_path, tmp_path, value,
                                                                       written):
        path = write(tmp_path, csv_text([checkin("C1", energy=value)]))
        refused(koers, db_path, path,
                f"line 2, column energy: '{value}' is not written as a plain whole number: write {written}")

    @pytest.mark.parametrize("value", ["3.5", "7.0"])
    def test_fraction(self, koers, db_path, tmp_path, value):
        path = write(tmp_path, csv_text([checkin("C1", concentration=value)]))
        refused(koers, db_path, path, f"line 2, column concentration: '{value}' is a fraction")

    def test_dutch_decimal_comma_is_a_fraction(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([checkin("C1", meaning="6,5")], sep=";"))
        refused(koers, db_path, path, "line 2, column meaning: '6,5' is a fraction")

    @pytest.mark.parametrize("value,message", [
        ("02-03-2026 09:15", "is not an ISO 8601 date"),
        ("2026-13-01T09:00:00Z", "is not a real date"),
        ("2026-02-30", "is not a real date"),
        ("yesterday", "is not an ISO 8601 date"),
        ("2026-01-05T09:00:00+25:00", "has a time zone offset that does not exist"),
        ("2026-01-05T09:00:00z", "is not an ISO 8601 date"),  # DuckDB reads neither: not "not a real date"
        ("2026-01-05 09:00:00 +01:00", "is not an ISO 8601 date"),
        ("0001-01-01", "is before the year 2000; check the year"),
        ("1900-01-01T00:00:00Z", "is before the year 2000; check the year"),
    ])
    def test_bad_date(self, koers, db_path, tmp_path, value, message):
        path = write(tmp_path, csv_text([checkin("C1", at=value)]))
        refused(koers, db_path, path, f"line 2, column submitted_at: '{value}' {message}")

    def test_empty_date(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([GOOD[0], checkin("C1", at="")]))
        refused(koers, db_path, path, "line 3, column submitted_at: the date is empty")

    def test_future_date(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([checkin("C1", at="2999-01-04T09:00:00Z")]))
        refused(koers, db_path, path, "line 2, column submitted_at: '2999-01-04T09:00:00Z' is in the future")

    def test_empty_client_id(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([GOOD[0], checkin("  ")]))
        refused(koers, db_path, path, "line 3, column client_id: the client id is empty")

    def test_short_row(self, koers, db_path, tmp_path):
        text = csv_text(GOOD) + "C2,2026-03-02T09:00:00Z,5,5,5\n"
        path = write(tmp_path, text)
        refused(koers, db_path, path, "line 4, column physical_exhaustion: short row: 5 fields, expected 20")

    def test_row_with_too_many_fields(self, koers, db_path, tmp_path):
        text = csv_text(GOOD).rstrip("\n") + ",extra\n"
        path = write(tmp_path, text)
        refused(koers, db_path, path, "line 3: too many fields: 21, expected 20")

    def test_duplicate_rows_in_the_file(self, koers, db_path, tmp_path):
        rows = [GOOD[0], GOOD[1], checkin("C1", "2026-03-02T08:15:00Z")]  # same instant as line 2
        path = write(tmp_path, csv_text(rows))
        refused(koers, db_path, path, "line 4, column submitted_at: same client and time as line 2")

    def test_duplicate_of_a_stored_checkin(self, koers, db_path, tmp_path):
        first = write(tmp_path, csv_text(GOOD), "first.csv")
        assert koers("import", first).exit_code == 0
        again = write(tmp_path, csv_text([checkin("C1", "2026-03-16T09:15:00+01:00"), GOOD[1]]), "again.csv")
        refused(koers, db_path, again,
                "line 3, column submitted_at: a check-in for this client at this time is already stored")

    def test_note_too_long(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([checkin("C1", note="x" * 2001)]))
        refused(koers, db_path, path, "line 2, column note: the note has 2,001 characters; at most 2,000 fit")

    def test_contact_request_that_is_not_yes_or_no(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([checkin("C1", contact_request="maybe")]))
        refused(koers, db_path, path, "line 2, column contact_request: 'maybe' " + CONTACT_WORDS)

    def test_empty_file(self, koers, db_path, tmp_path):
        refused(koers, db_path, write(tmp_path, b""), "checkins.csv: file: the file is empty")

    def test_header_only(self, koers, db_path, tmp_path):
        refused(koers, db_path, write(tmp_path, csv_text([])), "the file has a header but no check-ins")

    def test_binary_file(self, koers, db_path, tmp_path):
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
        refused(koers, db_path, write(tmp_path, png, "photo.csv"), "photo.csv: file: this is not a CSV text file")

    def test_latin1_text(self, koers, db_path, tmp_path):
        text = csv_text([checkin("C1", note="caf\u00e9")]).encode("latin-1")
        refused(koers, db_path, write(tmp_path, text), "line 2: not UTF-8 text")

    def test_missing_file(self, koers, db_path, tmp_path):
        ran = koers("import", tmp_path / "nope.csv")
        assert ran.exit_code == 2
        assert "nope.csv: no such file" in ran.stderr

    def test_a_pipe_is_refused_before_anything_is_read(self, koers, db_path, tmp_path):
        """A pipe can be read once; the import reads a file more than once (a FIFO with no writer would
        also block the import for good)."""
        fifo = tmp_path / "checkins.csv"
        os.mkfifo(fifo)
        refused(koers, db_path, fifo, "checkins.csv: is not a file but a pipe or a device")

    def test_a_note_longer_than_the_csv_modules_limit_is_refused_with_its_length(self, koers, db_path, tmp_path):
        path = write(tmp_path, csv_text([GOOD[0], checkin("C1", at="2026-03-09T09:00:00Z", note="x" * 300_000)]))
        refused(koers, db_path, path, "line 3, column note: the note has 300,000 characters; at most 2,000 fit")

    def test_lines_ending_in_a_lone_carriage_return_keep_their_numbers(self, koers, db_path, tmp_path):
        text = csv_text([GOOD[0], checkin("C1", at="2026-03-09T09:00:00Z", sleep="55")], line_end="\r")
        refused(koers, db_path, write(tmp_path, text), "line 3, column sleep: '55' is out of range")

    def test_a_nul_character_in_a_note_far_into_the_file_is_refused_like_one_at_its_start(self, koers, db_path,
                                                                                          tmp_path):
        rows = [checkin(f"C{n}") for n in range(1_500)]  # well past the first 64 KiB, checked as a whole
        rows.append(checkin("C-last", note="a\x00b"))
        refused(koers, db_path, write(tmp_path, csv_text(rows)),
                "line 1502, column note: the note contains a NUL character")

    def test_every_problem_is_reported_not_only_the_first(self, koers, db_path, tmp_path):
        rows = [checkin("C1", sleep="x"), checkin("C1", "2026-03-09T09:00:00Z", energy="12", note="y" * 2001),
                checkin("", "2026-03-16T09:00:00Z")]
        path = write(tmp_path, csv_text(rows))
        stderr = refused(koers, db_path, path, "4 problems found; nothing was imported",
                         "line 2, column sleep", "line 3, column energy", "line 3, column note",
                         "line 4, column client_id")
        assert stderr.index("line 2") < stderr.index("line 3") < stderr.index("line 4")

    def test_line_numbers_count_notes_that_span_lines(self, koers, db_path, tmp_path):
        rows = [checkin("C1", note="first line\nsecond line\nthird"), checkin("C1", "2026-03-09T09:00:00Z", sleep="11")]
        path = write(tmp_path, csv_text(rows))
        refused(koers, db_path, path, "line 5, column sleep")

    def test_line_numbers_with_a_short_row_after_a_multiline_note(self, koers, db_path, tmp_path):
        text = csv_text([checkin("C1", note="a\nb")]) + "C2,2026-03-02T09:00:00Z\n" + \
            csv_text([checkin("C3", sleep="x")]).split("\n", 1)[1]
        path = write(tmp_path, text)
        refused(koers, db_path, path, "line 4, column sleep: short row", "line 5, column sleep: 'x' is not a number")

    def test_unknown_coach(self, koers, db_path, tmp_path):
        ran = koers("import", write(tmp_path, csv_text(GOOD)), "--coach", "nobody@example.org")
        assert ran.exit_code == 2
        assert "no coach with email nobody@example.org" in ran.stderr

    def test_client_of_another_coach(self, koers, db_path, tmp_path):
        koers("coach", "add", "other@example.org", "--name", "Other", "--password-stdin", input="another password\n")
        assert koers("import", write(tmp_path, csv_text(GOOD), "a.csv"), "--coach", "other@example.org").exit_code == 0
        path = write(tmp_path, csv_text([checkin("C2"), checkin("C1", "2026-04-06T09:00:00Z")]), "b.csv")
        refused(koers, db_path, path, "line 3, column client_id: client C1 belongs to another coach",
                coach="coach@example.org")

    def test_client_of_another_coach_in_a_first_import(self, koers, db_path, tmp_path):
        """With no check-ins stored, each client's first record is what is checked: C1's is line 4."""
        koers("coach", "add", "other@example.org", "--name", "Other", "--password-stdin", input="another password\n")
        assert koers("client", "add", "C1", "--email", "c1@example.org", "--coach", "other@example.org").exit_code == 0
        rows = [checkin("C2"), checkin("C2", "2026-04-06T09:00:00Z"), checkin("C1", "2026-04-13T09:00:00Z"),
                checkin("C1", "2026-04-20T09:00:00Z"), checkin("C3")]
        stderr = refused(koers, db_path, write(tmp_path, csv_text(rows)),
                         "line 4, column client_id: client C1 belongs to another coach", coach="coach@example.org")
        assert stderr.count("belongs to another coach") == 1


@pytest.mark.usefixtures("ready_db")
class TestAccepted:
    def test_it_imports_and_scores(self, koers, db_path, tmp_path):
        rows = weekly("C1", 3, sleep=2, energy=3, concentration=4, physical_exhaustion=9)
        ran = koers("import", write(tmp_path, csv_text(rows)))
        assert ran.exit_code == 0, ran.output
        assert "Imported 3 check-ins for 1 client (1 new)" in ran.stdout
        timeline = json.loads(koers("timeline", "C1", "--format", "json").stdout)
        assert len(timeline["checkins"]) == 3
        # strain: sleep 10-2=8, energy 7, concentration 6, exhaustion 9 -> mean 7.5 -> 75
        assert timeline["checkins"][0]["scores"]["physiological"] == 75.0
        assert timeline["checkins"][0]["core"] == {"sleep": 2, "energy": 3, "reactivity": 5, "meaning": 5}

    def test_it_accepts_files_as_dutch_excel_saves_them(self, koers, tmp_path):
        text = "\ufeff" + csv_text(GOOD, sep=";", line_end="\r\n")
        ran = koers("import", write(tmp_path, text))
        assert ran.exit_code == 0, ran.output
        assert "Imported 2 check-ins" in ran.stdout

    @pytest.mark.parametrize("line_end, sep", [("\r", ","), ("\n", "\t")], ids=["old-mac-line-ends", "tabs"])
    def test_it_accepts_lone_carriage_returns_and_tabs(self, koers, tmp_path, line_end, sep):
        ran = koers("import", write(tmp_path, csv_text(GOOD, sep=sep, line_end=line_end)))
        assert ran.exit_code == 0, ran.output
        assert "Imported 2 check-ins" in ran.stdout

    @pytest.mark.parametrize("value,expected", [("1", True), ("TRUE", True), ("waar", True), ("0", False),
                                                ("false", False), ("", False)])
    def test_contact_request_words(self, koers, tmp_path, value, expected):
        assert koers("import", write(tmp_path, csv_text([checkin("C1", contact_request=value)]))).exit_code == 0
        timeline = json.loads(koers("timeline", "C1", "--format", "json").stdout)
        assert timeline["checkins"][0]["contact_request"] is expected

    def test_unanswered_items_leave_a_dynamic_missing_not_zero(self, koers, tmp_path):
        row = checkin("C1", sleep="", energy="", concentration="")  # one physiological item left
        assert koers("import", write(tmp_path, csv_text([row]))).exit_code == 0
        scores = json.loads(koers("timeline", "C1", "--format", "json").stdout)["checkins"][0]["scores"]
        assert scores["physiological"] is None
        assert scores["context"] == 50.0

    @pytest.mark.parametrize("value", ["2026-01-05T09:00:00+14:00", "2026-01-05T09:00:00-12:00",
                                       "2026-01-05T09:00:00+0530", "2026-01-05 09:00", "2026-01-05",
                                       "2000-01-01T00:00:00Z"])
    def test_every_real_offset_and_form_is_read(self, koers, tmp_path, value):
        ran = koers("import", write(tmp_path, csv_text([checkin("C1", at=value)])))
        assert ran.exit_code == 0, ran.output

    def test_times_without_offset_are_utc(self, koers, tmp_path):
        assert koers("import", write(tmp_path, csv_text([checkin("C1", at="2026-03-02 09:15")]))).exit_code == 0
        timeline = json.loads(koers("timeline", "C1", "--format", "json").stdout)
        assert timeline["checkins"][0]["at"] == "2026-03-02T09:15:00+00:00"

    def test_quoted_notes_keep_their_text(self, koers, tmp_path):
        note = 'She said "no", then; later\nshe wrote <b>this</b>'
        assert koers("import", write(tmp_path, csv_text([checkin("C1", note=note)], sep=";"))).exit_code == 0
        timeline = json.loads(koers("timeline", "C1", "--format", "json").stdout)
        assert timeline["checkins"][0]["note"] == note

    def test_coach_option_assigns_new_clients(self, koers, tmp_path, db_path):
        assert koers("import", write(tmp_path, csv_text(GOOD)), "--coach", "coach@example.org").exit_code == 0
        with database(db_path).read() as con:
            assert con.execute("SELECT c.email FROM clients JOIN coaches c ON c.id = clients.coach_id").fetchall() == [
                ("coach@example.org",)]


def test_a_duplicate_in_a_large_file_names_its_own_lines(koers, db_path, tmp_path, ready_db):
    """In a file of a million check-ins (the import benchmark's) the records are checked in parallel;
    the lines named are still the file's own: a repeat of line 2 at the very end is line 1,000,002."""
    from benchmarks.import_bench import generate

    path = tmp_path / "large.csv"
    generate(path, clients=10_000, weeks=100)
    with path.open("r+", encoding="utf-8", newline="") as file:
        file.readline()
        second = file.readline()
        file.seek(0, 2)
        file.write(second)
    stderr = refused(koers, db_path, path)
    assert "line 1000002, column submitted_at: same client and time as line 2 (a duplicate row)" in stderr


def test_a_clash_far_into_a_large_file_names_its_own_line_and_ids_follow_the_file(koers, db_path, tmp_path,
                                                                                 ready_db):
    """Beyond DuckDB's first row group (122,880 rows) the file is typed on more than one thread; a
    record's number is still its place, in the clash named and in the ids given."""
    from benchmarks.import_bench import generate

    big = tmp_path / "big.csv"
    generate(big, clients=1_400, weeks=100)  # 140,000 rows, one line each
    lines = big.read_text(encoding="utf-8").splitlines()
    one = write(tmp_path, lines[0] + "\n" + lines[130_000] + "\n", name="one.csv")  # line 130,001
    assert koers("import", one).exit_code == 0
    ran = koers("import", big)
    assert ran.exit_code == 2
    assert "line 130001, column submitted_at: a check-in for this client at this time is already stored" in ran.stderr
    assert ran.stderr.count("already stored") == 1

    store = database(db_path)
    with store.write() as con:
        for table in ("flags", "states", "scores", "checkins"):
            con.execute(f"DELETE FROM {table}")
    assert koers("import", big).exit_code == 0
    with store.read() as con:  # record r (line r + 2) is check-in r + 1
        rows = con.execute("SELECT id, client_id, submitted_at FROM checkins WHERE id IN (?, ?, ?) ORDER BY id",
                           [1, 130_000, 140_000]).fetchall()
    assert [(row[0], row[1], row[2].strftime("%Y-%m-%dT%H:%M")) for row in rows] == [
        (n, lines[n].split(",")[0], (datetime.fromisoformat(lines[n].split(",")[1]).astimezone(UTC)
                                     .strftime("%Y-%m-%dT%H:%M"))) for n in (1, 130_000, 140_000)]


def test_the_typing_of_a_file_keeps_its_order():
    """A record's number is its row id in the typed table. DuckDB keeps a plain projection in the
    order it reads; after a join (which is how it plans `x IN (a, b, c, d, e)`) it did not."""
    import duckdb

    from tracking.instrument import load_instrument
    from tracking.store import importer

    instrument = load_instrument()
    columns = ["client_id", "submitted_at", *instrument.item_ids, "contact_request", "note"]
    con = duckdb.connect()
    con.execute("CREATE TABLE raw AS SELECT " + ", ".join(f"NULL::VARCHAR AS {c}" for c in columns))
    statement = importer._typing(instrument, "raw").replace("CREATE TABLE typed AS", "EXPLAIN", 1)
    plan = con.execute(statement, {"latest": datetime.now(UTC), "earliest": importer.EARLIEST}).fetchall()[0][1]
    assert "Projection" in plan and "Join" not in plan


def test_a_clean_file_reaches_the_database_in_batches_of_its_row_groups(tmp_path, monkeypatch):
    """The checked rows go to DuckDB in batches of its row groups, numbered in the file's order:
    DuckDB inserts such batches on every thread, and batches of another size on one."""
    from tracking.instrument import load_instrument
    from tracking.store import importer

    monkeypatch.setattr(importer, "ROW_GROUP_ROWS", 1_000)
    rows = [row for client in ("A1", "B2", "C3", "D4", "E5") for row in weekly(client, 500)]
    path = write(tmp_path, csv_text(rows))
    instrument = load_instrument()
    checked = importer._checked(importer.csvfile.inspect_file(path, instrument), instrument,
                                datetime(2040, 1, 1, tzinfo=UTC), path, lambda message: None)
    assert [len(batch) for batch in checked.to_batches()] == [1_000, 1_000, 500]
    assert checked["rec"].to_pylist() == list(range(2_500))
    assert checked["client_id"].to_pylist() == [row["client_id"] for row in rows]


def _raw_row(client: str, note: str = "", sleep: str = "5", at: str = "2026-03-02T09:15:00+01:00",
             contact: str = "") -> str:
    """A record written as it stands, quotes and all (the factories quote what needs it)."""
    return ",".join([client, at, sleep, *["5"] * 15, contact, note])


_HEADER = csv_text([]).rstrip("\n")


@pytest.mark.usefixtures("ready_db")
class TestQuotesAndNames:
    """Files that DuckDB's reader and the record-by-record reader could read differently, and file
    names that DuckDB's reader would read as patterns: the import reads what the file says, or
    refuses it with the line to mend."""

    def test_a_header_whose_quote_is_not_closed_is_refused(self, koers, db_path, tmp_path):
        text = "\n".join([_HEADER.replace(",note", ',"note'), _raw_row("K-1"), _raw_row("K-3", note='x"'),
                          _raw_row("K-2")]) + "\n"
        refused(koers, db_path, write(tmp_path, text), "line 1: the header cannot be read as CSV")

    @pytest.mark.parametrize("name", ["k[12].csv", "w*.csv", "what?.csv"])
    def test_a_file_name_with_pattern_characters_reads_that_file(self, koers, db_path, tmp_path, name):
        write(tmp_path, csv_text([checkin("OTHER-1")]), "k1.csv")
        write(tmp_path, csv_text([checkin("OTHER-2")]), "wA.csv")
        ran = koers("import", write(tmp_path, csv_text([checkin("NAMED")]), name))
        assert ran.exit_code == 0, ran.output
        assert "Imported 1 check-in for 1 client" in ran.stdout
        with database(db_path).read() as con:
            assert con.execute("SELECT DISTINCT client_id FROM checkins").fetchall() == [("NAMED",)]

    @pytest.mark.parametrize("note", ['"x,y" ', '"x" "y"'], ids=["space-after-quote", "text-between-quotes"])
    def test_quoting_only_duckdb_reads_is_named_when_the_file_has_a_problem(self, koers, db_path, tmp_path, note):
        text = "\n".join([_HEADER, _raw_row("K-1", note=note), _raw_row("K-2"), _raw_row("K-3", sleep="11")]) + "\n"
        refused(koers, db_path, write(tmp_path, text), "line 2: cannot be read as CSV")

    def test_a_quote_after_a_space_does_not_shift_the_lines(self, koers, db_path, tmp_path):
        """DuckDB reads ` "x<newline>y"` as one quoted note; a quote may only open a field, so the
        record ends at the line break, and line 3 is a short row."""
        text = "\n".join([_HEADER, _raw_row("K-1", note=' "x\ny"'), _raw_row("K-2"),
                          _raw_row("K-3", sleep="11")]) + "\n"
        refused(koers, db_path, write(tmp_path, text), "line 3, column submitted_at: short row")

    def test_a_quote_after_a_space_does_not_shift_a_clash_with_stored_check_ins(self, koers, db_path, tmp_path):
        assert koers("import", write(tmp_path, _HEADER + "\n" + _raw_row("K-3") + "\n", "first.csv")).exit_code == 0
        text = "\n".join([_HEADER, _raw_row("K-1", note=' "x\ny"'), _raw_row("K-2"), _raw_row("K-3")]) + "\n"
        stderr = refused(koers, db_path, write(tmp_path, text), "line 3, column submitted_at: short row")
        assert "already stored" not in stderr

    def test_empty_fields_after_the_last_column_are_read_past_on_either_path(self, koers, tmp_path):
        clean = "\n".join([_HEADER, _raw_row("K-1", note="n") + ",,,", _raw_row("K-2") + ',""']) + "\n"
        ran = koers("import", write(tmp_path, clean, "clean.csv"))
        assert ran.exit_code == 0, ran.output
        # A line of spaces sends the file to the record-by-record reader, which reads the same.
        ran = koers("import", write(tmp_path, clean.replace("K-", "L-") + "   \n", "spaces.csv"))
        assert ran.exit_code == 0, ran.output
        assert "Imported 2 check-ins" in ran.stdout

    def test_a_contact_request_with_a_tab_is_named(self, koers, db_path, tmp_path):
        text = _HEADER + "\n" + _raw_row("K-1", contact="ja\t") + "\n"
        refused(koers, db_path, write(tmp_path, text), "line 2, column contact_request: 'ja\\t' is not empty")

    @pytest.mark.parametrize("alone", [True, False], ids=["alone", "beside-another-problem"])
    @pytest.mark.parametrize("column, value, message", [
        ("contact_request", "\u00a0ja\u00a0", "'\\xa0ja\\xa0' " + CONTACT_WORDS),
        ("contact_request", "\u3000true", "'\\u3000true' " + CONTACT_WORDS),
        ("submitted_at", "\u20092026-03-02T09:15:00Z", "is not an ISO 8601 date and time"),
        ("submitted_at", "\u0662\u0660\u0662\u0666-03-02T09:15:00Z", "is not an ISO 8601 date and time"),
    ], ids=["no-break-space", "ideographic-space", "thin-space-date", "arabic-indic-digits"])
    def test_only_plain_spaces_around_a_value_are_read_past(self, koers, db_path, tmp_path, column, value,
                                                              message, alone):
        """Other white space, or digits of another script, are named as the value's problem: the same
        whether the row is the file's only problem or one of several (the database's check and the
        one that words the message read a value alike)."""
        row = (_raw_row("K-1", contact=value) if column == "contact_request" else
               _raw_row("K-1", at=value))
        rows = [row] if alone else [row, _raw_row("K-2", sleep="11")]
        stderr = refused(koers, db_path, write(tmp_path, _HEADER + "\n" + "\n".join(rows) + "\n"),
                         f"line 2, column {column}:", message)
        assert "could not be read" not in stderr

    @pytest.mark.parametrize("at", ["2026-03-02T09:15:00+14:30", "2026-03-02T09:15:00-14:59"])
    def test_an_offset_over_14_hours_is_refused(self, koers, db_path, tmp_path, at):
        refused(koers, db_path, write(tmp_path, csv_text([checkin("K-1", at)])),
                "line 2, column submitted_at:", "has a time zone offset that does not exist (at most 14 hours)")

    def test_an_offset_of_14_hours_is_taken(self, koers, tmp_path):
        assert koers("import", write(tmp_path, csv_text([checkin("K-1", "2026-03-02T09:15:00+14:00")]))).exit_code == 0

    @pytest.mark.parametrize("folder", ["client_id=EVIL", "sleep=9", "note=hello", "sleep=11",
                                        "submitted_at=2020-01-01"])
    def test_a_folder_named_like_a_column_is_only_a_folder(self, koers, db_path, tmp_path, folder):
        (tmp_path / folder).mkdir()
        text = csv_text([checkin("K-1", sleep=3, note="n"), checkin("K-2", "2026-03-09T09:15:00Z", sleep=4)])
        ran = koers("import", write(tmp_path / folder, text))
        assert ran.exit_code == 0, ran.output
        with database(db_path).read() as con:
            first = answer_at("answers", 1, con.dialect)
            rows = con.execute(f"SELECT client_id, {first}, note FROM checkins ORDER BY id").fetchall()
        assert rows == [("K-1", 3, "n"), ("K-2", 4, None)]

    def test_a_file_name_that_is_not_utf8_is_imported(self, koers, db_path, tmp_path):
        name = os.fsdecode(b"caf\xe9.csv")
        ran = koers("import", write(tmp_path, csv_text([checkin("K-1")]), name))
        assert ran.exit_code == 0, ran.output
        assert "Imported 1 check-in " in ran.stdout

    def test_a_header_with_empty_cells_after_the_last_name_is_read(self, koers, tmp_path):
        text = "\n".join([_HEADER + ",,", _raw_row("K-1", note="n") + ",,", _raw_row("K-2")]) + "\n"
        ran = koers("import", write(tmp_path, text))
        assert ran.exit_code == 0, ran.output
        assert "Imported 2 check-ins" in ran.stdout
