"""The command line under attack or misuse: look-alike ids and reversed names, files with loose modes or
symbolic links, a file that is no CSV at all, and demo data with its well-known passwords."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys

import pytest

from tests.factories import checkin, csv_text, database_fingerprint

ZERO_WIDTH_SPACE, RIGHT_TO_LEFT_OVERRIDE = "\u200b", "\u202e"


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# 8. Invisible and direction-reversing characters.

@pytest.mark.usefixtures("ready_db")
@pytest.mark.parametrize(("option", "value", "shown"), [
    ("id", "M-201" + ZERO_WIDTH_SPACE, "client id: contains an invisible or text-direction character (U+200B)"),
    ("--name", "Eve" + RIGHT_TO_LEFT_OVERRIDE + "smadA", "invisible or text-direction character (U+202E)"),
    ("--name", "Eve\u2066x\u2069", "(U+2066)"),
])
def test_client_add_refuses_look_alike_ids_and_reversed_names(koers, db_path, option, value, shown):
    args = {"id": "M-201", "--name": "Eve"} | {option: value}
    before = database_fingerprint(db_path)
    ran = koers("client", "add", args["id"], "--email", "eve@example.org", "--coach", "coach@example.org",
                "--name", args["--name"])
    assert ran.exit_code == 2 and shown in ran.stderr and "Traceback" not in ran.output
    assert database_fingerprint(db_path) == before


@pytest.mark.usefixtures("ready_db")
def test_coach_add_refuses_a_reversed_name(koers, db_path):
    ran = koers("coach", "add", "eve@example.org", "--name", "Eve" + RIGHT_TO_LEFT_OVERRIDE, "--password-stdin",
                input="a long enough password\n")
    assert ran.exit_code == 2 and "(U+202E)" in ran.stderr


@pytest.mark.usefixtures("ready_db")
def test_an_import_refuses_a_look_alike_client_id_with_its_line(koers, db_path, tmp_path):
    source = tmp_path / "checkins.csv"
    source.write_text(csv_text([checkin("M-201"), checkin("M-201" + ZERO_WIDTH_SPACE, "2026-03-09T09:15:00+01:00")]),
                      encoding="utf-8")
    before = database_fingerprint(db_path)
    ran = koers("import", source)
    assert ran.exit_code == 2, ran.output
    assert "line 3, column client_id" in ran.stderr and "(U+200B)" in ran.stderr
    assert database_fingerprint(db_path) == before


# 10. Files: secrets and exports readable by their owner only, never written through a link.

def test_init_makes_an_existing_secrets_file_private(koers, tmp_path):
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('# copied from secrets.toml.example\nKOERS_SMTP_HOST = "mail.example.org"\n', encoding="utf-8")
    secrets.chmod(0o644)
    ran = koers("init")
    assert ran.exit_code == 0, ran.output
    assert mode(secrets) == 0o600
    text = secrets.read_text(encoding="utf-8")
    assert text.startswith("# copied from secrets.toml.example\n") and "KOERS_SECRET_KEY = " in text


def test_init_makes_no_new_key_for_a_database_whose_links_were_signed_with_another(koers, tmp_path, monkeypatch):
    """A second machine set up with `koers init` on a shared database would sign links with a key of
    its own: the links already sent would stop working, on every machine."""
    monkeypatch.setenv("KOERS_SECRET_KEY", "the-first-machines-key-0123456789abcdef")
    assert koers("init", "--no-secret").exit_code == 0
    assert koers("coach", "add", "coach@example.org", "--name", "Ada Coach", "--password-stdin",
                 input="correct horse battery\n").exit_code == 0
    assert koers("client", "add", "K-1", "--name", "Kim", "--email", "kim@example.org",
                 "--coach", "coach@example.org").exit_code == 0
    assert koers("link", "K-1").exit_code == 0
    monkeypatch.delenv("KOERS_SECRET_KEY")  # the second machine, where no key is set yet
    ran = koers("init")
    assert ran.exit_code == 2 and "Traceback" not in ran.output
    assert "already holds 1 personal link signed with a secret key that is not set here" in ran.stderr
    assert "KOERS_SECRET_KEY" in ran.stderr and "--no-secret" in ran.stderr
    assert not (tmp_path / ".streamlit" / "secrets.toml").exists()
    assert koers("init", "--no-secret").exit_code == 0


def test_init_refuses_a_secrets_file_that_is_a_link(koers, tmp_path, db_path):
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text("# someone else's file\n", encoding="utf-8")
    elsewhere.chmod(0o644)
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.symlink_to(elsewhere)
    ran = koers("init")
    assert ran.exit_code == 2 and "is a symbolic link" in ran.stderr and "Traceback" not in ran.output
    assert elsewhere.read_text(encoding="utf-8") == "# someone else's file\n" and mode(elsewhere) == 0o644
    assert "applied" in ran.stdout and db_path.is_file()  # the database it made and said so is kept


@pytest.fixture
def practice(ready_db, koers):
    ran = koers("client", "add", "C1", "--email", "c1@example.org", "--coach", "coach@example.org")
    assert ran.exit_code == 0, ran.output


@pytest.mark.usefixtures("practice")
def test_an_export_replaces_a_loose_file_with_a_private_one(koers, tmp_path):
    target = tmp_path / "c1.json"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o644)
    assert koers("export-client", "C1", "--output", target, "--force").exit_code == 0
    assert mode(target) == 0o600 and '"id": "C1"' in target.read_text(encoding="utf-8")


@pytest.mark.usefixtures("practice")
@pytest.mark.parametrize("force", [False, True])
def test_an_export_never_follows_a_link(koers, tmp_path, force):
    elsewhere = tmp_path / "shared.json"
    elsewhere.write_text("not yours\n", encoding="utf-8")
    elsewhere.chmod(0o644)
    target = tmp_path / "c1.json"
    target.symlink_to(elsewhere)
    ran = koers("export-client", "C1", "--output", target, *(["--force"] if force else []))
    assert ran.exit_code == 2 and "is a symbolic link" in ran.stderr
    assert elsewhere.read_text(encoding="utf-8") == "not yours\n" and target.is_symlink()


# 11. Second-factor secrets stored before they were sealed.

def test_init_seals_second_factor_secrets_stored_in_plain_text(koers, db_path, monkeypatch):
    import duckdb
    import pyotp

    assert koers("init", "--no-secret").exit_code == 0
    assert koers("coach", "add", "ada@example.org", "--name", "Ada", "--password-stdin",
                 input="a long enough password\n").exit_code == 0
    secret = pyotp.random_base32()
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE coaches SET totp_secret = ?", [secret])
    monkeypatch.setenv("KOERS_SECRET_KEY", "cli-hardening-secret-key-0123456789abcdef")
    ran = koers("init")
    assert ran.exit_code == 0 and "Sealed the second-factor secrets of 1 coach" in ran.output
    with duckdb.connect(str(db_path), read_only=True) as con:
        (stored,) = con.execute("SELECT totp_secret FROM coaches").fetchone()
    assert stored.startswith("sealed.") and secret not in stored


# 14. An import of something else, and demo data.

@pytest.mark.usefixtures("ready_db")
@pytest.mark.parametrize("first_line", ["root:$6$salt$hashedpassword:19000:0:99999:7:::",
                                        "Dear Anna, the password is hunter2"])
def test_importing_a_file_that_is_not_a_checkin_csv_does_not_repeat_it(koers, db_path, tmp_path, first_line):
    source = tmp_path / "not-a-csv.txt"
    source.write_text(first_line + "\nsecond line\n", encoding="utf-8")
    ran = koers("import", source)
    assert ran.exit_code == 2 and "is not a Koers check-in CSV file" in ran.stderr
    for fragment in ("$6$salt", "hashedpassword", "hunter2", "Dear Anna", "second line"):
        assert fragment not in ran.output


def test_demo_fills_an_empty_database_only(koers, db_path):
    assert koers("init", "--no-secret").exit_code == 0
    ran = koers("coach", "add", "real@practice.example", "--name", "Real Coach", "--password-stdin",
                input="a real coach's password\n")
    assert ran.exit_code == 0
    before = database_fingerprint(db_path)
    refused = koers("demo")
    assert refused.exit_code == 2 and "not empty" in refused.stderr and "koers-demo" not in refused.output
    skipped = koers("demo", "--if-empty")
    assert skipped.exit_code == 0 and "not empty" in skipped.output
    assert database_fingerprint(db_path) == before


def test_demo_runs_on_an_empty_database(koers, tmp_path):
    fresh = tmp_path / "demo.duckdb"
    ran = koers("demo", db=fresh)
    assert ran.exit_code == 0 and "anne@koers.example" in ran.output
    again = koers("demo", db=fresh)
    assert again.exit_code == 2 and "not empty" in again.stderr


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), RuntimeError("Query interrupted")],
                         ids=["ctrl-c-in-python", "ctrl-c-in-a-duckdb-statement"])
def test_ctrl_c_during_an_import_says_so_exits_130_and_writes_nothing(koers, db_path, tmp_path, monkeypatch, stop,
                                                                     capsys):
    from tracking.cli import main
    from tracking.store import derived

    assert koers("init", "--no-secret").exit_code == 0
    before = database_fingerprint(db_path)
    source = tmp_path / "checkins.csv"
    source.write_text(csv_text([checkin("C1")]), encoding="utf-8")

    def interrupted(*_args, **_kwargs):
        raise stop

    monkeypatch.setattr(derived, "refresh", interrupted)  # Ctrl-C while states and flags are derived
    with pytest.raises(SystemExit) as ended:
        main(["import", str(source), "--db", str(db_path)])
    assert ended.value.code == 130
    assert capsys.readouterr().err.strip().endswith("Interrupted.")
    assert database_fingerprint(db_path) == before


ARENAS = """
import ctypes, sys, tempfile, threading
import tracking.cli
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
def heaps():
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        return open(report.name).read().count("<heap nr=")
if sys.argv[1] == "one":
    assert tracking.cli._no_more_malloc_arenas()
