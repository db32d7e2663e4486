"""Flags as stored: reading them (for a person, as `Flag`s; for tools, in the contract's JSON shape),
what the weekly digest says per client, and a coach's actions on them. Every read is filtered to the
clients the viewer may see."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking import flag_text
from tracking.clock import from_db, to_db
from tracking.errors import NotFound
from tracking.models import KIND_URGENCY, UNKNOWN_KIND_URGENCY, Viewer
from tracking.store.clients import VISIBLE, visible_params
from tracking.store.contract import StoreConnection
from tracking.store.dialect import POSTGRESQL, iso_seconds, json_object


@dataclass(frozen=True)
class Acknowledgement:
    by_email: str | None
    by_name: str | None
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class Flag:
    """One flag as stored, with who acknowledged or resolved it and, when the data retired it, when and why."""

    id: int
    client_id: str
    client_name: str | None
    kind: str
    at: datetime
    from_dynamic: str | None
    to_dynamic: str | None
    dynamic: str | None
    status: str
    evidence: dict[str, Any]
    checkin_id: int | None
    raised_at: datetime
    acknowledged: Acknowledgement | None
    resolved: Acknowledgement | None
    retired_at: datetime | None
    retired_reason: str | None

    @property
    def is_open(self) -> bool:
        """Needs attention now."""
        return self.status == "open"

    def words(self, lang: str, tz: str | None = None, note: str | None = None) -> flag_text.Wording:
        return flag_text.words(self.kind, self.evidence, lang, tz=tz, retired_reason=self.retired_reason,
                               retired_at=self.retired_at, note=note)


_COLUMNS = """
    f.id, f.client_id, c.name, f.kind, f.checkin_at, f.from_dynamic, f.to_dynamic, f.dynamic, f.status,
    f.evidence, f.checkin_id, f.raised_at, ack.email, ack.name, f.acknowledged_at, f.acknowledge_note,
    res.email, res.name, f.resolved_at, f.retired_at, f.retired_reason
"""
_FROM = f"""
    FROM flags f
    JOIN clients c ON c.id = f.client_id
    LEFT JOIN coaches ack ON ack.id = f.acknowledged_by
    LEFT JOIN coaches res ON res.id = f.resolved_by
    WHERE f.withdrawn_at IS NULL AND ({VISIBLE})
      AND (?::VARCHAR IS NULL OR f.client_id = ?)
      AND (?::VARCHAR IS NULL OR f.kind = ?)
      AND (?::VARCHAR IS NULL OR f.status = ?)
