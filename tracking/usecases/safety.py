"""The coach's side of the client's safety net: what needs attention first, and seeing a concern.

A client who asks for contact or whose answers cross a level of concern is alerted to the coach by
email when they send (`tracking.usecases.checkin.submit`) and at the top of the caseload until the
coach has seen it: a concern by acknowledging it here, a contact request by acknowledging its flag.
"""

from __future__ import annotations

from datetime import datetime

from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, Context
from tracking.models import Viewer
from tracking.store import audit
from tracking.store import safety as store
from tracking.store.safety import Alert
from tracking.usecases import use_case


def alerts(ctx: Context, viewer: Viewer) -> list[Alert]:
    """The viewer's clients' concerns not seen yet and their open contact requests, newest first."""
    with ctx.db.read() as con:
        return store.open_alerts(con, viewer)


@use_case(Action.CONCERN_ACKNOWLEDGE)
def acknowledge_concern(ctx: Context, actor: Actor, concern_id: int, *, now: datetime | None = None) -> str:
    """The coach has seen a concern: it leaves the top of the caseload. Returns the client's id."""
    now = now or utcnow()
    with ctx.db.write() as con:
        client_id = store.acknowledge_concern(con, concern_id, actor.viewer, actor.coach_id, now)
        audit.record(con, now, actor, Action.CONCERN_ACKNOWLEDGE, client_id, concern=concern_id)
    return client_id
