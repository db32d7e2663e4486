"""What an admin does with the mail outbox: see it, send failed emails again, download an `.eml` file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, Context
from tracking.errors import InvalidValue, NotFound
from tracking.mail import transports
from tracking.mail.transports import EML_NAME
from tracking.models import Email
from tracking.store import audit, outbox
from tracking.usecases import use_case


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotFound("only an admin sees the outbox")


@dataclass(frozen=True)
class OutboxOverview:
    runs: list[outbox.SenderRun]
    counts: dict[str, int]
    emails: list[Email]  # newest first, as filtered
    failed: list[Email]


def overview(ctx: Context, actor: Actor, *, statuses: list[str] | None = None, kinds: list[str] | None = None,
             search: str | None = None) -> OutboxOverview:
    _admin(actor)
    with ctx.db.read() as con:
        return OutboxOverview(
            runs=outbox.runs(con),
            counts=outbox.counts(con),
            emails=outbox.listing(con, statuses=statuses or [], kinds=kinds or [], search=search),
            failed=outbox.listing(con, statuses=["failed"], limit=200),
        )


@use_case(Action.OUTBOX_RETRY)
def retry_emails(ctx: Context, actor: Actor, outbox_ids: list[int], *, now: datetime | None = None) -> int:
    """Failed emails go out with the scheduler's next run, given up or not; returns how many."""
    _admin(actor)
    now = now or utcnow()
    with ctx.db.write() as con:
        done = outbox.retry_now(con, outbox_ids, now)
        audit.record(con, now, actor, Action.OUTBOX_RETRY, emails=outbox_ids)
    return done


def eml_files(ctx: Context, actor: Actor) -> list[transports.EmlFile]:
    """The .eml files the file transport wrote, newest first."""
    _admin(actor)
    return transports.eml_files(ctx.settings.outbox_folder())


def _eml_path(ctx: Context, name: str) -> Path:
    if not EML_NAME.match(name):
        raise InvalidValue(f"{name!r} is not an email file of the outbox", "file")
    return ctx.settings.outbox_folder() / name


def read_eml(ctx: Context, actor: Actor, name: str) -> bytes:
    """The content of one .eml file, for the download button (which records it with `record_eml_download`)."""
    _admin(actor)
    try:
        return _eml_path(ctx, name).read_bytes()
    except OSError:
        raise NotFound(f"no email file {name} in the outbox folder") from None


@use_case(Action.VIEW_OUTBOX)
def record_outbox_view(ctx: Context, actor: Actor, shown: int, *, now: datetime | None = None) -> None:
    """The outbox names every recipient and client of the emails it lists: who looked is in the audit log."""
    _admin(actor)
    with ctx.db.write() as con:
        audit.record(con, now or utcnow(), actor, Action.VIEW_OUTBOX, None, emails=shown)


@use_case(Action.DOWNLOAD_EML)
def record_eml_download(ctx: Context, actor: Actor, name: str, *, now: datetime | None = None) -> None:
    """An .eml file holds a working personal link: who downloaded which is in the audit log."""
    _admin(actor)
    _eml_path(ctx, name)
    with ctx.db.write() as con:
        audit.record(con, now or utcnow(), actor, Action.DOWNLOAD_EML, None, file=name)
