"""Commands for the data: init, items, import, timeline, flags, demo."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from tracking.cli.common import App, Progress, format_option, print_json, with_app
from tracking.clock import iso, utcnow
from tracking.instrument import DYNAMICS
from tracking.models import FLAG_KINDS, FLAG_STATUSES, Viewer
from tracking.settings import SECRETS_FILE


def register(cli: click.Group) -> None:
    for command in (init, items, import_, timeline, flags, recompute, demo):
        cli.add_command(command)


def _write_secret_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    line = f'KOERS_SECRET_KEY = "{secrets.token_urlsafe(48)}"\n'
    separator = "" if not existing or existing.endswith("\n") else "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(existing + separator + line)


@click.command()
@click.option("--no-secret", is_flag=True, help=f"Do not generate KOERS_SECRET_KEY into {SECRETS_FILE}.")
@with_app
def init(app: App, no_secret: bool) -> None:
    """Create the database, or migrate it to this version of Koers."""
    from tracking.store import Database
    from tracking.store.migrate import apply_migrations, pending, sync_instruments

    db = Database(app.settings.db, app.settings.busy_timeout_seconds)
    app.instrument  # noqa: B018 - refuse to initialise with a broken instrument file
    todo = pending(db)
    applied = apply_migrations(db) if todo or not db.exists() else []
    sync_instruments(db)
    if applied:
        click.echo(f"Database {db.path}: applied {len(applied)} migration(s): {', '.join(applied)}.")
    else:
        click.echo(f"Database {db.path} is up to date.")
    if not app.settings.secret_key and not no_secret:
        _write_secret_key(SECRETS_FILE)
        click.echo(f"Generated KOERS_SECRET_KEY into {SECRETS_FILE} (keep that file out of version control).")


@click.command()
@format_option
@with_app
def items(app: App, output_format: str) -> None:
    """Show the instrument: every item with its dynamic, direction and texts."""
    instrument = app.instrument
    if output_format == "json":
        print_json(instrument.as_dict())
        return
    click.echo(f"Instrument version {instrument.version} (answers 0-10; resource items are reversed)")
    for item in instrument.items:
        core = " (core)" if item.core else ""
        click.echo(f"\n{item.id}{core}: {item.dynamic}, {item.direction}")
        click.echo(f"  en: {item.text['en']}  [{item.anchors['en'][0]} ... {item.anchors['en'][1]}]")
        click.echo(f"  nl: {item.text['nl']}  [{item.anchors['nl'][0]} ... {item.anchors['nl'][1]}]")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--coach", "coach_email", metavar="EMAIL",
              help="Assign clients that do not exist yet (and unassigned ones) to this coach.")
@with_app
def import_(app: App, file: Path, coach_email: str | None) -> None:
    """Import check-ins from a CSV file, all or nothing.

    Header: client_id,submitted_at,<item ids>,contact_request,note. Separator , or ;.
    Every problem is reported with its line and column; any problem and nothing is written.
    """
    from tracking.services import import_checkins

    progress = Progress()
    summary, flags_raised = import_checkins(app, file, coach_email=coach_email, progress=progress)
    click.echo(
        f"Imported {summary.rows:,} check-ins for {summary.clients:,} clients "
        f"({summary.clients_created:,} new) from {file}; {flags_raised:,} flags raised "
        f"({progress.elapsed:.1f}s)."
    )


def _score_text(value) -> str:
    return "  -  " if value is None else f"{value:5.1f}"


@click.command()
@click.argument("client")
@format_option
@with_app
def timeline(app: App, client: str, output_format: str) -> None:
    """Show one client's check-ins: scores per dynamic, state, and flags."""
    from tracking.store import audit, checkins, clients
    from tracking.store import flags as flag_store

    viewer = Viewer.operator()
    with app.db.read() as con:
        record = clients.get_client(con, client, viewer)
        rows = checkins.timeline(con, client, viewer)
        client_flags = flag_store.list_flags(con, viewer, client_id=client)
    with app.db.write() as con:
        audit.record(con, utcnow(), viewer.actor, "view_timeline", record.id)
    if output_format == "json":
        print_json({
            "client": record.id,
            "name": record.name,
            "focus": record.focus,
            "checkins": [{**row, "at": iso(row["at"]), "edited_at": iso(row["edited_at"])} for row in rows],
            "flags": client_flags,
        })
        return
    click.echo(f"{record.label}: {len(rows)} check-ins, focus: {record.focus or '-'}")
    click.echo(f"{'at (UTC)':<20} {'state':<14}" + "".join(f"{d[:13]:>14}" for d in DYNAMICS))
    for row in rows:
        click.echo(
            f"{row['at']:%Y-%m-%d %H:%M}     {row['state'] or '-':<14}"
            + "".join(f"{_score_text(row['scores'][d]):>14}" for d in DYNAMICS)
        )
    click.echo(f"\nFlags: {len(client_flags)}")
    for flag in client_flags:
        click.echo(f"  {flag['at'][:16]}  {flag['kind']:<24} {flag['status']:<13} {_flag_subject(flag)}")