before = heaps()
started = threading.Barrier(4)
def work():
    started.wait()
    blocks = [libc.malloc(4096) for _ in range(100)]
    for block in blocks:
        libc.free(block)
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(before, heaps())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_the_command_line_keeps_threads_from_making_malloc_arenas_of_their_own():
    """`main` limits glibc's malloc arenas (`_no_more_malloc_arenas`): threads started after it share the
    arenas there are instead of each making one that keeps what it frees."""
    def heaps(mode: str) -> tuple[int, int]:
        ran = subprocess.run([sys.executable, "-c", ARENAS, mode], capture_output=True, text=True, check=True)
        before, after = ran.stdout.split()
        return int(before), int(after)

    before, after = heaps("default")
    assert after > before
    before, after = heaps("one")
    assert after == before


# A mistyped --db.

@pytest.mark.parametrize("command", [
    ["flags"], ["flags", "--format", "json"], ["timeline", "K-1"], ["export-client", "K-1"],
    ["erase-client", "K-1", "--yes"], ["link", "K-1"], ["backup", "copy.duckdb"], ["recompute"],
    ["remind", "--dry-run"], ["remind"],
])
def test_a_command_on_what_is_stored_refuses_a_database_that_is_not_there(koers, tmp_path, command, monkeypatch):
    """A mistyped path used to create an empty database and answer from it ("0 flags.")."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("KOERS_SECRET_KEY", "a-secret-key-of-at-least-32-characters")  # `link` asks first
    monkeypatch.setenv("KOERS_BASE_URL", "https://koers.example")
    typo = work / "koers.dukdb"
    ran = koers(*command, db=typo)
    assert ran.exit_code == 2, ran.output
    assert f"{typo}: there is no database here" in ran.stderr and f"koers init --db {typo}" in ran.stderr
    assert "Traceback" not in ran.output and ran.stdout == ""
    assert list(work.iterdir()) == []


def test_a_folder_given_as_the_database_is_named_and_left_alone(koers, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    ran = koers("flags", db=folder)
    assert ran.exit_code == 2 and "Traceback" not in ran.output
    assert f"{folder}: not a database file (a folder, or a device or pipe)" in ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["data"]  # no lock files beside it


def test_the_way_to_create_a_database_is_written_so_that_it_can_be_pasted(koers, tmp_path):
    spaced = tmp_path / "my practice.duckdb"
    assert f"`koers init --db '{spaced}'`" in koers("flags", db=spaced).stderr


def test_an_import_still_starts_a_database_and_the_commands_read_it(koers, tmp_path):
    """init, import, demo and coach or client add begin with an empty database where there is none."""
    fresh = tmp_path / "new.duckdb"
    path = tmp_path / "checkins.csv"
    path.write_text(csv_text([checkin("K-1")]), encoding="utf-8")
    assert koers("import", path, db=fresh).exit_code == 0
    ran = koers("timeline", "K-1", "--format", "json", db=fresh)
    assert ran.exit_code == 0 and len(json.loads(ran.stdout)["checkins"]) == 1


@pytest.mark.parametrize("command", [
    ["import", "{bad}"],
    ["client", "add", "K-1", "--email", "k1@example.org", "--coach", "nobody@example.org", "--name", "K"],
])
@pytest.mark.parametrize("where", ["koers.duckdb", "new/deeper/koers.duckdb"])
def test_a_refused_command_leaves_no_new_database_behind(koers, tmp_path, command, where):
    """Where there was no database, a refused import or `client add` leaves none: nor its lock files,
    nor the folders made for it. What else the folder holds stays."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    bad = tmp_path / "checkins.csv"
    bad.write_text(csv_text([checkin("K-1", sleep="eleven")]), encoding="utf-8")
    ran = koers(*[word.format(bad=bad) for word in command], db=folder / where)
    assert ran.exit_code == 2, ran.output
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]