"""
_ORDER = "ORDER BY f.checkin_at, f.client_id, f.kind, f.id"


def _filters(viewer: Viewer, client_id: str | None, kind: str | None, status: str | None) -> list[Any]:
    return [*visible_params(viewer), client_id, client_id, kind, kind, status, status]


def _flag(row: Sequence[Any]) -> Flag:
    return Flag(
        id=row[0], client_id=row[1], client_name=row[2], kind=row[3], at=_aware(row[4]), from_dynamic=row[5],
        to_dynamic=row[6], dynamic=row[7], status=row[8], evidence=json.loads(row[9]) if row[9] else {},
        checkin_id=row[10], raised_at=_aware(row[11]),
        acknowledged=None if row[14] is None else Acknowledgement(row[12], row[13], _aware(row[14]), row[15]),
        resolved=None if row[18] is None else Acknowledgement(row[16], row[17], _aware(row[18])),
        retired_at=from_db(row[19]), retired_reason=row[20],
    )


def _aware(value: datetime) -> datetime:
    moment = from_db(value)
    assert moment is not None
    return moment


def find_flags(con: StoreConnection, viewer: Viewer, *, client_id: str | None = None,
               kind: str | None = None, status: str | None = None) -> list[Flag]:
    """Flags the viewer may see, oldest first."""
    rows = con.execute(f"SELECT {_COLUMNS} {_FROM} {_ORDER}",
                       _filters(viewer, client_id, kind, status)).fetchall()
    return [_flag(row) for row in rows]


def _json(expression: str) -> str:
    """SQL for a value as JSON text (`null` for NULL)."""
    return f"coalesce(to_json({expression})::VARCHAR, 'null')"


def _contract_sql(lang: str, dialect: str) -> str:
    """One JSON object per flag in the contract's shape (DESIGN.md, `koers flags`), written by the database: the
    evidence carries its plain words (`summary`) in `lang`; a retired flag says when and why. The object
    is joined as text around the stored evidence, which is never parsed again (it always is an object)."""
    def moment(column: str) -> str:
        return _json(iso_seconds(column, dialect))

    fields = [
        ("id", "f.id::VARCHAR"), ("client", _json("f.client_id")), ("client_name", _json("f.client_name")),
        ("kind", _json("f.kind")), ("at", moment("f.checkin_at")), ("from", _json("f.from_dynamic")),
        ("to", _json("f.to_dynamic")), ("dynamic", _json("f.dynamic")), ("status", _json("f.status")),
        ("evidence", "left(f.evidence::VARCHAR, length(f.evidence::VARCHAR) - 1), ',\"summary\":', "
                     + _json("f.summary_text") + ", '}'"),
        ("checkin_id", _json("f.checkin_id")), ("raised_at", moment("f.raised_at")),
        ("acknowledged", "CASE WHEN f.acknowledged_at IS NULL THEN 'null' ELSE " + json_object(dialect, [
            ("by", "f.ack_email"), ("by_name", "f.ack_name"), ("at", iso_seconds("f.acknowledged_at", dialect)),
            ("note", "f.acknowledge_note")]) + "::VARCHAR END"),
        ("resolved", "CASE WHEN f.resolved_at IS NULL THEN 'null' ELSE " + json_object(dialect, [
            ("by", "f.res_email"), ("by_name", "f.res_name"),
            ("at", iso_seconds("f.resolved_at", dialect))]) + "::VARCHAR END"),
        ("retired", "CASE WHEN f.retired_at IS NULL THEN 'null' ELSE " + json_object(dialect, [
            ("at", iso_seconds("f.retired_at", dialect)), ("reason", "f.retired_reason")]) + "::VARCHAR END"),
    ]
    body = ", ',', ".join(f"'\"{name}\":', {value}" for name, value in fields)
    # The words are made before the joins: after a join DuckDB would read the evidence once per placeholder.
    # PostgreSQL would fold the inner query into the outer one and read the evidence once per use of
    # `words`; OFFSET 0 keeps the inner query apart, so each flag's evidence is read once.
    fence = "OFFSET 0" if dialect == POSTGRESQL else ""
    return f"""
        WITH worded AS MATERIALIZED (
            SELECT f.*, {flag_text.summary_sql("f.kind", "f.words", lang, dialect=dialect)} AS summary_text
            FROM (
                SELECT f.*, {flag_text.summary_values_sql("f.evidence", dialect)} AS words FROM flags f
                WHERE f.withdrawn_at IS NULL AND (?::VARCHAR IS NULL OR f.client_id = ?)
                  AND (?::VARCHAR IS NULL OR f.kind = ?) AND (?::VARCHAR IS NULL OR f.status = ?)
                {fence}
            ) f
        )
        SELECT concat('{{', {body}, '}}')
        FROM (
            SELECT f.*, c.name AS client_name, ack.email AS ack_email, ack.name AS ack_name,
                   res.email AS res_email, res.name AS res_name
            FROM worded f
            JOIN clients c ON c.id = f.client_id
            LEFT JOIN coaches ack ON ack.id = f.acknowledged_by
            LEFT JOIN coaches res ON res.id = f.resolved_by
            WHERE ({VISIBLE})
        ) f
        ORDER BY f.checkin_at, f.client_id, f.kind, f.id
    """


def contract_json(con: StoreConnection, viewer: Viewer, *, client_id: str | None = None,
                  kind: str | None = None, status: str | None = None, lang: str = "en") -> list[str]:
    """The flags the viewer may see, oldest first, each as one JSON object in the contract's shape."""
    params = [client_id, client_id, kind, kind, status, status, *visible_params(viewer)]
    rows = con.execute(_contract_sql(lang, con.dialect), params).fetchall()
    return [row[0] for row in rows]


