"""Commands for accounts: coach add, client add."""

from __future__ import annotations

import sys

import click

from tracking import validate
from tracking.cli.common import App, with_app
from tracking.clock import utcnow
from tracking.errors import InvalidValue
from tracking.passwords import check_strength, hash_password


def register(cli: click.Group) -> None:
    cli.add_command(coach)
    cli.add_command(client)


@click.group()
def coach() -> None:
    """Coach and admin accounts."""


@coach.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The coach's name, as clients and colleagues see it.")
@click.option("--admin", is_flag=True, help="Also an administrator: manages coach accounts and mail.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the dashboard and emails for this coach.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@with_app
def coach_add(app: App, email: str, name: str, admin: bool, lang: str, password_stdin: bool) -> None:
    """Create a coach account (EMAIL signs in; the password comes from a prompt)."""
    from tracking.store import accounts, audit

    email = validate.email(email)
    name = validate.name(name, "name")
    if not name:
        raise InvalidValue("--name: is empty")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    check_strength(password)
    now = utcnow()
    with app.db.write() as con:
        created = accounts.add_coach(
            con, email=email, name=name, password_hash=hash_password(password), is_admin=admin,
            now=now, lang=lang,
        )
        audit.record(con, now, "cli", "coach_add", coach=created.email, admin=admin)
    role = "admin and coach" if admin else "coach"
    click.echo(f"Created {role} {created.name} <{created.email}>.")


@click.group()
def client() -> None:
    """Clients and their reminder schedules."""


@client.command("add")
@click.argument("client_id", metavar="ID")
@click.option("--email", required=True, help="Where the weekly check-in invitation goes.")
@click.option("--coach", "coach_email", required=True, metavar="EMAIL", help="The coach this client belongs to.")
@click.option("--name", help="First name or pseudonym, used in greetings and on the dashboard.")
@click.option("--weekday", default="mon", show_default=True, help="Reminder day: mon, tue, ... sun.")
@click.option("--time", "time_of_day", default="09:00", show_default=True, help="Reminder time, HH:MM local.")
@click.option("--tz", default="Europe/Amsterdam", show_default=True, help="The client's IANA time zone.")
@click.option("--lang", default="nl", show_default=True, help="The client's language: nl or en.")
@with_app
def client_add(app: App, client_id: str, email: str, coach_email: str, name: str | None, weekday: str,
               time_of_day: str, tz: str, lang: str) -> None:
    """Create a client with a weekly reminder schedule.

    The first invitation goes out at the first scheduled time after now.
    """
    from tracking.store import accounts, audit, clients

    client_id = validate.client_id(client_id)
    values = dict(
        email=validate.email(email),
        name=validate.name(name),
        reminder_weekday=validate.weekday(weekday),
        reminder_time=validate.clock_time(time_of_day, "--time"),
        tz=validate.timezone(tz),
        lang=validate.lang(lang),
    )
    now = utcnow()
    with app.db.write() as con:
        owner = accounts.coach_by_email(con, validate.email(coach_email, "--coach"))
        created = clients.add_client(con, client_id=client_id, coach_id=owner.id, now=now, **values)
        audit.record(con, now, "cli", "client_add", created.id, coach=owner.email)
    click.echo(
        f"Created client {created.label} for {owner.name}: reminders on {validate.WEEKDAYS[created.reminder_weekday]} "
        f"at {created.reminder_time} ({created.tz}), in {'Dutch' if created.lang == 'nl' else 'English'}."
    )
