"""Work on the data as a whole: importing a file, recomputing what is derived, loading the demo, and
what a person reads or downloads of one client (timeline, exports)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tracking import csvfile, validate
from tracking import demo as demo_data
from tracking.audit import Action
from tracking.clock import to_db, utcnow
from tracking.context import Actor, Context
from tracking.counting import counted
from tracking.errors import InvalidValue, NotFound
from tracking.instrument import load_instrument
from tracking.models import Client
from tracking.passwords import hash_password
from tracking.settings import Settings
from tracking.store import accounts, audit, checkins, clients, database, derived, on_track
from tracking.store import flags as flag_store
from tracking.store.connection import database_files
from tracking.store.derived import RefreshSummary
from tracking.store.importer import ImportSummary, import_csv
from tracking.store.migrate import apply_migrations, pending, sync_instruments
from tracking.usecases import use_case

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Initialised:
    location: str  # the file, or the server's database without its password
    applied: list[str]  # the migrations this run applied (none: the database was current)
    links_made: int = 0  # personal links already made, each signed with a secret key


def initialise(settings: Settings) -> Initialised:
    """Create the database, or migrate it to this version of Koers (`koers init`). A broken
    instrument file stops it before the database is touched."""
    load_instrument()
    db = database(settings.db, settings.busy_timeout_seconds)
    applied = apply_migrations(db) if pending(db) or not db.exists() else []
    sync_instruments(db)
    with db.read() as con:
        (links_made,) = con.execute("SELECT count(*) FROM link_tokens").fetchall()[0]
    return Initialised(db.location, applied, int(links_made))


def remove_if_empty(path: Path) -> bool:
    """Remove the DuckDB file at `path`, with its write-ahead log and lock files, when it holds no
    coach, client or check-in (a command made it and was then refused or stopped, perhaps before its
    tables were made); True when nothing of it is left. A file that is not a DuckDB database, or that
    holds anything, is left as it is."""
    if path.is_file():
        try:
            with database(path).read() as con:
                listed = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
                tables = {name for (name,) in listed}
                held = sum(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                           for table in ("coaches", "clients", "checkins") if table in tables)
        except Exception:  # noqa: BLE001 - not a database a command made: leave it as it is
            return False
        if held:
            return False
    for leftover in database_files(path):
        with suppress(OSError):  # not there, or its folder is not one (a file given as a folder)
            leftover.unlink()
    return not path.exists()


def _quiet(_message: str) -> None:
    return None


@use_case(Action.IMPORT)
def import_checkins(ctx: Context, actor: Actor, file: Path, *, coach_email: str | None = None,
                    progress: Progress = _quiet, now: datetime | None = None) -> tuple[ImportSummary, int]:
    """Import a CSV file, all or nothing, and recompute states and flags; returns the summary and
    the number of flags raised."""
    now = now or utcnow()
    coach_id = None
    if coach_email is not None:
        with ctx.db.read() as con:
            coach_id = accounts.coach_by_email(con, validate.email(coach_email, "--coach")).id
    raised = 0

    def record_and_derive(con: Any, result: checkins.IngestResult) -> None:
        nonlocal raised
        audit.record(con, now, actor, Action.IMPORT, file=csvfile.shown_name(file.name), rows=result.checkins,
                     clients=len(result.client_ids), clients_created=len(result.clients_created))
        progress(f"Recomputing states and flags for {counted(len(result.client_ids), 'client')}")
        raised = derived.refresh(con, result.client_ids, ctx.instrument, ctx.settings.detection, now,
                                 reestimate=True, recovery=ctx.settings.recovery, ingested=result).flags_raised

    summary = import_csv(ctx.db, file, ctx.instrument, now=now, coach_id=coach_id, progress=progress,
                         on_ingested=record_and_derive)
    return summary, raised


@use_case(Action.RECOMPUTE)
def recompute(ctx: Context, actor: Actor, *, now: datetime | None = None,
              progress: Progress = _quiet) -> RefreshSummary:
    """Estimate the reliabilities again and recompute every client's states and flags."""
    now = now or utcnow()
    progress("Recomputing states and flags for every client")
    with ctx.db.write() as con:
        summary = derived.refresh(con, None, ctx.instrument, ctx.settings.detection, now, reestimate=True,
                                  recovery=ctx.settings.recovery)
        audit.record(con, now, actor, Action.RECOMPUTE, clients=summary.clients, flags_raised=summary.flags_raised)
    return summary


def _demo_periods(con: Any, periods: list[dict[str, Any]], first_checkin_id: int, now: datetime) -> None:
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


