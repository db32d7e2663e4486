"""What a coach does with clients: add and change them, assign them (admins), set the intervention
focus, record observations; and what a coach looks at (the caseload, one client)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking import validate
from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, ActorKind, Context
from tracking.errors import InvalidValue, NotFound
from tracking.instrument import DYNAMICS
from tracking.models import CLIENT_STATUSES, Client, Viewer
from tracking.store import (
    StoreConnection,
    accounts,
    audit,
    caseload,
    checkins,
    clients,
    derived,
    flags,
    insights,
    on_track,
    safety,
)
from tracking.usecases import use_case


@dataclass(frozen=True)
class ClientDetails:
    """A client's details as a person gives them (text from a form or the command line)."""

    email: str
    name: str | None = None
    lang: str = "nl"
    tz: str = "Europe/Amsterdam"
    weekday: str | int = "mon"  # mon ... sun, or 0 (Monday) ... 6
    time: str = "09:00"
    show_trend: bool = False
    status: str | None = None  # only when changing a client


def _weekday(value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 6:
            return value
        raise InvalidValue(f"weekday: {value!r} is not a day of the week (0-6)", "weekday")
    return validate.weekday(str(value))


def _status(value: str) -> str:
    if value not in CLIENT_STATUSES:
        raise InvalidValue(f"status: {value!r} is not one of {', '.join(CLIENT_STATUSES)}", "status")
    return value


def clean_details(details: ClientDetails, client_id: str | None = None) -> dict[str, Any]:
    """The details checked, every problem at once (`InvalidValues`), as stored column values."""
    checks: dict[str, Any] = {}
    if client_id is not None:
        checks["client_id"] = lambda: validate.client_id(client_id)
    checks.update({
        "name": lambda: validate.name(details.name),
        "email": lambda: validate.email(details.email),
        "lang": lambda: validate.lang(details.lang),
        "tz": lambda: validate.timezone(details.tz),
        "reminder_weekday": lambda: _weekday(details.weekday),
        "reminder_time": lambda: validate.clock_time(details.time),
    })
    if details.status is not None:
        status = details.status
        checks["status"] = lambda: _status(status)
    values = validate.collect(checks)
    values["show_trend"] = bool(details.show_trend)
    return values


@use_case(Action.CLIENT_ADD, Action.CLIENT_ADD_REFUSED)
def add_client(ctx: Context, actor: Actor, client_id: str, details: ClientDetails, *,
               coach_email: str | None = None, now: datetime | None = None) -> Client:
    """A new client with a weekly reminder schedule; the first invitation goes out at the first
    scheduled time after `now`. A coach adds their own client; the operator names the coach.

    Client ids are unique in the practice. An id a coach already uses for one of their own clients
    "exists already"; an id of a client they do not see (another coach's, or one nobody has taken on)
    "cannot be used", which does not say whose it is, and the attempt is recorded."""
    now = now or utcnow()
    values = clean_details(details, client_id)
    show_trend = values.pop("show_trend")
    new_id = values.pop("client_id")
    if actor.kind is ActorKind.COACH:
        owner_email = None
    elif coach_email is None:
        raise InvalidValue("--coach: say which coach this client belongs to", "coach")
    else:
        owner_email = validate.email(coach_email, "--coach")
    with ctx.db.write() as con:
        owner = (accounts.coach_by_id(con, actor.coach_id) if owner_email is None and actor.coach_id is not None
                 else accounts.coach_by_email(con, owner_email or ""))
        taken = _taken_elsewhere(con, actor, str(new_id))
        if taken:
            audit.record(con, now, actor, Action.CLIENT_ADD_REFUSED, str(new_id), reason="id_taken")
        else:
            created = clients.add_client(con, client_id=new_id, coach_id=owner.id, now=now, show_trend=show_trend,
                                         **values)
            audit.record(con, now, actor, Action.CLIENT_ADD, created.id, coach=owner.email)
    if taken:
        raise InvalidValue("client id: this id cannot be used; choose another", "client_id_taken")
    return created


def _taken_elsewhere(con: StoreConnection, actor: Actor, client_id: str) -> bool:
    """Whether the id belongs to a client the actor does not see."""
    try:
        clients.get_client(con, client_id, Viewer.operator())
    except NotFound:
        return False
    try:
        clients.get_client(con, client_id, actor.viewer)
    except NotFound:
        return True
    return False


@use_case(Action.EDIT_CLIENT)
def update_client(ctx: Context, actor: Actor, client_id: str, details: ClientDetails, *,
                  now: datetime | None = None) -> Client:
    """Change a client's details; a changed schedule starts after `now`."""
    now = now or utcnow()
    values = clean_details(details)
    with ctx.db.write() as con:
        before = clients.get_client(con, client_id, actor.viewer)
        updated = clients.update_client(con, client_id, actor.viewer, now, **values)
        changed = sorted(k for k in values if getattr(before, k) != getattr(updated, k))
        audit.record(con, now, actor, Action.EDIT_CLIENT, client_id, fields=changed)
    return updated


@use_case(Action.CLIENT_ASSIGN)
def assign_clients(ctx: Context, actor: Actor, client_ids: list[str], coach_id: int, *,
                   now: datetime | None = None) -> int:
    """An admin gives unassigned clients (say, from an import) to an active coach."""
    now = now or utcnow()
    if not actor.is_admin:
        raise NotFound("only an admin assigns clients")
    with ctx.db.write() as con:
        coach = accounts.coach_by_id(con, coach_id)
        if not coach.active:
            raise InvalidValue(f"coach {coach.email} is not active", "coach")
        waiting = {client.id for client in clients.unassigned(con)}
        for client_id in client_ids:
            if client_id not in waiting:
                raise NotFound(f"no unassigned client with id {client_id}")
            clients.assign(con, client_id, coach.id)
            audit.record(con, now, actor, Action.CLIENT_ASSIGN, client_id, coach=coach.email)
    return len(client_ids)


@use_case(Action.SET_FOCUS)
def set_focus(ctx: Context, actor: Actor, client_id: str, focus: str | None, *, note: str | None = None,
              now: datetime | None = None) -> None:
    """Set a client's intervention focus (None: no focus) and recompute the focus-mismatch flag at once."""
    now = now or utcnow()
    if focus is not None and focus not in DYNAMICS:
        raise InvalidValue(f"focus: {focus!r} is not one of {', '.join(DYNAMICS)}", "focus")
    text = (note or "").strip() or None
    with ctx.db.write() as con:
        clients.get_client(con, client_id, actor.viewer)
        clients.set_focus(con, client_id, focus, actor.coach_id, now, text)
        derived.refresh(con, [client_id], ctx.instrument, ctx.settings.detection, now,
                        recovery=ctx.settings.recovery)
        audit.record(con, now, actor, Action.SET_FOCUS, client_id, focus=focus)


@dataclass(frozen=True)
class Observation:
    """What a coach observed in a session (the seed's profiling), with their read of the dynamics."""

    observed_at: datetime
    tension_in_body: str | None = None
    reaction_to_uncertainty: str | None = None
    reference: str | None = None  # internal | external | mixed
    responsibility: str | None = None  # takes_quickly | freezes | mixed
    ratings: dict[str, int | None] | None = None  # dynamic -> 0-10
    note: str | None = None


REFERENCES = ("internal", "external", "mixed")
RESPONSIBILITIES = ("takes_quickly", "freezes", "mixed")


def _clean_observation(observation: Observation) -> dict[str, Any]:
    if observation.reference not in (None, *REFERENCES):
        raise InvalidValue(f"reference: {observation.reference!r} is not one of {', '.join(REFERENCES)}", "reference")
    if observation.responsibility not in (None, *RESPONSIBILITIES):
        raise InvalidValue(f"responsibility: {observation.responsibility!r} is not one of "
                           f"{', '.join(RESPONSIBILITIES)}", "responsibility")
    ratings = dict(observation.ratings or {})
    for dynamic, value in ratings.items():
        if dynamic not in DYNAMICS:
            raise InvalidValue(f"rating: {dynamic!r} is not a dynamic", "rating")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10):
            raise InvalidValue(f"rating {dynamic}: {value!r} is not a whole number from 0 to 10", "rating")

    def text(value: str | None) -> str | None:
        return (value or "").strip() or None

    return {
        "observed_at": observation.observed_at,
        "tension_in_body": text(observation.tension_in_body),
        "reaction_to_uncertainty": text(observation.reaction_to_uncertainty),
        "reference": observation.reference,
        "responsibility": observation.responsibility,
        "ratings": ratings,
        "note": text(observation.note),
    }


