"""What deciding which emails are due (`tracking.mail.due`) reads, one query per kind of input over
every client at once; what the emails that are due say about their recipients; and what invitations
need: their check-in periods and personal links, created in bulk. The outbox itself is
`tracking.store.outbox`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from tracking.clock import from_db, to_db
from tracking.links import IssuedLink
from tracking.mail.due import ContactFlag, DigestCoach, OpenPeriod, ScheduledClient, UnsentEmail
from tracking.schedule import Schedule
from tracking.store.contract import StoreConnection


def scheduled_clients(con: StoreConnection) -> list[ScheduledClient]:
    """Clients that could get reminders (active, with an address and a schedule)."""
    rows = con.execute(
        """
        SELECT c.id, c.email, c.status, c.reminder_weekday, c.reminder_time, c.tz,
               coalesce(c.schedule_from, c.created_at), c.name, c.lang, co.name
        FROM clients c LEFT JOIN coaches co ON co.id = c.coach_id
        WHERE c.status = 'active' AND c.email IS NOT NULL AND c.reminder_weekday IS NOT NULL
          AND c.reminder_time IS NOT NULL
        ORDER BY c.id
        """
    ).fetchall()
    return [
        ScheduledClient(id=r[0], email=r[1], status=r[2], schedule=Schedule(r[3], r[4], r[5]),
                        schedule_from=from_db(r[6]), name=r[7], lang=r[8], coach_name=r[9])
        for r in rows
    ]


def open_periods(con: StoreConnection, now: datetime) -> list[OpenPeriod]:
    """Scheduled periods whose window is open, whether answered, and when their invitation went out."""
    rows = con.execute(
        """
        SELECT p.id, p.client_id, p.opens_at, p.closes_at,
               p.status = 'completed' OR EXISTS (
                   SELECT 1 FROM checkins k WHERE k.client_id = p.client_id
                   AND k.submitted_at >= p.opens_at AND k.submitted_at < p.closes_at) AS answered,
               (SELECT max(o.sent_at) FROM outbox o
                WHERE o.period_id = p.id AND o.kind = 'invitation' AND o.status = 'sent') AS invited
        FROM periods p
        WHERE p.kind = 'scheduled' AND p.status IN ('open', 'completed')
          AND p.opens_at <= ? AND p.closes_at > ?
        ORDER BY p.client_id, p.opens_at
        """,
        [to_db(now), to_db(now)],
    ).fetchall()
    return [OpenPeriod(r[0], r[1], from_db(r[2]), from_db(r[3]), bool(r[4]), from_db(r[5])) for r in rows]


def digest_coaches(con: StoreConnection) -> list[DigestCoach]:
    """Active coaches who have clients."""
    rows = con.execute(
        """
        SELECT co.id, co.email, co.active, co.digest_weekday, co.digest_time, co.tz, co.created_at, co.name,
               co.lang
        FROM coaches co
        WHERE co.active AND EXISTS (SELECT 1 FROM clients c WHERE c.coach_id = co.id AND c.status <> 'ended')
        ORDER BY co.id
        """
    ).fetchall()
    return [DigestCoach(id=r[0], email=r[1], active=r[2], schedule=Schedule(r[3], r[4], r[5]),
                        since=from_db(r[6]), name=r[7], lang=r[8]) for r in rows]


def contact_flags(con: StoreConnection, since: datetime) -> list[ContactFlag]:
    rows = con.execute(
        """
        SELECT f.id, f.client_id, co.id, co.email, f.status, f.checkin_at
        FROM flags f JOIN clients c ON c.id = f.client_id
        LEFT JOIN coaches co ON co.id = c.coach_id AND co.active
        WHERE f.kind = 'contact_request' AND f.withdrawn_at IS NULL AND f.checkin_at >= ?
        ORDER BY f.id
        """,
        [to_db(since)],
    ).fetchall()
    return [ContactFlag(r[0], r[1], r[2], r[3], r[4], from_db(r[5])) for r in rows]


def unsent_client_emails(con: StoreConnection) -> list[UnsentEmail]:
    """Queued emails to clients, with their client's status and their period's state."""
    rows = con.execute(
        """
        SELECT o.id, o.kind, c.status, p.closes_at,
               coalesce(p.status = 'completed' OR EXISTS (
                   SELECT 1 FROM checkins k WHERE k.client_id = p.client_id
                   AND k.submitted_at >= p.opens_at AND k.submitted_at < p.closes_at), FALSE)
        FROM outbox o LEFT JOIN clients c ON c.id = o.client_id LEFT JOIN periods p ON p.id = o.period_id
        WHERE o.status IN ('pending', 'failed') AND o.kind IN ('invitation', 'followup', 'link')
        ORDER BY o.id
        """
    ).fetchall()
    return [UnsentEmail(r[0], r[1], r[2], from_db(r[3]), bool(r[4])) for r in rows]


# What the emails say, for the reminders that are due.

@dataclass(frozen=True)
class CoachRecipient:
    """A coach as the emails to them need them."""

    id: int
    name: str
    email: str
    lang: str
    tz: str


@dataclass(frozen=True)
class ClientRecipient:
    """A client as the emails to them, or about them, need them."""

    id: str
    name: str | None
    email: str | None
    lang: str
    tz: str
    coach_id: int | None
    coach_name: str | None


def coaches_by_id(con: StoreConnection, coach_ids: Sequence[int]) -> dict[int, CoachRecipient]:
    rows = con.execute(
        "SELECT id, name, email, lang, tz FROM coaches WHERE id IN (SELECT unnest(?::INTEGER[]))",
        [list(coach_ids)],
    ).fetchall()
    return {r[0]: CoachRecipient(*r) for r in rows}


def clients_by_id(con: StoreConnection, client_ids: Sequence[str]) -> dict[str, ClientRecipient]:
    rows = con.execute(
        """
        SELECT c.id, c.name, c.email, c.lang, c.tz, c.coach_id, co.name
        FROM clients c LEFT JOIN coaches co ON co.id = c.coach_id
        WHERE c.id IN (SELECT unnest(?::VARCHAR[]))
        """,
        [list(client_ids)],
    ).fetchall()
    return {r[0]: ClientRecipient(*r) for r in rows}


def flags_by_id(con: StoreConnection, flag_ids: Sequence[int]) -> dict[int, datetime]:
    rows = con.execute(
        "SELECT id, checkin_at FROM flags WHERE id IN (SELECT unnest(?::BIGINT[]))", [list(flag_ids)]
    ).fetchall()
    return {r[0]: from_db(r[1]) for r in rows}


def digest_clients(con: StoreConnection, coach_ids: Sequence[int]) -> dict[int, int]:
    """Per coach: how many clients whose coaching has not ended (what the digest says it covers)."""
    counts = dict(con.execute(
        """
        SELECT coach_id, count(*) FROM clients
        WHERE coach_id IN (SELECT unnest(?::INTEGER[])) AND status <> 'ended' GROUP BY coach_id
        """,
        [list(coach_ids)],
    ).fetchall())
    return {coach_id: int(counts.get(coach_id, 0)) for coach_id in coach_ids}


# Creating what invitations need, in bulk.

def create_scheduled_periods(con: StoreConnection,
                             windows: Sequence[tuple[str, datetime, datetime]],
                             now: datetime) -> dict[tuple[str, datetime], int]:
    """The scheduled periods (client, opens, closes), created where missing; -> {(client, opens): id}."""
    if not windows:
        return {}
    frame = pa.table({
        "client_id": pa.array([w[0] for w in windows], type=pa.string()),
        "opens_at": pa.array([to_db(w[1]) for w in windows], type=pa.timestamp("us")),
        "closes_at": pa.array([to_db(w[2]) for w in windows], type=pa.timestamp("us")),
    })
    with con.relation("new_windows", frame):
        con.execute(
            """
            INSERT INTO periods (client_id, kind, opens_at, closes_at, created_at)
            SELECT client_id, 'scheduled', opens_at, closes_at, ?::TIMESTAMP FROM new_windows
            ON CONFLICT DO NOTHING
            """,
            [to_db(now)],
        )
        rows = con.execute(
            """
            SELECT p.client_id, p.opens_at, p.id FROM periods p
            JOIN new_windows w
              ON w.client_id = p.client_id AND w.opens_at = p.opens_at AND p.kind = 'scheduled'
            """
        ).fetchall()
    return {(client, from_db(opens)): period_id for client, opens, period_id in rows}


def insert_links(con: StoreConnection, issued: Sequence[IssuedLink], now: datetime) -> None:
    """Store the links issued for the emails of one run, in bulk. Unlike `store.links.issue`, earlier
    links stay valid: an invitation and its follow-up both work."""
    if not issued:
        return
    frame = pa.table({
        "token_hash": pa.array([link.token_hash for link in issued], type=pa.string()),
        "purpose": pa.array([link.purpose for link in issued], type=pa.string()),
        "client_id": pa.array([link.client_id for link in issued], type=pa.string()),
        "period_id": pa.array([link.period_id for link in issued], type=pa.int64()),
        "expires_at": pa.array([to_db(link.expires_at) for link in issued], type=pa.timestamp("us")),
    })
    with con.relation("new_tokens", frame):
        con.execute(
            """
            INSERT INTO link_tokens (token_hash, purpose, client_id, period_id, created_at, expires_at)
            SELECT token_hash, purpose, client_id, period_id, ?::TIMESTAMP, expires_at FROM new_tokens
            """,
            [to_db(now)],
        )


_CHECKIN_IN_WINDOW = """
    SELECT min(k.id) FROM checkins k
    WHERE k.client_id = p.client_id AND k.submitted_at >= p.opens_at AND k.submitted_at < p.closes_at
