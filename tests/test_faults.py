"""Faults: a sender killed mid-send, a database held by another process, a full disk or read-only
file during an import, a corrupted instrument file. Each ends in a clear message or a short wait,
never a traceback, a duplicate or half-written data."""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.factories import csv_text, database_fingerprint, weekly
from tests.mailserver import MAIL_FROM, MailServer
from tests.servers import free_port
from tracking.context import open_context
from tracking.mail.outbox import claim_timeout
from tracking.settings import load_settings
from tracking.store import accounts, clients
from tracking.store.connection import Database
from tracking.store.migrate import ensure_schema

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "fault-tests-secret-key-0123456789abcdef"
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam


def child_env(db_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_")}
    env.update({"KOERS_DB": str(db_path), "KOERS_SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(ROOT), **extra})
    return env


class StallingServer:
    """An SMTP server that takes the message but holds back its reply until released: the sender
    is then stuck after claiming, exactly where a crash is worst."""

    def __init__(self):
        self.port = free_port()
        self.release = asyncio.Event()
        self.arrived = threading.Event()
        self.accepted = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.arrived.set()
        await self.release.wait()
        self.accepted.append(envelope.rcpt_tos)
        return "250 OK"

    def __enter__(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.loop.call_soon_threadsafe(self.release.set)
        self.controller.stop()


def smtp_env(port: int) -> dict:
    return {"KOERS_SMTP_HOST": "127.0.0.1", "KOERS_SMTP_PORT": str(port), "KOERS_SMTP_STARTTLS": "false",
            "KOERS_MAIL_FROM": MAIL_FROM}


def test_a_sender_killed_between_claiming_and_sending_sends_once_after_a_restart(db_path):
    ensure_schema(Database(db_path))
    with Database(db_path).write() as con:
        accounts.add_coach(con, email="coach@example.org", name="Ada", password_hash="-", is_admin=False,
                           now=MONDAY - timedelta(days=30))
        clients.add_client(con, client_id="C1", coach_id=1, email="c1@example.org", name=None, lang="nl",
                           tz="Europe/Amsterdam", reminder_weekday=0, reminder_time="09:00",
                           now=MONDAY - timedelta(days=30))
    at = MONDAY + timedelta(minutes=1)
    with StallingServer() as stalling:
        sender = subprocess.Popen(
            [sys.executable, "-m", "tracking", "remind", "--now", at.isoformat()],
            env=child_env(db_path, **smtp_env(stalling.port)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        assert stalling.arrived.wait(timeout=60), "the sender should reach the mail server"
        sender.send_signal(signal.SIGKILL)  # killed after claiming, before the server accepted
        sender.wait(timeout=30)
    assert ["c1@example.org"] not in stalling.accepted
    server = MailServer().start()
    try:
        env = child_env(db_path, **smtp_env(server.port))
        for minutes in (5, 16, 17):  # before the claim times out nothing goes; after it, once
            done = subprocess.run([sys.executable, "-m", "tracking", "remind", "--now",
                                   (at + timedelta(minutes=minutes)).isoformat()],
                                  env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr
            if minutes == 5:
                assert server.to("c1@example.org") == []
        assert len(server.to("c1@example.org")) == 1
    finally:
        server.stop()


HOLDER = textwrap.dedent("""
    import sys, time
    from tracking.store.connection import Database
    with Database(sys.argv[1]).write() as con:
        con.execute("SELECT 1").fetchall()
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))  # the fault: another process holds the database this long
    print("released", flush=True)
""")


def hold_database(db_path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path), str(seconds)],
                              env=child_env(db_path), stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_database_held_for_seconds_means_a_short_wait_for_a_coach_not_an_error(demo_db):
    from tests.dashboard_helpers import MARC, plain_texts, signed_in

    holder = hold_database(demo_db, 3)
    started = time.monotonic()
    at = signed_in(MARC, page="caseload")
    waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert not at.exception and not at.error and not at.warning and not plain_texts(at, "error")
    assert at.title[0].value == "Caseload"
    assert waited >= 2.0, "the page waited for the other process instead of failing"


def test_a_database_held_for_seconds_means_a_short_wait_for_the_command_line(ready_db, db_path):
    holder = hold_database(db_path, 2)
    done = subprocess.run([sys.executable, "-m", "tracking", "flags", "--format", "json"],
                          env=child_env(db_path), capture_output=True, text=True, timeout=60)
    holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _large_import(tmp_path: Path) -> Path:
    rows = [row for n in range(500) for row in weekly(f"C{n:03d}", 40)]
    path = tmp_path / "large.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def _with_file_size_limit(limit_bytes: int):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return limit


def test_a_full_disk_during_an_import_gives_a_clear_error_and_writes_nothing(ready_db, db_path, tmp_path):
    csv_path = _large_import(tmp_path)
    before = database_fingerprint(db_path)
    size = db_path.stat().st_size
    done = subprocess.run([sys.executable, "-m", "tracking", "import", str(csv_path)], env=child_env(db_path),
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=_with_file_size_limit(size))
    assert done.returncode == 2, done.stderr
    assert "nothing was written" in done.stderr or "cannot open the database" in done.stderr
    assert "Traceback" not in done.stderr
    assert database_fingerprint(db_path) == before
    again = subprocess.run([sys.executable, "-m", "tracking", "import", str(csv_path)], env=child_env(db_path),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr  # with room again, the same file imports


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="needs setpriv to drop root")
def test_a_read_only_database_refuses_an_import_with_a_clear_error(ready_db, db_path, tmp_path):
    csv_path = _large_import(tmp_path)
    before = database_fingerprint(db_path)
    for path in (db_path, db_path.with_name(db_path.name + ".lock")):
        if path.exists():
            path.chmod(0o444)
    tmp_path.chmod(0o755)
    csv_path.chmod(0o644)
    command = [sys.executable, "-m", "tracking", "import", str(csv_path)]
    if os.geteuid() == 0:  # root writes anyway: run as nobody, as a service account would
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
        for parent in tmp_path.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o005)
    done = subprocess.run(command, env={**child_env(db_path), "HOME": str(tmp_path)}, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert str(db_path.name) in done.stderr
    assert database_fingerprint(db_path) == before


def test_a_corrupted_instrument_file_stops_the_command_line(koers, monkeypatch, tmp_path):
    from tracking import instrument

    broken = tmp_path / "instruments"
    broken.mkdir()
    (broken / "v1.toml").write_text('version = "1"\n[[items]]\nid = "sleep"\ndynamic = "mood"\n', encoding="utf-8")
    monkeypatch.setattr(instrument, "INSTRUMENT_DIR", broken)
    instrument.load_instrument.cache_clear()
    try:
        ran = koers("items")
        assert ran.exit_code == 2
        assert "v1.toml: item 1 (sleep): unknown dynamic 'mood'" in ran.stderr
    finally:
        instrument.load_instrument.cache_clear()


def test_a_corrupted_instrument_file_stops_the_dashboard(demo_db, monkeypatch, tmp_path):
    from tests.dashboard_helpers import app, shown
    from tracking import instrument

    broken = tmp_path / "instruments"
    broken.mkdir()
    (broken / "v1.toml").write_text("version = \n", encoding="utf-8")
    monkeypatch.setattr(instrument, "INSTRUMENT_DIR", broken)
    instrument.load_instrument.cache_clear()
    try:
        at = app().run()
        assert shown(at, "error")[0].startswith("Koers kan niet starten:")
        assert "v1.toml: not a valid instrument file" in shown(at, "error")[0]
        assert not at.text_input, "no sign-in form while the instrument is broken"
    finally:
        instrument.load_instrument.cache_clear()


def test_the_app_refuses_to_start_without_a_secret_key(demo_db, monkeypatch):
    from dashboard import runtime
    from tests.dashboard_helpers import app, shown

    monkeypatch.delenv("KOERS_SECRET_KEY")
    runtime._context.clear()
    at = app().run()
    assert "KOERS_SECRET_KEY is not set" in shown(at, "error")[0]


def test_the_mailing_settings_are_read_from_the_settings_object(db_path):
    app = open_context(load_settings({"KOERS_CLAIM_TIMEOUT_MINUTES": "20"}, secrets_file=None, db=db_path))
    assert claim_timeout(app.settings) == timedelta(minutes=20)


class SenderKiller:
    """An SMTP server that accepts every email but holds the first conversation of one sender (known by
    its sender address) until that sender has been killed: that email is never accepted."""

    def __init__(self, victim: str):
        self.port = free_port()
        self.victim = victim
        self.arrived = threading.Event()
        self.release = asyncio.Event()
        self.accepted: list[tuple[str, str]] = []  # (recipient, Message-ID)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        if envelope.mail_from == self.victim and not self.arrived.is_set():
            self.arrived.set()
            await self.release.wait()
            return "451 4.3.0 the sender went away"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.accepted.append((envelope.rcpt_tos[0], str(message["Message-ID"])))
        return "250 OK"

    def __enter__(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.loop.call_soon_threadsafe(self.release.set)
        self.controller.stop()


def test_senders_side_by_side_one_killed_mid_send_deliver_every_email_once(backend, tmp_path):
    """Three senders on one database (a DuckDB file, or PostgreSQL as several machines would share it):
    one is killed in the middle of an SMTP conversation, two send at the same moment, and every
    client gets their invitation exactly once, the killed sender's one after its claim timed out."""
    from tests.conftest import _address

    ctx = open_context(backend.settings(secret_key=SECRET_KEY))
    with ctx.db.write() as con:
        accounts.add_coach(con, email="coach@example.org", name="Ada", password_hash="-", is_admin=False,
                           now=MONDAY - timedelta(days=30))
        for number in range(8):
            clients.add_client(con, client_id=f"C{number}", coach_id=1, email=f"c{number}@example.org", name=None,
                               lang="nl", tz="Europe/Amsterdam", reminder_weekday=0, reminder_time="09:00",
                               now=MONDAY - timedelta(days=30))
    at = MONDAY + timedelta(minutes=1)

    def sender(name: str, port: int, minutes: int) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_")}
        env.update({"KOERS_DB": _address(backend.location), "KOERS_SECRET_KEY": SECRET_KEY,
                    "PYTHONPATH": str(ROOT), "KOERS_OUTBOX_DIR": str(tmp_path / "outbox"), **smtp_env(port),
                    "KOERS_MAIL_FROM": f"{name}@practice.example"})
        return subprocess.Popen([sys.executable, "-m", "tracking", "remind", "--now",
                                 (at + timedelta(minutes=minutes)).isoformat()],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    with SenderKiller("victim@practice.example") as server:
        victim = sender("victim", server.port, 0)
        assert server.arrived.wait(timeout=120), "the first sender should reach the mail server"
        victim.send_signal(signal.SIGKILL)  # killed after claiming, before the server accepted
        victim.wait(timeout=30)
        server.controller.loop.call_soon_threadsafe(server.release.set)
        for minutes in (1, 5, 17):  # two at once; before the claim times out; after it
            pair = [sender(f"sender-{n}", server.port, minutes) for n in (1, 2)]
            for process in pair:
                _out, err = process.communicate(timeout=120)
                assert process.returncode == 0 and "Traceback" not in err, err
            if minutes == 5:  # the killed sender's email waits for its claim to time out
                assert "c0@example.org" not in invited(server) and len(invited(server)) == 7
    assert invited(server) == [f"c{number}@example.org" for number in range(8)]  # each once, c0 too
    assert len({mid for _recipient, mid in server.accepted}) == len(server.accepted) == 9  # and the digest


def invited(server: SenderKiller) -> list[str]:
    return sorted(recipient for recipient, _mid in server.accepted if recipient != "coach@example.org")


def test_a_database_that_cannot_be_read_is_told_in_words_and_named_only_in_the_log(demo_db, caplog):
    """Whoever opens a page (a client with a link, a coach) reads what happened in their language; the
    file or server address and its reason are for the operator, in the server's log."""
    from tests.dashboard_helpers import MARC, shown, signed_in, texts

    at = signed_in(MARC, lang="en", page="caseload")
    assert not shown(at, "error")
    demo_db.write_bytes(b"not a database, " * 4096)  # the file is damaged while the app runs
    at.run()
    assert shown(at, "error") == ["Koers cannot reach its data right now. Please try again in a few minutes."]
    assert str(demo_db) not in texts(at)
    assert str(demo_db) in caplog.text

    from dashboard import runtime

    runtime._context.clear()  # a dashboard started on the damaged file
    fresh = signed_in(MARC, lang="nl", page="caseload")
    assert shown(fresh, "error") == [
        "Koers kan zijn gegevens nu niet bereiken. Probeer het over een paar minuten opnieuw."]
    assert str(demo_db) not in texts(fresh)
