"""`koers export-client` and `koers erase-client`: everything about one client out, or gone for good.

The practice below is built the way the app builds data: reminders written as .eml files by
`koers remind`, check-ins through the personal links in those files (one edited, so a revision is
kept), contact requests, a coach's digest naming two clients, a focus change, an observation and an
acknowledged flag. Anna (C1) is exported and erased; Bob (C10), whose id contains hers, must stay
whole.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests import factories
from tests.factories import answers, database_fingerprint
from tracking.context import Actor, Context, open_context
from tracking.errors import DatabaseError, NotFound
from tracking.mail import transports
from tracking.models import Email, Viewer
from tracking.settings import load_settings
from tracking.store import clients, database
from tracking.store import privacy as store
from tracking.store.migrate import ensure_schema
from tracking.usecases import checkin as submission
from tracking.usecases import clients as client_cases
from tracking.usecases import coaches, flags, privacy
from tracking.usecases.clients import Observation

SECRET_KEY = "privacy-tests-secret-key-0123456789abcdef"
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
ADDED = datetime(2026, 11, 1, tzinfo=UTC)
ANNA = {"id": "C1", "name": "Anna", "email": "anna@example.org", "note": "private words of Anna"}
BOB = {"id": "C10", "name": "Bob", "email": "bob@example.org", "note": "words of Bob"}


@pytest.fixture
def db_path(backend):
    """The tests that use the database run on a DuckDB file and on PostgreSQL."""
    return backend.location


def app(db_path) -> Context:
    return open_context(load_settings(db=db_path))


def eml(folder: Path, kind: str, to: str):
    """(path, message) of the .eml files of one kind written to one address."""
    found = []
    for path in sorted(folder.glob(f"*-{kind}.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            found.append((path, message))
    return found


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_token(message) -> str:
    return re.search(r"\?t=([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", text_of(message))[1]


@pytest.fixture
def practice(monkeypatch, koers, db_path, tmp_path):
    """A coach, Anna and Bob, with everything the app stores about a client; emails go to .eml files."""
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("KOERS_OUTBOX_DIR", str(tmp_path / "outbox"))  # a server's database has no folder beside it
    ctx = app(db_path)
    coach = factories.coach(ctx, now=ADDED)
    coaches.set_preferences(ctx, Actor.coach(coach), lang="nl", digest_weekday=2, digest_time="09:00",
                            tz="Europe/Amsterdam", now=ADDED)  # Wednesdays 08:00 UTC
    for person in (ANNA, BOB):
        factories.client(ctx, person["id"], email=person["email"], name=person["name"], lang="en", now=ADDED)
    assert koers("remind", "--now", (MONDAY + timedelta(hours=8)).isoformat()).exit_code == 0
    outbox = tmp_path / "outbox"
    for person in (ANNA, BOB):
        ((_path, invitation),) = eml(outbox, "invitation", person["email"])
        given = submission.clean_answers(app(db_path).instrument, answers(), True, person["note"])
        assert submission.submit(app(db_path), link_token(invitation), given, now=MONDAY + timedelta(days=1)).stored
    changed = submission.clean_answers(app(db_path).instrument, answers(sleep=1), True, ANNA["note"])
    assert submission.submit(app(db_path), link_token(eml(outbox, "invitation", ANNA["email"])[0][1]), changed,
                             now=MONDAY + timedelta(days=1, hours=1)).status == "edited"
    assert koers("remind", "--now", (MONDAY + timedelta(days=1, hours=2)).isoformat()).exit_code == 0
    assert koers("remind", "--now", (MONDAY + timedelta(days=2, hours=8)).isoformat()).exit_code == 0
    actor = Actor.coach(coach)
    client_cases.set_focus(app(db_path), actor, ANNA["id"], "identity", note="focus note about Anna",
                      now=MONDAY + timedelta(days=2))
    client_cases.add_observation(app(db_path), actor, ANNA["id"], Observation(
        observed_at=MONDAY + timedelta(days=2), tension_in_body="Anna's shoulders", reference="external",
        ratings={"identity": 7}, note="observation note about Anna"), now=MONDAY + timedelta(days=2))
    with database(db_path).read() as con:
        (flag_id,) = con.execute("SELECT id FROM flags WHERE client_id = 'C1' AND kind = 'contact_request'").fetchone()
    flags.acknowledge(app(db_path), actor, flag_id, "acknowledged Anna's request", now=MONDAY + timedelta(days=2))
    return outbox


def rows_of(db_path, client_id: str) -> dict[str, list[dict]]:
    with database(db_path).read() as con:
        return store.client_rows(con, store.client_tables(con), client_id)


def every_text(db_path) -> list[str]:
    """Every non-empty text or JSON cell in every table of the database."""
    with database(db_path).read() as con:
        columns = con.execute(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND upper(c.data_type) IN ('VARCHAR', 'CHARACTER VARYING', 'TEXT', 'JSON')
            """
        ).fetchall()
        cells = []
        for table, column in columns:
            cells += [str(v) for (v,) in con.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
                      .fetchall()]
        return cells


