"""Everything stored about one client, found from the schema rather than from a list kept by hand.

A table is about a client when it has a `client_id` column, or when a `<thing>_id` column points at a
table about a client (`scores.checkin_id` -> `checkins`): such rows follow their parent. `clients`
itself is keyed by `id`, and the audit log also names a client as the actor `client:<id>`. Every other
table must be listed in `UNRELATED_TABLES` with the reason it holds nothing about one client; a table
that is neither, or that names clients in a column Koers cannot follow, stops export and erasure
with a message, so a new table can never be left behind silently.

Also here: the outbox rows that name a client in their text (a coach's digest), and the copy of the
database file that `koers backup` checks and completes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from tracking.clock import from_db, to_db
from tracking.errors import DatabaseError
from tracking.store.connection import Connection, wal_path
from tracking.store.contract import StoreConnection
from tracking.store.dialect import stored_answers

CLIENT_COLUMN = "client_id"
# Tables that hold nothing about one client, and why. A new table must be added here or carry a
# `client_id` (or a `<thing>_id` that leads to one); `client_tables` refuses anything else.
UNRELATED_TABLES = {
    "coach_sessions": "per coach, what ends their sessions and the last second-factor code used",
    "coaches": "coach and admin accounts",
    "instrument_items": "the item order of each instrument version",
    "provider_sessions": "coaches' sign-ins through the practice's identity provider",
    "recovery_curves": "expected recovery curves estimated over all clients: aggregates, nobody's own",
    "reliability": "subscale reliabilities estimated over all clients: aggregates, nobody's own",
    "schema_migrations": "which migrations were applied",
    "sender_runs": "when each sending process last ran",
    "sign_in_attempts": "failed sign-in checks per keyed hash of an email address",
}
# Beyond `client_id`: other ways a row names a client (the audit log's actor `client:<id>`).
EXTRA_MATCH = {"audit_log": "actor = 'client:' || ?"}
# Columns that hold a coach's id, so an export can say who the coaches in it are.
COACH_COLUMNS = ("coach_id", "changed_by", "acknowledged_by", "resolved_by")


@dataclass(frozen=True)
class Linked:
    """A table about clients: `column` holds the client id, or (with `parent`) the id of a parent row."""

    table: str
    column: str
    parent: str | None = None


@dataclass(frozen=True)
class ClientTables:
    """Every table about clients, parents before the tables that follow them."""

    linked: tuple[Linked, ...]

    @property
    def names(self) -> list[str]:
        return ["clients", *(link.table for link in self.linked)]

    def get(self, table: str) -> Linked:
        return next(link for link in self.linked if link.table == table)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema(con: StoreConnection) -> dict[str, list[tuple[str, str]]]:
    """(column, type) of every base table of Koers' schema, by table name; types in upper case (JSON,
    ARRAY, ...), whichever database spells them."""
    rows = con.execute(
        """
        SELECT c.table_name, c.column_name, upper(c.data_type)
        FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_type = 'BASE TABLE' AND t.table_catalog = current_database()
          AND t.table_schema = current_schema()
        ORDER BY c.table_name, c.ordinal_position
        """
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def client_tables(con: StoreConnection) -> ClientTables:
    """The tables about clients, derived from the schema; refuses a table it cannot place."""
    schema = _schema(con)
    linked = [Linked(table, CLIENT_COLUMN) for table, columns in schema.items()
              if table != "clients" and any(name == CLIENT_COLUMN for name, _type in columns)]
    placed = {"clients", *(link.table for link in linked)}
    growing = True
    while growing:  # a table may follow a table that itself follows one (to any depth)
        growing = False
        for table, columns in schema.items():
            if table in placed:
                continue
            for name, _type in columns:
                parent = name[:-3] + "s" if name.endswith("_id") else None
                if parent in placed and parent != "clients" and any(c == "id" for c, _t in schema[parent]):
                    linked.append(Linked(table, name, parent))
                    placed.add(table)
                    growing = True
                    break
    unplaced = sorted(set(schema) - placed - set(UNRELATED_TABLES))
    if unplaced:
        raise DatabaseError(
            f"table(s) {', '.join(unplaced)} are neither about a client (no client_id column, nor a "
            "<thing>_id column leading to one) nor listed in tracking/store/privacy.py UNRELATED_TABLES; "
            "nothing was exported or erased. Add a client_id column or list the table there with the reason."
        )
    for table in placed - {"clients"}:
        for name, _type in schema[table]:
            if "client" in name and name != CLIENT_COLUMN:
                raise DatabaseError(
                    f"table {table}: column {name} seems to name a client, and Koers only follows client_id; "
                    "nothing was exported or erased. Teach tracking/store/privacy.py about it."
                )
    return ClientTables(tuple(linked))


def _match(tables: ClientTables, table: str) -> tuple[str, int]:
    """SQL condition selecting one client's rows of `table`, and how many times it takes the client id."""
    if table == "clients":
        return "id = ?", 1
    link = tables.get(table)
    if link.parent is None:
        extra = EXTRA_MATCH.get(table)
        return (f"({CLIENT_COLUMN} = ? OR {extra})", 2) if extra else (f"{CLIENT_COLUMN} = ?", 1)
    condition, uses = _match(tables, link.parent)
    return f"{_quote(link.column)} IN (SELECT id FROM {_quote(link.parent)} WHERE {condition})", uses