def list_flags(con: StoreConnection, viewer: Viewer, *, client_id: str | None = None,
               kind: str | None = None, status: str | None = None, lang: str = "en") -> list[dict[str, Any]]:
    """The flags in the contract's JSON shape, as Python objects (what `koers flags --format json` prints)."""
    return [json.loads(text) for text in contract_json(con, viewer, client_id=client_id, kind=kind, status=status,
                                                       lang=lang)]


# What a coach does with flags.

def _visible_flags(con: StoreConnection, flag_ids: Sequence[int], viewer: Viewer) -> dict[int, str]:
    rows = con.execute(
        f"""
        SELECT f.id, f.client_id FROM flags f JOIN clients c ON c.id = f.client_id
        WHERE f.id IN (SELECT unnest(?::BIGINT[])) AND f.withdrawn_at IS NULL AND ({VISIBLE})
        """,
        [list(flag_ids), *visible_params(viewer)],
    ).fetchall()
    found = {int(flag_id): str(client_id) for flag_id, client_id in rows}
    missing = sorted(set(flag_ids) - set(found))
    if missing:
        raise NotFound(f"no flag with id {missing[0]}")
    return found


# Acknowledging leaves a resolved or retired flag's status alone (it is history either way).
_ACKNOWLEDGED_STATUS = "CASE WHEN status = 'open' THEN 'acknowledged' ELSE status END"


def acknowledge(con: StoreConnection, flag_id: int, viewer: Viewer, note: str | None,
                now: datetime) -> str:
    """Mark a flag as seen, with an optional note; returns the client id."""
    client_id = _visible_flags(con, [flag_id], viewer)[flag_id]
    con.execute(
        f"""
        UPDATE flags SET status = {_ACKNOWLEDGED_STATUS}, acknowledged_by = ?, acknowledged_at = ?,
               acknowledge_note = ?
        WHERE id = ?
        """,
        [viewer.coach_id, to_db(now), (note or "").strip() or None, flag_id],
    )
    return client_id


@dataclass(frozen=True)
class Acknowledged:
    client_id: str
    flag_ids: tuple[int, ...]  # the flags this acknowledged (those not acknowledged before)


def acknowledge_many(con: StoreConnection, client_id: str, flag_ids: Sequence[int], viewer: Viewer,
                     note: str | None, now: datetime) -> Acknowledged:
    """Acknowledge several flags of one client at once; flags already acknowledged keep who and when.
    Every id must be a flag of that client that the viewer may see, or nothing changes."""
    found = _visible_flags(con, flag_ids, viewer)
    others = sorted(flag_id for flag_id, owner in found.items() if owner != client_id)
    if others:
        raise NotFound(f"no flag with id {others[0]} for client {client_id}")
    changed = con.execute(
        f"""
        UPDATE flags SET status = {_ACKNOWLEDGED_STATUS}, acknowledged_by = ?, acknowledged_at = ?,
               acknowledge_note = ?
        WHERE id IN (SELECT unnest(?::BIGINT[])) AND acknowledged_at IS NULL
        RETURNING id
        """,
        [viewer.coach_id, to_db(now), (note or "").strip() or None, sorted(found)],
    ).fetchall()
    return Acknowledged(client_id, tuple(sorted(int(row[0]) for row in changed)))


def resolve(con: StoreConnection, flag_id: int, viewer: Viewer, now: datetime) -> str:
    """Mark a flag as dealt with (the only way a contact request leaves the open list); returns the client id."""
    client_id = _visible_flags(con, [flag_id], viewer)[flag_id]
    con.execute(
        """
        UPDATE flags SET status = 'resolved', resolved_by = ?, resolved_at = ?,
               acknowledged_by = coalesce(acknowledged_by, ?), acknowledged_at = coalesce(acknowledged_at, ?)
        WHERE id = ?
        """,
        [viewer.coach_id, to_db(now), viewer.coach_id, to_db(now), flag_id],
    )
    return client_id


