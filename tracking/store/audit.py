"""The audit log as stored: who looked at or changed which client, and what Koers refused."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking.audit import Action
from tracking.clock import from_db, to_db
from tracking.context import Actor
from tracking.store.contract import StoreConnection

INSERT = "INSERT INTO audit_log (logged_at, actor, action, client_id, detail) VALUES (?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str  # 'coach:<id>', 'cli', 'client:<id>', 'scheduler' or 'anonymous'
    action: str
    client_id: str | None
    detail: dict[str, Any]


def record(
    con: StoreConnection,
    now: datetime,
    actor: Actor,
    action: Action,
    client_id: str | None = None,
    **detail: Any,
) -> None:
    con.execute(INSERT, [to_db(now), actor.audit_name, action.value, client_id,
                         json.dumps(detail, default=str) if detail else None])


def recent(con: StoreConnection, limit: int = 200, client_id: str | None = None) -> list[AuditEntry]:
    rows = con.execute(
        """
        SELECT id, logged_at, actor, action, client_id, detail FROM audit_log
        WHERE ?::VARCHAR IS NULL OR client_id = ?
        ORDER BY id DESC LIMIT ?
        """,
        [client_id, client_id, limit],
    ).fetchall()
    return [AuditEntry(r[0], from_db(r[1]), r[2], r[3], r[4], json.loads(r[5]) if r[5] else {}) for r in rows]
