"""Commands for accounts: coach add, client add."""

from __future__ import annotations

import sys

import click

from tracking import validate
from tracking.cli.common import OPERATOR, Command, with_command
from tracking.usecases import clients, coaches


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
@with_command
def coach_add(cmd: Command, email: str, name: str, admin: bool, lang: str, password_stdin: bool) -> None:
    """Create a coach account (EMAIL signs in; the password comes from a prompt)."""
    validate.email(email)
    validate.required_name(name, "--name")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    created = coaches.add_coach(cmd.context, OPERATOR, email, name, password, is_admin=admin, lang=lang)
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
@click.option("--show-trend", is_flag=True, help="Show the client their own trend after each check-in.")
@with_command
def client_add(cmd: Command, client_id: str, email: str, coach_email: str, name: str | None, weekday: str,
               time_of_day: str, tz: str, lang: str, show_trend: bool) -> None:
    """Create a client with a weekly reminder schedule.

    The first invitation goes out at the first scheduled time after now.
    """
    details = clients.ClientDetails(email=email, name=name, lang=lang, tz=tz, weekday=weekday, time=time_of_day,
                                    show_trend=show_trend)
    clients.clean_details(details, client_id)  # every problem at once, before the database is opened
    created = clients.add_client(cmd.context, OPERATOR, client_id, details, coach_email=coach_email)
    owner = coaches.coach(cmd.context, created.coach_id).name if created.coach_id is not None else "-"
    day = validate.WEEKDAYS[created.reminder_weekday] if created.reminder_weekday is not None else "-"
    click.echo(
        f"Created client {created.label} for {owner}: reminders on {day} "
        f"at {created.reminder_time} ({created.tz}), in {'Dutch' if created.lang == 'nl' else 'English'}."
    )
