"""What a coach does with flags: acknowledge (with a note), resolve, reopen; and listing them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracking.audit import Action
from tracking.clock import utcnow
from tracking.context import Actor, Context
from tracking.errors import InvalidValue
from tracking.store import audit, clients
from tracking.store import flags as store
from tracking.usecases import use_case


@use_case(Action.FLAG_ACKNOWLEDGE)
def acknowledge(ctx: Context, actor: Actor, flag_id: int, note: str | None = None, *,
                now: datetime | None = None) -> str:
    """Mark a flag as seen, with an optional note; returns the client id."""
    now = now or utcnow()
    with ctx.db.write() as con:
        client_id = store.acknowledge(con, flag_id, actor.viewer, note, now)
        audit.record(con, now, actor, Action.FLAG_ACKNOWLEDGE, client_id, flag=flag_id)
    return client_id


@use_case(Action.FLAG_ACKNOWLEDGE)
def acknowledge_several(ctx: Context, actor: Actor, client_id: str, flag_ids: Sequence[int],
                        note: str | None = None, *, now: datetime | None = None) -> store.Acknowledged:
    """Mark several flags of one client as seen at once, with one optional note. Flags acknowledged
    before keep who and when; every id must be a flag of that client, or nothing changes."""
    now = now or utcnow()
    chosen = sorted({int(flag_id) for flag_id in flag_ids})
    if not chosen:
        raise InvalidValue("flags: choose at least one flag to acknowledge", "flags")
    with ctx.db.write() as con:
        clients.get_client(con, client_id, actor.viewer)
        done = store.acknowledge_many(con, client_id, chosen, actor.viewer, note, now)
        audit.record(con, now, actor, Action.FLAG_ACKNOWLEDGE, client_id, flags=list(done.flag_ids))
    return done


@use_case(Action.FLAG_RESOLVE)
def resolve(ctx: Context, actor: Actor, flag_id: int, *, now: datetime | None = None) -> str:
    """Mark a flag as dealt with; returns the client id."""
    now = now or utcnow()
    with ctx.db.write() as con:
        client_id = store.resolve(con, flag_id, actor.viewer, now)
        audit.record(con, now, actor, Action.FLAG_RESOLVE, client_id, flag=flag_id)
    return client_id


@use_case(Action.FLAG_REOPEN)
def reopen(ctx: Context, actor: Actor, flag_id: int, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    with ctx.db.write() as con:
        client_id = store.reopen(con, flag_id, actor.viewer)
        audit.record(con, now, actor, Action.FLAG_REOPEN, client_id, flag=flag_id)
    return client_id


def _record_listing(ctx: Context, actor: Actor, client_id: str | None, kind: str | None, status: str | None,
                    count: int, now: datetime) -> None:
    with ctx.db.write() as con:
        audit.record(con, now, actor, Action.LIST_FLAGS, client_id, kind=kind, status=status, flags=count)


@use_case(Action.LIST_FLAGS)
def list_flags(ctx: Context, actor: Actor, *, client_id: str | None = None, kind: str | None = None,
               status: str | None = None, now: datetime | None = None) -> list[store.Flag]:
    """The flags the actor may see, oldest first; the listing is recorded in the audit log."""
    with ctx.db.read() as con:
        if client_id is not None:
            clients.get_client(con, client_id, actor.viewer)
        found = store.find_flags(con, actor.viewer, client_id=client_id, kind=kind, status=status)
    _record_listing(ctx, actor, client_id, kind, status, len(found), now or utcnow())
    return found


@use_case(Action.LIST_FLAGS)
def flags_as_json(ctx: Context, actor: Actor, *, client_id: str | None = None, kind: str | None = None,
                  status: str | None = None, lang: str = "en", now: datetime | None = None) -> list[str]:
    """As `list_flags`, each flag as one JSON object in the contract's shape (written by the database,
    so a listing of many flags costs no Python object per flag), with its sentence in `lang`."""
    with ctx.db.read() as con:
        if client_id is not None:
            clients.get_client(con, client_id, actor.viewer)
        found = store.contract_json(con, actor.viewer, client_id=client_id, kind=kind, status=status, lang=lang)
    _record_listing(ctx, actor, client_id, kind, status, len(found), now or utcnow())
    return found