def names_client(text: str, person: dict) -> bool:
    return (re.search(r"(?<![\w-])" + re.escape(person["id"]) + r"(?![\w-])", text) is not None
            or person["name"] in text or person["email"] in text or person["note"] in text)


# --- which tables are about a client --------------------------------------------------------------


def test_every_table_is_about_a_client_or_listed_with_the_reason_it_is_not(db_path):
    ensure_schema(database(db_path))
    with database(db_path).read() as con:
        tables = store.client_tables(con)
        every = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'").fetchall()}
        with_client_id = {t for (t,) in con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'client_id' "
            "AND table_schema = current_schema() AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE')").fetchall()}
    assert set(tables.names) | set(store.UNRELATED_TABLES) == every
    assert with_client_id <= set(tables.names)
    assert {"checkins", "scores", "states", "flags", "focus_changes", "observations", "periods", "link_tokens",
            "checkin_revisions", "outbox", "audit_log"} <= set(tables.names)
    assert tables.get("scores").parent == "checkins" and tables.get("checkin_revisions").parent == "checkins"


def test_a_new_table_with_a_client_id_is_exported_and_erased_without_anyone_listing_it(db_path, koers):
    ensure_schema(database(db_path))
    with database(db_path).write() as con:
        clients.add_client(con, client_id="C1", coach_id=None, email=None, name="Anna", lang="en",
                           tz="Europe/Amsterdam", reminder_weekday=None, reminder_time=None, now=ADDED)
        con.execute("CREATE TABLE future_notes (id INTEGER, client_id VARCHAR, text VARCHAR)")
        con.execute("CREATE TABLE future_replies (id INTEGER, future_note_id INTEGER, text VARCHAR)")
        con.execute("INSERT INTO future_notes VALUES (1, 'C1', 'a note'), (2, 'C2', 'another client')")
        con.execute("INSERT INTO future_replies VALUES (1, 1, 'a reply'), (2, 2, 'kept')")
    document = privacy.export_client(app(db_path), factories.OPERATOR, "C1")
    assert [row["text"] for row in document["future_notes"]] == ["a note"]
    assert [row["text"] for row in document["future_replies"]] == ["a reply"]
    assert koers("erase-client", "C1", "--yes").exit_code == 0
    with database(db_path).read() as con:
        assert con.execute("SELECT text FROM future_notes UNION ALL SELECT text FROM future_replies "
                           "ORDER BY text").fetchall() == [("another client",), ("kept",)]


@pytest.mark.parametrize("ddl", [
    "CREATE TABLE client_mood (client_ref VARCHAR, mood VARCHAR)",  # names a client another way
    "CREATE TABLE leftovers (id INTEGER, remark VARCHAR)",  # nobody said what it holds
])
def test_a_table_koers_cannot_place_stops_export_and_erasure_and_changes_nothing(db_path, koers, ddl):
    ensure_schema(database(db_path))
    with database(db_path).write() as con:
        clients.add_client(con, client_id="C1", coach_id=None, email=None, name="Anna", lang="en",
                           tz="Europe/Amsterdam", reminder_weekday=None, reminder_time=None, now=ADDED)
        con.execute(ddl)
    before = database_fingerprint(db_path)
    for command in (("export-client", "C1"), ("erase-client", "C1", "--yes")):
        ran = koers(*command)
        assert ran.exit_code == 2 and "tracking/store/privacy.py" in ran.stderr, ran.output
        assert "Traceback" not in ran.output
    assert database_fingerprint(db_path) == before
    with database(db_path).read() as con, pytest.raises(DatabaseError):
        store.client_tables(con)


