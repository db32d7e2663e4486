"""Numbered, append-only migrations for both databases, each applied in one transaction with its
record, by whichever entry point comes first."""

from __future__ import annotations

import re
import threading

import pytest

from tests.factories import migrate_on_to, migrated_until
from tracking.errors import DatabaseError
from tracking.instrument import load_instrument
from tracking.settings import load_settings
from tracking.store import database, migrate, open_database
from tracking.store.dialect import DUCKDB, POSTGRESQL


def test_both_databases_ship_the_same_numbered_migrations_without_gaps():
    duckdb_names = [name for name, _sql in migrate.migrations(DUCKDB)]
    postgres_names = [name for name, _sql in migrate.migrations(POSTGRESQL)]
    assert duckdb_names == postgres_names, "every migration needs a file for each database, with the same name"
    numbers = [int(name[:4]) for name in duckdb_names]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+", name) for name in duckdb_names)


def applied(db) -> list[str]:
    with db.read() as con:
        return [name for (name,) in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]


def test_opening_an_empty_database_applies_every_migration_once(empty_backend):
    db = open_database(empty_backend.settings())
    assert applied(db) == [name for name, _sql in migrate.migrations(db.dialect)]
    assert migrate.pending(db) == []
    assert migrate.apply_migrations(db) == []


@pytest.mark.postgresql
def test_both_databases_end_with_the_same_tables_and_columns(tmp_path, postgres_cluster):
    """Export and erasure find a client's rows from the schema, so both schemas must name the same things."""
    url = postgres_cluster.new_database(migrated=False)
    try:
        in_file = open_database(load_settings({}, secrets_file=None, db=tmp_path / "koers.duckdb"))
        on_server = open_database(load_settings({}, secrets_file=None, db=url))
        assert _columns(in_file) == _columns(on_server)
    finally:
        postgres_cluster.drop_database(url)