def test_ctrl_c_during_an_import_into_a_new_path_leaves_no_database(tmp_path, monkeypatch, capsys):
    from tracking.cli import main
    from tracking.store import derived

    source = tmp_path / "checkins.csv"
    source.write_text(csv_text([checkin("C1")]), encoding="utf-8")

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(derived, "refresh", interrupted)
    folder = tmp_path / "data"
    folder.mkdir()
    with pytest.raises(SystemExit) as ended:
        main(["import", str(source), "--db", str(folder / "koers.duckdb")])
    assert ended.value.code == 130
    assert list(folder.iterdir()) == []


def test_a_path_through_a_folder_that_will_not_be_kept_leaves_no_folder(koers, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    ran = koers("client", "add", "K-1", "--email", "k1@example.org", "--coach", "nobody@example.org", "--name", "K",
                db=folder / "new" / ".." / "koers.duckdb")
    assert ran.exit_code == 2
    assert list(folder.iterdir()) == []


def test_a_file_where_a_folder_should_be_is_named(koers, tmp_path):
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    ran = koers("client", "add", "K-1", "--email", "k1@example.org", "--coach", "nobody@example.org", "--name", "K",
                db=tmp_path / "afile" / "koers.duckdb")
    assert ran.exit_code == 2 and "afile/koers.duckdb" in ran.stderr and "Traceback" not in ran.output
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine\n"


def test_a_database_stopped_before_its_tables_were_made_counts_as_empty(tmp_path):
    """Ctrl-C during the first migration leaves a DuckDB file without tables: it goes too."""
    import duckdb

    from tracking.usecases.data import remove_if_empty

    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    assert remove_if_empty(bare) and not bare.exists()
    other = tmp_path / "notes.duckdb"
    other.write_text("not a database\n", encoding="utf-8")
    assert not remove_if_empty(other) and other.exists()


def test_a_refused_import_keeps_a_database_that_was_there(koers, tmp_path):
    fresh = tmp_path / "koers.duckdb"
    assert koers("init", "--no-secret", db=fresh).exit_code == 0
    bad = tmp_path / "checkins.csv"
    bad.write_text(csv_text([checkin("K-1", sleep="eleven")]), encoding="utf-8")
    before = database_fingerprint(fresh)
    assert koers("import", bad, db=fresh).exit_code == 2
    assert fresh.exists() and database_fingerprint(fresh) == before


@pytest.mark.usefixtures("ready_db")
@pytest.mark.parametrize("client_id", ["-5", "-12", "-3.b"])
def test_a_client_id_that_starts_with_a_dash_is_shown_how_to_write_it(koers, client_id):
    """Click reads "-12" as the options -1 and -2, and names only the first: the hint names the whole
    word, or following it would name another client."""
    ran = koers("timeline", client_id)
    assert ran.exit_code == 2 and "Traceback" not in ran.output
    assert f"'{client_id}' is not an option" in ran.stderr
    assert "goes last, after `--`: " in ran.stderr and f"timeline [OPTIONS] -- {client_id}\n" in ran.stderr
    written = koers("timeline", "--", client_id)  # the hint works: the id is read, and is no client here
    assert written.exit_code == 2 and client_id in written.stderr and "not an option" not in written.stderr


@pytest.mark.usefixtures("ready_db")
@pytest.mark.parametrize("command", [["flags", "-x"], ["erase-client", "K-1", "-yes"], ["timeline", "K-1", "-x"],
                                     ["backup", "b.duckdb", "-force"]])
def test_a_mistyped_option_gets_no_hint_about_arguments(koers, command):
    ran = koers(*command)
    assert ran.exit_code == 2 and "No such option" in ran.stderr and "after `--`" not in ran.stderr


# Output that cannot be written.

def run_items(stdout) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOERS_")}
    return subprocess.run([sys.executable, "-m", "tracking", "items"], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=60)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs a device that is always full")
def test_output_to_a_full_disk_is_said_in_one_line():
    with open("/dev/full", "w") as full:
        ran = run_items(full)
    assert ran.returncode == 1
    assert ran.stderr == "koers: the output could not be written (No space left on device)\n"


def test_a_reader_that_stopped_reading_ends_the_command_without_a_word():
    reading, writing = os.pipe()
    os.close(reading)  # `koers items | head -0`: nobody reads what is written
    try:
        ran = run_items(writing)
    finally:
        os.close(writing)
    assert ran.returncode == 1
    assert ran.stderr == ""


@pytest.mark.parametrize("command", [["items"], ["items", "--format", "json"]])
def test_a_closed_output_is_no_error(command):
    """`koers items >&-`: Python has no stdout to write to; the command has nothing to say."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOERS_")}
    ran = subprocess.run([sys.executable, "-m", "tracking", *command], stderr=subprocess.PIPE, text=True, env=env,
                         timeout=60, preexec_fn=lambda: os.close(1))
    assert ran.returncode == 0 and ran.stderr == ""


class FailingOutput:
    encoding = "utf-8"

    def __init__(self, error: OSError):
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        raise ValueError("no file")

    def isatty(self) -> bool:
        return False


def test_an_error_that_is_not_about_the_output_is_not_called_one(monkeypatch):
    """Only a write that can fail once output has started (a full disk, a reader gone) is said as the
    output failing; another error from the system (no locks on a network disk) is not dressed up as one."""
    from tracking.cli import main

    monkeypatch.setattr(sys, "stdout", FailingOutput(OSError(errno.ENOLCK, "No locks available")))
    with pytest.raises(OSError, match="No locks available"):
        main(["items"])


def test_output_that_can_be_written_is_written_whole(tmp_path):
    with open(tmp_path / "items.txt", "w") as target:
        ran = run_items(target)
    assert ran.returncode == 0 and ran.stderr == ""
    assert (tmp_path / "items.txt").read_text().startswith("Instrument version ")
