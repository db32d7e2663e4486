"""The shared DuckDB file: short units of work, ordered across processes, with a clear busy message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tracking.errors import DatabaseBusy, DatabaseError
from tracking.store.connection import Database
from tracking.store.migrate import apply_migrations, ensure_schema, pending

ROOT = Path(__file__).resolve().parents[1]
CHILD_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

WRITER = textwrap.dedent("""
    import sys
    from tracking.store.connection import Database
    db = Database(sys.argv[1], busy_timeout_seconds=60)
    for n in range(int(sys.argv[3])):
        with db.write() as con:
            con.execute("INSERT INTO log VALUES (?, ?)", [sys.argv[2], n])
        with db.read() as con:
            con.execute("SELECT count(*) FROM log").fetchone()
    print("done")
""")


def test_two_processes_write_and_read_at_once_without_errors(tmp_path):
    path = tmp_path / "shared.duckdb"
    with Database(path).write() as con:
        con.execute("CREATE TABLE log (writer VARCHAR, n INTEGER)")
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "60"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=CHILD_ENV)
        for name in ("dashboard", "scheduler")
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    with Database(path).read() as con:
        assert con.execute("SELECT writer, count(*) FROM log GROUP BY 1 ORDER BY 1").fetchall() == [
            ("dashboard", 60), ("scheduler", 60)]


def test_a_failed_unit_of_work_leaves_nothing_behind(tmp_path):
    db = Database(tmp_path / "koers.duckdb")
    with db.write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(DatabaseError, match="nothing was written"), db.write() as con:
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES ('not a number')")
    with db.read() as con:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_a_database_held_too_long_gives_a_message_not_a_hang(tmp_path):
    path = tmp_path / "koers.duckdb"
    holder = Database(path)
    waiting = Database(path, busy_timeout_seconds=0.2)
    with holder.write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
        with pytest.raises(DatabaseBusy, match="stayed busy for 0.2 seconds"), waiting.write():
            pass


HOLDER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    print("held", flush=True)
    sys.stdin.readline()
    con.close()
""")


def test_it_waits_for_a_process_that_holds_the_file_without_the_lock(tmp_path, monkeypatch):
    path = tmp_path / "koers.duckdb"
    with Database(path).write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=CHILD_ENV)
    assert child.stdout.readline().strip() == "held"
    waits = []

    def release_on_first_wait(seconds):
        if not waits:
            child.stdin.write("release\n")
            child.stdin.flush()
            child.wait(timeout=30)
        waits.append(seconds)

    built = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *args, **kwargs: built.append(args) or connect(*args, **kwargs))
    db = Database(path, busy_timeout_seconds=30, sleep=release_on_first_wait)
    with db.write() as con:
        con.execute("INSERT INTO t VALUES (1)")
    assert waits, "the first attempt should have found the file held"
    assert not built  # a ready instance (the first write's) made both attempts: none was built
    with db.read() as con:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_migrations_are_applied_once_and_recorded(tmp_path):
    db = Database(tmp_path / "koers.duckdb")
    assert pending(db)
    applied = apply_migrations(db)
    assert applied and applied[0] == "0001_foundation"
    assert pending(db) == []
    assert apply_migrations(db) == []
    ensure_schema(db)
    with db.read() as con:
        assert [n for (n,) in con.execute("SELECT name FROM schema_migrations ORDER BY 1").fetchall()] == applied


def test_a_database_from_a_newer_koers_is_refused(tmp_path):
    db = Database(tmp_path / "koers.duckdb")
    apply_migrations(db)
    with db.write() as con:
        con.execute("INSERT INTO schema_migrations VALUES ('9999_future', now()::TIMESTAMP)")
    with pytest.raises(DatabaseError, match="migrated by a newer Koers"):
        pending(db)


@pytest.mark.parametrize("name, text", [("notes.duckdb", "these are my notes, not a database"),
                                        ("checkins.csv", "a,b\n1,2\n")])
def test_a_file_that_is_not_a_database_is_named(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatabaseError, match=f"{name}: cannot open the database \\(it is not a DuckDB database file\\)"):
        ensure_schema(Database(path))
    assert path.read_text(encoding="utf-8") == text


def test_a_duckdb_file_of_something_else_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "inventory.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE clients (name VARCHAR)")
    with pytest.raises(DatabaseError, match="has tables of the names Koers uses but no record of Koers' migrations"):
        ensure_schema(Database(path))
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("clients",)]


READERS = textwrap.dedent("""
    import sys, time
    from tracking.store.connection import Database
    db = Database(sys.argv[1], busy_timeout_seconds=60)
    print("reading", flush=True)
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        with db.read() as con:
            con.execute("SELECT count(*) FROM t").fetchall()
            time.sleep(0.15)  # a slow page: readers overlap, so the file is never free of readers
""")


def test_a_stream_of_readers_cannot_keep_a_writer_waiting(tmp_path):
    path = tmp_path / "koers.duckdb"
    with Database(path).write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
    readers = [subprocess.Popen([sys.executable, "-c", READERS, str(path), "8"], stdout=subprocess.PIPE,
                                text=True, env=CHILD_ENV) for _ in range(3)]
    for reader in readers:
        assert reader.stdout.readline().strip() == "reading"
    try:
        with Database(path, busy_timeout_seconds=4).write() as con:  # would time out behind the readers
            con.execute("INSERT INTO t VALUES (1)")
    finally:
        for reader in readers:
            reader.wait(timeout=60)
    with Database(path).read() as con:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_units_of_work_reuse_ready_instances_and_share_nothing_but_the_file(tmp_path, monkeypatch):
    built = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *args, **kwargs: built.append(args) or connect(*args, **kwargs))
    db = Database(tmp_path / "koers.duckdb")
    with db.write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
        con.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS n")
        con.execute("SET TimeZone = 'Asia/Tokyo'")
    for _ in range(5):
        with db.read() as con:
            assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
            assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"
            assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    assert len(built) <= 1  # one instance at most was built for six units; none when one was ready


def test_between_units_the_file_is_free_for_another_process(tmp_path):
    path = tmp_path / "koers.duckdb"
    db = Database(path)
    with db.write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
    with db.read() as con:
        con.execute("SELECT count(*) FROM t").fetchone()
    other = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('INSERT INTO t VALUES (7)'); c.close()"
    done = subprocess.run([sys.executable, "-c", other, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # a plain DuckDB connection, no lock taken: the file was let go
    assert not Path(str(path) + ".wal").exists()  # the write was checkpointed when it was let go
    with db.read() as con:
        assert con.execute("SELECT n FROM t").fetchall() == [(7,)]


def test_ctrl_c_waits_for_a_commit_and_its_detach_and_follows_right_after():
    from tracking.store.connection import _not_interrupted

    done = []
    with pytest.raises(KeyboardInterrupt):
        with _not_interrupted():
            signal.raise_signal(signal.SIGINT)  # as if Ctrl-C came in the middle of COMMIT
            done.append("the block went on")
        done.append("never: the interrupt comes here")
    assert done == ["the block went on"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_inside_a_unit_of_work_writes_nothing_and_lets_go_of_the_file(tmp_path):
    path = tmp_path / "koers.duckdb"
    db = Database(path)
    with db.write() as con:
        con.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(KeyboardInterrupt), db.write() as con:
        con.execute("INSERT INTO t VALUES (1)")
        signal.raise_signal(signal.SIGINT)
    other = "import duckdb, sys; print(duckdb.connect(sys.argv[1]).execute('SELECT count(*) FROM t').fetchone()[0])"
    done = subprocess.run([sys.executable, "-c", other, str(path)], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "0", done.stderr