def _columns(db) -> dict[str, list[str]]:
    with db.read() as con:
        rows = con.execute(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position
            """
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


@pytest.fixture
def with_broken_migration(tmp_path, monkeypatch):
    """The shipped migrations plus a 9999 that creates a table and then fails, for each database."""
    folders = {}
    for dialect, folder in migrate.FOLDERS.items():
        copy = tmp_path / "migrations" / dialect
        copy.mkdir(parents=True)
        for source in folder.glob(migrate.PATTERN):
            (copy / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        (copy / "9999_broken.sql").write_text(
            "CREATE TABLE half_done (id INTEGER);\nINSERT INTO half_done VALUES ('not a number');\n", encoding="utf-8")
        folders[dialect] = copy
    monkeypatch.setattr(migrate, "FOLDERS", folders)


def test_a_failing_migration_leaves_neither_its_changes_nor_its_record(empty_backend, with_broken_migration):
    db = database(empty_backend.location)
    with pytest.raises(DatabaseError, match="nothing was written"):
        migrate.apply_migrations(db)
    assert "9999_broken" not in applied(db)
    assert migrate.pending(db) == ["9999_broken"]
    with db.read() as con:
        tables = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
    assert "half_done" not in tables and "clients" in tables


def test_a_database_migrated_by_a_newer_koers_is_refused_with_a_message(backend):
    db = open_database(backend.settings())
    with db.write() as con:
        con.execute("INSERT INTO schema_migrations VALUES ('9000_from_the_future', now()::TIMESTAMP)")
    with pytest.raises(DatabaseError, match="newer Koers") as raised:
        migrate.pending(db)
    assert db.location in str(raised.value)


@pytest.mark.postgresql
def test_processes_starting_at_once_apply_each_migration_once(postgres_cluster):
    empty = postgres_cluster.new_database(migrated=False)
    problems: list[BaseException] = []

    def start() -> None:
        try:
            migrate.apply_migrations(database(empty))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            problems.append(exc)

    try:
        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert problems == []
        assert applied(database(empty)) == [name for name, _sql in migrate.migrations(POSTGRESQL)]
    finally:
        postgres_cluster.drop_database(empty)


KEPT = "SELECT id, key, status, acknowledged_by, acknowledged_at, evidence::VARCHAR FROM flags ORDER BY id"


def test_flags_kept_through_the_rebuild_that_compresses_their_evidence(tmp_path):
    """0009 rebuilds `flags` on DuckDB so that the evidence is stored with Zstandard (a fifth of the
    time to write and less than half the space of DuckDB's own choice): every row stays, with its id,
    its acknowledgement and its evidence, and new flags take the next ids."""
    db = database(tmp_path / "old.duckdb")
    migrated_until(db, "0008_recovery_curves")
    with db.write() as con:
        con.execute(
            """
            INSERT INTO flags (key, client_id, kind, checkin_at, evidence, status, acknowledged_by, acknowledged_at,
                               raised_at)
            SELECT 'C' || i || '|dominant_shift', 'C' || i, 'dominant_shift', TIMESTAMP '2026-01-05',
                   json_object('rule', 'dominant_shift.v1', 'swing', i), CASE WHEN i % 2 = 0 THEN 'acknowledged'
                   ELSE 'open' END, CASE WHEN i % 2 = 0 THEN 1 END, CASE WHEN i % 2 = 0 THEN TIMESTAMP '2026-01-06' END,
                   TIMESTAMP '2026-01-05'
            FROM range(3000) AS r(i)
            """)
        kept = con.execute(KEPT).fetchall()
    assert migrate.apply_migrations(db)[0] == "0009_evidence_compressed"
    with db.write() as con:
        assert con.execute(KEPT).fetchall() == kept
        con.execute("INSERT INTO flags (key, client_id, kind, checkin_at, evidence, raised_at) "
                    "VALUES ('new', 'C1', 'missed_checkins', now()::TIMESTAMP, '{}', now()::TIMESTAMP)")
        assert con.execute("SELECT id FROM flags WHERE key = 'new'").fetchall() == [(kept[-1][0] + 1,)]
    with db.read() as con:  # a write ends with a checkpoint: the rows are in the file, compressed
        compressions = {row[0] for row in con.execute(
            "SELECT compression FROM pragma_storage_info('flags') WHERE column_name = 'evidence'").fetchall()}
    assert "ZSTD" in compressions, compressions


@pytest.mark.postgresql
def test_states_lose_their_index_by_client_and_keep_their_rows(postgres_cluster):
    """0010 drops PostgreSQL's index on `states.client_id`: a client's states are found through the
    client's check-ins, and a bulk import no longer builds it again. The states stay as they were."""
    url = postgres_cluster.new_database(migrated=False)
    db = database(url)
    index_names = "SELECT indexname FROM pg_indexes WHERE tablename = 'states' ORDER BY 1"
    try:
        migrated_until(db, "0009_evidence_compressed")
        with db.write() as con:
            con.execute("INSERT INTO states (checkin_id, client_id, state) VALUES (1, 'C1', 'context')")
            assert [name for (name,) in con.execute(index_names).fetchall()] == ["states_client", "states_pkey"]
        assert migrate_on_to(db, "0010_states_by_checkin") == ["0010_states_by_checkin"]
        with db.read() as con:
            assert [name for (name,) in con.execute(index_names).fetchall()] == ["states_pkey"]
            assert con.execute("SELECT checkin_id, client_id, state FROM states").fetchall() == [(1, "C1", "context")]
    finally:
        postgres_cluster.drop_database(url)


ANSWERED = "SELECT checkin_id, item_id, value FROM answers ORDER BY 1, 2"


@pytest.mark.postgresql
def test_answers_become_one_byte_per_item_and_read_as_before(postgres_cluster):
    """0011 keeps PostgreSQL's answers as one byte per item (255: unanswered); the `answers` view,
    which everything reads them through, gives the same rows, and new check-ins are stored so."""
    url = postgres_cluster.new_database(migrated=False)
    db = database(url)
    try:
        migrated_until(db, "0010_states_by_checkin")
        migrate.sync_instruments(db)
        instrument = load_instrument()
        items = len(instrument.items)
        with db.write() as con:
            every = [position % 11 for position in range(items)]
            some = [None if position % 3 == 0 else 10 for position in range(items)]
            con.execute("INSERT INTO clients (id, created_at) VALUES ('C1', now()::TIMESTAMP)")
            for checkin_id, answers in ((1, every), (2, some), (3, [None] * items)):
                con.execute(
                    "INSERT INTO checkins (id, client_id, submitted_at, instrument_version, source, answers, "
                    "recorded_at) VALUES (?, 'C1', now()::TIMESTAMP + ? * INTERVAL '1 hour', ?, 'import', "
                    "?::SMALLINT[], now()::TIMESTAMP)", [checkin_id, checkin_id, instrument.version, answers])
            before = con.execute(ANSWERED).fetchall()
        assert len(before) == items + items - len(range(0, items, 3))
        assert migrate.apply_migrations(db)[0] == "0011_answers_as_bytes"
        with db.read() as con:
            assert con.execute(ANSWERED).fetchall() == before
            stored = dict(con.execute("SELECT id, answers FROM checkins").fetchall())
        assert bytes(stored[1]) == bytes(every)
        assert bytes(stored[2]) == bytes(255 if value is None else value for value in some)
        assert bytes(stored[3]) == bytes([255] * items)
    finally:
        postgres_cluster.drop_database(url)


def test_duckdb_keeps_its_answers_as_a_list(tmp_path):
    db = database(tmp_path / "old.duckdb")
    migrated_until(db, "0010_states_by_checkin")
    assert migrate.apply_migrations(db)[0] == "0011_answers_as_bytes"
    with db.read() as con:
        assert con.execute("SELECT data_type FROM information_schema.columns "
                           "WHERE table_name = 'checkins' AND column_name = 'answers'").fetchall() == [("UTINYINT[]",)]


def test_states_lose_their_client_column_and_keep_their_rows(empty_backend):
    """0012: a state is found through its check-in; its rows and their client stay as they were."""
    db = database(empty_backend.location)
    migrated_until(db, "0011_answers_as_bytes")
    with db.write() as con:
        con.execute("INSERT INTO clients (id, created_at) VALUES ('C1', now()::TIMESTAMP)")
        con.execute("INSERT INTO checkins (id, client_id, submitted_at, instrument_version, source, answers, "
                    "recorded_at) VALUES (1, 'C1', now()::TIMESTAMP, '1', 'import', ?, now()::TIMESTAMP)",
                    [b"\x05" if empty_backend.name == "postgresql" else [5]])
        con.execute("INSERT INTO states (checkin_id, client_id, state, level_context) VALUES (1, 'C1', 'context', 42)")
    assert migrate.apply_migrations(db)[0] == "0012_states_without_client"
    with db.read() as con:
        assert con.execute("SELECT k.client_id, s.state, s.level_context FROM states s "
                           "JOIN checkins k ON k.id = s.checkin_id").fetchall() == [("C1", "context", 42.0)]
        columns = {name for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'states'").fetchall()}
    assert "client_id" not in columns and "checkin_id" in columns


@pytest.mark.postgresql
def test_short_answer_arrays_read_as_unanswered_past_their_end(postgres_cluster):
    """Arrays written by hand may be shorter than the instrument: the view and `answer_at` read the
    missing items as unanswered, as an array did past its end."""
    from tracking.store.dialect import answer_at

    url = postgres_cluster.new_database(migrated=False)
    db = database(url)
    try:
        migrated_until(db, "0010_states_by_checkin")
        migrate.sync_instruments(db)
        version = load_instrument().version
        with db.write() as con:
            con.execute("INSERT INTO clients (id, created_at) VALUES ('C1', now()::TIMESTAMP)")
            for checkin_id, answers in ((1, [4, 5]), (2, [])):
                con.execute(
                    "INSERT INTO checkins (id, client_id, submitted_at, instrument_version, source, answers, "
                    "recorded_at) VALUES (?, 'C1', now()::TIMESTAMP + ? * INTERVAL '1 hour', ?, 'import', "
                    "?::SMALLINT[], now()::TIMESTAMP)", [checkin_id, checkin_id, version, answers])
        migrate.apply_migrations(db)
        with db.read() as con:
            assert con.execute("SELECT checkin_id, value FROM answers ORDER BY 1, 2").fetchall() == [(1, 4), (1, 5)]
            read = ", ".join(answer_at("answers", position, con.dialect) for position in (1, 2, 3))
            assert con.execute(f"SELECT {read} FROM checkins ORDER BY id").fetchall() == [
                (4, 5, None), (None, None, None)]
    finally:
        postgres_cluster.drop_database(url)


@pytest.mark.postgresql
def test_an_answer_a_byte_cannot_hold_stops_the_migration_and_changes_nothing(postgres_cluster):
    url = postgres_cluster.new_database(migrated=False)
    db = database(url)
    try:
        migrated_until(db, "0010_states_by_checkin")
        with db.write() as con:
            con.execute("INSERT INTO clients (id, created_at) VALUES ('C1', now()::TIMESTAMP)")
            con.execute("INSERT INTO checkins (id, client_id, submitted_at, instrument_version, source, answers, "
                        "recorded_at) VALUES (7, 'C1', now()::TIMESTAMP, '1', 'import', ARRAY[3, 300]::SMALLINT[], "
                        "now()::TIMESTAMP)")
        with pytest.raises(DatabaseError, match="check-in 7 holds the answer 300, which is not a whole number"):
            migrate.apply_migrations(db)
        with db.read() as con:
            assert con.execute("SELECT answers FROM checkins").fetchall() == [([3, 300],)]
            assert "0011_answers_as_bytes" not in {name for (name,) in con.execute(
                "SELECT name FROM schema_migrations").fetchall()}
    finally:
        postgres_cluster.drop_database(url)