# --- export ------------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_client_and_nothing_about_anyone_else(practice, koers, db_path):
    ran = koers("export-client", "C1")
    assert ran.exit_code == 0, ran.output
    document = json.loads(ran.stdout)
    assert (document["format"], document["version"]) == ("koers.client-export", 1)
    client = document["client"]
    assert (client["id"], client["name"], client["email"], client["lang"]) == ("C1", "Anna", "anna@example.org", "en")
    (checkin,) = document["checkins"]
    assert checkin["answers"]["sleep"] == 1 and checkin["answers"]["energy"] == 5
    assert checkin["note"] == ANNA["note"] and checkin["contact_request"] is True
    assert set(checkin["scores"]) >= {"context", "relational", "physiological", "identity"}
    assert checkin["state"]["state"] and len(checkin["revisions"]) == 1
    assert checkin["revisions"][0]["previous"]["answers"]["sleep"] == 5
    acknowledged = [f for f in document["flags"] if f["status"] == "acknowledged"]
    assert acknowledged[0]["acknowledge_note"] == "acknowledged Anna's request"
    assert acknowledged[0]["acknowledged_by"] == 1
    assert document["coaches"] == [{"id": 1, "name": "Ada Coach", "email": "coach@example.org"}]
    assert [c["note"] for c in document["focus_changes"]] == ["focus note about Anna"]
    assert document["observations"][0]["note"] == "observation note about Anna"
    assert document["periods"] and document["link_tokens"]
    assert {e["kind"] for e in document["outbox"]} >= {"invitation", "contact"}
    assert {e["action"] for e in document["audit_log"]} >= {"checkin_submitted", "checkin_edited", "set_focus"}
    assert all(e["client_id"] == "C1" for e in document["audit_log"])
    everything = json.dumps(document, ensure_ascii=False)
    assert not names_client(everything, BOB)
    assert "?t=" not in everything or "?t=[redacted]" in everything  # no working personal link
    assert re.search(r"\?t=[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", everything) is None


def test_an_export_is_recorded_in_the_audit_log(practice, koers, db_path):
    assert koers("export-client", "C1").exit_code == 0
    with database(db_path).read() as con:
        (actor, client_id, detail), = con.execute(
            "SELECT actor, client_id, detail FROM audit_log WHERE action = 'export_client'").fetchall()
    assert (actor, client_id) == ("cli", "C1") and json.loads(detail)["rows"]["checkins"] == 1


def test_an_export_to_a_file_is_readable_by_its_owner_only_and_not_overwritten(practice, koers, tmp_path):
    target = tmp_path / "anna.json"
    assert koers("export-client", "C1", "--output", target).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["client"]["id"] == "C1"
    assert os.stat(target).st_mode & 0o777 == 0o600
    ran = koers("export-client", "C1", "--output", target)
    assert ran.exit_code == 2 and "exists already" in ran.stderr
    assert koers("export-client", "C1", "--output", target, "--force").exit_code == 0


def test_exporting_a_client_that_does_not_exist_exits_2(koers, ready_db):
    ran = koers("export-client", "nobody")
    assert ran.exit_code == 2 and "no client with id nobody" in ran.stderr


# --- erasure -----------------------------------------------------------------------------------------


def test_erasing_leaves_no_trace_of_the_client_in_any_table_and_leaves_the_other_client_whole(
        practice, koers, db_path):
    bob_before = rows_of(db_path, "C10")
    assert any(names_client(cell, ANNA) for cell in every_text(db_path))
    ran = koers("erase-client", "C1", "--yes")
    assert ran.exit_code == 0, ran.output
    leftovers = [cell for cell in every_text(db_path) if names_client(cell, ANNA)]
    assert leftovers == []
    assert rows_of(db_path, "C10") == bob_before


