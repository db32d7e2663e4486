"""Koers on a PostgreSQL server: selected by a postgresql:// KOERS_DB, writers take turns, readers see
one moment and are not held up, a held lock is "busy", and the password never shows."""

from __future__ import annotations

import logging
import os
import threading
import traceback
from datetime import datetime
from pathlib import Path

import pytest

from tests.servers import free_port
from tracking.errors import DatabaseBusy, DatabaseError, SettingsError
from tracking.settings import DatabaseURL, load_settings
from tracking.store import Database, database, open_database
from tracking.store.postgres import PostgresDatabase

pytestmark = pytest.mark.postgresql
MOMENT = datetime(2026, 11, 23, 12, 0)


@pytest.fixture
def url(postgres_cluster):
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop_database(url)


def count(db) -> int:
    with db.read() as con:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def record(con, action: str) -> None:
    con.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (?, 'cli', ?)", [MOMENT, action])


# Choosing the database.

def test_a_postgresql_address_in_koers_db_selects_the_server_and_a_path_keeps_duckdb(tmp_path):
    on_server = load_settings({"KOERS_DB": "postgresql://koers:pw@db.example.org:5433/koers"}, secrets_file=None)
    assert isinstance(on_server.db, DatabaseURL)
    assert isinstance(database(on_server.db), PostgresDatabase)
    in_file = load_settings({"KOERS_DB": str(tmp_path / "k.duckdb")}, secrets_file=None)
    assert in_file.db == tmp_path / "k.duckdb"
    assert isinstance(database(in_file.db), Database)


def test_db_given_on_the_command_line_takes_a_server_address_too():
    settings = load_settings({}, secrets_file=None, db="postgres://koers@db.example.org/koers")
    assert isinstance(settings.db, DatabaseURL) and settings.db.dbname == "koers"


@pytest.mark.parametrize("value, problem", [
    ("postgresql://koers:hunter2secret@db.example.org:99999/koers", "not a port number"),
    ("postgresql://koers:hunter2secret@db.example.org/", "name the database"),
    ("postgresql://koers:hunter2secret@db example.org/koers", "space"),
    # libpq ends the password at the first @ or /, and would take the rest for the host
    ("postgresql://koers:hunter2secret@2026@db.example.org/koers", "percent-encode them (@ as %40"),
    ("postgresql://koers:hunter2secret/2026@db.example.org/koers", "percent-encode them (@ as %40"),
])
def test_a_malformed_server_address_names_the_setting_and_never_the_password(value, problem):
    with pytest.raises(SettingsError) as raised:
        load_settings({"KOERS_DB": value}, secrets_file=None)
    assert "KOERS_DB" in str(raised.value) and problem in str(raised.value)
    assert "hunter2secret" not in str(raised.value)


