"""`koers link CLIENT`: a personal check-in link that works now, for a coach to send by hand."""

from __future__ import annotations

import click

from tracking.cli.common import OPERATOR, Command, format_option, print_json, with_command
from tracking.clock import iso
from tracking.i18n import formats
from tracking.usecases import links


def register(cli: click.Group) -> None:
    cli.add_command(link)


@click.command()
@click.argument("client_id", metavar="CLIENT")
@format_option
@with_command(existing=True)
def link(cmd: Command, client_id: str, output_format: str) -> None:
    """Print a personal check-in link for CLIENT that works now.

    The link opens the check-in whose window is open now, or else an extra check-in opened now. It
    expires when that window closes, and any earlier link for the same check-in stops working. The
    client needs no password: send the link to them (by email or a message only they read).

    Needs KOERS_SECRET_KEY (which signs the link) and KOERS_BASE_URL (where clients reach Koers).
    The link is printed on standard output; what it opens goes to standard error.
    """
    cmd.settings.require_secret_key()
    fresh = links.fresh_checkin_link(cmd.context, OPERATOR, client_id)
    client, period, url = fresh.client, fresh.period, fresh.url
    if output_format == "json":
        print_json({
            "client": client.id,
            "url": url,
            "period": period.id,
            "kind": period.kind,
            "opens_at": iso(period.opens_at),
            "expires_at": iso(period.closes_at),
        })
        return
    click.echo(url)
    closes = formats.moment(period.closes_at, "en", client.tz)
    kind = "the scheduled check-in" if period.kind == "scheduled" else "an extra check-in opened now"
    click.echo(
        f"Link for {client.label}: {kind}, open until {closes} ({client.tz}). "
        "Any earlier link for this check-in no longer works.",
        err=True,
    )

