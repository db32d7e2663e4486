"""A large import into an empty database: on PostgreSQL what is derived is computed from the rows as
written, not read back from the server, and the big tables get their indexes after the rows. The
result must be exactly what the stored rows give, and the indexes exactly those of the migrations."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import pytest

from benchmarks.many_flags_bench import generate
from tests.factories import OPERATOR, context, csv_text, database_fingerprint, weekly
from tracking.instrument import load_instrument
from tracking.store import derived, importer
from tracking.store.postgres import PostgresConnection, PostgresDatabase
from tracking.usecases import data

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BIG_TABLES = ("checkins", "scores", "states")


@pytest.fixture
def csv_file(tmp_path):
    """30 clients x 60 weeks whose dynamics drift: shifts, reliable changes and not on track."""
    path = tmp_path / "checkins.csv"
    generate(path, clients=30, weeks=60)
    return path


def derived_rows(ctx):
    with ctx.db.read() as con:
        states = con.execute("SELECT * FROM states ORDER BY checkin_id").fetchall()
        flags = con.execute(
            "SELECT key, status, checkin_id, evidence::VARCHAR, retired_at, retired_reason FROM flags ORDER BY key"
        ).fetchall()
        reliability = con.execute("SELECT dynamic, alpha, sd, n, weekly_noise FROM reliability ORDER BY 1").fetchall()
        curves = con.execute("SELECT count(*) FROM recovery_curves").fetchall()
    return states, flags, reliability, curves


@pytest.fixture
def sources(monkeypatch):
    """The dialect of each connection `refresh` reads the check-ins from, in the order it did."""
    found = []
    reading = derived._reading

    def spy(con, ingested):
        with reading(con, ingested) as source:
            found.append(source.dialect)
            yield source

    monkeypatch.setattr(derived, "_reading", contextmanager(spy))
    return found


def test_a_first_import_derives_what_the_stored_rows_give(backend, csv_file, sources):
    ctx = context(backend.location)
    _summary, raised = data.import_checkins(ctx, OPERATOR, csv_file, now=NOW)
    # On the server, the import's detection read the rows it wrote from memory; DuckDB reads its file.
    assert sources == ["duckdb"]
    assert raised > 30
    after_import = derived_rows(ctx)

    summary = data.recompute(ctx, OPERATOR, now=NOW)  # reads every row back from the database

    assert (summary.flags_raised, summary.flags_withdrawn) == (0, 0)
    assert derived_rows(ctx) == after_import


def test_a_second_import_reads_the_stored_rows(backend, csv_file, tmp_path, sources):
    ctx = context(backend.location)
    first = tmp_path / "first.csv"
    first.write_text(csv_text(weekly("another-client", 3)), encoding="utf-8", newline="")
    data.import_checkins(ctx, OPERATOR, first, now=NOW)
    sources.clear()
    data.import_checkins(ctx, OPERATOR, csv_file, now=NOW)
    assert sources == [backend.name]


def index_definitions(url) -> list[tuple[str, str]]:
    with psycopg.connect(url.url) as con:
        return con.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid) || coalesce(' ' || k.conname || ' '
                   || pg_get_constraintdef(k.oid), '')
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid
            WHERE c.relname = ANY(%s) ORDER BY 1, 2
            """,
            [list(BIG_TABLES)],
        ).fetchall()


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_large_first_import_builds_every_index_again_after_loading(backend, csv_file, monkeypatch,
                                                                     postgres_cluster):
    before = index_definitions(backend.location)
    assert len(before) == 5  # three primary keys; check-ins by client and time, and by period
    dropped, timeouts = [], []
    original_write, original_build = PostgresDatabase.write, PostgresConnection.build_indexes

    def watched(self):
        with original_write(self) as con:
            yield con
            timeouts.append(con.execute("SHOW lock_timeout").fetchall())

    def build(self, tables):
        waiting = len(self._rebuild)
        original_build(self, tables)
        if waiting:
            dropped.append(waiting - len(self._rebuild))

    monkeypatch.setattr(PostgresDatabase, "write", contextmanager(watched))
    monkeypatch.setattr(PostgresConnection, "build_indexes", build)
    data.import_checkins(context(backend.location), OPERATOR, csv_file, now=NOW)  # 1,800 rows
    assert dropped == []  # below MANY_ROWS nothing was dropped

    monkeypatch.setattr(importer, "MANY_ROWS", 1_000)
    dropped.clear()
    timeouts.clear()
    other = postgres_cluster.new_database()
    try:
        data.import_checkins(context(other), OPERATOR, csv_file, now=NOW)
        # The four that hold every row were dropped (the partial index by period holds none of an
        # import's rows, and stayed); the check-ins' and scores' were built during the refresh, the
        # states' once they were written.
        assert dropped == [3, 1]
        assert timeouts == [[("30s",)]]  # the lock was tried briefly, then the usual wait came back
        assert index_definitions(other) == before
        with psycopg.connect(other.url) as con:
            assert con.execute("SELECT count(*) FROM checkins").fetchall() == [(1_800,)]
        assert database_fingerprint(other) == database_fingerprint(backend.location)
    finally:
        postgres_cluster.drop_database(other)
    psql = psycopg.connect(backend.location.url, autocommit=True)
    duplicate = psql.execute("SELECT id, client_id, submitted_at, instrument_version, source, answers, recorded_at "
                             "FROM checkins LIMIT 1").fetchone()
    with pytest.raises(psycopg.errors.UniqueViolation):
        psql.execute("INSERT INTO checkins (id, client_id, submitted_at, instrument_version, source, answers, "
                     "recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s)", duplicate)
    plan = psql.execute("EXPLAIN SELECT * FROM checkins WHERE client_id = 'client-00003' "
                        "ORDER BY submitted_at").fetchall()
    assert "checkins_client_time" in str(plan)
    psql.close()


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_reader_in_the_tables_delays_a_large_first_import_without_a_deadlock(backend, csv_file, monkeypatch):
    """The reader holds `states` and then asks for `checkins`, which the import also wants: the import
    takes all its tables at once or none, so both finish."""
    monkeypatch.setattr(importer, "MANY_ROWS", 1_000)
    waiting = threading.Event()

    def sleep(seconds):
        waiting.set()  # the import found a table in use and let go of the others
        threading.Event().wait(seconds)

    db = PostgresDatabase(backend.location, busy_timeout_seconds=60, sleep=sleep)
    reader = psycopg.connect(backend.location.url)
    reader.execute("SELECT count(*) FROM states").fetchall()
    outcome = []
    importing = threading.Thread(target=lambda: outcome.append(
        importer.import_csv(db, csv_file, load_instrument(), now=NOW).rows))
    importing.start()
    assert waiting.wait(60)
    assert reader.execute("SELECT count(*) FROM checkins").fetchall() == [(0,)]
    reader.commit()
    importing.join(120)
    reader.close()
    assert outcome == [1_800]


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_tables_another_session_keeps_in_use_keep_their_indexes_and_the_import_goes_ahead(
        backend, csv_file, monkeypatch):
    """A session left idle in a transaction that read `scores` (a psql user, a long pg_dump): the
    import does not wait for it, and does not fail; it loads the rows with the indexes in place."""
    monkeypatch.setattr(importer, "MANY_ROWS", 1_000)
    pauses = []
    db = PostgresDatabase(backend.location, busy_timeout_seconds=5, sleep=pauses.append)
    before = index_definitions(backend.location)
    idle = psycopg.connect(backend.location.url)
    idle.execute("SELECT count(*) FROM scores").fetchall()
    try:
        assert importer.import_csv(db, csv_file, load_instrument(), now=NOW).rows == 1_800
    finally:
        idle.rollback()
        idle.close()
    assert len(pauses) == 4  # five tries of 200 ms, then the tables were left be
    assert index_definitions(backend.location) == before
    with psycopg.connect(backend.location.url) as con:
        assert con.execute("SELECT count(*) FROM scores").fetchall() == [(1_800,)]


