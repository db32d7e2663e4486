"""The operations people start, each one unit of work on the database: importing a file, loading the
demo, recomputing what is derived. The CLI, the dashboard and the scheduler call these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tracking import demo as demo_data
from tracking.clock import to_db, utcnow
from tracking.errors import NotFound
from tracking.passwords import hash_password
from tracking.store import accounts, audit, checkins, clients, derived
from tracking.store.importer import ImportSummary, import_csv


def import_checkins(app, file: Path, *, coach_email: str | None = None, progress: Callable[[str], None],
                    now: datetime | None = None) -> tuple[ImportSummary, int]:
    """Import a CSV file and recompute states and flags; returns the summary and flags raised."""
    now = now or utcnow()
    coach_id = None
    if coach_email is not None:
        with app.db.read() as con:
            coach_id = accounts.coach_by_email(con, coach_email).id
    raised = 0

    def derive(con, result) -> None:
        nonlocal raised
        progress(f"Recomputing states and flags for {len(result.client_ids):,} clients")
        raised = derived.refresh(con, result.client_ids, app.instrument, app.settings.detection, now,
                                 reestimate=True).flags_raised

    summary = import_csv(app.db, file, app.instrument, now=now, coach_id=coach_id, progress=progress,
                         on_ingested=derive)
    return summary, raised


def recompute(app, *, now: datetime | None = None, progress: Callable[[str], None] = lambda m: None):
    """Estimate the reliabilities again and recompute every client's states and flags."""
    now = now or utcnow()
    progress("Recomputing states and flags for every client")
    with app.db.write() as con:
        summary = derived.refresh(con, None, app.instrument, app.settings.detection, now, reestimate=True)
        audit.record(con, now, "cli", "recompute", clients=summary.clients, flags_raised=summary.flags_raised)
    return summary


def _demo_periods(con, periods: list[dict], first_checkin_id: int, now: datetime) -> None:
    """The demo's weekly windows: answered, missed, or (this week) still open."""
    rows = []
    for period in periods:
        checkin_id = None if period["checkin"] is None else first_checkin_id + period["checkin"]
        closed = period["closes_at"] <= now
        status = "completed" if checkin_id else ("missed" if closed else "open")
        rows.append([period["client_id"], to_db(period["opens_at"]), to_db(period["closes_at"]), status, checkin_id,
                     to_db(period["opens_at"]), to_db(period["closes_at"]) if status == "missed" else None])
    con.executemany(
        """
        INSERT INTO periods (client_id, kind, opens_at, closes_at, status, checkin_id, created_at, closed_at)
        VALUES (?, 'scheduled', ?, ?, ?, ?, ?, ?)
        """,
        rows,
    )
    con.execute(
        "UPDATE checkins SET period_id = p.id FROM periods p "
        "WHERE p.checkin_id = checkins.id AND checkins.source = 'demo'"
    )


def load_demo(app, *, now: datetime, seed: int, if_empty: bool, progress: Callable[[str], None]) -> dict | None:
    """Fill the database with the demo caseloads; None when `if_empty` and there are clients already."""
    data = demo_data.build(app.instrument, now, seed)
    progress("Hashing the demo passwords")
    password_hash = hash_password(demo_data.DEMO_PASSWORD)
    with app.db.write() as con:
        if if_empty and clients.count_clients(con):
            return None
        progress("Writing coaches and clients")
        coach_ids = {}
        for coach in data.coaches:
            try:
                coach_ids[coach["email"]] = accounts.coach_by_email(con, coach["email"]).id
            except NotFound:
                coach_ids[coach["email"]] = accounts.add_coach(
                    con, email=coach["email"], name=coach["name"], password_hash=password_hash,
                    is_admin=coach["is_admin"], now=now, lang=coach["lang"],
                ).id
        for client in data.clients:
            clients.add_client(
                con, client_id=client["id"], coach_id=coach_ids[client["coach"]], email=client["email"],
                name=client["name"], lang=client["lang"], tz=client["tz"],
                reminder_weekday=client["reminder_weekday"], reminder_time=client["reminder_time"],
                now=client["created_at"],
            )
            clients.set_show_trend(con, client["id"], client["show_trend"])
        for change in data.focus_changes:
            clients.set_focus(con, change["client_id"], change["focus"], coach_ids[change["coach"]], change["at"])
        for observation in data.observations:
            clients.add_observation(con, coach_ids[observation["coach"]], observation)
        progress(f"Writing {len(data.checkins):,} check-ins")
        frame = checkins.frame_from_rows(data.checkins, app.instrument)
        con.register("incoming", frame)
        try:
            ingested = checkins.ingest(con, "incoming", app.instrument, source="demo", now=now)
        finally:
            con.unregister("incoming")
        _demo_periods(con, data.periods, ingested.first_checkin_id, now)
        progress("Recomputing states and flags")
        summary = derived.refresh(con, None, app.instrument, app.settings.detection, now, reestimate=True)
        audit.record(con, now, "cli", "demo", clients=len(data.clients), checkins=len(data.checkins))
        con.execute("UPDATE clients SET schedule_from = ? WHERE schedule_from < ?", [to_db(now), to_db(now)])
    return {
        "coaches": len(data.coaches),
        "clients": len(data.clients),
        "checkins": len(data.checkins),
        "flags": summary.flags_raised,
        "logins": [(coach["email"], coach["password"]) for coach in data.coaches],
    }


def set_focus(app, client_id: str, focus: str | None, viewer, *, note: str | None = None,
              now: datetime | None = None) -> None:
    """Set a client's intervention focus and recompute the focus-mismatch flag at once."""
    now = now or utcnow()
    with app.db.write() as con:
        clients.get_client(con, client_id, viewer)
        clients.set_focus(con, client_id, focus, viewer.coach_id, now, note)
        derived.refresh(con, [client_id], app.instrument, app.settings.detection, now)
        audit.record(con, now, viewer.actor, "set_focus", client_id, focus=focus)


def add_observation(app, client_id: str, viewer, observation: dict, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    with app.db.write() as con:
        clients.get_client(con, client_id, viewer)
        observation_id = clients.add_observation(
            con, viewer.coach_id, {**observation, "client_id": client_id, "created_at": now}
        )
        audit.record(con, now, viewer.actor, "add_observation", client_id)
    return observation_id


def period_for_link(con, client, now: datetime, window_days: int):
    """The period a fresh link opens: the one whose window is open now, or else an extra check-in
    opened now that closes like a weekly one."""
    from tracking.schedule import window_close
    from tracking.store import periods

    period = periods.open_period(con, client.id, now)
    if period is None:
        closes = window_close(now, client.tz, window_days)
        period, _created = periods.ensure_period(con, client.id, "extra", now, closes, now)
    return period


def fresh_checkin_link(app, client_id: str, viewer, *, now: datetime | None = None) -> tuple[str, object]:
    """A personal check-in link that works now (see `period_for_link`). Returns (url, period)."""
    from tracking import links
    from tracking.store import links as link_store

    now = now or utcnow()
    secret_key = app.settings.require_secret_key()
    with app.db.write() as con:
        client = clients.get_client(con, client_id, viewer)
        period = period_for_link(con, client, now, app.settings.window_days)
        token = link_store.issue(con, purpose="checkin", client_id=client.id, period_id=period.id,
                                 expires_at=period.closes_at, now=now, secret_key=secret_key)
        audit.record(con, now, viewer.actor, "link_issued", client.id, period=period.id, kind=period.kind)
    return links.url(app.settings.base_url, "checkin", token), period
