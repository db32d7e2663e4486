"""The client's safety net as stored: concerns raised by check-ins, the alerts a coach has not seen yet,
and the language a client chose themselves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking.clock import from_db, to_db
from tracking.errors import NotFound
from tracking.models import Viewer
from tracking.store.clients import VISIBLE, visible_params
from tracking.store.contract import StoreConnection


@dataclass(frozen=True)
class Alert:
    """Something a client said that the coach must see first: a concern, or a request for contact."""

    kind: str  # concern | contact_request
    id: int  # the concern's id, or the contact request flag's id
    client_id: str
    client_name: str | None
    checkin_at: datetime
    evidence: dict[str, Any]


def raise_concern(con: StoreConnection, *, client_id: str, checkin_id: int, checkin_at: datetime,
                  evidence: dict[str, Any], now: datetime) -> int | None:
    """Record that a check-in crossed a level of concern; None when it had done so before (an edit)."""
    row = con.execute(
        """
        INSERT INTO concerns (client_id, checkin_id, checkin_at, evidence, raised_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (checkin_id) DO NOTHING
        RETURNING id
        """,
        [client_id, checkin_id, to_db(checkin_at), json.dumps(evidence), to_db(now)],
    ).fetchone()
    return None if row is None else int(row[0])


def open_alerts(con: StoreConnection, viewer: Viewer) -> list[Alert]:
    """Concerns nobody has acknowledged and open contact requests of the viewer's clients, newest first
    (of one check-in, the concern first)."""
    rows = con.execute(
        f"""
        SELECT 'concern', k.id, k.client_id, c.name, k.checkin_at, k.evidence, 0
        FROM concerns k JOIN clients c ON c.id = k.client_id
        WHERE k.acknowledged_at IS NULL AND ({VISIBLE})
        UNION ALL
        SELECT 'contact_request', f.id, f.client_id, c.name, f.checkin_at, f.evidence, 1
        FROM flags f JOIN clients c ON c.id = f.client_id
        WHERE f.kind = 'contact_request' AND f.status = 'open' AND f.withdrawn_at IS NULL AND ({VISIBLE})
        ORDER BY 5 DESC, 7, 2 DESC
        """,
        [*visible_params(viewer), *visible_params(viewer)],
    ).fetchall()
    return [Alert(r[0], int(r[1]), r[2], r[3], from_db(r[4]) or datetime.min, json.loads(r[5]) if r[5] else {})
            for r in rows]


def acknowledge_concern(con: StoreConnection, concern_id: int, viewer: Viewer, coach_id: int | None,
                        now: datetime) -> str:
    """Mark a concern as seen by the coach; returns its client's id."""
    row = con.execute(
        f"""
        SELECT k.client_id FROM concerns k JOIN clients c ON c.id = k.client_id
        WHERE k.id = ? AND ({VISIBLE})
        """,
        [concern_id, *visible_params(viewer)],
    ).fetchone()
    if row is None:
        raise NotFound(f"concern {concern_id}")
    con.execute("UPDATE concerns SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL",
                [coach_id, to_db(now), concern_id])
    return str(row[0])


def contact_flag_of(con: StoreConnection, checkin_id: int) -> int | None:
    """The open contact request flag a check-in raised, if any."""
    row = con.execute(
        """
        SELECT id FROM flags
        WHERE checkin_id = ? AND kind = 'contact_request' AND status = 'open' AND withdrawn_at IS NULL
        ORDER BY id LIMIT 1
        """,
        [checkin_id],
    ).fetchone()
    return None if row is None else int(row[0])


def record_language(con: StoreConnection, client_id: str, lang: str, now: datetime) -> None:
    """The language the client chose themselves; their emails, form and link pages use it from now on."""
    con.execute("UPDATE clients SET lang = ?, lang_chosen_at = ? WHERE id = ?", [lang, to_db(now), client_id])


def language_chosen_at(con: StoreConnection, client_id: str) -> datetime | None:
    row = con.execute("SELECT lang_chosen_at FROM clients WHERE id = ?", [client_id]).fetchone()
    return None if row is None else from_db(row[0])