def _value(data_type: str, value: Any) -> Any:
    if value is None:
        return None
    if data_type == "JSON":
        return json.loads(value)
    if data_type == "BYTEA":  # a list kept as bytes (`columnar.lists_as_bytes`): a check-in's answers
        return stored_answers(value)
    if isinstance(value, datetime):
        return from_db(value)
    return value


def _order(columns: list[tuple[str, str]]) -> str:
    """A table's rows in a fixed order: by id, else by every column that can be compared (JSON cannot)."""
    if any(name == "id" for name, _type in columns):
        return "id"
    return ", ".join(str(position) for position, (_name, data_type) in enumerate(columns, start=1)
                     if data_type != "JSON")


def client_rows(con: StoreConnection, tables: ClientTables, client_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row about the client, table by table (`clients` holds the one client record)."""
    schema = _schema(con)
    found = {}
    for table in tables.names:
        columns = schema[table]
        condition, uses = _match(tables, table)
        order = _order(columns)
        rows = con.execute(
            f"SELECT * FROM {_quote(table)} WHERE {condition} ORDER BY {order}", [client_id] * uses
        ).fetchall()
        found[table] = [
            {name: _value(data_type, value) for (name, data_type), value in zip(columns, row)} for row in rows
        ]
    return found


def item_order(con: StoreConnection) -> dict[str, list[str]]:
    """Item ids of every instrument version, in the order check-ins store their answers."""
    rows = con.execute(
        "SELECT version, array_agg(item_id ORDER BY position) FROM instrument_items GROUP BY version"
    ).fetchall()
    return {version: list(items) for version, items in rows}


def coach_names(con: StoreConnection, coach_ids: set[int]) -> dict[int, dict[str, str]]:
    if not coach_ids:
        return {}
    rows = con.execute(
        "SELECT id, name, email FROM coaches WHERE id IN (SELECT unnest(?::INTEGER[])) ORDER BY id",
        [sorted(coach_ids)],
    ).fetchall()
    return {r[0]: {"name": r[1], "email": r[2]} for r in rows}


def delete_client(con: StoreConnection, tables: ClientTables, client_id: str) -> dict[str, int]:
    """Delete every row about the client; returns the rows deleted per table (tables that followed a
    parent go first, while the parent rows still lead to them)."""
    counts = {}
    for table in reversed(tables.names):
        condition, uses = _match(tables, table)
        counts[table] = con.execute(f"DELETE FROM {_quote(table)} WHERE {condition}", [client_id] * uses).rowcount
    return dict(sorted(counts.items()))


# The outbox.

@dataclass(frozen=True)
class OutboxText:
    """An email that names a client in its text although it was written to someone else (a digest)."""

    id: int
    kind: str
    subject: str
    body_text: str
    body_html: str | None


@dataclass(frozen=True)
class OwnEmail:
    """An email written for the client."""

    id: int
    kind: str
    sent: bool
    created_at: datetime


def outbox_emails(con: StoreConnection, client_id: str) -> list[OwnEmail]:
    rows = con.execute("SELECT id, kind, status = 'sent', created_at FROM outbox WHERE client_id = ? ORDER BY id",
                       [client_id]).fetchall()
    return [OwnEmail(int(outbox_id), kind, bool(sent), from_db(created)) for outbox_id, kind, sent, created in rows]


def emails_being_sent(con: StoreConnection, client_id: str, claimed_since: datetime) -> list[int]:
    """Outbox ids of the client's emails a sender claimed recently and may be writing right now."""
    rows = con.execute(
        "SELECT id FROM outbox WHERE client_id = ? AND status = 'sending' AND claimed_at >= ? ORDER BY id",
        [client_id, to_db(claimed_since)],
    ).fetchall()
    return [outbox_id for (outbox_id,) in rows]


def outbox_texts_naming(con: StoreConnection, client_id: str) -> list[OutboxText]:
    """Emails not written for the client whose subject or text contains the client's id."""
    rows = con.execute(
        """
        SELECT id, kind, subject, body_text, body_html FROM outbox
        WHERE client_id IS DISTINCT FROM ?
          AND (strpos(subject, ?) > 0 OR strpos(body_text, ?) > 0 OR strpos(coalesce(body_html, ''), ?) > 0)
        ORDER BY id
        """,
        [client_id] * 4,
    ).fetchall()
    return [OutboxText(*row) for row in rows]


def rewrite_outbox_text(con: StoreConnection, text: OutboxText) -> None:
    con.execute(
        "UPDATE outbox SET subject = ?, body_text = ?, body_html = ? WHERE id = ?",
        [text.subject, text.body_text, text.body_html, text.id],
    )


def erasure_records(con: StoreConnection) -> list[tuple[int, datetime, dict[str, Any]]]:
    """(audit id, when, detail) of every recorded erasure."""
    rows = con.execute(
        "SELECT id, logged_at, detail FROM audit_log WHERE action = 'erase_client' ORDER BY id"
    ).fetchall()
    return [(r[0], from_db(r[1]), json.loads(r[2]) if r[2] else {}) for r in rows]


# Backups.

def applied_migrations(con: StoreConnection) -> list[str]:
    return [name for (name,) in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]


def row_counts(con: StoreConnection) -> dict[str, int]:
    return {table: int(con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchall()[0][0]) for table in _schema(con)}


def copy_files(db_path: Path, target: Path) -> None:
    """Copy the database file (and its write-ahead log, if there is one) to `target` byte for byte.
    The caller holds the database's shared lock, so no writer changes either file meanwhile."""
    with open(db_path, "rb") as source, open(target, "wb") as copy:
        shutil.copyfileobj(source, copy, 1024 * 1024)
    if wal_path(db_path).exists():
        with open(wal_path(db_path), "rb") as source, open(wal_path(target), "wb") as copy:
            shutil.copyfileobj(source, copy, 1024 * 1024)


def complete_copy(path: Path) -> tuple[list[str], dict[str, int]]:
    """Open a private copy read-write, fold its write-ahead log into the file, and read back what it
    holds: (applied migrations, rows per table). A copy that DuckDB cannot open raises DatabaseError."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise DatabaseError(f"{path}: the copy does not open as a DuckDB database ({exc})") from None
    try:
        con.execute("CHECKPOINT")
        return applied_migrations(Connection(con)), row_counts(Connection(con))
    except duckdb.Error as exc:
        raise DatabaseError(f"{path}: the copy is not a complete Koers database ({exc})") from None
    finally:
        con.close()