@pytest.mark.parametrize("value", [
    "host=db.example.org port=5432 dbname=koers user=koers password=hunter2secret",
    "postgresql+psycopg://koers:hunter2secret@db.example.org/koers",
    "pgsql://koers:hunter2secret@db.example.org/koers",
])
def test_an_address_koers_does_not_read_is_refused_not_taken_for_a_file(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in ({"KOERS_DB": value}, {}):
        with pytest.raises(SettingsError) as raised:
            load_settings(given, secrets_file=None, db=None if given else value)
        assert "postgresql://user:password@host:port/dbname" in str(raised.value)
        assert "hunter2secret" not in str(raised.value)
    assert not [path for path in tmp_path.rglob("*") if "hunter2secret" in str(path)], "no file named after it"


def test_the_address_shows_without_its_password_wherever_it_is_printed():
    url = DatabaseURL("postgresql://koers:hunter2%40secret@db.example.org/koers?sslmode=require&password=other")
    settings = load_settings({}, secrets_file=None, db=url)
    shown = [str(url), repr(url), repr(settings), str(settings.db), repr(database(url)), database(url).location]
    for text in shown:
        assert "hunter2" not in text and "other" not in text, text
    assert str(url) == "postgresql://koers@db.example.org/koers?sslmode=require"


def test_a_process_koers_starts_gets_the_whole_address_and_a_message_gets_it_without_the_password():
    settings = load_settings({"KOERS_DB": "postgresql://koers:pw%2Fx@db.example.org/koers"}, secrets_file=None)
    assert settings.database_setting() == "postgresql://koers:pw%2Fx@db.example.org/koers"
    assert load_settings({"KOERS_DB": settings.database_setting()}, secrets_file=None).db == settings.db
    assert f"database {settings.db}" == "database postgresql://koers@db.example.org/koers"


def test_without_an_outbox_folder_emails_go_to_the_data_directory_not_beside_a_url():
    settings = load_settings({}, secrets_file=None, db="postgresql://koers@db.example.org/koers")
    assert settings.outbox_folder() == Path(os.environ["XDG_DATA_HOME"]) / "koers" / "outbox"


# Connecting.

def test_a_wrong_password_is_a_database_error_that_names_the_server_and_not_the_password(url, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = DatabaseURL(url.url.replace(url.passwords()[0], "hunter2-wrong"))
    with pytest.raises(DatabaseError) as raised, database(wrong).read():
        pass
    message = str(raised.value)
    assert "password authentication failed" in message and wrong.redacted in message
    assert "check the address in KOERS_DB (or --db)" in message and "~/.pgpass (PGPASSFILE)" in message
    logged = "".join(traceback.format_exception(raised.value))  # what a log of the failure would hold
    assert "hunter2-wrong" not in message + logged + caplog.text


def test_a_server_that_is_not_there_is_a_database_error_that_says_so():
    nowhere = DatabaseURL(f"postgresql://koers:pw@127.0.0.1:{free_port()}/koers")
    with pytest.raises(DatabaseError, match=r"cannot connect to the database \(.*\); check the address in KOERS_DB"), \
            database(nowhere).read():
        pass


def test_every_entry_point_migrates_an_empty_database(postgres_cluster):
    empty = postgres_cluster.new_database(migrated=False)
    try:
        db = open_database(load_settings({}, secrets_file=None, db=empty))
        with db.read() as con:
            names = [name for (name,) in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
        assert names[0] == "0001_foundation" and count(db) == 0
    finally:
        postgres_cluster.drop_database(empty)


# Units of work between processes (threads with their own connections stand in for them).

def test_a_writer_waits_for_the_other_writer_and_is_told_busy_after_the_timeout(url):
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with database(url).write() as con:
            record(con, "first")
            holding.set()
            release.wait(30)

    first = threading.Thread(target=hold)
    first.start()
    try:
        assert holding.wait(30)
        with pytest.raises(DatabaseBusy, match="KOERS_BUSY_TIMEOUT_SECONDS"), database(url, 0.3).write() as con:
            record(con, "second")
    finally:
        release.set()
        first.join(30)
    with database(url).read() as con:
        assert con.execute("SELECT action FROM audit_log").fetchall() == [("first",)]


def test_a_reader_is_not_held_up_by_a_writer_and_does_not_see_its_unfinished_work(url):
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with database(url).write() as con:
            record(con, "unfinished")
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=hold)
    writer.start()
    try:
        assert holding.wait(30)
        assert count(database(url, 0.3)) == 0
    finally:
        release.set()
        writer.join(30)
    assert count(database(url)) == 1


def test_a_read_sees_one_moment_even_when_a_write_commits_meanwhile(url):
    db = database(url)
    with db.read() as con:
        before = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        with db.write() as other:
            record(other, "meanwhile")
        after = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert before == after == 0
    assert count(db) == 1


def test_writers_take_turns_so_a_read_then_write_never_loses_an_update(url):
    def add_next(times: int) -> None:
        db = database(url)
        for _ in range(times):
            with db.write() as con:
                seen = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
                record(con, str(seen))

    threads = [threading.Thread(target=add_next, args=(20,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with database(url).read() as con:
        actions = sorted(int(a) for (a,) in con.execute("SELECT action FROM audit_log").fetchall())
    assert actions == list(range(60))


# The test server itself.

def test_the_test_server_listens_on_loopback_only_runs_unprivileged_and_is_removed_when_stopped():
    from tests.postgres import Cluster

    cluster = Cluster().start()
    try:
        with cluster.admin() as con:
            assert con.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
            assert con.execute("SHOW fsync").fetchone() == ("off",)
        assert os.stat(f"/proc/{cluster.process.pid}").st_uid != 0
        assert cluster.root.is_dir()
    finally:
        cluster.stop()
    assert cluster.process.poll() is not None
    assert not cluster.root.exists()
