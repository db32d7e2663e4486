"""The outbox: every email Koers sends is a row here before it is sent, one row per key, ever.

Life of a row: `pending` -> (claimed) `sending` -> `sent`; or `sending` -> `failed` with a
`next_attempt_at` for the retry (NULL: given up, until an admin presses "retry now"); or `cancelled`
when it is no longer needed (the client checked in or paused before a follow-up went out).

Exactly once: `enqueue` inserts with ON CONFLICT (key) DO NOTHING, so filling the outbox twice adds
nothing; `claim_next` is a compare-and-set (the row is taken only if it is still unclaimed and due,
under the database's exclusive write lock), so two senders never take the same row; the sender
marks a row sent only after the mail server accepted it. A claim whose process died is re-queued
after a timeout by `requeue_stale` (see docs/mail.md for why that can, rarely, send twice).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from tracking.clock import from_db, to_db
from tracking.mail.due import MAX_ATTEMPTS, Cancellation
from tracking.models import EMAIL_STATUSES, Email
from tracking.store.contract import StoreConnection
from tracking.store.dialect import POSTGRESQL

STATUSES = EMAIL_STATUSES
COLUMNS = (
    "id, key, kind, client_id, coach_id, period_id, lang, recipient, subject, body_text, body_html, status, "
    "attempts, next_attempt_at, claimed_at, claimed_by, sent_at, last_error, created_at"
)
MAX_ERROR_CHARS = 1000
# A personal link in a stored body: the token after ?t= or ?pause= (random part, dot, signature).
_LINK_TOKEN = re.compile(r"([?&](?:t|pause)=)[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


def _row(values: Sequence[Any]) -> Email:
    (outbox_id, key, kind, client_id, coach_id, period_id, lang, recipient, subject, body_text, body_html, status,
     attempts, next_attempt_at, claimed_at, claimed_by, sent_at, last_error, created_at) = values
    return Email(key=key, kind=kind, recipient=recipient, subject=subject, body_text=body_text,
                 body_html=body_html, lang=lang, client_id=client_id, coach_id=coach_id, period_id=period_id,
                 id=outbox_id, status=status, attempts=attempts, next_attempt_at=from_db(next_attempt_at),
                 claimed_at=from_db(claimed_at), claimed_by=claimed_by, sent_at=from_db(sent_at),
                 last_error=last_error, created_at=from_db(created_at))


def redact_links(text: str | None) -> str | None:
    """The text with every personal link's token replaced, for storing after an email was sent."""
    return None if text is None else _LINK_TOKEN.sub(r"\1[redacted]", text)


# The queue.

QUEUED_FIELDS = ("key", "kind", "client_id", "coach_id", "period_id", "lang", "recipient", "subject", "body_text",
                 "body_html")


def enqueue(con: StoreConnection, emails: Sequence[Email], now: datetime) -> dict[str, int]:
    """Add the emails whose key is not in the outbox yet; returns {key: id} of the rows added."""
    unique = list({email.key: email for email in emails}.values())
    if not unique:
        return {}
    types = {"coach_id": pa.int32(), "period_id": pa.int64()}
    frame = pa.table({name: pa.array([getattr(email, name) for email in unique], type=types.get(name, pa.string()))
                      for name in QUEUED_FIELDS})
    with con.relation("new_emails", frame):
        rows = con.execute(
            """
            INSERT INTO outbox (key, kind, client_id, coach_id, period_id, lang, recipient, subject,
                                body_text, body_html, status, attempts, next_attempt_at, created_at)
            SELECT key, kind, client_id, coach_id, period_id, lang, recipient, subject, body_text, body_html,
                   'pending', 0, ?::TIMESTAMP, ?::TIMESTAMP
            FROM new_emails
            ON CONFLICT (key) DO NOTHING
            RETURNING key, id
            """,
            [to_db(now), to_db(now)],
        ).fetchall()
    return dict(sorted(rows, key=lambda row: row[1]))


def existing_keys(con: StoreConnection, since: datetime) -> set[str]:
    """Keys of the emails created since `since` (older ones cannot be due again)."""
    rows = con.execute("SELECT key FROM outbox WHERE created_at >= ?", [to_db(since)]).fetchall()
    return {key for (key,) in rows}


def claim_next(con: StoreConnection, now: datetime, claimed_by: str) -> Email | None:
    """Take the next due email for sending: compare-and-set from pending/failed to sending.

    Every write holds the database's one-writer lock, so no other claim runs meanwhile. On PostgreSQL
    the row is also locked (FOR UPDATE SKIP LOCKED), so the claim stays disjoint by itself: a second
    claimer in the same instant would pass over the row instead of taking it too."""
    lock = " FOR UPDATE SKIP LOCKED" if con.dialect == POSTGRESQL else ""
    row = con.execute(
        f"""
        UPDATE outbox SET status = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1
        WHERE id = (
            SELECT id FROM outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?
            ORDER BY next_attempt_at, id LIMIT 1{lock}
        ) AND status IN ('pending', 'failed')
        RETURNING {COLUMNS}
        """,
        [to_db(now), claimed_by, to_db(now)],
    ).fetchone()
    return None if row is None else _row(row)


def mark_sent(con: StoreConnection, row: Email, claimed_by: str, now: datetime) -> bool:
    """Record that the mail server accepted the email; the stored copy loses its personal links.
    False when the claim was lost (re-queued as stale and taken by another sender)."""
    done = con.execute(
        """
        UPDATE outbox SET status = 'sent', sent_at = ?, next_attempt_at = NULL, body_text = ?, body_html = ?
        WHERE id = ? AND status = 'sending' AND claimed_by = ?
        RETURNING id
        """,
        [to_db(now), redact_links(row.body_text), redact_links(row.body_html), row.id, claimed_by],
    ).fetchall()
    return bool(done)


