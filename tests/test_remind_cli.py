"""`koers remind` end to end: a real DuckDB file and a real PostgreSQL database, a real SMTP server on
loopback, a frozen `--now`.

The right clients at their local time, follow-ups only when needed, idempotent runs, an outage and
its recovery, a sender that died after claiming, daylight saving, missed windows, contact requests,
the digest, the pause link, the .eml folder, and a dry run that changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.factories import OPERATOR, answers, database_fingerprint
from tests.mailserver import MailServer, text_part
from tracking.context import Actor, ActorKind, Context, open_context
from tracking.mail.outbox import fill_outbox
from tracking.models import Email, Viewer
from tracking.settings import load_settings
from tracking.store import clients, database, outbox
from tracking.store import links as link_store
from tracking.usecases import checkin as submission
from tracking.usecases import clients as client_cases
from tracking.usecases import coaches, links, pause

SECRET_KEY = "remind-tests-secret-key-0123456789abcdef"
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)  # 09:00 in Amsterdam is 08:00 UTC; in New York 14:00 UTC
ADDED = datetime(2026, 11, 1, tzinfo=UTC)
COACH = "coach@example.org"


@pytest.fixture
def db_path(backend):
    """Every test here runs on a DuckDB file and on PostgreSQL."""
    return backend.location


@pytest.fixture
def secret(monkeypatch, tmp_path):
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("KOERS_OUTBOX_DIR", str(tmp_path / "outbox"))  # a server's database has no folder beside it


@pytest.fixture
def cast(db_path):
    """A migrated database with one coach."""
    factories.coach(factories.context(db_path), COACH, now=ADDED)


@pytest.fixture
def mail(monkeypatch, secret, cast):
    server = MailServer().start()
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    yield server
    server.stop()


def add_client(db_path, client_id, *, weekday=0, time="09:00", tz="Europe/Amsterdam", lang="nl",
               added=ADDED, status="active", name=None):
    ctx = factories.context(db_path)
    details = client_cases.ClientDetails(email=f"{client_id.lower()}@example.org", name=name, lang=lang, tz=tz,
                                         weekday=weekday, time=time)
    client_cases.add_client(ctx, OPERATOR, client_id, details, coach_email=COACH, now=added)
    if status != "active":
        client_cases.update_client(ctx, OPERATOR, client_id, replace(details, status=status), now=added)


def remind(koers, at: datetime, *extra):
    return koers("remind", "--now", at.isoformat(), *extra)


def app(db_path) -> Context:
    return open_context(load_settings(db=db_path))


def token(message, purpose="t") -> str:
    return re.search(rf"\?{purpose}=([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", text_part(message))[1]


def check_in(db_path, message, at: datetime, *, contact=False, note=None):
    """Answer through the personal link in the email, as the check-in page does."""
    given = submission.clean_answers(app(db_path).instrument, answers(), contact, note)
    return submission.submit(app(db_path), token(message), given, now=at)


def rows(db_path) -> dict[str, Email]:
    with database(db_path).read() as con:
        return {row.key: row for row in outbox.listing(con, limit=10_000)}


def test_it_invites_the_right_clients_at_their_local_time(mail, koers, db_path):
    add_client(db_path, "AMS")
    add_client(db_path, "NYC", tz="America/New_York", lang="en")
    add_client(db_path, "TUE", weekday=1)
    add_client(db_path, "PAUSED", status="paused")
    add_client(db_path, "NEW", added=MONDAY + timedelta(hours=8, minutes=30))  # after this week's 09:00

    assert remind(koers, MONDAY + timedelta(hours=7, minutes=59)).exit_code == 0
    assert mail.to("ams@example.org") == []
    ran = remind(koers, MONDAY + timedelta(hours=8))
    assert ran.exit_code == 0, ran.output
    (invitation,) = mail.to("ams@example.org")
    assert invitation["Subject"] == "Je wekelijkse check-in staat klaar"
    assert "zaterdag 5 december om 09:00" in text_part(invitation)
    assert mail.to("nyc@example.org") == []

    remind(koers, MONDAY + timedelta(hours=14))
    (english,) = mail.to("nyc@example.org")
    assert english["Subject"] == "Your weekly check-in is ready"
    assert len(mail.to("ams@example.org")) == 1
    for nobody in ("tue", "paused", "new"):
        assert mail.to(f"{nobody}@example.org") == []

    with database(db_path).read() as con:
        opened = link_store.resolve(con, token(invitation), "checkin", MONDAY + timedelta(hours=9),
                                    SECRET_KEY)
    assert opened.status == "ok" and opened.client_id == "AMS"
    assert opened.expires_at == MONDAY + timedelta(days=5, hours=8)


def test_running_again_and_again_sends_each_email_once(mail, koers, db_path):
    for n in range(3):
        add_client(db_path, f"C{n}")
    at = MONDAY + timedelta(hours=8)
    for extra_minutes in (0, 0, 1, 30):
        assert remind(koers, at + timedelta(minutes=extra_minutes)).exit_code == 0
    for n in range(3):
        assert len(mail.to(f"c{n}@example.org")) == 1
    assert len({m["Message-ID"] for m in mail.messages}) == len(mail.messages)
    assert all(row.status == "sent" and row.attempts == 1 for row in rows(db_path).values())


def test_one_follow_up_goes_only_to_who_has_not_checked_in(mail, koers, db_path):
    add_client(db_path, "DONE")
    add_client(db_path, "LATE")
    remind(koers, MONDAY + timedelta(hours=8))
    (invitation,) = mail.to("done@example.org")
    assert check_in(db_path, invitation, MONDAY + timedelta(days=1)).status == "saved"

    remind(koers, MONDAY + timedelta(days=2, hours=7, minutes=59))
    assert len(mail.to("late@example.org")) == 1  # not 48 hours yet
    remind(koers, MONDAY + timedelta(days=2, hours=8))
    first, followup = mail.to("late@example.org")
    assert followup["Subject"] == "Herinnering: je check-in staat nog open"
    assert len(mail.to("done@example.org")) == 1
    remind(koers, MONDAY + timedelta(days=3, hours=8))
    assert len(mail.to("late@example.org")) == 2

    with database(db_path).read() as con:  # both links of the week work
        for message in (first, followup):
            later = MONDAY + timedelta(days=3)
            assert link_store.resolve(con, token(message), "checkin", later, SECRET_KEY).status == "ok"


def test_an_outage_and_its_recovery_send_every_email_exactly_once(mail, koers, db_path):
    for n in range(3):
        add_client(db_path, f"C{n}")
    at = MONDAY + timedelta(hours=8)
    mail.stop()
    ran = remind(koers, at)
    assert ran.exit_code == 1
    assert "cannot connect" in ran.stderr and "next attempt 2026-11-30T08:05:00+00:00" in ran.stderr
    queued = [row for row in rows(db_path).values() if row.kind == "invitation"]
    statuses = sorted(row.status for row in queued)
    assert statuses == ["failed", "pending", "pending"]  # the run stopped at the first failure
    (failed,) = [row for row in queued if row.status == "failed"]
    assert "cannot connect" in failed.last_error and failed.next_attempt_at <= at + timedelta(minutes=15)

    assert remind(koers, at + timedelta(minutes=1)).exit_code == 1  # still down: one more attempt, no loss
    mail.start()
    assert remind(koers, at + timedelta(minutes=2)).exit_code == 0
    assert remind(koers, at + timedelta(minutes=15)).exit_code == 0
    assert remind(koers, at + timedelta(hours=3)).exit_code == 0
    for n in range(3):
        assert len(mail.to(f"c{n}@example.org")) == 1
    assert {row.status for row in rows(db_path).values()} == {"sent"}


def test_a_claim_whose_sender_died_is_sent_once_after_the_claim_timeout(mail, koers, db_path):
    add_client(db_path, "C1")
    at = MONDAY + timedelta(hours=8)
    fill_outbox(app(db_path), at)  # a sender fills the outbox and claims, then its process dies
    with database(db_path).write() as con:
        claimed = outbox.claim_next(con, at, "host:4242:dead")
    assert remind(koers, at + timedelta(minutes=14)).exit_code == 0
    assert mail.to("c1@example.org") == []  # the claim still holds: maybe it is being sent right now
    assert remind(koers, at + timedelta(minutes=15)).exit_code == 0
    assert len(mail.to("c1@example.org")) == 1
    row = rows(db_path)[claimed.key]
    assert row.status == "sent" and row.attempts == 2 and "host:4242:dead" in row.last_error


def test_invitations_keep_the_local_time_across_daylight_saving(mail, koers, db_path):
    add_client(db_path, "NIGHT", weekday=6, time="02:30", added=datetime(2026, 1, 1, tzinfo=UTC))  # Sundays
    # Spring: 02:30 does not exist on 29 March 2026; the invitation goes once, at 03:30 CEST (01:30 UTC).
    remind(koers, datetime(2026, 3, 29, 1, 29, tzinfo=UTC))
    remind(koers, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    remind(koers, datetime(2026, 3, 29, 2, 30, tzinfo=UTC))
    (spring,) = mail.to("night@example.org")
    assert "vrijdag 3 april om 03:30" in text_part(spring)
    # Autumn: 02:30 happens twice on 25 October 2026; the invitation goes once, at the first.
    remind(koers, datetime(2026, 10, 25, 0, 29, tzinfo=UTC))
    remind(koers, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    remind(koers, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    spring_again, autumn = mail.to("night@example.org")
    assert spring_again is spring
    assert "vrijdag 30 oktober om 02:30" in text_part(autumn)
    assert autumn["Date"] == "Sun, 25 Oct 2026 00:30:00 +0000"


def test_windows_that_close_unanswered_are_missed_and_two_in_a_row_raise_a_flag(mail, koers, db_path):
    add_client(db_path, "GONE")
    remind(koers, MONDAY + timedelta(hours=8))
    remind(koers, MONDAY + timedelta(days=7, hours=8))
    flags = json.loads(koers("flags", "--kind", "missed_checkins", "--format", "json").stdout)
    assert flags == []
    ran = remind(koers, MONDAY + timedelta(days=14, hours=8))
    assert "1 missed check-in recorded" in ran.stdout
    (flag,) = json.loads(koers("flags", "--kind", "missed_checkins", "--format", "json").stdout)
    assert flag["client"] == "GONE" and flag["status"] == "open"
    with database(db_path).read() as con:
        statuses = [s for (s,) in con.execute("SELECT status FROM periods ORDER BY opens_at").fetchall()]
    assert statuses == ["missed", "missed", "open"]


def test_a_week_answered_through_another_link_is_neither_followed_up_nor_missed(mail, koers, db_path):
    add_client(db_path, "C1")
    sunday = MONDAY - timedelta(hours=12)
    extra = links.email_fresh_link(app(db_path), OPERATOR, "C1", now=sunday)  # opens an extra check-in
    assert extra.period.kind == "extra"
    remind(koers, sunday + timedelta(minutes=1))
    remind(koers, MONDAY + timedelta(hours=8))
    link, invitation = mail.to("c1@example.org")
    assert invitation["X-Koers-Kind"] == "invitation"
    assert check_in(db_path, link, MONDAY + timedelta(days=1)).status == "saved"
    remind(koers, MONDAY + timedelta(days=2, hours=8))  # no follow-up: this week is answered
    ran = remind(koers, MONDAY + timedelta(days=5, hours=8))  # the scheduled window closes
    assert len(mail.to("c1@example.org")) == 2
    assert "missed" not in ran.stdout
    with database(db_path).read() as con:
        assert con.execute("SELECT kind, status FROM periods ORDER BY opens_at").fetchall() == [
            ("extra", "completed"), ("scheduled", "completed")]


def test_a_contact_request_reaches_the_coach_at_the_next_run_without_the_note(mail, koers, db_path):
    add_client(db_path, "C1", name="Anna")
    remind(koers, MONDAY + timedelta(hours=8))
    (invitation,) = mail.to("c1@example.org")
    asked = MONDAY + timedelta(days=1, hours=18)
    check_in(db_path, invitation, asked, contact=True, note="private words about my week")
    remind(koers, asked + timedelta(minutes=1))
    remind(koers, asked + timedelta(minutes=2))
    contact = [m for m in mail.to(COACH) if m["X-Koers-Kind"] == "contact"]
    assert len(contact) == 1
    assert contact[0]["Subject"] == "Contactverzoek van Anna (C1)"
    assert "dinsdag 1 december om 19:00" in text_part(contact[0])
    assert "private words" not in contact[0].as_string()


def test_the_coach_digest_comes_at_the_time_the_coach_chose(mail, koers, db_path):
    add_client(db_path, "C1", name="Anna")
    ctx = factories.context(db_path)
    coaches.set_preferences(ctx, Actor(ActorKind.COACH, coach_id=1), lang="nl", digest_weekday=4,
                            digest_time="17:00", tz="America/New_York")  # Fridays 17:00 in New York
    remind(koers, MONDAY + timedelta(hours=8))
    check_in(db_path, mail.to("c1@example.org")[0], MONDAY + timedelta(days=1), contact=True, note="sad")
    friday_five_pm = MONDAY + timedelta(days=4, hours=22)
    remind(koers, friday_five_pm - timedelta(minutes=1))
    assert [m for m in mail.to(COACH) if m["X-Koers-Kind"] == "digest"] == []
    remind(koers, friday_five_pm)
    remind(koers, friday_five_pm + timedelta(hours=2))
    (digest,) = [m for m in mail.to(COACH) if m["X-Koers-Kind"] == "digest"]
    text = text_part(digest)
    assert digest["Subject"] == "Koers: je overzicht van vrijdag 4 december"
    assert "NIEUW SINDS HET VORIGE OVERZICHT (1)" in text
    assert "- Anna (C1): Wil contact, 30 nov 2026" in text  # in the coach's time zone
    assert "sad" not in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_digest_gives_each_client_one_line_of_what_is_new_or_still_open(mail, koers, db_path, lang, tmp_path):
    add_client(db_path, "C1", name="Anna")
    add_client(db_path, "C2", name="Bo")
    ctx = factories.context(db_path)
    coaches.set_preferences(ctx, Actor(ActorKind.COACH, coach_id=1), lang=lang, digest_weekday=4,
                            digest_time="17:00", tz="Europe/Amsterdam")
    # Bo asked for contact weeks ago (still open); Anna twice this week (new, and said once).
    factories.stored_checkins(ctx, [factories.checkin("C2", MONDAY - timedelta(days=20), contact_request=1,
                                                      note="private words")], tmp_path, now=MONDAY - timedelta(days=20))
    factories.stored_checkins(ctx, [factories.checkin("C1", MONDAY + timedelta(hours=10), contact_request=1),
                                    factories.checkin("C1", MONDAY + timedelta(days=2, hours=10), contact_request=1)],
                              tmp_path, now=MONDAY + timedelta(days=2, hours=11))
    friday_five_pm = MONDAY + timedelta(days=4, hours=16)
    remind(koers, friday_five_pm)
    (digest,) = [m for m in mail.to(COACH) if m["X-Koers-Kind"] == "digest"]
    text = text_part(digest)
    new, still_open = {"nl": ("NIEUW SINDS HET VORIGE OVERZICHT (1)", "NOG OPEN (1)"),
                       "en": ("NEW SINCE THE LAST OVERVIEW (1)", "STILL OPEN (1)")}[lang]
    anna = {"nl": "- Anna (C1): Wil contact, 2 dec 2026", "en": "- Anna (C1): Asks for contact, 2 Dec 2026"}[lang]
    bo = {"nl": "- Bo (C2): Wil contact, 10 nov 2026", "en": "- Bo (C2): Asks for contact, 10 Nov 2026"}[lang]
    assert text.index(new) < text.index(anna) < text.index(still_open) < text.index(bo)
    assert text.count("Anna (C1)") == 1 and text.count("Bo (C2)") == 1  # one line per client, never twice
    assert "private words" not in digest.as_string()


def test_the_pause_link_stops_the_invitations_and_tells_the_coach(mail, koers, db_path):
    add_client(db_path, "C1", name="Anna")
    remind(koers, MONDAY + timedelta(hours=8))
    (invitation,) = mail.to("c1@example.org")
    paused = pause.pause_reminders(app(db_path), token(invitation, "pause"), now=MONDAY + timedelta(hours=9))
    assert paused.status == "paused"
    remind(koers, MONDAY + timedelta(hours=9, minutes=1))
    (told,) = [m for m in mail.to(COACH) if m["X-Koers-Kind"] == "paused"]
    assert told["Subject"] == "Anna (C1) heeft de herinneringen gepauzeerd"
    remind(koers, MONDAY + timedelta(days=2, hours=8))  # no follow-up
    remind(koers, MONDAY + timedelta(days=7, hours=8))  # no next invitation
    assert len(mail.to("c1@example.org")) == 1
    with database(db_path).read() as con:
        assert clients.get_client(con, "C1", Viewer.operator()).status == "paused"
        assert link_store.resolve(con, token(invitation), "checkin", MONDAY + timedelta(days=1),
                                  SECRET_KEY).status == "ok"  # pausing revokes nothing


def test_a_follow_up_stuck_in_an_outage_is_not_sent_after_the_client_checked_in(mail, koers, db_path):
    add_client(db_path, "C1")
    remind(koers, MONDAY + timedelta(hours=8))
    (invitation,) = mail.to("c1@example.org")
    mail.stop()
    assert remind(koers, MONDAY + timedelta(days=2, hours=8)).exit_code == 1
    check_in(db_path, invitation, MONDAY + timedelta(days=2, hours=9))
    mail.start()
    assert remind(koers, MONDAY + timedelta(days=2, hours=10)).exit_code == 0
    assert len(mail.to("c1@example.org")) == 1
    (followup,) = [r for r in rows(db_path).values() if r.kind == "followup"]
    assert followup.status == "cancelled" and "checked in" in followup.last_error


def test_a_link_the_coach_sends_goes_out_with_the_next_run(mail, koers, db_path):
    add_client(db_path, "C1")
    remind(koers, MONDAY + timedelta(hours=8))
    asked = MONDAY + timedelta(days=1)
    sent = links.email_fresh_link(app(db_path), OPERATOR, "C1", now=asked)
    assert sent.outbox_id is not None and sent.period.kind == "scheduled"
    assert sent.recipient == "c1@example.org"
    remind(koers, asked + timedelta(seconds=30))
    invitation, link = mail.to("c1@example.org")
    assert link["Subject"] == "Je check-in-link van Koers"
    assert "Ada Coach stuurt je een link" in text_part(link)
    with database(db_path).read() as con:
        assert link_store.resolve(con, token(link), "checkin", asked, SECRET_KEY).status == "ok"
        assert link_store.resolve(con, token(invitation), "checkin", asked, SECRET_KEY).status == "revoked"


def test_without_a_mail_server_emails_are_written_as_eml_files(secret, cast, koers, db_path, tmp_path):
    add_client(db_path, "C1")
    ran = remind(koers, MONDAY + timedelta(hours=8))
    assert ran.exit_code == 0 and str(tmp_path / "outbox") in ran.stdout
    remind(koers, MONDAY + timedelta(hours=8, minutes=1))
    files = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))
    assert "20261130-080000-000001-invitation.eml" in files
    assert len([f for f in files if f.endswith("invitation.eml")]) == 1
    assert "To: c1@example.org" in (tmp_path / "outbox" / files[0]).read_text()


def test_a_dry_run_prints_what_is_due_and_changes_nothing(mail, koers, db_path):
    add_client(db_path, "C1")
    remind(koers, MONDAY + timedelta(hours=8))
    add_client(db_path, "C2")
    before = database_fingerprint(db_path)
    sent_before = len(mail.messages)
    ran = remind(koers, MONDAY + timedelta(days=5, hours=8), "--dry-run")
    assert ran.exit_code == 0, ran.output
    assert "would record a missed check-in: client C1" in ran.stdout
    assert "would queue invitation to c2@example.org" not in ran.stdout  # its window has closed too
    ran = remind(koers, MONDAY + timedelta(days=2, hours=8), "--dry-run")
    assert "would queue followup to c1@example.org (client C1" in ran.stdout
    assert "would queue invitation to c2@example.org (client C2" in ran.stdout
    assert database_fingerprint(db_path) == before
    assert len(mail.messages) == sent_before


def test_a_bad_now_and_a_missing_secret_key_are_refused_with_status_2(cast, koers):
    ran = koers("remind", "--now", "next monday")
    assert ran.exit_code == 2 and "is not an ISO 8601 time" in ran.output
    ran = koers("remind")
    assert ran.exit_code == 2 and "KOERS_SECRET_KEY is not set" in ran.output