def _flag_subject(flag: dict) -> str:
    if flag["from"] or flag["to"]:
        return f"{flag['from'] or '-'} -> {flag['to'] or '-'}"
    return flag["dynamic"] or ""


@click.command()
@click.option("--client", "client_id", metavar="C", help="Only this client's flags.")
@click.option("--kind", type=click.Choice(FLAG_KINDS), help="Only flags of this kind.")
@click.option("--status", type=click.Choice(FLAG_STATUSES),
              help="Only flags with this status (open: needs attention now; retired: no longer current).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="en", show_default=True,
              help="Language of each flag's sentence (evidence.summary in JSON).")
@format_option
@with_app
def flags(app: App, client_id: str | None, kind: str | None, status: str | None, lang: str,
          output_format: str) -> None:
    """List flags, oldest first."""
    from tracking.store import audit, clients
    from tracking.store import flags as flag_store

    viewer = Viewer.operator()
    with app.db.read() as con:
        if client_id is not None:
            clients.get_client(con, client_id, viewer)
        if output_format == "json":
            found = flag_store.contract_json(con, viewer, client_id=client_id, kind=kind, status=status, lang=lang)
        else:
            listed = flag_store.find_flags(con, viewer, client_id=client_id, kind=kind, status=status)
    with app.db.write() as con:
        audit.record(con, utcnow(), viewer.actor, "list_flags", client_id, kind=kind, status=status,
                     flags=len(found) if output_format == "json" else len(listed))
    if output_format == "json":
        # Each flag is one JSON object made by the database, written into the array one by one.
        sys.stdout.write("[\n" if found else "[]\n")
        sys.stdout.writelines(f"{text},\n" if index < len(found) - 1 else f"{text}\n]\n"
                              for index, text in enumerate(found))
        return
    for flag in listed:
        name = f"{flag.client_name} ({flag.client_id})" if flag.client_name else flag.client_id
        subject = (f"{flag.from_dynamic or '-'} -> {flag.to_dynamic or '-'}" if flag.from_dynamic or flag.to_dynamic
                   else flag.dynamic or "")
        click.echo(f"{flag.id:>6}  {iso(flag.at)[:16]}  {name:<28} {flag.kind:<24} {flag.status:<13} {subject}")
        click.echo(f"        {flag.words(lang).text()}")
    click.echo(f"{len(listed)} flags.")


@click.command()
@with_app
def recompute(app: App) -> None:
    """Estimate the subscale reliabilities again and recompute every client's states and flags."""
    from tracking.services import recompute as recompute_all

    progress = Progress()
    summary = recompute_all(app, progress=progress)
    click.echo(
        f"Recomputed {summary.checkins:,} check-ins of {summary.clients:,} clients: {summary.flags_raised:,} flags "
        f"raised, {summary.flags_withdrawn:,} withdrawn ({progress.elapsed:.1f}s)."
    )


@click.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has clients.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed, for repeatable demo data.")
@with_app
def demo(app: App, if_empty: bool, seed: int) -> None:
    """Fill the database with realistic demo coaches, clients and check-ins."""
    from tracking.services import load_demo

    progress = Progress()
    summary = load_demo(app, now=utcnow(), seed=seed, if_empty=if_empty, progress=progress)
    if summary is None:
        click.echo("The database already has clients; demo data not added.")
        return
    click.echo(
        f"Demo data: {summary['coaches']} coaches, {summary['clients']} clients, "
        f"{summary['checkins']:,} check-ins, {summary['flags']:,} flags ({progress.elapsed:.1f}s)."
    )
    for email, password in summary["logins"]:
        click.echo(f"  sign in as {email} with password {password}")