"""


def answered_elsewhere(con: StoreConnection, now: datetime) -> list[tuple[int, int]]:
    """Scheduled windows that have closed, open still, although the client checked in during the window
    through another link (an extra check-in the coach sent, say): (period id, check-in id)."""
    rows = con.execute(
        f"""
        SELECT id, answer FROM (
            SELECT p.id, ({_CHECKIN_IN_WINDOW}) AS answer FROM periods p
            WHERE p.status = 'open' AND p.kind = 'scheduled' AND p.closes_at <= ?
        ) AS closed WHERE answer IS NOT NULL
        ORDER BY id
        """,
        [to_db(now)],
    ).fetchall()
    return [(int(period_id), int(checkin_id)) for period_id, checkin_id in rows]


def closed_without_checkin(con: StoreConnection, now: datetime) -> list[tuple[str, datetime]]:
    """Scheduled windows that closed without any check-in and are not recorded as missed yet (what a
    run would record), as (client, opens_at); for a dry run."""
    rows = con.execute(
        f"""
        SELECT p.client_id, p.opens_at FROM periods p
        WHERE p.status = 'open' AND p.kind = 'scheduled' AND p.closes_at <= ?
          AND ({_CHECKIN_IN_WINDOW}) IS NULL
        ORDER BY p.client_id, p.opens_at
        """,
        [to_db(now)],
    ).fetchall()
    return [(client_id, from_db(opens)) for client_id, opens in rows]
