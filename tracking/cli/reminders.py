"""Commands that send reminders: remind (once, for cron) and scheduler (in the foreground)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import click

from tracking.cli.common import Command, with_command
from tracking.clock import iso, utcnow
from tracking.counting import counted
from tracking.mail.due import ContactDue, FollowupDue, InvitationDue
from tracking.mail.outbox import plan
from tracking.mail.send import run_once
from tracking.mail.transports import transport_for


def register(cli: click.Group) -> None:
    cli.add_command(remind)
    cli.add_command(scheduler)


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time such as 2026-11-30T09:00:00+01:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _print_plan(cmd: Command, now: datetime) -> None:
    found = plan(cmd.context, now)
    click.echo(f"Dry run at {iso(now)}: nothing is written or sent.")
    for client_id, opens_at in found.missed:
        click.echo(f"would record a missed check-in: client {client_id}, window opened {iso(opens_at)}")
    for outbox_id in found.stale:
        click.echo(f"would re-queue email {outbox_id}: its sender stopped after claiming it")
    for item in found.cancellations:
        click.echo(f"would cancel email {item.outbox_id}: {item.reason}")
    for reminder in found.due:
        if isinstance(reminder, InvitationDue | FollowupDue):
            about = f"client {reminder.client_id}, window {iso(reminder.opens_at)} to {iso(reminder.closes_at)}"
        elif isinstance(reminder, ContactDue):
            about = f"client {reminder.client_id}"
        else:
            about = f"coach {reminder.coach_id}"
        window = ""
        click.echo(f"would queue {reminder.kind} to {found.recipients[reminder.key]} ({about}{window})")
    for row in found.queued:
        retry = f", attempt {row.attempts + 1}" if row.attempts else ""
        click.echo(f"would send queued email {row.id}: {row.kind} to {row.recipient}{retry}")
    total = len(found.due) + len(found.queued)
    click.echo(f"{counted(total, 'email')} would be sent.")


@click.command()
@click.option("--now", "now", metavar="ISO8601", callback=_moment,
              help="Act as if it were this moment (an offset, or UTC if none). Default: the current time.")
@click.option("--dry-run", is_flag=True, help="Print what would be queued and sent; write and send nothing.")
@with_command(existing=True)
def remind(cmd: Command, now: datetime | None, dry_run: bool) -> None:
    """Send every reminder that is due once, then exit (for cron).

    Records windows that closed without a check-in as missed, queues invitations, follow-ups,
    contact requests and digests that are due, and sends what is queued. A reminder that was sent
    already (by this command or by `koers scheduler`) is never sent again. Exits with status 1 when
    an email could not be sent (it is retried later).
    """
    cmd.settings.require_secret_key()
    moment = now or utcnow()
    if dry_run:
        _print_plan(cmd, moment)
        return
    summary = run_once(cmd.context, clock=(lambda: moment) if now else utcnow, runner="remind")
    click.echo(f"Reminders at {iso(moment)} via {summary.transport}: {summary.describe()}.")
    for failure in summary.send.failed:
        retry = f"next attempt {iso(failure.retry_at)}" if failure.retry_at else "not retried automatically"
        click.echo(f"  email {failure.row.id} ({failure.row.kind} to {failure.row.recipient}) failed: "
                   f"{failure.error} ({retry})", err=True)
    if summary.send.failed:
        sys.exit(1)


@click.command()
@click.option("--interval", type=click.FloatRange(min=1, max=3600), default=60, show_default=True,
              metavar="SECONDS", help="How often to look for due reminders.")
@with_command(existing=True)
def scheduler(cmd: Command, interval: float) -> None:
    """Run the reminder scheduler in the foreground until SIGTERM or Ctrl-C.

    Every minute it does what `koers remind` does. Run one per database (systemd, or next to the
    dashboard); running `koers remind` as well never sends an email twice.
    """
    # The scheduler package is imported only by this command: it brings APScheduler and its threads.
    from scheduler.loop import run_scheduler

    cmd.settings.require_secret_key()
    transport = transport_for(cmd.settings)
    ctx = cmd.context  # migrate before the first run, and fail here with a clear message
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    click.echo(f"Koers scheduler: every {interval:g} s on {cmd.settings.db}, sending via {transport}. "
               "Stop with Ctrl-C or SIGTERM.", err=True)
    run_scheduler(ctx, interval_seconds=interval)
    click.echo("Koers scheduler stopped.", err=True)
