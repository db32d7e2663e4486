"""`koers backup`: a copy that opens as Koers with the same content, taken while others read and write,
never over an existing file unless asked, and never half-written; and the restore docs/operations.md
describes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.factories import checkin, csv_text, database_fingerprint
from tracking.errors import DatabaseBusy
from tracking.store import privacy as store
from tracking.store.connection import Database
from tracking.store.migrate import migrations, pending

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def filled(ready_db, koers, tmp_path, db_path):
    rows = [checkin("C1", f"2026-03-{day:02d}T09:15:00+01:00", note=f"week {day}") for day in (2, 9, 16)]
    source = tmp_path / "rows.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    assert koers("import", source).exit_code == 0
    return db_path


def only_data(path: Path) -> str:
    """The fingerprint of everything but the audit log (a backup records itself there afterwards)."""
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM audit_log WHERE action = 'backup'")
        con.execute("CHECKPOINT")
    return database_fingerprint(path)


def test_a_backup_opens_as_a_koers_database_with_the_same_content(filled, koers, tmp_path):
    before = database_fingerprint(filled)
    target = tmp_path / "backups" / "koers-copy.duckdb"
    target.parent.mkdir()
    ran = koers("backup", target)
    assert ran.exit_code == 0, ran.output
    assert f"to {target}" in ran.stdout and f"schema {migrations()[-1][0]}" in ran.stdout
    assert sorted(p.name for p in target.parent.iterdir()) == ["koers-copy.duckdb"]  # no temporary left
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert database_fingerprint(target) == before
    assert pending(Database(target)) == []
    timeline = koers("timeline", "C1", "--format", "json", db=target)
    assert timeline.exit_code == 0 and '"note": "week 16"' in timeline.stdout


def test_a_backup_is_recorded_in_the_audit_log(filled, koers, tmp_path):
    assert koers("backup", tmp_path / "b.duckdb").exit_code == 0
    with duckdb.connect(str(filled), read_only=True) as con:
        assert con.execute("SELECT actor, client_id FROM audit_log WHERE action = 'backup'").fetchall() == [
            ("cli", None)]


def test_a_backup_does_not_overwrite_a_file_unless_forced(filled, koers, tmp_path):
    target = tmp_path / "b.duckdb"
    target.write_text("an older backup")
    ran = koers("backup", target)
    assert ran.exit_code == 2 and "exists already" in ran.stderr and "--force" in ran.stderr
    assert target.read_text() == "an older backup"
    assert koers("backup", target, "--force").exit_code == 0
    assert pending(Database(target)) == []


def test_a_backup_into_a_folder_gets_a_dated_name(filled, koers, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    assert koers("backup", folder).exit_code == 0
    (made,) = folder.iterdir()
    assert made.name.startswith("koers-") and made.suffix == ".duckdb"
    assert pending(Database(made)) == []


@pytest.mark.parametrize("where,message", [
    ("koers.duckdb", "that is the database itself"),
    ("missing/b.duckdb", "no such folder"),
])
def test_a_backup_refuses_the_database_itself_and_a_missing_folder(filled, koers, tmp_path, where, message):
    before = database_fingerprint(filled)
    ran = koers("backup", tmp_path / where)
    assert ran.exit_code == 2 and message in ran.stderr
    assert database_fingerprint(filled) == before


def test_a_copy_that_does_not_check_out_leaves_nothing_behind(filled, koers, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "complete_copy", lambda path: (["0001_foundation"], {}))
    folder = tmp_path / "b"
    folder.mkdir()
    ran = koers("backup", folder / "b.duckdb")
    assert ran.exit_code == 2 and "does not hold what the database held" in ran.stderr
    assert list(folder.iterdir()) == []


def test_readers_keep_reading_and_writers_wait_while_the_files_are_copied(filled, koers, tmp_path, monkeypatch):
    seen = {}
    copy = store.copy_files

    def copy_while_others_try(db_path, target):
        with Database(db_path).read() as con:  # another reader: not held up
            seen["read"] = con.execute("SELECT count(*) FROM checkins").fetchone()[0]
        ticks = iter(range(10_000))
        writer = Database(db_path, busy_timeout_seconds=1.0, clock=lambda: next(ticks) * 0.1, sleep=lambda s: None)
        with pytest.raises(DatabaseBusy), writer.write():  # a writer waits for the copy (here: gives up)
            pass
        copy(db_path, target)

    monkeypatch.setattr(store, "copy_files", copy_while_others_try)
    assert koers("backup", tmp_path / "b.duckdb").exit_code == 0
    assert seen["read"] == 3


def test_committed_work_still_in_the_write_ahead_log_is_in_the_backup(filled, koers, tmp_path):
    con = duckdb.connect(str(filled))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute("UPDATE checkins SET note = 'only in the log' WHERE note = 'week 2'")
    con.close()
    assert store.wal_path(filled).exists()
    target = tmp_path / "b.duckdb"
    assert koers("backup", target).exit_code == 0
    assert not store.wal_path(target).exists()
    with duckdb.connect(str(target), read_only=True) as copy:
        assert copy.execute("SELECT count(*) FROM checkins WHERE note = 'only in the log'").fetchone() == (1,)


WRITER = """
import sys
from tracking.store.connection import Database

db = Database(sys.argv[1])
for done in range(1, 51):
    with db.write() as con:  # two rows that belong together, in one transaction
        con.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (now()::TIMESTAMP, 'w', 'pair')")
        con.execute("INSERT INTO focus_changes (client_id, changed_at, note) VALUES ('C1', now()::TIMESTAMP, 'pair')")
    with db.read() as con:  # and reads, as every Koers process does more often than it writes
        con.execute("SELECT count(*) FROM audit_log").fetchall()
    if done == 1:
        print("writing", flush=True)
"""


def test_a_backup_taken_while_another_process_writes_holds_whole_transactions(filled, koers, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(filled)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert writer.stdout.readline().strip() == "writing"
        copies = []
        for number in range(3):
            target = tmp_path / f"b{number}.duckdb"
            ran = koers("backup", target)
            assert ran.exit_code == 0, ran.output
            copies.append(target)
    finally:
        writer.communicate(timeout=60)
    assert writer.returncode == 0
    pairs = []
    for target in copies:
        with duckdb.connect(str(target), read_only=True) as con:
            logged = con.execute("SELECT count(*) FROM audit_log WHERE action = 'pair'").fetchone()[0]
            changed = con.execute("SELECT count(*) FROM focus_changes WHERE note = 'pair'").fetchone()[0]
        assert logged == changed  # never half a transaction
        pairs.append(logged)
    assert pairs == sorted(pairs) and 1 <= pairs[0] < 50  # the first copy was taken while the writer wrote


def test_the_restore_in_the_operations_guide_brings_the_backup_back(filled, koers, tmp_path):
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "koers backup" in guide and "## Restore" in guide
    target = tmp_path / "b.duckdb"
    assert koers("backup", target).exit_code == 0
    backed_up = only_data(shutil.copy(target, tmp_path / "expected.duckdb"))
    assert koers("erase-client", "C1", "--yes").exit_code == 0
    # The guide: stop Koers, move the database (and any .wal) aside, copy the backup in its place, run init.
    aside = tmp_path / "aside"
    aside.mkdir()
    for path in (filled, store.wal_path(filled)):
        if path.exists():
            shutil.move(path, aside / path.name)
    shutil.copy(target, filled)
    ran = koers("init", "--no-secret")
    assert ran.exit_code == 0 and "up to date" in ran.stdout
    assert only_data(filled) == backed_up