@use_case(Action.ADD_OBSERVATION)
def add_observation(ctx: Context, actor: Actor, client_id: str, observation: Observation, *,
                    now: datetime | None = None) -> int:
    now = now or utcnow()
    if actor.coach_id is None:
        raise NotFound("only a coach records observations")
    values = _clean_observation(observation)
    with ctx.db.write() as con:
        clients.get_client(con, client_id, actor.viewer)
        observation_id = clients.add_observation(con, actor.coach_id, {**values, "client_id": client_id,
                                                                        "created_at": now})
        audit.record(con, now, actor, Action.ADD_OBSERVATION, client_id)
    return observation_id


# What a coach looks at. Reading is not recorded per query (the pages cache their reads); looking at
# the caseload and at a client is recorded once per session by the two use cases below.

def caseload_rows(ctx: Context, viewer: Viewer) -> list[dict[str, Any]]:
    """One row per client the viewer may see, most urgent first."""
    with ctx.db.read() as con:
        return caseload.sort_by_urgency(caseload.caseload(con, viewer))


@dataclass(frozen=True)
class ClientBundle:
    """Everything the client page shows, read in one unit of work."""

    client: Client
    timeline: list[checkins.TimelinePoint]
    answers: list[insights.ItemAnswer]
    flags: list[dict[str, Any]]
    focus_changes: list[insights.FocusChange]
    observations: list[insights.ObservationRecord]
    lang_chosen_at: datetime | None = None  # when the client last chose their language on the check-in page


