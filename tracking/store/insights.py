"""What the client page reads besides the timeline (`checkins.timeline`): item answers and the
history of focus and observations. Every query is filtered by the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracking.clock import from_db
from tracking.instrument import DYNAMICS
from tracking.models import Viewer
from tracking.store.clients import VISIBLE, visible_params
from tracking.store.contract import StoreConnection


@dataclass(frozen=True)
class ItemAnswer:
    checkin_id: int
    at: datetime
    item_id: str
    value: int


@dataclass(frozen=True)
class FocusChange:
    focus: str | None  # a dynamic, or None: no focus
    at: datetime
    by: str | None  # the coach's name
    note: str | None


@dataclass(frozen=True)
class ObservationRecord:
    id: int
    at: datetime
    by: str | None  # the coach's name
    tension_in_body: str | None
    reaction_to_uncertainty: str | None
    reference: str | None
    responsibility: str | None
    ratings: dict[str, int | None]  # dynamic -> 0-10
    note: str | None


def item_answers(con: StoreConnection, client_id: str, viewer: Viewer) -> list[ItemAnswer]:
    """Every answered item of the client's check-ins, for the heat map."""
    rows = con.execute(
        f"""
        SELECT a.checkin_id, k.submitted_at, a.item_id, a.value
        FROM answers a JOIN checkins k ON k.id = a.checkin_id JOIN clients c ON c.id = k.client_id
        WHERE k.client_id = ? AND ({VISIBLE})
        ORDER BY k.submitted_at
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    return [ItemAnswer(r[0], from_db(r[1]), r[2], r[3]) for r in rows]


def focus_history(con: StoreConnection, client_id: str, viewer: Viewer) -> list[FocusChange]:
    rows = con.execute(
        f"""
        SELECT f.focus, f.changed_at, co.name, f.note
        FROM focus_changes f JOIN clients c ON c.id = f.client_id LEFT JOIN coaches co ON co.id = f.changed_by
        WHERE f.client_id = ? AND ({VISIBLE})
        ORDER BY f.changed_at, f.id
        """,
        [client_id, *visible_params(viewer)],
    ).fetchall()
    return [FocusChange(r[0], from_db(r[1]), r[2], r[3]) for r in rows]


def observations(con: StoreConnection, client_id: str, viewer: Viewer) -> list[ObservationRecord]:
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
    return [ObservationRecord(r[0], from_db(r[1]), r[2], r[3], r[4], r[5], r[6], dict(zip(DYNAMICS, r[7:11])), r[11])
            for r in rows]
