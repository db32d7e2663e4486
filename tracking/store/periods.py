"""Check-in periods: the week a check-in belongs to, its window, and whether it was answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking.clock import from_db, to_db
from tracking.store.contract import StoreConnection

COLUMNS = "id, client_id, kind, opens_at, closes_at, status, checkin_id"


@dataclass(frozen=True)
class Period:
    id: int
    client_id: str
    kind: str  # scheduled | extra
    opens_at: datetime
    closes_at: datetime
    status: str  # open | completed | missed | expired
    checkin_id: int | None


def _period(row: tuple[Any, ...]) -> Period:
    return Period(row[0], row[1], row[2], _moment(row[3]), _moment(row[4]), row[5], row[6])


def _moment(value: datetime) -> datetime:
    moment = from_db(value)
    assert moment is not None  # opens_at and closes_at are NOT NULL
    return moment


def get_period(con: StoreConnection, period_id: int) -> Period | None:
    row = con.execute(f"SELECT {COLUMNS} FROM periods WHERE id = ?", [period_id]).fetchone()
    return None if row is None else _period(row)


def ensure_period(
    con: StoreConnection, client_id: str, kind: str, opens_at: datetime, closes_at: datetime, now: datetime,
) -> tuple[Period, bool]:
    """The period that opens at `opens_at`, created if it does not exist; (period, created)."""
    row = con.execute(
        f"SELECT {COLUMNS} FROM periods WHERE client_id = ? AND kind = ? AND opens_at = ?",
        [client_id, kind, to_db(opens_at)],
    ).fetchone()
    if row is not None:
        return _period(row), False
    row = con.execute(
        f"""
        INSERT INTO periods (client_id, kind, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?, ?)
        RETURNING {COLUMNS}
        """,
        [client_id, kind, to_db(opens_at), to_db(closes_at), to_db(now)],
    ).fetchone()
    assert row is not None  # RETURNING gives the inserted row
    return _period(row), True


def open_period(con: StoreConnection, client_id: str, now: datetime) -> Period | None:
    """The period whose window is open now (the latest, if windows overlap)."""
    row = con.execute(
        f"""
        SELECT {COLUMNS} FROM periods
        WHERE client_id = ? AND opens_at <= ? AND closes_at > ? AND status IN ('open', 'completed')
        ORDER BY opens_at DESC, id DESC LIMIT 1
        """,
        [client_id, to_db(now), to_db(now)],
    ).fetchone()
    return None if row is None else _period(row)


def complete(con: StoreConnection, period_id: int, checkin_id: int) -> None:
    con.execute("UPDATE periods SET status = 'completed', checkin_id = ? WHERE id = ?", [checkin_id, period_id])


def close_expired(con: StoreConnection, now: datetime) -> list[Period]:
    """Record every window that closed without a check-in: scheduled ones as missed, extra ones as
    expired. Returns the periods newly recorded as missed."""
    rows = con.execute(
        f"""
        UPDATE periods SET status = CASE WHEN kind = 'scheduled' THEN 'missed' ELSE 'expired' END, closed_at = ?
        WHERE status = 'open' AND closes_at <= ?
        RETURNING {COLUMNS}
        """,
        [to_db(now), to_db(now)],
    ).fetchall()
    return sorted((p for p in map(_period, rows) if p.status == "missed"), key=lambda p: p.id)


def history(con: StoreConnection, client_id: str) -> list[Period]:
    rows = con.execute(
        f"SELECT {COLUMNS} FROM periods WHERE client_id = ? ORDER BY opens_at, id", [client_id]
    ).fetchall()
    return [_period(r) for r in rows]
