"""A check-in as the client's link sees it: the one stored for a period, its edits, and the client's trend.

New check-ins go through `tracking.store.checkins.ingest` like every other source; this module ties
them to their period, and changes them in place when the client edits within the window, keeping the
earlier version in `checkin_revisions` for the audit. Answers are read through the `answers` view (one
row per answered item) and written as the check-in's answer list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking.clock import from_db, iso, to_db
from tracking.instrument import CORE_INDICATORS, DYNAMICS, Instrument
from tracking.store import periods
from tracking.store.contract import StoreConnection
from tracking.store.dialect import answers_parameter
from tracking.store.periods import Period


@dataclass(frozen=True)
class StoredCheckin:
    id: int
    client_id: str
    submitted_at: datetime
    edited_at: datetime | None
    answers: dict[str, int]  # answered items only
    contact_request: bool
    note: str | None

    def previous_json(self) -> str:
        """What `checkin_revisions.previous` keeps of this version."""
        return json.dumps({
            "answers": dict(sorted(self.answers.items())),
            "contact_request": self.contact_request,
            "note": self.note,
            "submitted_at": iso(self.submitted_at),
            "edited_at": iso(self.edited_at),
        }, ensure_ascii=False)


def checkin_of_period(con: StoreConnection, period: Period) -> int | None:
    """The check-in answered for `period`, by the period's record or by the check-in's own link."""
    if period.checkin_id is not None:
        return period.checkin_id
    (checkin_id,) = con.execute("SELECT min(id) FROM checkins WHERE period_id = ?", [period.id]).fetchall()[0]
    return None if checkin_id is None else int(checkin_id)


def stored_checkin(con: StoreConnection, checkin_id: int) -> StoredCheckin:
    rows = con.execute(
        "SELECT id, client_id, submitted_at, edited_at, contact_request, note FROM checkins WHERE id = ?",
        [checkin_id],
    ).fetchall()
    if not rows:
        raise LookupError(f"check-in {checkin_id} does not exist")
    row = rows[0]
    answers = dict(con.execute(
        "SELECT item_id, value FROM answers WHERE checkin_id = ? ORDER BY item_id", [checkin_id]
    ).fetchall())
    return StoredCheckin(row[0], row[1], from_db(row[2]), from_db(row[3]), answers, bool(row[4]), row[5])


def attach_to_period(con: StoreConnection, checkin_id: int, period_id: int) -> None:
    con.execute("UPDATE checkins SET period_id = ? WHERE id = ?", [period_id, checkin_id])
    periods.complete(con, period_id, checkin_id)


def record_revision(con: StoreConnection, previous: StoredCheckin, now: datetime) -> int:
    (revision_id,) = con.execute(
        "INSERT INTO checkin_revisions (checkin_id, revised_at, previous) VALUES (?, ?, ?) RETURNING id",
        [previous.id, to_db(now), previous.previous_json()],
    ).fetchall()[0]
    return int(revision_id)


def replace_answers(
    con: StoreConnection,
    checkin_id: int,
    instrument: Instrument,
    *,
    answers: Mapping[str, int | None],
    contact_request: bool,
    note: str | None,
    scores: Mapping[str, float | None],
    now: datetime,
) -> None:
    """Overwrite a check-in's answers, contact request, note and derived scores; it stays the same
    check-in (same id and submission time) and is marked as edited. The new answers were given with
    `instrument`, so the check-in now records that version and its item order."""
    placeholder, stored = answers_parameter([answers.get(item_id) for item_id in instrument.item_ids], con.dialect)
    con.execute(
        f"""
        UPDATE checkins SET answers = {placeholder}, instrument_version = ?, contact_request = ?, note = ?,
                            edited_at = ?
        WHERE id = ?
        """,
        [stored, instrument.version, contact_request, note, to_db(now), checkin_id],
    )
    columns = [*DYNAMICS, *CORE_INDICATORS]
    values = [scores[d] for d in DYNAMICS] + [answers.get(i) for i in CORE_INDICATORS]
    con.execute(
        f"UPDATE scores SET {', '.join(f'{c} = ?' for c in columns)} WHERE checkin_id = ?",
        [*values, checkin_id],
    )


def revisions(con: StoreConnection, checkin_id: int) -> list[dict[str, Any]]:
    """Earlier versions of a check-in, oldest first."""
    rows = con.execute(
        "SELECT id, revised_at, previous FROM checkin_revisions WHERE checkin_id = ? ORDER BY id",
        [checkin_id],
    ).fetchall()
    return [{"id": r[0], "revised_at": from_db(r[1]), "previous": json.loads(r[2])} for r in rows]


@dataclass(frozen=True)
class CorePoint:
    """One check-in as the client's own trend shows it: when, and the core indicators as answered."""

    at: datetime
    core: dict[str, int | None]


def core_series(con: StoreConnection, client_id: str, limit: int) -> list[CorePoint]:
    """The client's latest `limit` check-ins, oldest first: time and the four core indicators as answered."""
    rows = con.execute(
        f"""
        SELECT submitted_at, {", ".join(f"s.{i}" for i in CORE_INDICATORS)}
        FROM checkins k JOIN scores s ON s.checkin_id = k.id
        WHERE k.client_id = ?
        ORDER BY k.submitted_at DESC, k.id DESC
        LIMIT ?
        """,
        [client_id, limit],
    ).fetchall()
    return [CorePoint(from_db(r[0]), dict(zip(CORE_INDICATORS, r[1:], strict=True))) for r in reversed(rows)]
