"""Commands for data stewardship: export-client, erase-client, backup (see docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tracking.cli.common import OPERATOR, Command, print_json, with_command
from tracking.cli.files import write_private
from tracking.counting import counted
from tracking.errors import InvalidValue, KoersError
from tracking.usecases import privacy


def register(cli: click.Group) -> None:
    for command in (export_client, erase_client, backup):
        cli.add_command(command)


@click.command("export-client", short_help="Everything stored about one client, as JSON.")
@click.argument("client_id", metavar="ID")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON to this file (readable by you only) instead of standard output.")
@click.option("--force", is_flag=True, help="With --output: replace the file if it exists.")
@with_command(existing=True)
def export_client(cmd: Command, client_id: str, output: Path | None, force: bool) -> None:
    """Everything Koers stores about client ID, as JSON (for a request to see or take one's data).

    The client record, every check-in with its answers, scores, state and earlier versions, flags with
    who acknowledged them, focus history, observations, check-in periods, personal links (as hashes),
    emails written for the client (links removed) and the audit entries about them. The export itself
    is recorded in the audit log.
    """
    document = privacy.export_client(cmd.context, OPERATOR, client_id)
    if output is None:
        print_json(document)
        return
    write_private(output, json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n", replace=force,
                  what="the export")
    click.echo(f"Exported client {document['client']['id']}: {counted(len(document['checkins']), 'check-in')} "
               f"to {output}.",
               err=True)


def _counts(rows: dict[str, int]) -> str:
    shown = [f"{count} {table}" for table, count in rows.items() if count]
    return ", ".join(shown) or "no rows"


@click.command("erase-client", short_help="Erase a client and every row that names them.")
@click.argument("client_id", metavar="ID")
@click.option("--yes", is_flag=True,
              help="Erase without asking. Without it, Koers shows what will go and asks you to type the id back.")
@with_command(existing=True)
def erase_client(cmd: Command, client_id: str, yes: bool) -> None:
    """Erase client ID permanently: every row that names them, and their emails in the outbox folder.

    Check-ins, answers, scores, states, flags, focus history, observations, periods, personal links,
    emails and the audit entries about the client go; emails to a coach that name the client keep
    their other content with the name and id replaced by [erased]. The audit log records that an
    erasure happened, with counts and a salted hash of the id: never the id, name, email or notes.
    Backups made earlier still hold the client until they expire (see docs/operations.md).
    """
    label, rows = privacy.erasure_plan(cmd.context, OPERATOR, client_id)
    if not yes:
        click.echo(f"This permanently erases client {label}: {_counts(rows)}.", err=True)
        typed = click.prompt(f"Type the client id ({client_id}) to erase", default="", show_default=False,
                             err=True)
        if typed.strip() != client_id:
            raise InvalidValue("the id typed does not match; nothing was erased")
    erasure = privacy.erase_client(cmd.context, OPERATOR, client_id)
    files = len(erasure.files_removed)
    # What needs doing by hand is said first, and the files that could not be changed in any case:
    # should the summary below not reach its reader, those lines still do.
    if erasure.files_elsewhere:
        click.echo(
            f"Emails to the client sent as .eml files that are not in {erasure.folder} "
            f"({len(erasure.files_elsewhere)}): a scheduler with another KOERS_OUTBOX_DIR wrote them, or they were "
            f"removed before. Remove them where they are: {', '.join(erasure.files_elsewhere)}", err=True)
    try:
        click.echo(
            f"Erased client {client_id}: {_counts(erasure.rows)}; {counted(erasure.outbox_redacted, 'email')} to "
            f"others redacted; {counted(files, '.eml file')} removed, {len(erasure.files_redacted)} redacted."
        )
    finally:
        if erasure.files_failed:
            problems = "; ".join(f"{path} ({reason})" for path, reason in erasure.files_failed)
            raise KoersError(f"the database no longer holds the client, but these files could not be changed: "
                             f"{problems}. Remove them by hand.")


@click.command(short_help="A consistent copy of the database, while Koers runs.")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it is an existing file.")
@with_command(existing=True)
def backup(cmd: Command, path: Path, force: bool) -> None:
    """Copy the database to PATH, consistently, while Koers keeps running.

    PATH is a new file, or an existing folder (the copy is then named koers-YYYYMMDD-HHMMSS.duckdb,
    in UTC). Other processes keep reading meanwhile; writers wait until the copy is done. The copy is
    checked to open as a Koers database holding the same rows, written to disk under a temporary
    name and then renamed, and readable by you only. Restore: see docs/operations.md.
    """
    made = privacy.backup(cmd.context, OPERATOR, path, force=force)
    total = sum(made.rows.values())
    click.echo(f"Backed up {cmd.settings.db} to {made.path}: {made.size_bytes:,} bytes, {total:,} rows in "
               f"{len(made.rows)} tables, schema {made.migrations[-1] if made.migrations else '-'}.")