def reopen(con: StoreConnection, flag_id: int, viewer: Viewer) -> str:
    """Undo a resolution: the flag is open again, unless the data has retired it meanwhile."""
    client_id = _visible_flags(con, [flag_id], viewer)[flag_id]
    con.execute(
        """
        UPDATE flags SET status = CASE WHEN retired_at IS NOT NULL THEN 'retired' ELSE 'open' END,
               resolved_by = NULL, resolved_at = NULL
        WHERE id = ?
        """,
        [flag_id],
    )
    return client_id


# The weekly digest.

@dataclass(frozen=True)
class DigestItem:
    """A flag a digest mentions: open now, or raised since the last digest and still current."""

    flag_id: int
    kind: str
    at: datetime
    status: str
    evidence: dict[str, Any]
    new: bool  # raised since the last digest


@dataclass(frozen=True)
class DigestLine:
    """One client of a coach's digest: what is new or still open, most urgent first, each finding once."""

    coach_id: int
    client_id: str
    client_name: str | None
    items: tuple[DigestItem, ...]

    @property
    def label(self) -> str:
        return f"{self.client_name} ({self.client_id})" if self.client_name else self.client_id

    @property
    def new(self) -> int:
        return sum(item.new for item in self.items)

    def words(self, lang: str, tz: str | None = None) -> str:
        """The client's line: `Amira (M-210): Wil contact, 30 nov; Verschuiving dominante dynamiek: …`."""
        found = "; ".join(flag_text.attention(item.kind, item.evidence, item.at, lang, tz=tz) for item in self.items)
        return f"{self.label}: {found}"


def digest_lines(con: StoreConnection, coach_ids: Sequence[int], since: datetime
                 ) -> dict[int, list[DigestLine]]:
    """Per coach, one line per client with open flags or flags raised since `since` that still describe
    the client (open or acknowledged): the most urgent client first. A kind appears once per client and
    subject (the newest), so repeated findings never show twice; retired and resolved flags not at all."""
    urgency = ("CASE f.kind " + " ".join(f"WHEN '{kind}' THEN {rank}" for kind, rank in KIND_URGENCY.items())
               + f" ELSE {UNKNOWN_KIND_URGENCY} END")
    rows = con.execute(
        f"""
        WITH current AS (
            SELECT c.coach_id, f.client_id, c.name, f.id, f.kind, f.checkin_at, f.status, f.evidence,
                   f.raised_at >= ? AS new, {urgency} AS urgency,
                   row_number() OVER (PARTITION BY f.client_id, f.kind,
                                      coalesce(f.dynamic, f.from_dynamic || '>' || f.to_dynamic, '')
                                      ORDER BY f.checkin_at DESC, f.id DESC) AS newest
            FROM flags f JOIN clients c ON c.id = f.client_id
            WHERE c.coach_id IN (SELECT unnest(?::INTEGER[])) AND c.status <> 'ended' AND f.withdrawn_at IS NULL
              AND (f.status = 'open' OR (f.status = 'acknowledged' AND f.raised_at >= ?))
        ), kept AS (
            SELECT *, min(urgency) OVER (PARTITION BY client_id) AS client_urgency,
                   max(checkin_at) OVER (PARTITION BY client_id) AS client_latest
            FROM current WHERE newest = 1
        )
        SELECT coach_id, client_id, name, id, kind, checkin_at, status, evidence, new
        FROM kept
        ORDER BY coach_id, client_urgency, client_latest DESC, client_id, urgency, checkin_at DESC, id
        """,
        [to_db(since), list(coach_ids), to_db(since)],
    ).fetchall()
    lines: dict[int, list[DigestLine]] = {coach_id: [] for coach_id in coach_ids}
    for coach_id, client_id, name, flag_id, kind, at, status, evidence, new in rows:
        item = DigestItem(int(flag_id), kind, _aware(at), status, json.loads(evidence), bool(new))
        coach_lines = lines[coach_id]
        if coach_lines and coach_lines[-1].client_id == client_id:
            last = coach_lines[-1]
            coach_lines[-1] = DigestLine(last.coach_id, last.client_id, last.client_name, (*last.items, item))
        else:
            coach_lines.append(DigestLine(int(coach_id), client_id, name, (item,)))
    return lines