@dataclass(frozen=True)
class DemoSummary:
    coaches: int
    clients: int
    checkins: int
    flags: int
    logins: list[tuple[str, str]]  # (email, password) of the demo's coaches


def _holds_data(con: Any) -> bool:
    return bool(accounts.list_coaches(con) or clients.count_clients(con) or checkins.count_checkins(con))


@use_case(Action.DEMO)
def load_demo(ctx: Context, actor: Actor, *, now: datetime, seed: int, if_empty: bool,
              progress: Progress = _quiet) -> DemoSummary | None:
    """Fill an empty database with the demo caseloads. The demo's coaches have a password everyone
    knows, so a database that holds anything (coaches, clients or check-ins) is refused; with
    `if_empty` it is left alone instead (None)."""
    with ctx.db.read() as con:
        holds_data = _holds_data(con)
    if holds_data and if_empty:
        return None
    if holds_data:
        raise InvalidValue(f"{ctx.db.location}: the database is not empty; demo data, with its well-known "
                           "passwords, only goes into an empty database (use another --db)", "demo")
    data = demo_data.build(ctx.instrument, now, seed)
    progress("Hashing the demo passwords")
    password_hash = hash_password(demo_data.DEMO_PASSWORD)
    with ctx.db.write() as con:
        if _holds_data(con):  # filled by another process meanwhile
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
                now=client["created_at"], show_trend=client["show_trend"],
            )
        for change in data.focus_changes:
            clients.set_focus(con, change["client_id"], change["focus"], coach_ids[change["coach"]], change["at"])
        for observation in data.observations:
            clients.add_observation(con, coach_ids[observation["coach"]], observation)
        progress(f"Writing {counted(len(data.checkins), 'check-in')}")
        frame = checkins.frame_from_rows(data.checkins, ctx.instrument)
        ingested = checkins.ingest(con, frame, ctx.instrument, source="demo", now=now)
        _demo_periods(con, data.periods, ingested.first_checkin_id, now)
        progress("Recomputing states and flags")
        summary = derived.refresh(con, None, ctx.instrument, ctx.settings.detection, now, reestimate=True,
                                  recovery=ctx.settings.recovery)
        audit.record(con, now, actor, Action.DEMO, clients=len(data.clients), checkins=len(data.checkins))
        con.execute("UPDATE clients SET schedule_from = ? WHERE schedule_from < ?", [to_db(now), to_db(now)])
    return DemoSummary(
        coaches=len(data.coaches),
        clients=len(data.clients),
        checkins=len(data.checkins),
        flags=summary.flags_raised,
        logins=[(coach["email"], coach["password"]) for coach in data.coaches],
    )


def demo_accounts(ctx: Context) -> list[str]:
    """The demo's coach accounts that can sign in to this database (their password is no secret)."""
    emails = {coach["email"] for coach in demo_data.COACHES}
    with ctx.db.read() as con:
        return [coach.email for coach in accounts.list_coaches(con) if coach.active and coach.email in emails]


@dataclass(frozen=True)
class Timeline:
    client: Client
    points: list[checkins.TimelinePoint]
    flags: list[Any]


@use_case(Action.VIEW_TIMELINE)
def timeline(ctx: Context, actor: Actor, client_id: str, *, now: datetime | None = None) -> Timeline:
    """One client's check-ins (scores, state) and flags; the viewing is recorded in the audit log."""
    viewer = actor.viewer
    with ctx.db.read() as con:
        record = clients.get_client(con, client_id, viewer)
        points = on_track.timeline(con, record.id, viewer, ctx.settings.recovery)
        found = flag_store.list_flags(con, viewer, client_id=record.id)
    with ctx.db.write() as con:
        audit.record(con, now or utcnow(), actor, Action.VIEW_TIMELINE, record.id)
    return Timeline(record, points, found)


EXPORTS = ("csv", "report")


@use_case(Action.EXPORT)
def record_export(ctx: Context, actor: Actor, client_id: str, what: str, *, now: datetime | None = None) -> None:
    """A coach downloaded the client's check-ins (`csv`) or the printable report (`report`)."""
    if what not in EXPORTS:
        raise InvalidValue(f"export: {what!r} is not one of {', '.join(EXPORTS)}", "export")
    with ctx.db.write() as con:
        clients.get_client(con, client_id, actor.viewer)
        audit.record(con, now or utcnow(), actor, Action.EXPORT, client_id, what=what)


def export_rows(ctx: Context, viewer_actor: Actor, client_id: str) -> list[checkins.ExportRow]:
    with ctx.db.read() as con:
        return checkins.export_rows(con, client_id, viewer_actor.viewer)
