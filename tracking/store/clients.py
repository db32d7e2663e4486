"""Clients: who they are, whose they are, and when they are reminded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracking.clock import from_db, to_db
from tracking.errors import AlreadyExists, NotFound
from tracking.models import Client, Viewer
from tracking.store.contract import StoreConnection

COLUMNS = (
    "c.id, c.coach_id, c.name, c.email, c.lang, c.tz, c.reminder_weekday, c.reminder_time, c.status, "
    "c.show_trend, c.focus, c.schedule_from, c.created_at"
)
# Every query that returns clients to a person goes through this filter: a coach sees their own
# clients only; the operator (the command line on the server) sees all.
VISIBLE = "(?::INTEGER IS NULL AND ?::BOOLEAN) OR c.coach_id = ?"


def visible_params(viewer: Viewer) -> list[Any]:
    return [viewer.coach_id, viewer.is_operator, viewer.coach_id]


def _client(row: tuple[Any, ...]) -> Client:
    values = list(row)
    values[11] = from_db(values[11])
    values[12] = from_db(values[12])
    return Client(*values)


def add_client(
    con: StoreConnection,
    *,
    client_id: str,
    coach_id: int | None,
    email: str | None,
    name: str | None,
    lang: str,
    tz: str,
    reminder_weekday: int | None,
    reminder_time: str | None,
    now: datetime,
    show_trend: bool = False,
) -> Client:
    if con.execute("SELECT 1 FROM clients WHERE id = ?", [client_id]).fetchone():
        raise AlreadyExists(f"client {client_id} exists already")
    con.execute(
        """
        INSERT INTO clients (id, coach_id, name, email, lang, tz, reminder_weekday, reminder_time, show_trend,
                             schedule_from, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [client_id, coach_id, name, email, lang, tz, reminder_weekday, reminder_time, show_trend, to_db(now),
         to_db(now)],
    )
    return get_client(con, client_id, Viewer.operator())


def get_client(con: StoreConnection, client_id: str, viewer: Viewer) -> Client:
    row = con.execute(
        f"SELECT {COLUMNS} FROM clients c WHERE c.id = ? AND ({VISIBLE})",
        [client_id, *visible_params(viewer)],
    ).fetchone()
    if row is None:
        # Same answer whether the client does not exist or belongs to another coach.
        raise NotFound(f"no client with id {client_id}")
    return _client(row)


def list_clients(con: StoreConnection, viewer: Viewer) -> list[Client]:
    rows = con.execute(
        f"SELECT {COLUMNS} FROM clients c WHERE {VISIBLE} ORDER BY coalesce(c.name, c.id), c.id",
        visible_params(viewer),
    ).fetchall()
    return [_client(r) for r in rows]


def count_clients(con: StoreConnection) -> int:
    (count,) = con.execute("SELECT count(*) FROM clients").fetchall()[0]
    return int(count)


def set_show_trend(con: StoreConnection, client_id: str, show: bool) -> None:
    con.execute("UPDATE clients SET show_trend = ? WHERE id = ?", [show, client_id])


def set_focus(
    con: StoreConnection, client_id: str, focus: str | None, coach_id: int | None, now: datetime,
    note: str | None = None,
) -> None:
    """Set the current intervention focus (None: no focus) and keep the change in its history."""
    con.execute("UPDATE clients SET focus = ? WHERE id = ?", [focus, client_id])
    con.execute(
        "INSERT INTO focus_changes (client_id, focus, changed_by, changed_at, note) VALUES (?, ?, ?, ?, ?)",
        [client_id, focus, coach_id, to_db(now), note],
    )


OBSERVATION_FIELDS = (
    "tension_in_body", "reaction_to_uncertainty", "reference", "responsibility", "note",
)


def add_observation(con: StoreConnection, coach_id: int, observation: dict[str, Any]) -> int:
    """Record a coach's profiling observation after a session."""
    ratings = observation.get("ratings") or {}
    (observation_id,) = con.execute(
        """
        INSERT INTO observations (client_id, coach_id, observed_at, tension_in_body, reaction_to_uncertainty,
                                  reference, responsibility, rating_context, rating_relational,
                                  rating_physiological, rating_identity, note, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
        """,
        [
            observation["client_id"], coach_id, to_db(observation["observed_at"]),
            *(observation.get(name) for name in OBSERVATION_FIELDS[:4]),
            ratings.get("context"), ratings.get("relational"), ratings.get("physiological"),
            ratings.get("identity"), observation.get("note"),
            to_db(observation.get("created_at", observation["observed_at"])),
        ],
    ).fetchall()[0]
    return int(observation_id)


EDITABLE = ("name", "email", "lang", "tz", "reminder_weekday", "reminder_time", "status", "show_trend")


def update_client(con: StoreConnection, client_id: str, viewer: Viewer, now: datetime,
                  **changes: Any) -> Client:
    """Change a client's details (already validated); a changed schedule starts after `now`."""
    before = get_client(con, client_id, viewer)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if not changes:
        return before
    assignments = ", ".join(f"{name} = ?" for name in changes)
    values = list(changes.values())
    schedule_changed = any(
        name in changes and changes[name] != getattr(before, name)
        for name in ("reminder_weekday", "reminder_time", "tz")
    ) or (changes.get("status") == "active" and before.status != "active")
    if schedule_changed:
        assignments += ", schedule_from = ?"
        values.append(to_db(now))
    con.execute(f"UPDATE clients SET {assignments} WHERE id = ?", [*values, client_id])
    return get_client(con, client_id, viewer)


def assign(con: StoreConnection, client_id: str, coach_id: int) -> None:
    con.execute("UPDATE clients SET coach_id = ? WHERE id = ?", [coach_id, client_id])


def unassigned(con: StoreConnection) -> list[Client]:
    rows = con.execute(f"SELECT {COLUMNS} FROM clients c WHERE c.coach_id IS NULL ORDER BY c.id").fetchall()
    return [_client(r) for r in rows]
