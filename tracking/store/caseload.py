"""The coach's caseload in one query: per client the state, recent trend, last check-in and open flags."""

from __future__ import annotations

import duckdb

from tracking.clock import from_db
from tracking.instrument import DYNAMICS
from tracking.models import Viewer
from tracking.store.clients import VISIBLE, visible_params

SPARK_POINTS = 12
URGENT_KINDS = ("contact_request", "dominant_shift")


def caseload(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[dict]:
    """One row per client the viewer may see, in no particular order (see `urgency`)."""
    dominant_score = "CASE coalesce(st.dominant, st.state) " + " ".join(
        f"WHEN '{d}' THEN s.{d}" for d in DYNAMICS) + " END"
    rows = con.execute(
        f"""
        WITH mine AS (
            SELECT c.* FROM clients c WHERE {VISIBLE}
        ), series AS (
            SELECT k.client_id, k.submitted_at, st.state, st.dominant, {dominant_score} AS dominant_score,
                   row_number() OVER (PARTITION BY k.client_id ORDER BY k.submitted_at DESC, k.id DESC) AS back
            FROM checkins k
            JOIN mine m ON m.id = k.client_id
            JOIN scores s ON s.checkin_id = k.id
            LEFT JOIN states st ON st.checkin_id = k.id
        ), latest AS (
            SELECT client_id,
                   max(submitted_at) AS last_at,
                   count(*) AS checkins,
                   max(state) FILTER (WHERE back = 1) AS state,
                   max(dominant) FILTER (WHERE back = 1) AS dominant,
                   list(dominant_score ORDER BY submitted_at) FILTER (WHERE back <= {SPARK_POINTS}) AS spark
            FROM series GROUP BY client_id
        ), open_flags AS (
            SELECT client_id, list(kind ORDER BY kind) AS kinds, count(*) AS open_count
            FROM flags WHERE status = 'open' AND withdrawn_at IS NULL
              AND client_id IN (SELECT id FROM mine)
            GROUP BY client_id
        )
        SELECT m.id, m.name, m.status, m.tz, m.reminder_weekday, m.reminder_time, m.focus, m.schedule_from,
               l.last_at, coalesce(l.checkins, 0), l.state, l.dominant, l.spark,
               coalesce(f.kinds, []), coalesce(f.open_count, 0)
        FROM mine m
        LEFT JOIN latest l ON l.client_id = m.id
        LEFT JOIN open_flags f ON f.client_id = m.id
        ORDER BY coalesce(m.name, m.id), m.id
        """,
        visible_params(viewer),
    ).fetchall()
    return [
        {
            "id": r[0], "name": r[1], "status": r[2], "tz": r[3], "reminder_weekday": r[4],
            "reminder_time": r[5], "focus": r[6], "schedule_from": from_db(r[7]),
            "last_at": from_db(r[8]), "checkins": r[9], "state": r[10], "dominant": r[11],
            "spark": [None if v is None else round(v, 1) for v in (r[12] or [])],
            "open_kinds": list(r[13]), "open_flags": r[14],
        }
        for r in rows
    ]


def urgency(row: dict) -> int:
    """0 first: open contact requests and dominant shifts; then deterioration; then missed check-ins."""
    kinds = set(row["open_kinds"])
    if kinds & set(URGENT_KINDS):
        return 0
    if "reliable_deterioration" in kinds:
        return 1
    if "missed_checkins" in kinds:
        return 2
    if kinds:
        return 3
    return 4


def sort_by_urgency(rows: list[dict]) -> list[dict]:
    def key(row):
        last = row["last_at"]
        return (urgency(row), -row["open_flags"], -(last.timestamp() if last else 0), row["name"] or row["id"])

    return sorted(rows, key=key)