def test_the_clients_eml_files_go_and_the_coachs_digest_keeps_only_the_others(practice, koers, db_path):
    outbox = practice
    mine = [p for kind in ("invitation",) for p, _m in eml(outbox, kind, ANNA["email"])]
    mine += [p for p, m in eml(outbox, "contact", "coach@example.org") if "Anna" in str(m["Subject"])]
    bobs = [p for p, _m in eml(outbox, "invitation", BOB["email"])]
    ((digest_path, digest),) = eml(outbox, "digest", "coach@example.org")
    assert "Anna (C1)" in text_of(digest) and "Bob (C10)" in text_of(digest)
    assert len(mine) == 2 and bobs

    ran = koers("erase-client", "C1", "--yes")
    assert ran.exit_code == 0, ran.output
    assert "2 .eml files removed, 1 redacted" in ran.stdout
    assert not any(p.exists() for p in mine) and all(p.exists() for p in bobs)
    redacted = message_from_bytes(digest_path.read_bytes(), policy=policy.default)
    text = text_of(redacted)
    assert "[erased]" in text and "Bob (C10)" in text and not names_client(text, ANNA)
    html_text = redacted.get_body(preferencelist=("html",)).get_content()
    assert "Bob (C10)" in html_text and not names_client(html_text, ANNA)
    for path in outbox.iterdir():
        assert not names_client(path.read_bytes().decode("utf-8", "replace"), ANNA), path.name


def test_emails_sent_as_files_in_another_folder_are_named_so_they_can_be_removed_there(
        practice, koers, monkeypatch, tmp_path):
    outbox = practice
    mine = [p.name for p, _m in eml(outbox, "invitation", ANNA["email"])]
    mine += [p.name for p, m in eml(outbox, "contact", "coach@example.org") if "Anna" in str(m["Subject"])]
    elsewhere = tmp_path / "this-machine-outbox"  # erasing on a machine whose schedulers write elsewhere
    monkeypatch.setenv("KOERS_OUTBOX_DIR", str(elsewhere))
    ran = koers("erase-client", "C1", "--yes")
    assert ran.exit_code == 0, ran.output
    assert "0 .eml files removed" in ran.stdout
    assert f"Emails to the client sent as .eml files that are not in {elsewhere} (2)" in ran.stderr
    assert ran.stderr.rstrip().endswith("Remove them where they are: " + ", ".join(sorted(mine)))
    assert all((outbox / name).exists() for name in mine)  # nothing is touched where this process does not write

    monkeypatch.setenv("KOERS_SMTP_HOST", "mail.example.org")  # sent by a mail server: no file expected
    assert "sent as .eml files" not in koers("erase-client", "C10", "--yes").stderr


def test_the_audit_log_records_the_erasure_without_the_id_name_email_or_notes(practice, koers, db_path):
    assert koers("erase-client", "C1", "--yes").exit_code == 0
    with database(db_path).read() as con:
        (actor, client_id, detail), = con.execute(
            "SELECT actor, client_id, detail FROM audit_log WHERE action = 'erase_client'").fetchall()
    assert (actor, client_id) == ("cli", None)
    assert not names_client(detail, ANNA)
    recorded = json.loads(detail)
    assert recorded["rows"]["checkins"] == 1 and recorded["rows"]["clients"] == 1
    assert recorded["keyed"] is True
    assert privacy.erasure_matches(recorded, "C1", SECRET_KEY)
    assert not privacy.erasure_matches(recorded, "C10", SECRET_KEY)
    assert not privacy.erasure_matches(recorded, "C1", "another-secret-key-0123456789abcdef")
    ran = koers("export-client", "C1")
    assert ran.exit_code == 2 and "it was erased on" in ran.stderr


