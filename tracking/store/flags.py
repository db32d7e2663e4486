"""Flags as stored: listing them for people and tools in the contract's JSON shape."""

from __future__ import annotations

import json

import duckdb

from tracking.clock import from_db, iso
from tracking.models import Viewer
from tracking.store.clients import VISIBLE, visible_params

SELECT = f"""
    SELECT f.id, f.client_id, c.name, f.kind, f.checkin_at, f.from_dynamic, f.to_dynamic, f.dynamic, f.status,
           f.evidence, f.checkin_id, f.raised_at, f.acknowledged_by, ack.email, f.acknowledged_at,
           f.acknowledge_note, f.resolved_by, res.email, f.resolved_at, ack.name, res.name
    FROM flags f
    JOIN clients c ON c.id = f.client_id
    LEFT JOIN coaches ack ON ack.id = f.acknowledged_by
    LEFT JOIN coaches res ON res.id = f.resolved_by
    WHERE f.withdrawn_at IS NULL AND ({VISIBLE})
"""


def _flag(row) -> dict:
    return {
        "id": row[0],
        "client": row[1],
        "client_name": row[2],
        "kind": row[3],
        "at": iso(from_db(row[4])),
        "from": row[5],
        "to": row[6],
        "dynamic": row[7],
        "status": row[8],
        "evidence": json.loads(row[9]) if row[9] else {},
        "checkin_id": row[10],
        "raised_at": iso(from_db(row[11])),
        "acknowledged": None if row[14] is None else {
            "by": row[13], "by_name": row[19], "at": iso(from_db(row[14])), "note": row[15],
        },
        "resolved": None if row[18] is None else {"by": row[17], "by_name": row[20], "at": iso(from_db(row[18]))},
    }


def list_flags(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    client_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[dict]:
    rows = con.execute(
        SELECT
        + """
          AND (?::VARCHAR IS NULL OR f.client_id = ?)
          AND (?::VARCHAR IS NULL OR f.kind = ?)
          AND (?::VARCHAR IS NULL OR f.status = ?)
        ORDER BY f.checkin_at, f.client_id, f.kind, f.id
        """,
        [*visible_params(viewer), client_id, client_id, kind, kind, status, status],
    ).fetchall()
    return [_flag(row) for row in rows]


def _visible_flag(con, flag_id: int, viewer: Viewer) -> tuple[str, str]:
    row = con.execute(
        f"""
        SELECT f.client_id, f.status FROM flags f JOIN clients c ON c.id = f.client_id
        WHERE f.id = ? AND f.withdrawn_at IS NULL AND ({VISIBLE})
        """,
        [flag_id, *visible_params(viewer)],
    ).fetchone()
    if row is None:
        from tracking.errors import NotFound

        raise NotFound(f"no flag with id {flag_id}")
    return row


def acknowledge(con, flag_id: int, viewer: Viewer, note: str | None, now) -> str:
    """Mark a flag as seen, with an optional note; returns the client id."""
    from tracking.clock import to_db

    client_id, _status = _visible_flag(con, flag_id, viewer)
    con.execute(
        """
        UPDATE flags SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, acknowledge_note = ?
        WHERE id = ?
        """,
        [viewer.coach_id, to_db(now), (note or "").strip() or None, flag_id],
    )
    return client_id


def resolve(con, flag_id: int, viewer: Viewer, now) -> str:
    """Mark a flag as dealt with; returns the client id."""
    from tracking.clock import to_db

    client_id, status = _visible_flag(con, flag_id, viewer)
    con.execute(
        """
        UPDATE flags SET status = 'resolved', resolved_by = ?, resolved_at = ?,
               acknowledged_by = coalesce(acknowledged_by, ?), acknowledged_at = coalesce(acknowledged_at, ?)
        WHERE id = ?
        """,
        [viewer.coach_id, to_db(now), viewer.coach_id, to_db(now), flag_id],
    )
    return client_id


def reopen(con, flag_id: int, viewer: Viewer) -> str:
    client_id, _status = _visible_flag(con, flag_id, viewer)
    con.execute("UPDATE flags SET status = 'open', resolved_by = NULL, resolved_at = NULL WHERE id = ?", [flag_id])
    return client_id
