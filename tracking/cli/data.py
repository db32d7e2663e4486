"""Commands for the data: init, items, import, timeline, flags, demo."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import click

from tracking import csvfile
from tracking.cli.common import OPERATOR, Command, Progress, format_option, print_json, with_command
from tracking.cli.files import refuse_link, write_private
from tracking.clock import iso, utcnow
from tracking.counting import counted
from tracking.errors import KoersError
from tracking.instrument import DYNAMICS
from tracking.models import FLAG_KINDS, FLAG_STATUSES
from tracking.settings import SECRETS_FILE
from tracking.usecases import coaches, data
from tracking.usecases import flags as flag_cases


def register(cli: click.Group) -> None:
    for command in (init, items, import_, timeline, flags, recompute, demo):
        cli.add_command(command)


def _write_secret_key(path: Path) -> None:
    """Add a new key to the secrets file; the file is then readable by its owner only, even if it was
    copied from the example with a looser mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_link(path, "KOERS_SECRET_KEY")
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    line = f'KOERS_SECRET_KEY = "{secrets.token_urlsafe(48)}"\n'
    separator = "" if not existing or existing.endswith("\n") else "\n"
    write_private(path, existing + separator + line, replace=True, what="KOERS_SECRET_KEY")


@click.command()
@click.option("--no-secret", is_flag=True, help=f"Do not generate KOERS_SECRET_KEY into {SECRETS_FILE}.")
@with_command(makes_database=True)
def init(cmd: Command, no_secret: bool) -> None:
    """Create the database, or migrate it to this version of Koers."""
    done = data.initialise(cmd.settings)
    if done.applied:
        click.echo(f"Database {done.location}: applied {counted(len(done.applied), 'migration')}: "
                   f"{', '.join(done.applied)}.")
    else:
        click.echo(f"Database {done.location} is up to date.")
    if not cmd.settings.secret_key and not no_secret:
        if done.links_made:
            raise KoersError(
                f"{done.location} already holds {counted(done.links_made, 'personal link')} signed with a secret "
                "key that is not set here, so no new key was generated: a new one would stop those links. Set "
                f"KOERS_SECRET_KEY to the key the other Koers processes use (in their {SECRETS_FILE}), or run "
                "`koers init --no-secret`.")
        _write_secret_key(SECRETS_FILE)
        click.echo(f"Generated KOERS_SECRET_KEY into {SECRETS_FILE} (keep that file out of version control).")
    if cmd.settings.secret_key:
        sealed = coaches.seal_totp_secrets(cmd.context, OPERATOR)
        if sealed:
            click.echo(f"Sealed the second-factor secrets of {counted(sealed, 'coach', 'coaches')} with a key "
                       "derived from KOERS_SECRET_KEY.")


@click.command()
@format_option
@with_command
def items(cmd: Command, output_format: str) -> None:
    """Show the instrument: every item with its dynamic, direction and texts."""
    instrument = cmd.instrument
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
@with_command
def import_(cmd: Command, file: Path, coach_email: str | None) -> None:
    """Import check-ins from a CSV file, all or nothing.

    Header: client_id,submitted_at,<item ids>,contact_request,note. Separator , or ;.
    Every problem is reported with its line and column; any problem and nothing is written.
    """
    progress = Progress()
    summary, flags_raised = data.import_checkins(cmd.context, OPERATOR, file, coach_email=coach_email,
                                                 progress=progress)
    click.echo(
        f"Imported {counted(summary.rows, 'check-in')} for {counted(summary.clients, 'client')} "
        f"({summary.clients_created:,} new) from {csvfile.shown_name(file)}; {counted(flags_raised, 'flag')} raised "
        f"({progress.elapsed:.1f}s)."
    )


def _score_text(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.1f}"


@click.command()
@click.argument("client")
@format_option
@with_command(existing=True)
def timeline(cmd: Command, client: str, output_format: str) -> None:
    """Show one client's check-ins: scores per dynamic, state, and flags."""
    found = data.timeline(cmd.context, OPERATOR, client)
    record, rows, client_flags = found.client, found.points, found.flags
    if output_format == "json":
        print_json({
            "client": record.id,
            "name": record.name,
            "focus": record.focus,
            "checkins": [row.as_json() for row in rows],
            "flags": client_flags,
        })
        return
    click.echo(f"{record.label}: {counted(len(rows), 'check-in')}, focus: {record.focus or '-'}")
    click.echo(f"{'at (UTC)':<20} {'state':<14}" + "".join(f"{d[:13]:>14}" for d in DYNAMICS))
    for row in rows:
        click.echo(
            f"{row.at:%Y-%m-%d %H:%M}     {row.state or '-':<14}"
            + "".join(f"{_score_text(row.scores[d]):>14}" for d in DYNAMICS)
        )
    click.echo(f"\nFlags: {len(client_flags)}")
    for flag in client_flags:
        click.echo(f"  {flag['at'][:16]}  {flag['kind']:<24} {flag['status']:<13} {_flag_subject(flag)}")


def _flag_subject(flag: dict[str, Any]) -> str:
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
@with_command(existing=True)
def flags(cmd: Command, client_id: str | None, kind: str | None, status: str | None, lang: str,
          output_format: str) -> None:
    """List flags, oldest first."""
    if output_format == "json":
        found = flag_cases.flags_as_json(cmd.context, OPERATOR, client_id=client_id, kind=kind, status=status,
                                         lang=lang)
    else:
        listed = flag_cases.list_flags(cmd.context, OPERATOR, client_id=client_id, kind=kind, status=status)
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
        click.echo(f"{flag.id:>6}  {(iso(flag.at) or '')[:16]}  {name:<28} {flag.kind:<24} {flag.status:<13} {subject}")
        click.echo(f"        {flag.words(lang).text()}")
    click.echo(f"{counted(len(listed), 'flag')}.")


@click.command()
@with_command(existing=True)
def recompute(cmd: Command) -> None:
    """Estimate the subscale reliabilities again and recompute every client's states and flags."""
    progress = Progress()
    summary = data.recompute(cmd.context, OPERATOR, progress=progress)
    click.echo(
        f"Recomputed {counted(summary.checkins, 'check-in')} of {counted(summary.clients, 'client')}: "
        f"{counted(summary.flags_raised, 'flag')} raised, {summary.flags_withdrawn:,} withdrawn "
        f"({progress.elapsed:.1f}s)."
    )


@click.command()
@click.option("--if-empty", is_flag=True, help="Do nothing (instead of refusing) when the database is not empty.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed, for repeatable demo data.")
@with_command
def demo(cmd: Command, if_empty: bool, seed: int) -> None:
    """Fill an empty database with realistic demo coaches, clients and check-ins.

    The demo's coaches sign in with a password everyone knows, so a database that holds anything is
    refused (exit status 2), or with --if-empty left as it is.
    """
    progress = Progress()
    summary = data.load_demo(cmd.context, OPERATOR, now=utcnow(), seed=seed, if_empty=if_empty, progress=progress)
    if summary is None:
        click.echo("The database is not empty; demo data not added.")
        return
    click.echo(
        f"Demo data: {counted(summary.coaches, 'coach', 'coaches')}, {counted(summary.clients, 'client')}, "
        f"{counted(summary.checkins, 'check-in')}, {counted(summary.flags, 'flag')} ({progress.elapsed:.1f}s)."
    )
    for email, password in summary.logins:
        click.echo(f"  sign in as {email} with password {password}")
