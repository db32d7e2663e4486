"""`koers scheduler` as a real process: it sends what is due, never what `koers remind` sent, stops
cleanly on SIGTERM, and shares one DuckDB file with the dashboard (a real Streamlit process, driven
in Debian's chromium) while check-ins are stored from a third process: every write and every email
lands, once.

Clients here are due *now* (real time): their weekly time is a minute ago, in UTC. Waiting is
bounded polling for processes that run on their own clock, never a fixed sleep.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import answers
from tests.mailserver import MailServer, text_part
from tests.servers import Server
from tracking.context import open_context
from tracking.errors import NotFound
from tracking.settings import load_settings
from tracking.store import accounts, audit, checkins, clients, outbox
from tracking.store.connection import Database
from tracking.store.migrate import ensure_schema
from tracking.usecases import checkin as submission

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "scheduler-tests-secret-key-0123456789abcdef"
COACH = "coach@example.org"
WAIT_SECONDS = 60


def wait_until(condition, what: str, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)  # polling processes that run on their own clock, bounded by the deadline
    raise AssertionError(f"timed out waiting for {what}")


def due_now() -> tuple[int, str]:
    """A weekly schedule (weekday, HH:MM in UTC) whose latest moment was a minute or two ago."""
    moment = datetime.now(UTC) - timedelta(minutes=1)
    return moment.weekday(), f"{moment:%H:%M}"


def setup_database(db_path: Path, client_ids: list[str]) -> None:
    db = Database(db_path)
    ensure_schema(db)
    weekday, clock = due_now()
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with db.write() as con:
        try:
            coach = accounts.coach_by_email(con, COACH)
        except NotFound:  # the first call: no coach yet
            coach = accounts.add_coach(con, email=COACH, name="Ada Coach", password_hash="-", is_admin=False,
                                       now=long_ago)
        for client_id in client_ids:
            clients.add_client(con, client_id=client_id, coach_id=coach.id,
                               email=f"{client_id.lower()}@example.org", name=None, lang="nl", tz="UTC",
                               reminder_weekday=weekday, reminder_time=clock, now=long_ago)


@pytest.fixture
def mail():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def env(tmp_path, mail) -> dict:
    values = {key: value for key, value in os.environ.items() if not key.startswith("KOERS_")}
    values.update({"KOERS_DB": str(tmp_path / "koers.duckdb"), "KOERS_SECRET_KEY": SECRET_KEY,
                   "PYTHONPATH": str(ROOT), **mail.env()})
    return values


def start_scheduler(env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracking", "scheduler", "--interval", "1"], env=env,
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return process.returncode, err


def scheduler_runs(db_path: Path) -> int:
    with Database(db_path).read() as con:
        return sum(1 for run in outbox.runs(con) if run.runner == "scheduler")


def test_the_scheduler_sends_what_is_due_never_what_remind_sent_and_stops_on_sigterm(tmp_path, env, mail,
                                                                                     monkeypatch):
    db_path = Path(env["KOERS_DB"])
    setup_database(db_path, ["EARLY"])
    for key, value in env.items():
        if key.startswith("KOERS_"):
            monkeypatch.setenv(key, value)
    done = subprocess.run([sys.executable, "-m", "tracking", "remind"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(mail.to("early@example.org")) == 1
    setup_database(db_path, ["LATER"])

    scheduler = start_scheduler(env, tmp_path)
    try:
        wait_until(lambda: mail.to("later@example.org"), "the scheduler's invitation")
        with Database(db_path).read() as con:
            seen = next(r.at for r in outbox.runs(con) if r.runner == "scheduler")

        def ran_again():
            with Database(db_path).read() as con:
                return any(r.runner == "scheduler" and r.at >= seen + timedelta(seconds=2)
                           for r in outbox.runs(con))

        wait_until(ran_again, "two more runs of the scheduler")
    finally:
        code, err = stop(scheduler)
    assert code == 0, err
    assert "Koers scheduler stopped." in err
    assert len(mail.to("early@example.org")) == 1
    assert len(mail.to("later@example.org")) == 1
    assert scheduler_runs(db_path) == 1


def test_a_scheduler_without_a_secret_key_or_sender_address_refuses_to_start(koers, monkeypatch):
    ran = koers("scheduler")
    assert ran.exit_code == 2 and "KOERS_SECRET_KEY is not set" in ran.output
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("KOERS_SMTP_HOST", "mail.example.org")
    ran = koers("scheduler")
    assert ran.exit_code == 2 and "KOERS_MAIL_FROM is not set" in ran.output


def pause_url(message) -> str:
    return re.search(r"(http://127\.0\.0\.1:\d+/\?pause=[A-Za-z0-9_\-.]+)", text_part(message))[1]


def checkin_token(message) -> str:
    return re.search(r"\?t=([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", text_part(message))[1]


def store_history(db_path: Path, instrument, n: int) -> None:
    """Check-ins of other clients, one short unit of work each (as an import or the demo would)."""
    db = Database(db_path)
    start = datetime.now(UTC) - timedelta(days=60)
    for i in range(n):
        row = {"client_id": f"H{i:02d}", "submitted_at": start + timedelta(hours=i), "answers": answers()}
        frame = checkins.frame_from_rows([row], instrument)
        with db.write() as con:
            checkins.ingest(con, frame, instrument, source="import", now=datetime.now(UTC))


@pytest.mark.slow
def test_the_dashboard_and_the_scheduler_share_one_database_while_check_ins_arrive(tmp_path, env, mail,
                                                                                   monkeypatch, page):
    db_path = Path(env["KOERS_DB"])
    askers, pausers = ["A1", "A2", "A3"], ["P1", "P2", "P3"]
    setup_database(db_path, askers + pausers)
    dashboard = Server(tmp_path, env, wait=False)
    scheduler = start_scheduler({**env, "KOERS_BASE_URL": dashboard.url}, tmp_path)
    for key, value in env.items():
        if key.startswith("KOERS_"):
            monkeypatch.setenv(key, value)
    app = open_context(load_settings(db=db_path))
    problems: list[BaseException] = []
    try:
        wait_until(dashboard.healthy, "the dashboard")
        wait_until(lambda: all(mail.to(f"{c.lower()}@example.org") for c in askers + pausers),
                   "six invitations")

        def submit_check_ins() -> None:
            try:
                store_history(db_path, app.instrument, 30)
                for client_id in askers:
                    (invitation,) = mail.to(f"{client_id.lower()}@example.org")
                    given = submission.clean_answers(app.instrument, answers(), True, "please call")
                    result = submission.submit(app, checkin_token(invitation), given, now=datetime.now(UTC))
                    assert result.status == "saved", result
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
                problems.append(exc)

        writer = threading.Thread(target=submit_check_ins)
        writer.start()
        for client_id in pausers:
            (invitation,) = mail.to(f"{client_id.lower()}@example.org")
            page.goto(pause_url(invitation))
            page.get_by_role("button", name="Ja, pauzeer de herinneringen").click(timeout=30_000)
            page.get_by_text("De herinneringen zijn gepauzeerd").wait_for(timeout=30_000)
        writer.join(timeout=120)
        assert not problems, problems

        def coach_mail() -> Counter:
            return Counter(m["X-Koers-Kind"] for m in mail.to(COACH))

        wait_until(lambda: coach_mail()["contact"] >= 3 and coach_mail()["paused"] >= 3, "the coach's emails")
    finally:
        code, err = stop(scheduler)
        dashboard.stop()
    assert code == 0, err

    assert coach_mail()["contact"] == 3 and coach_mail()["paused"] == 3
    ids = [m["Message-ID"] for m in mail.messages]
    assert len(ids) == len(set(ids)), "an email was sent twice"
    with Database(db_path).read() as con:
        assert checkins.count_checkins(con) == 33
        statuses = dict(con.execute(
            "SELECT id, status FROM clients WHERE id IN ('A1', 'A2', 'A3', 'P1', 'P2', 'P3')").fetchall())
        unsent = con.execute("SELECT count(*) FROM outbox WHERE status <> 'sent'").fetchone()[0]
        paused_entries = [e for e in audit.recent(con, limit=1000) if e.action == "reminders_paused"]
    assert statuses == {"A1": "active", "A2": "active", "A3": "active", "P1": "paused", "P2": "paused",
                        "P3": "paused"}
    assert unsent == 0
    assert sorted(e.client_id for e in paused_entries) == pausers
