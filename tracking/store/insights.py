"""What the client page reads: the score series with states and smoothed levels, item answers, and
the history of flags, focus and observations. Every query is filtered by the viewer."""

from __future__ import annotations

import duckdb

from tracking.clock import from_db
from tracking.instrument import CORE_INDICATORS, DYNAMICS
from tracking.models import Viewer
from tracking.store.clients import VISIBLE, visible_params

__all__ = ["client_series", "focus_history", "item_answers", "observations"]


def client_series(con: duckdb.DuckDBPyConnection, client_id: str, viewer: Viewer) -> list[dict]:
    rows = con.execute(
        f"""
        SELECT k.id, k.submitted_at, k.contact_request, k.note, k.source, k.edited_at,
               {", ".join(f"s.{d}" for d in DYNAMICS)}, {", ".join(f"s.{i}" for i in CORE_INDICATORS)},
               st.state, st.dominant, {", ".join(f"st.level_{d}" for d in DYNAMICS)}
        FROM checkins k
        JOIN clients c ON c.id = k.client_id
        JOIN scores s ON s.checkin_id = k.id
        LEFT JOIN states st ON st.checkin_id = k.id
        WHERE k.client_id = ? AND ({VISIBLE})
        ORDER BY k.submitted_at, k.id
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    n, c = len(DYNAMICS), len(CORE_INDICATORS)
    series = []
    for row in rows:
        scores = row[6:6 + n]
        core = row[6 + n:6 + n + c]
        levels = row[8 + n + c:]
        series.append({
            "id": row[0], "at": from_db(row[1]), "contact_request": row[2], "note": row[3], "source": row[4],
            "edited_at": from_db(row[5]),
            "scores": dict(zip(DYNAMICS, scores)),
            "core": dict(zip(CORE_INDICATORS, core)),
            "state": row[6 + n + c], "dominant": row[7 + n + c],
            "levels": dict(zip(DYNAMICS, levels)),
        })
    return series


def item_answers(con: duckdb.DuckDBPyConnection, client_id: str, viewer: Viewer) -> list[tuple]:
    """(checkin id, submitted_at, item id, value) for the heat map."""
    rows = con.execute(
        f"""
        SELECT a.checkin_id, k.submitted_at, a.item_id, a.value
        FROM answers a JOIN checkins k ON k.id = a.checkin_id JOIN clients c ON c.id = k.client_id
        WHERE k.client_id = ? AND ({VISIBLE})
        ORDER BY k.submitted_at
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    return [(r[0], from_db(r[1]), r[2], r[3]) for r in rows]


def focus_history(con: duckdb.DuckDBPyConnection, client_id: str, viewer: Viewer) -> list[dict]:
    rows = con.execute(
        f"""
        SELECT f.focus, f.changed_at, co.name, f.note
        FROM focus_changes f JOIN clients c ON c.id = f.client_id LEFT JOIN coaches co ON co.id = f.changed_by
        WHERE f.client_id = ? AND ({VISIBLE})
        ORDER BY f.changed_at, f.id
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    return [{"focus": r[0], "at": from_db(r[1]), "by": r[2], "note": r[3]} for r in rows]


def observations(con: duckdb.DuckDBPyConnection, client_id: str, viewer: Viewer) -> list[dict]:
    rows = con.execute(
        f"""
        SELECT o.id, o.observed_at, co.name, o.tension_in_body, o.reaction_to_uncertainty, o.reference,
               o.responsibility, o.rating_context, o.rating_relational, o.rating_physiological,
               o.rating_identity, o.note
        FROM observations o JOIN clients c ON c.id = o.client_id LEFT JOIN coaches co ON co.id = o.coach_id
        WHERE o.client_id = ? AND ({VISIBLE})
        ORDER BY o.observed_at, o.id
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    return [
        {
            "id": r[0], "at": from_db(r[1]), "by": r[2], "tension_in_body": r[3],
            "reaction_to_uncertainty": r[4], "reference": r[5], "responsibility": r[6],
            "ratings": dict(zip(DYNAMICS, r[7:11])), "note": r[11],
        }
        for r in rows
    ]
