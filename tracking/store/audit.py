"""The audit log: who looked at or changed which client, and what Koers refused."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from tracking.clock import to_db

INSERT = "INSERT INTO audit_log (logged_at, actor, action, client_id, detail) VALUES (?, ?, ?, ?, ?)"


def record(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    actor: str,
    action: str,
    client_id: str | None = None,
    **detail,
) -> None:
    con.execute(INSERT, [to_db(now), actor, action, client_id, json.dumps(detail, default=str) if detail else None])


def recent(con: duckdb.DuckDBPyConnection, limit: int = 200, client_id: str | None = None) -> list[dict]:
    rows = con.execute(
        """
        SELECT id, logged_at, actor, action, client_id, detail FROM audit_log
        WHERE ?::VARCHAR IS NULL OR client_id = ?
        ORDER BY id DESC LIMIT ?
        """,
        [client_id, client_id, limit],
    ).fetchall()
    return [
        {"id": r[0], "at": r[1], "actor": r[2], "action": r[3], "client_id": r[4],
         "detail": json.loads(r[5]) if r[5] else {}}
        for r in rows
    ]
