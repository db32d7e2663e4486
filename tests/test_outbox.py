"""The outbox on a real DuckDB file and a real PostgreSQL database: one row per key, claims that are
compare-and-set (and disjoint when senders claim at once), sent and failed marks with back-off, stale
claims re-queued, cancellations, and what admins see."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.factories import migrated_until
from tracking.mail.due import Cancellation
from tracking.models import Email
from tracking.store import database, outbox
from tracking.store.connection import Database
from tracking.store.migrate import apply_migrations, migrations
from tracking.store.postgres import PostgresConnection

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
BODY = "Open: https://koers.example/?t=AbC_12.sIg-9 or pause: https://koers.example/?pause=x-Y.z_1\n"


@pytest.fixture
def db(store):
    return store


def email(key="invitation:C1:2026-11-30T08:00:00+00:00", kind="invitation", recipient="c1@example.org"):
    return Email(key, kind, recipient, "Subject", BODY, f"<p>{BODY}</p>", "nl", client_id="C1")


def enqueue(db, *emails, now=NOW):
    with db.write() as con:
        return outbox.enqueue(con, list(emails), now)


def claim(db, by="sender-a", now=NOW):
    with db.write() as con:
        return outbox.claim_next(con, now, by)


def test_it_enqueues_each_key_once(db):
    first = enqueue(db, email(), email(key="followup:C1:x", kind="followup"))
    assert len(first) == 2
    assert enqueue(db, email(), email(key="followup:C1:x", kind="followup")) == {}
    digest = email(key="digest:1:2026-11-30", kind="digest", recipient="coach@example.org")
    again = enqueue(db, email(), digest)
    assert list(again) == ["digest:1:2026-11-30"]
    with db.read() as con:
        assert outbox.counts(con)["pending"] == 3


def test_a_claim_is_a_compare_and_set(db):
    enqueue(db, email())
    taken = claim(db, "sender-a")
    assert taken.status == "sending" and taken.attempts == 1 and taken.claimed_by == "sender-a"
    assert claim(db, "sender-b") is None  # the same row is never claimed twice


def test_it_claims_only_what_is_due_oldest_first(db):
    enqueue(db, email(key="a"), now=NOW)
    enqueue(db, email(key="b"), now=NOW - timedelta(minutes=5))
    enqueue(db, email(key="later"), now=NOW + timedelta(minutes=10))
    assert [claim(db).key, claim(db).key, claim(db)] == ["b", "a", None]
    assert claim(db, now=NOW + timedelta(minutes=10)).key == "later"


def test_a_sent_email_is_never_claimed_again_and_its_stored_copy_loses_the_personal_links(db):
    enqueue(db, email())
    row = claim(db)
    with db.write() as con:
        assert outbox.mark_sent(con, row, "sender-a", NOW + timedelta(seconds=2))
    assert claim(db, now=NOW + timedelta(days=1)) is None
    with db.read() as con:
        stored = outbox.get(con, row.id)
    assert stored.status == "sent" and stored.sent_at == NOW + timedelta(seconds=2)
    assert stored.body_text == ("Open: https://koers.example/?t=[redacted] or pause: "
                                "https://koers.example/?pause=[redacted]\n")
    assert "AbC_12" not in stored.body_html and "x-Y" not in stored.body_html


def test_senders_claiming_at_once_take_disjoint_emails(db):
    enqueue(db, *(email(key=f"k{n}") for n in range(40)))
    claimed: list[list[int]] = [[] for _sender in range(4)]
    start = threading.Barrier(4)

    def sender(number: int) -> None:
        start.wait()
        while (row := claim(db, f"sender-{number}")) is not None:
            claimed[number].append(row.id)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [outbox_id for ids in claimed for outbox_id in ids]
    assert sorted(every) == sorted(set(every)) and len(every) == 40
    with db.read() as con:
        assert outbox.counts(con)["sending"] == 40


@pytest.mark.postgresql
def test_a_claim_passes_over_an_email_another_transaction_is_claiming(postgres_cluster):
    """The row lock alone keeps claims disjoint, even between transactions that skip the writer lock."""
    url = postgres_cluster.new_database()
    try:
        db = database(url)
        enqueue(db, email(key="first"), email(key="second"), now=NOW - timedelta(minutes=1))
        first, second = (psycopg.connect(url.url, options="-c TimeZone=UTC -c lock_timeout=5000") for _ in range(2))
        with first, second:
            taken = outbox.claim_next(PostgresConnection(first, writable=True), NOW, "sender-a")
            beside = outbox.claim_next(PostgresConnection(second, writable=True), NOW, "sender-b")
            assert (taken.key, beside.key) == ("first", "second")  # not blocked, and not the same row
            assert outbox.claim_next(PostgresConnection(second, writable=True), NOW, "sender-b") is None
            first.rollback()  # the first sender died before committing: its email is free again
            again = outbox.claim_next(PostgresConnection(second, writable=True), NOW, "sender-b")
            assert again.key == "first"
    finally:
        postgres_cluster.drop_database(url)


def test_only_the_claimer_can_mark_a_claim(db):
    enqueue(db, email())
    row = claim(db, "sender-a")
    with db.write() as con:
        assert not outbox.mark_sent(con, row, "sender-b", NOW)
        assert not outbox.mark_failed(con, row.id, "sender-b", NOW, "boom", None)
        assert outbox.get(con, row.id).status == "sending"


def test_a_failed_email_waits_for_its_next_attempt_and_keeps_its_error(db):
    enqueue(db, email())
    row = claim(db)
    retry_at = NOW + timedelta(minutes=5)
    with db.write() as con:
        assert outbox.mark_failed(con, row.id, "sender-a", NOW, "mail server down", retry_at)
    assert claim(db, now=NOW + timedelta(minutes=4)) is None
    again = claim(db, now=retry_at)
    assert again.id == row.id and again.attempts == 2
    assert again.last_error == "2026-11-30 08:00 UTC: mail server down"


def test_a_given_up_email_goes_again_only_when_an_admin_retries_it(db):
    enqueue(db, email())
    row = claim(db)
    with db.write() as con:
        outbox.mark_failed(con, row.id, "sender-a", NOW, "550 no such user", None)
    assert claim(db, now=NOW + timedelta(days=30)) is None
    with db.write() as con:
        assert outbox.retry_now(con, [row.id], NOW + timedelta(hours=1)) == 1
        assert outbox.retry_now(con, [row.id], NOW + timedelta(hours=1)) == 0  # pending now, not failed
    assert claim(db, now=NOW + timedelta(hours=1)).id == row.id


def test_a_claim_whose_sender_died_is_queued_again_after_the_timeout(db):
    enqueue(db, email())
    row = claim(db, "dead-sender")
    with db.write() as con:
        assert outbox.requeue_stale(con, NOW + timedelta(minutes=14), timedelta(minutes=15)) == []
        assert outbox.requeue_stale(con, NOW + timedelta(minutes=15), timedelta(minutes=15)) == [row.id]
        assert not outbox.mark_sent(con, row, "dead-sender", NOW)  # it lost its claim
    again = claim(db, "sender-b", now=NOW + timedelta(minutes=15))
    assert again.id == row.id
    assert "the sender stopped after claiming this email (dead-sender)" in again.last_error


def test_an_email_that_keeps_killing_its_sender_is_not_tried_forever(db):
    enqueue(db, email())
    claim(db, "dead-sender")
    with db.write() as con:
        assert outbox.requeue_stale(con, NOW + timedelta(hours=1), timedelta(minutes=15), max_attempts=1)
    assert claim(db, now=NOW + timedelta(days=30)) is None


def test_cancelling_touches_only_unsent_emails(db):
    enqueue(db, email(key="a"), email(key="b"))
    sent = claim(db)
    with db.write() as con:
        outbox.mark_sent(con, sent, "sender-a", NOW)
        done = outbox.cancel(con, [Cancellation(sent.id, "no"),
                                   Cancellation(sent.id + 1, "not needed any more")])
        assert done == 1
        statuses = {r.key: (r.status, r.last_error, r.next_attempt_at) for r in outbox.listing(con)}
    assert statuses == {"a": ("sent", None, None), "b": ("cancelled", "not needed any more", None)}


def test_the_listing_filters_by_status_kind_and_search(db):
    enqueue(db, email(key="a"), email(key="b", kind="digest", recipient="coach@example.org"))
    with db.read() as con:
        assert [r.key for r in outbox.listing(con)] == ["b", "a"]
        assert [r.key for r in outbox.listing(con, kinds=["digest"])] == ["b"]
        assert [r.key for r in outbox.listing(con, statuses=["sent"])] == []
        assert [r.key for r in outbox.listing(con, search="COACH@")] == ["b"]
        assert [r.key for r in outbox.listing(con, search="C1")] == ["b", "a"]  # both are about client C1


def test_the_migration_keeps_emails_queued_before_it(tmp_path):
    db = Database(tmp_path / "old.duckdb")
    migrated_until(db, migrations()[1][0])
    with db.write() as con:
        con.execute(
            "INSERT INTO outbox (key, kind, recipient, subject, body_text, next_attempt_at, created_at) "
            "VALUES ('old', 'invitation', 'a@example.org', 'S', 'B', '2026-11-01', '2026-11-01')")
    assert apply_migrations(db) == [name for name, _sql in migrations()[2:]]  # 0003_reminders and later
    enqueue(db, email(key="new"))
    with db.read() as con:
        rows = {r.key: r for r in outbox.listing(con)}
    assert rows["old"].status == "pending" and rows["old"].lang == "nl"
    assert rows["new"].id > rows["old"].id