def test_erasure_asks_for_the_id_typed_back(practice, koers, db_path):
    before = database_fingerprint(db_path)
    ran = koers("erase-client", "C1", input="C10\n")
    assert ran.exit_code == 2 and "does not match; nothing was erased" in ran.stderr
    assert "Anna (C1)" in ran.stderr and "1 checkins" in ran.stderr
    assert koers("erase-client", "C1", input="").exit_code == 1  # no answer: aborted
    assert database_fingerprint(db_path) == before
    ran = koers("erase-client", "C1", input="C1\n")
    assert ran.exit_code == 0 and "Erased client C1" in ran.stdout
    with database(db_path).read() as con, pytest.raises(NotFound):
        clients.get_client(con, "C1", Viewer.operator())


def test_erasing_a_client_that_does_not_exist_exits_2_and_changes_nothing(koers, ready_db, db_path):
    before = database_fingerprint(db_path)
    ran = koers("erase-client", "nobody", "--yes")
    assert ran.exit_code == 2 and "no client with id nobody" in ran.stderr
    assert database_fingerprint(db_path) == before


def test_an_email_being_sent_to_the_client_holds_the_erasure_back(practice, koers, db_path):
    with database(db_path).write() as con:
        con.execute("UPDATE outbox SET status = 'sending', claimed_at = now()::TIMESTAMP, claimed_by = 'x' "
                    "WHERE id = (SELECT min(id) FROM outbox WHERE client_id = 'C1')")
    before = database_fingerprint(db_path)
    files = sorted(p.name for p in practice.iterdir())
    ran = koers("erase-client", "C1", "--yes")
    assert ran.exit_code == 2 and "is being sent right now" in ran.stderr
    assert database_fingerprint(db_path) == before and sorted(p.name for p in practice.iterdir()) == files


# --- the pieces ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("- Anna (C1), Monday", "- [erased], Monday"),
    ("- Bob (C10), Monday", "- Bob (C10), Monday"),
    ("client C1: contact request", "client [erased]: contact request"),
    ("clients C10 and X-C1 and C1x", "clients C10 and X-C1 and C1x"),
    ("/client?client=C1&x", "/client?client=[erased]&x"),
])
def test_redaction_removes_the_client_and_only_the_client(text, expected):
    assert privacy.redact_mentions(text, "C1", "Anna") == expected


def test_redaction_in_html_matches_the_escaped_label():
    assert privacy.redact_mentions("<li>A&amp;B (C&lt;1)</li>", "C<1", "A&B", is_html=True) == "<li>[erased]</li>"


def test_the_eml_names_and_folder_follow_the_transport():
    outgoing = Email(key="k", kind="followup", recipient="a@example.org", subject="s", body_text="b", body_html=None,
                     id=1234567, created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    match = privacy.EML_NAME.match(transports.file_name(outgoing))
    assert match and (int(match[1]), match[2]) == (1234567, "followup")
    for outbox_dir in (None, Path("/srv/mail")):
        settings = load_settings({}, secrets_file=None, db=Path("/data/koers.duckdb"), outbox_dir=outbox_dir)
        assert transports.transport_for(settings).folder == settings.outbox_folder()


def test_every_privacy_command_and_option_has_help():
    from tracking.cli import cli

    for name in ("export-client", "erase-client", "backup"):
        command = cli.get_command(click.Context(cli), name)
        assert command.help and len(command.help) > 40, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.name}"
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0


def test_an_unanswered_item_is_exported_as_null_on_both_databases(koers, db_path, tmp_path):
    """PostgreSQL keeps the answers as bytes (255: unanswered); the export gives numbers and null."""
    path = tmp_path / "checkins.csv"
    path.write_text(factories.csv_text([factories.checkin("K-1", sleep=None, energy=0, meaning=10)]),
                    encoding="utf-8")
    assert koers("import", str(path)).exit_code == 0
    ran = koers("export-client", "K-1")
    assert ran.exit_code == 0, ran.output
    (checkin,) = json.loads(ran.stdout)["checkins"]
    assert checkin["answers"]["sleep"] is None
    assert (checkin["answers"]["energy"], checkin["answers"]["meaning"]) == (0, 10)
    assert all(value is None or 0 <= value <= 10 for value in checkin["answers"].values())