def test_blocks_made_ahead_come_in_order_and_an_error_while_making_them_is_raised_to_the_reader():
    from tracking.store.postgres import made_ahead

    assert list(made_ahead(iter(range(50)), 2)) == list(range(50))

    def failing():
        yield from range(3)
        raise ValueError("block 4 could not be made")

    got = []
    with pytest.raises(ValueError, match="block 4"):
        for item in made_ahead(failing(), 2):
            got.append(item)
    assert got == [0, 1, 2]


def test_a_reader_that_stops_early_stops_the_thread_that_makes_the_blocks():
    from tracking.store.postgres import made_ahead

    made = []

    def endless():
        while True:
            made.append(len(made))
            yield made[-1]

    blocks = made_ahead(endless(), 2)
    assert next(blocks) == 0
    blocks.close()  # returns only once the thread has stopped
    assert len(made) <= 4  # one read, two waiting, one being offered
    assert not [t for t in threading.enumerate() if t.name == "koers-copy"]


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_scores_left_for_the_refresh_are_written_in_the_same_import(backend, csv_file):
    """Into an empty server database the scores' COPY is left to the refresh, which writes them
    beside detection; an import whose follow-up does not write them still stores them."""
    ctx = context(backend.location)
    instrument = load_instrument()
    left = []

    def record_only(con, result):
        left.append([table for table, _rows in result.unwritten])
        assert con.execute("SELECT count(*) FROM scores").fetchall() == [(0,)]  # not written yet

    importer.import_csv(ctx.db, csv_file, instrument, now=NOW, on_ingested=record_only)
    assert left == [["scores"]]
    with ctx.db.read() as con:
        assert con.execute("SELECT count(*) FROM checkins").fetchall() == [(1_800,)]
        assert con.execute("SELECT count(*) FROM scores").fetchall() == [(1_800,)]
        assert con.execute("SELECT count(*) FROM scores s JOIN checkins k ON k.id = s.checkin_id").fetchall() == [
            (1_800,)]
