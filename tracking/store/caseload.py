"""The coach's caseload: per client what needs attention (in words, most urgent first), the state, a
one-dynamic trend and the last check-in; and the order a coach should go through them.

Urgency: an open contact request first (the newest first), then an unacknowledged dominant shift,
a deterioration or not on track, missed check-ins, then anything else still open; clients whose
flags are all acknowledged sink below those, and clients with nothing current come last.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracking import flag_text
from tracking.clock import from_db
from tracking.instrument import DYNAMICS
from tracking.models import KIND_URGENCY, Viewer, kind_urgency
from tracking.store.clients import VISIBLE, visible_params
from tracking.store.contract import StoreConnection

SPARK_POINTS = 12
# An open flag ranks by its kind (`models.kind_urgency`); an acknowledged one ranks ACKNOWLEDGED
# whatever its kind, below every open flag.
ACKNOWLEDGED = max(KIND_URGENCY.values()) + 1
NOTHING = ACKNOWLEDGED + 1


@dataclass(frozen=True)
class AttentionItem:
    """A flag that still describes the client (open, or acknowledged), as the caseload shows it."""

    flag_id: int
    kind: str
    status: str
    at: datetime
    from_dynamic: str | None
    to_dynamic: str | None
    dynamic: str | None
    evidence: dict[str, Any]
    note_start: str | None  # a contact request's note: its first words, plain text

    @property
    def rank(self) -> int:
        return kind_urgency(self.kind) if self.status == "open" else ACKNOWLEDGED

    def words(self, lang: str, tz: str | None = None, today: date | None = None) -> str:
        """`Verschuiving dominante dynamiek: Lichaam / energie → Identiteit, 6 okt`."""
        return flag_text.attention(self.kind, self.evidence, self.at, lang, tz=tz, note=self.note_start,
                                   today=today)


@dataclass(frozen=True)
class ClientAttention:
    """What needs attention for one client, most urgent first."""

    client_id: str
    client_name: str | None
    items: tuple[AttentionItem, ...]

    @property
    def rank(self) -> int:
        return min((item.rank for item in self.items), default=NOTHING)

    @property
    def latest(self) -> datetime | None:
        """When the most urgent kind of item last came in (newest first within a rank)."""
        return max((item.at for item in self.items if item.rank == self.rank), default=None)

    @property
    def label(self) -> str:
        return f"{self.client_name} ({self.client_id})" if self.client_name else self.client_id

    def sort_key(self) -> tuple[int, float, str, str]:
        latest = self.latest
        return (self.rank, -(latest.timestamp() if latest else 0.0), self.client_name or self.client_id,
                self.client_id)


def _items(rows: Sequence[Sequence[Any]]) -> dict[str, list[AttentionItem]]:
    found: dict[str, list[AttentionItem]] = {}
    for client_id, flag_id, kind, status, at, from_dynamic, to_dynamic, dynamic, evidence, note in rows:
        moment = from_db(at)
        assert moment is not None
        found.setdefault(client_id, []).append(AttentionItem(
            int(flag_id), kind, status, moment, from_dynamic, to_dynamic, dynamic, json.loads(evidence),
            flag_text.first_words(note) if kind == "contact_request" and note else None,
        ))
    for items in found.values():
        items.sort(key=lambda item: (item.rank, -item.at.timestamp(), item.flag_id))
    return found


_ATTENTION = f"""
    SELECT f.client_id, f.id, f.kind, f.status, f.checkin_at, f.from_dynamic, f.to_dynamic, f.dynamic, f.evidence,
           CASE WHEN f.kind = 'contact_request' THEN k.note END
    FROM flags f
    JOIN clients c ON c.id = f.client_id
    LEFT JOIN checkins k ON k.id = f.checkin_id
    WHERE f.withdrawn_at IS NULL AND f.status IN ('open', 'acknowledged') AND ({VISIBLE})