def mark_failed(con: StoreConnection, outbox_id: int, claimed_by: str, now: datetime, error: str,
                retry_at: datetime | None) -> bool:
    """Record a failed attempt; `retry_at` None means no automatic retry."""
    done = con.execute(
        """
        UPDATE outbox SET status = 'failed', next_attempt_at = ?, last_error = ?
        WHERE id = ? AND status = 'sending' AND claimed_by = ?
        RETURNING id
        """,
        [to_db(retry_at) if retry_at else None, f"{now:%Y-%m-%d %H:%M} UTC: {error}"[:MAX_ERROR_CHARS],
         outbox_id, claimed_by],
    ).fetchall()
    return bool(done)


def requeue_stale(con: StoreConnection, now: datetime, timeout: timedelta,
                  max_attempts: int = MAX_ATTEMPTS) -> list[int]:
    """Claims older than `timeout` belong to a sender that died: make them due again now (unless
    they have used up their attempts: an email that kills its sender is not tried forever)."""
    rows = con.execute(
        """
        UPDATE outbox SET status = 'failed',
               next_attempt_at = CASE WHEN attempts >= ? THEN NULL ELSE ?::TIMESTAMP END,
               last_error = ?::VARCHAR || ' UTC: the sender stopped after claiming this email (' || claimed_by
                            || '); queued again. If the mail server had accepted it, it arrives twice.'
        WHERE status = 'sending' AND claimed_at <= ?
        RETURNING id
        """,
        [max_attempts, to_db(now), f"{now:%Y-%m-%d %H:%M}", to_db(now - timeout)],
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def cancel(con: StoreConnection, cancellations: Iterable[Cancellation]) -> int:
    done = 0
    for item in cancellations:
        done += len(con.execute(
            """
            UPDATE outbox SET status = 'cancelled', next_attempt_at = NULL, last_error = ?
            WHERE id = ? AND status IN ('pending', 'failed') RETURNING id
            """,
            [item.reason, item.outbox_id],
        ).fetchall())
    return done


def retry_now(con: StoreConnection, outbox_ids: Sequence[int], now: datetime) -> int:
    """An admin's "retry now": failed emails are sent with the next run, given up or not."""
    rows = con.execute(
        """
        UPDATE outbox SET status = 'pending', next_attempt_at = ?
        WHERE id IN (SELECT unnest(?::BIGINT[])) AND status = 'failed' RETURNING id
        """,
        [to_db(now), list(outbox_ids)],
    ).fetchall()
    return len(rows)


def get(con: StoreConnection, outbox_id: int) -> Email | None:
    row = con.execute(f"SELECT {COLUMNS} FROM outbox WHERE id = ?", [outbox_id]).fetchone()
    return None if row is None else _row(row)


def listing(con: StoreConnection, *, statuses: Sequence[str] = (), kinds: Sequence[str] = (),
            search: str | None = None, limit: int = 500) -> list[Email]:
    """Newest first, for the admin's outbox page."""
    rows = con.execute(
        f"""
        SELECT {COLUMNS} FROM outbox
        WHERE (cardinality(?::VARCHAR[]) = 0 OR status IN (SELECT unnest(?::VARCHAR[])))
          AND (cardinality(?::VARCHAR[]) = 0 OR kind IN (SELECT unnest(?::VARCHAR[])))
          AND (?::VARCHAR IS NULL OR recipient ILIKE '%' || ? || '%' OR client_id ILIKE '%' || ? || '%')
        ORDER BY id DESC LIMIT ?
        """,
        [list(statuses), list(statuses), list(kinds), list(kinds), search, search, search, limit],
    ).fetchall()
    return [_row(r) for r in rows]


def counts(con: StoreConnection) -> dict[str, int]:
    found = dict(con.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    return {status: found.get(status, 0) for status in STATUSES}


def due_rows(con: StoreConnection, now: datetime) -> list[Email]:
    """What a sender would send now, in order (for a dry run)."""
    rows = con.execute(
        f"""
        SELECT {COLUMNS} FROM outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?
        ORDER BY next_attempt_at, id
        """,
        [to_db(now)],
    ).fetchall()
    return [_row(r) for r in rows]


def record_run(con: StoreConnection, *, runner: str, host: str, pid: int, transport: str,
               now: datetime, queued: int) -> None:
    con.execute(
        """
        INSERT INTO sender_runs (runner, host, pid, transport, last_run_at, queued) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (runner) DO UPDATE SET host = excluded.host, pid = excluded.pid,
            transport = excluded.transport, last_run_at = excluded.last_run_at, queued = excluded.queued
        """,
        [runner, host, pid, transport, to_db(now), queued],
    )


@dataclass(frozen=True)
class SenderRun:
    """When a sending process (the scheduler, or `koers remind`) last ran, and where its emails go."""

    runner: str
    host: str
    pid: int
    transport: str
    at: datetime
    queued: int


def runs(con: StoreConnection) -> list[SenderRun]:
    rows = con.execute(
        "SELECT runner, host, pid, transport, last_run_at, queued FROM sender_runs ORDER BY last_run_at DESC"
    ).fetchall()
    return [SenderRun(r[0], r[1], r[2], r[3], from_db(r[4]), r[5]) for r in rows]