def client_bundle(ctx: Context, viewer: Viewer, client_id: str) -> ClientBundle:
    with ctx.db.read() as con:
        return ClientBundle(
            client=clients.get_client(con, client_id, viewer),
            timeline=on_track.timeline(con, client_id, viewer, ctx.settings.recovery),
            answers=insights.item_answers(con, client_id, viewer),
            flags=flags.list_flags(con, viewer, client_id=client_id),
            focus_changes=insights.focus_history(con, client_id, viewer),
            observations=insights.observations(con, client_id, viewer),
            lang_chosen_at=safety.language_chosen_at(con, client_id),
        )


@use_case(Action.VIEW_CASELOAD)
def record_caseload_view(ctx: Context, actor: Actor, shown: int, *, now: datetime | None = None) -> None:
    with ctx.db.write() as con:
        audit.record(con, now or utcnow(), actor, Action.VIEW_CASELOAD, None, clients=shown)


@use_case(Action.VIEW_CLIENT, Action.VIEW_CLIENT_REFUSED)
def record_client_view(ctx: Context, actor: Actor, client_id: str, *, now: datetime | None = None) -> None:
    """Record that the coach opened a client's page; a client they may not see (another coach's, or
    none: a changed address) is `NotFound`, and the attempt is recorded too."""
    now = now or utcnow()
    with ctx.db.write() as con:
        try:
            clients.get_client(con, client_id, actor.viewer)
        except NotFound:
            known = validate.client_id_problem(client_id) is None
            audit.record(con, now, actor, Action.VIEW_CLIENT_REFUSED, client_id if known else None,
                         **({} if known else {"asked": "not a client id"}))
            visible = False
        else:
            audit.record(con, now, actor, Action.VIEW_CLIENT, client_id)
            visible = True
    if not visible:
        raise NotFound(f"no client with id {client_id}")


def unassigned(ctx: Context) -> list[Client]:
    with ctx.db.read() as con:
        return clients.unassigned(con)
