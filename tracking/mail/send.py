"""Sending: claim one due email, hand it to a transport with no database connection open, record the result.

One run (`run_once`, what `koers remind` does and what the scheduler does every minute):

1. `tracking.mail.outbox.fill_outbox`: one short write that puts everything due into the outbox;
2. then, until nothing is due: one short write to claim the next email (compare-and-set), the SMTP
   conversation (or the .eml file) with the database closed, and one short write to mark it sent (or
   failed, with the time of its next attempt). That write also claims the next email, so a run costs
   one write per email; each result is still recorded right after the server accepted the email.

A failure that would hit every email the same way (the server is down, our login is refused) ends
the sending part of the run; the rest stays queued for the next run. Emails are claimed one at a
time, so a claim never waits behind other emails' SMTP conversations and the claim timeout only has
to cover one conversation.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tracking.context import Context
from tracking.counting import counted
from tracking.errors import DatabaseBusy
from tracking.mail import due
from tracking.mail.outbox import FillSummary, fill_outbox, opened
from tracking.mail.transports import DeliveryFailed, Transport, build_message, transport_for
from tracking.models import Email
from tracking.sealed import SealBroken
from tracking.store import Store, StoreConnection, outbox

logger = logging.getLogger("koers.scheduler")
MARK_ATTEMPTS = 3  # recording "sent" is retried: losing it is what could send an email twice


def sender_id() -> str:
    """Who holds a claim: host, process and this run, shown to admins with a stale claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Failure:
    row: Email
    error: str
    retry_at: datetime | None


@dataclass
class SendSummary:
    sent: list[Email] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    lost_claims: list[int] = field(default_factory=list)  # re-queued as stale while this run sent them
    stopped_by: str | None = None  # the failure that ended the run early


@dataclass
class RunSummary:
    fill: FillSummary
    send: SendSummary
    transport: str

    @property
    def quiet(self) -> bool:
        fill = self.fill
        return not (fill.queued or fill.missed or fill.requeued or fill.cancelled or self.send.sent
                    or self.send.failed)

    def describe(self) -> str:
        """One line for the log or the terminal: what the run queued, sent and recorded."""
        fill, send = self.fill, self.send
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(fill.by_kind.items()))
        parts = [f"queued {len(fill.queued)}" + (f" ({kinds})" if kinds else ""),
                 f"sent {len(send.sent)}", f"failed {len(send.failed)}"]
        if fill.missed:
            parts.append(f"{counted(len(fill.missed), 'missed check-in')} recorded")
        if fill.cancelled:
            parts.append(f"{fill.cancelled} cancelled")
        if fill.requeued:
            parts.append(f"{counted(len(fill.requeued), 'stale claim')} re-queued")
        return "; ".join(parts)


@dataclass
class _Result:
    """The outcome of one send, recorded in the same write that claims the next email."""

    row: Email
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None


def _record(con: StoreConnection, result: _Result, claimed_by: str, summary: SendSummary) -> None:
    if result.error is not None:
        outbox.mark_failed(con, result.row.outbox_id, claimed_by, result.at, result.error, result.retry_at)
    elif outbox.mark_sent(con, result.row, claimed_by, result.at):
        summary.sent.append(result.row)
    else:
        summary.lost_claims.append(result.row.outbox_id)
        logger.warning("email %s was sent, but its claim had been re-queued as stale: it may arrive twice "
                       "(raise KOERS_CLAIM_TIMEOUT_MINUTES)", result.row.id)


def _record_and_claim(db: Store, result: _Result | None, claim: bool, clock: Callable[[], datetime], claimed_by: str,
                      summary: SendSummary) -> Email | None:
    """One short write: record the previous send, claim the next email. Retried when the database
    stays busy, because a "sent" that is not recorded is what could, later, send an email twice."""
    for attempt in range(1, MARK_ATTEMPTS + 1):
        sent_before, lost_before = len(summary.sent), len(summary.lost_claims)
        try:
            with db.write() as con:
                if result is not None:
                    _record(con, result, claimed_by, summary)
                return outbox.claim_next(con, clock(), claimed_by) if claim else None
        except DatabaseBusy:
            del summary.sent[sent_before:]  # rolled back: recorded again on the next attempt
            del summary.lost_claims[lost_before:]
            if attempt == MARK_ATTEMPTS:
                raise
            logger.warning("database busy while recording a sent email; trying again")
    return None


class LinksDoNotOpen(DeliveryFailed):
    """The email's personal links were sealed with another KOERS_SECRET_KEY: trying again cannot help."""

    permanent = True


def _as_sent(row: Email, secret_key: str | None) -> Email:
    """The email with its sealed personal links opened; one that cannot be opened cannot be sent."""
    try:
        return opened(row, secret_key)
    except SealBroken as broken:
        raise LinksDoNotOpen(f"its personal links cannot be opened ({broken}): KOERS_SECRET_KEY changed since "
                             "it was queued; send the client a fresh link") from None


def send_due(db: Store, transport: Transport, *, clock: Callable[[], datetime], claimed_by: str,
             secret_key: str | None = None, should_stop: Callable[[], bool] = lambda: False) -> SendSummary:
    """Send every email that is due, one claim at a time; see the module's docstring."""
    summary = SendSummary()
    result: _Result | None = None
    with transport:
        while True:
            claim = summary.stopped_by is None and not should_stop()
            row = _record_and_claim(db, result, claim, clock, claimed_by, summary)
            result = None
            if row is None:
                break
            try:
                transport.send(row, build_message(_as_sent(row, secret_key), transport.mail_from))
            except DeliveryFailed as problem:
                failed_at = clock()
                retry_at = None if problem.permanent else due.next_attempt(row.attempts, failed_at)
                result = _Result(row, failed_at, str(problem), retry_at)
                summary.failed.append(Failure(row, str(problem), retry_at))
                logger.warning("email %s (%s to %s) failed: %s", row.id, row.kind, row.recipient, problem)
                if problem.affects_all:
                    summary.stopped_by = str(problem)
                continue
            result = _Result(row, clock())
    return summary


def run_once(ctx: Context, *, clock: Callable[[], datetime], runner: str = "remind",
             transport: Transport | None = None, claimed_by: str | None = None,
             should_stop: Callable[[], bool] = lambda: False) -> RunSummary:
    """Fill the outbox with what is due at `clock()`, then send what is due."""
    transport = transport if transport is not None else transport_for(ctx.settings)
    fill = fill_outbox(ctx, clock(), runner=runner, transport=str(transport))
    send = send_due(ctx.db, transport, clock=clock, claimed_by=claimed_by or sender_id(),
                    secret_key=ctx.settings.secret_key, should_stop=should_stop)
    return RunSummary(fill, send, str(transport))