"""


def attention(con: StoreConnection, viewer: Viewer) -> list[ClientAttention]:
    """Every client the viewer may see with what needs attention, most urgent client first."""
    rows = con.execute(_ATTENTION, visible_params(viewer)).fetchall()
    items = _items(rows)
    clients = con.execute(f"SELECT c.id, c.name FROM clients c WHERE {VISIBLE}", visible_params(viewer)).fetchall()
    found = [ClientAttention(client_id, name, tuple(items.get(client_id, []))) for client_id, name in clients]
    return sorted(found, key=ClientAttention.sort_key)


def caseload(con: StoreConnection, viewer: Viewer) -> list[dict[str, Any]]:
    """One row per client the viewer may see, in no particular order (see `sort_by_urgency`).

    `spark` is the recent course of one dynamic (the established dominant, else the one whose level
    leads) over the last check-ins that scored it, so a line never joins two dynamics; `attention`
    holds what needs attention, most urgent first."""
    dynamic_score = "CASE {} " + " ".join(f"WHEN '{d}' THEN s.{d}" for d in DYNAMICS) + " END"
    leading_level = "CASE greatest(" + ", ".join(f"coalesce(st.level_{d}, -1)" for d in DYNAMICS) + ") " + " ".join(
        f"WHEN st.level_{d} THEN '{d}'" for d in DYNAMICS) + " END"
    rows = con.execute(
        f"""
        WITH mine AS (
            SELECT c.* FROM clients c WHERE {VISIBLE}
        ), series AS (
            SELECT k.client_id, k.id AS checkin_id, k.submitted_at, st.state, st.dominant,
                   {leading_level} AS leader,
                   row_number() OVER (PARTITION BY k.client_id ORDER BY k.submitted_at DESC, k.id DESC) AS back
            FROM checkins k
            JOIN mine m ON m.id = k.client_id
            LEFT JOIN states st ON st.checkin_id = k.id
        ), latest AS (
            SELECT client_id,
                   max(submitted_at) AS last_at,
                   count(*) AS checkins,
                   max(state) FILTER (WHERE back = 1) AS state,
                   max(dominant) FILTER (WHERE back = 1) AS dominant,
                   coalesce(max(dominant) FILTER (WHERE back = 1), max(leader) FILTER (WHERE back = 1)) AS spark_of
            FROM series GROUP BY client_id
        ), spark AS (
            SELECT l.client_id, array_agg(value ORDER BY submitted_at) AS points
            FROM latest l JOIN (
                SELECT k.client_id, k.submitted_at, {dynamic_score.format("l2.spark_of")} AS value,
                       row_number() OVER (PARTITION BY k.client_id ORDER BY k.submitted_at DESC, k.id DESC) AS back
                FROM checkins k JOIN latest l2 ON l2.client_id = k.client_id JOIN scores s ON s.checkin_id = k.id
                WHERE {dynamic_score.format("l2.spark_of")} IS NOT NULL
            ) p ON p.client_id = l.client_id
            WHERE p.back <= {SPARK_POINTS}
            GROUP BY l.client_id
        ), open_flags AS (
            SELECT client_id, array_agg(kind ORDER BY kind) AS kinds, count(*) AS open_count
            FROM flags WHERE status = 'open' AND withdrawn_at IS NULL
              AND client_id IN (SELECT id FROM mine)
            GROUP BY client_id
        )
        SELECT m.id, m.name, m.status, m.tz, m.reminder_weekday, m.reminder_time, m.focus, m.schedule_from,
               l.last_at, coalesce(l.checkins, 0), l.state, l.dominant, p.points, l.spark_of,
               coalesce(f.kinds, ARRAY[]::VARCHAR[]), coalesce(f.open_count, 0)
        FROM mine m
        LEFT JOIN latest l ON l.client_id = m.id
        LEFT JOIN spark p ON p.client_id = m.id
        LEFT JOIN open_flags f ON f.client_id = m.id
        ORDER BY coalesce(m.name, m.id), m.id
        """,
        visible_params(viewer),
    ).fetchall()
    items = _items(con.execute(_ATTENTION, visible_params(viewer)).fetchall())
    result = []
    for r in rows:
        attention_items = tuple(items.get(r[0], []))
        summary = ClientAttention(r[0], r[1], attention_items)
        result.append({
            "id": r[0], "name": r[1], "status": r[2], "tz": r[3], "reminder_weekday": r[4],
            "reminder_time": r[5], "focus": r[6], "schedule_from": from_db(r[7]),
            "last_at": from_db(r[8]), "checkins": r[9], "state": r[10], "dominant": r[11],
            "spark": [round(v, 1) for v in (r[12] or [])], "spark_dynamic": r[13],
            "open_kinds": list(r[14]), "open_flags": r[15],
            "attention": attention_items, "urgency": summary.sort_key()[:2],
        })
    return result


def urgency(row: dict[str, Any]) -> int:
    """0 first: an open contact request; 1 an unacknowledged shift; 2 a deterioration; 3 missed
    check-ins; 4 other open flags; 5 only acknowledged flags; 6 nothing current."""
    return int(row["urgency"][0])


def sort_by_urgency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most urgent first; within a rank the most recent first, then by name."""
    return sorted(rows, key=lambda row: (*row["urgency"], row["name"] or row["id"], row["id"]))
