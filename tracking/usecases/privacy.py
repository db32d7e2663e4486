"""Data stewardship: everything Koers holds about one client (export), forgetting a client (erase),
and a consistent copy of the whole database while the app runs (backup).

Each operation is one unit of work on the database. Files beside it (the `.eml` emails of the file
transport, the backup) are changed only after that unit committed, so a refused or failed erasure
leaves the files as they were. The audit log records every operation without the data it concerns:
an erasure keeps counts and a salted, keyed hash of the id, never the id, name, email or notes.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, overload

from tracking.audit import Action
from tracking.clock import iso, utcnow
from tracking.context import Actor, Context
from tracking.errors import AlreadyExists, DatabaseError, EmailInFlight, InvalidValue, NotForThisDatabase, NotFound
from tracking.mail.outbox import claim_timeout
from tracking.mail.transports import EML_NAME, eml_file_name
from tracking.models import Client, Viewer
from tracking.store import Database, StoreConnection, audit, clients
from tracking.store import privacy as store
from tracking.store.connection import wal_path
from tracking.store.outbox import redact_links
from tracking.usecases import use_case

EXPORT_FORMAT = "koers.client-export"
EXPORT_VERSION = 1
ERASED = "[erased]"
# A check-in's own parts, which the export puts inside each check-in instead of in tables of their own.
NESTED_IN_CHECKINS = {"scores": "scores", "states": "state", "checkin_revisions": "revisions"}


# Export.

def jsonable(value: Any) -> Any:
    """A stored value as JSON can carry it: times as ISO 8601 in UTC, everything else as itself."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def export_document(rows: dict[str, list[dict[str, Any]]], items: dict[str, list[str]],
                    coaches: dict[int, dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The export as one JSON-ready document: the client record, the check-ins (answers by item id,
    with their scores, state and earlier versions), and every other table about the client."""
    tables = {name: [dict(row) for row in table_rows] for name, table_rows in rows.items()}
    client = tables.pop("clients")[0]
    nested = {name: tables.pop(name, []) for name in NESTED_IN_CHECKINS}
    checkins = []
    for row in tables.pop("checkins", []):
        order = items.get(row["instrument_version"], [])
        answers = row.pop("answers") or []
        row["answers"] = {item_id: value for item_id, value in zip(order, answers)}
        for table, key in NESTED_IN_CHECKINS.items():
            found = [{k: v for k, v in r.items() if k not in ("checkin_id", "client_id")}
                     for r in nested[table] if r["checkin_id"] == row["id"]]
            row[key] = found if key == "revisions" else (found[0] if found else None)
        checkins.append(row)
    for email in tables.get("outbox", []):  # a personal link in an unsent email still works: leave it out
        email["body_text"] = redact_links(email["body_text"])
        email["body_html"] = redact_links(email["body_html"])
    document: dict[str, Any] = jsonable({
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now,
        "client": client,
        "coaches": [{"id": coach_id, **coach} for coach_id, coach in sorted(coaches.items())],
        "checkins": checkins,
        **dict(sorted(tables.items())),
    })
    return document


def _coach_ids(rows: dict[str, list[dict[str, Any]]]) -> set[int]:
    return {row[column] for table_rows in rows.values() for row in table_rows
            for column in store.COACH_COLUMNS if isinstance(row.get(column), int)}


def _not_found(con: StoreConnection, client_id: str, secret_key: str | None) -> NotFound:
    for audit_id, at, detail in store.erasure_records(con):
        if erasure_matches(detail, client_id, secret_key):
            return NotFound(f"no client with id {client_id}: it was erased on {iso(at)} (audit entry {audit_id})")
    return NotFound(f"no client with id {client_id}")


def _client(con: StoreConnection, client_id: str, viewer: Viewer, secret_key: str | None) -> Client:
    try:
        return clients.get_client(con, client_id, viewer)
    except NotFound:
        raise _not_found(con, client_id, secret_key) from None


@use_case(Action.EXPORT_CLIENT)
def export_client(ctx: Context, actor: Actor, client_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything stored about the client, as a JSON-ready document; the export is audited."""
    now = now or utcnow()
    with ctx.db.write() as con:
        client = _client(con, client_id, actor.viewer, ctx.settings.secret_key)
        tables = store.client_tables(con)
        rows = store.client_rows(con, tables, client.id)
        document = export_document(rows, store.item_order(con), store.coach_names(con, _coach_ids(rows)), now)
        audit.record(con, now, actor, Action.EXPORT_CLIENT, client.id,
                     rows={table: len(found) for table, found in sorted(rows.items())})
    return document


# Erasure.

def subject_hash(client_id: str, salt: str, secret_key: str | None) -> str:
    """What the audit log keeps of an erased id: HMAC-SHA256 over salt and id, keyed with the secret key
    (which is not in the database), so the log alone cannot be searched for a guessed id."""
    key = (secret_key or "").encode()
    return hmac.new(key, f"{salt}:{client_id}".encode(), hashlib.sha256).hexdigest()


def erasure_matches(detail: dict[str, Any], client_id: str, secret_key: str | None) -> bool:
    """Whether an `erase_client` audit entry is about this id (given the key it was made with)."""
    salt, recorded = detail.get("salt"), detail.get("subject")
    if not isinstance(salt, str) or not isinstance(recorded, str):
        return False
    return hmac.compare_digest(recorded, subject_hash(client_id, salt, secret_key))


def _mention(mention: str) -> re.Pattern[str]:
    # The id as a word of its own: "C1" names C1 in "C1, since …" but not inside "C10" or "X-C1".
    return re.compile(r"(?<![^\s(>=\"'])" + re.escape(mention) + r"(?![^\s),.:;<&\"'])")


@overload
def redact_mentions(text: str, client_id: str, name: str | None, *, is_html: bool = False) -> str: ...


@overload
def redact_mentions(text: None, client_id: str, name: str | None, *, is_html: bool = False) -> None: ...


def redact_mentions(text: str | None, client_id: str, name: str | None, *, is_html: bool = False) -> str | None:
    """`text` with the client's label ("Name (id)") and id replaced by `[erased]`."""
    if text is None:
        return None

    def escape(value: str) -> str:
        return html.escape(value) if is_html else value

    if name:
        text = text.replace(escape(f"{name} ({client_id})"), ERASED)
    return _mention(escape(client_id)).sub(ERASED, text)


def redact_email(email: store.OutboxText, client_id: str, name: str | None) -> store.OutboxText:
    return store.OutboxText(
        email.id, email.kind, redact_mentions(email.subject, client_id, name),
        redact_mentions(email.body_text, client_id, name),
        redact_mentions(email.body_html, client_id, name, is_html=True),
    )


@dataclass
class Erasure:
    """What an erasure removed: rows per table, emails to others whose text was redacted, and files."""

    rows: dict[str, int]
    outbox_redacted: int = 0
    files_removed: list[Path] = field(default_factory=list)
    files_redacted: list[Path] = field(default_factory=list)
    files_failed: list[tuple[Path, str]] = field(default_factory=list)
    # Sent as .eml files (no mail server is set here), but not in this process's outbox folder: written
    # by a scheduler with another KOERS_OUTBOX_DIR, or removed before.
    files_elsewhere: list[str] = field(default_factory=list)  # their file names
    folder: Path | None = None


def erasure_plan(ctx: Context, actor: Actor, client_id: str) -> tuple[str, dict[str, int]]:
    """(the client's label, rows per table) that an erasure would remove, for the confirmation."""
    with ctx.db.read() as con:
        client = _client(con, client_id, actor.viewer, ctx.settings.secret_key)
        rows = store.client_rows(con, store.client_tables(con), client.id)
    return client.label, {table: len(found) for table, found in sorted(rows.items())}


@use_case(Action.ERASE_CLIENT)
def erase_client(ctx: Context, actor: Actor, client_id: str, *, now: datetime | None = None) -> Erasure:
    """Remove the client and every row that names them in one transaction, redact their name and id
    in emails written to others (a coach's digest), then remove or redact the `.eml` files."""
    now = now or utcnow()
    salt = secrets.token_hex(16)
    with ctx.db.write() as con:
        client = _client(con, client_id, actor.viewer, ctx.settings.secret_key)
        in_flight = store.emails_being_sent(con, client.id, now - claim_timeout(ctx.settings))
        if in_flight:
            raise EmailInFlight(
                f"an email for client {client.id} is being sent right now (outbox {', '.join(map(str, in_flight))}); "
                "nothing was erased. Try again in a minute, when the scheduler has finished it."
            )
        tables = store.client_tables(con)
        own_emails = store.outbox_emails(con, client.id)
        naming = store.outbox_texts_naming(con, client.id)
        redacted = [after for before in naming if (after := redact_email(before, client.id, client.name)) != before]
        counts = store.delete_client(con, tables, client.id)
        for email in redacted:
            store.rewrite_outbox_text(con, email)
        audit.record(con, now, actor, Action.ERASE_CLIENT, None, rows=counts, outbox_redacted=len(redacted),
                     salt=salt, subject=subject_hash(client.id, salt, ctx.settings.secret_key),
                     keyed=bool(ctx.settings.secret_key))
    erasure = Erasure(counts, len(redacted))
    erasure.folder = ctx.settings.outbox_folder()
    # Sent through a mail server, an email leaves no file: only without one is a missing file told.
    _tidy_outbox_folder(erasure.folder, erasure, own_emails, redacted, client.id, client.name,
                        sent_as_files=not ctx.settings.smtp_host)
    return erasure


def _eml_files(folder: Path) -> dict[tuple[int, str], Path]:
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = EML_NAME.match(path.name)
        if match:
            found[(int(match[1]), match[2])] = path
    return found


def _tidy_outbox_folder(folder: Path, erasure: Erasure, own: list[store.OwnEmail],
                        redacted: list[store.OutboxText], client_id: str, name: str | None, *,
                        sent_as_files: bool) -> None:
    files = _eml_files(folder)
    for mine in own:
        path = files.get((mine.id, mine.kind))
        if path is None:
            if mine.sent and sent_as_files:
                erasure.files_elsewhere.append(eml_file_name(mine.created_at, mine.id, mine.kind))
            continue
        try:
            path.unlink()
            erasure.files_removed.append(path)
        except OSError as exc:
            erasure.files_failed.append((path, exc.strerror or str(exc)))
    for email in redacted:
        path = files.get((email.id, email.kind))
        if path is None:
            continue
        try:
            redact_eml_file(path, client_id, name)
            erasure.files_redacted.append(path)
        except (OSError, ValueError, LookupError) as exc:  # unreadable, or a part Python cannot decode
            erasure.files_failed.append((path, getattr(exc, "strerror", None) or str(exc)))


def redact_eml_file(path: Path, client_id: str, name: str | None) -> None:
    """Rewrite an `.eml` file with the client's label and id redacted in its subject and text parts."""
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    if message["Subject"] is not None:
        subject = redact_mentions(str(message["Subject"]), client_id, name)
        del message["Subject"]
        message["Subject"] = subject
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        subtype = part.get_content_subtype()
        part.set_content(redact_mentions(part.get_content(), client_id, name, is_html=subtype == "html"),
                         subtype=subtype)
    _write_atomically(path, message.as_bytes(policy=policy.SMTP))


def _write_atomically(path: Path, content: bytes) -> None:
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Backup.

@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int
    migrations: list[str]
    rows: dict[str, int]


def backup_name(now: datetime) -> str:
    return f"koers-{now:%Y%m%d-%H%M%S}.duckdb"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_target(db_path: Path, target: Path, force: bool, now: datetime) -> Path:
    if target.is_dir():
        target = target / backup_name(now)
    if not target.parent.is_dir():
        raise InvalidValue(f"{target.parent}: no such folder; create it first", "path")
    resolved = target.resolve()
    if resolved in {db_path.resolve(), wal_path(db_path).resolve(),
                    db_path.with_name(db_path.name + ".lock").resolve()}:
        raise InvalidValue(f"{target}: that is the database itself; give another file name", "path")
    if target.exists() and not force:
        raise _taken(target)
    return target


def _taken(target: Path) -> AlreadyExists:
    return AlreadyExists(f"{target}: exists already; choose another name, or add --force to replace it")


def _publish(temporary: Path, target: Path, force: bool) -> None:
    """Give the finished copy its name: atomically, and without replacing a file unless `force`."""
    if force:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails if the name was taken meanwhile, unlike a rename
    except FileExistsError:
        raise _taken(target) from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise _taken(target) from None
        os.replace(temporary, target)
        return
    temporary.unlink()


@use_case(Action.BACKUP)
def backup(ctx: Context, actor: Actor, target: Path, *, force: bool = False, now: datetime | None = None) -> Backup:
    """A consistent copy of the database at `target` (a file, or a folder to put a dated file in).

    The files are copied under the database's shared lock: other processes keep reading, writers wait
    until the copy is done. The copy is then completed and checked on its own (its write-ahead log
    folded in, every table counted against the original), flushed to disk under a temporary name, and
    renamed, so `target` is either absent or a whole database that opens as Koers.

    A PostgreSQL database is refused: pg_dump makes its consistent copy while Koers runs."""
    if not isinstance(ctx.db, Database):
        raise NotForThisDatabase(
            f"{ctx.db.location}: `koers backup` copies a DuckDB file. Back up a PostgreSQL database with the "
            "server's own tools, while Koers keeps running: `pg_dump --format=custom --file=koers.dump "
            "<the KOERS_DB address>`. Restore it with every Koers process stopped, into a new empty database "
            "(`pg_restore --no-owner --exit-on-error --dbname=<address> koers.dump`), then erase again the clients "
            "erased since the dump: docs/operations.md, \"Backup and restore on PostgreSQL\"."
        )
    now = now or utcnow()
    db_path = ctx.db.path
    target = _backup_target(db_path, Path(target), force, now)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)  # owner-only
        os.close(fd)
    except OSError as exc:
        raise DatabaseError(f"{target.parent}: cannot write a backup there ({exc.strerror})") from None
    temporary = Path(name)
    try:
        migrations, rows = _copy_and_check(ctx, db_path, temporary, target)
        _publish(temporary, target, force)
        _fsync_folder(target.parent)
    except OSError as exc:
        raise DatabaseError(f"{target}: the backup could not be written ({exc.strerror or exc}); "
                         "nothing was written") from None
    finally:
        temporary.unlink(missing_ok=True)
        wal_path(temporary).unlink(missing_ok=True)
    size = target.stat().st_size
    with ctx.db.write() as con:
        audit.record(con, now, actor, Action.BACKUP, None, file=target.name, bytes=size)
    return Backup(target, size, migrations, rows)


def _copy_and_check(ctx: Context, db_path: Path, temporary: Path, target: Path) -> tuple[list[str], dict[str, int]]:
    with ctx.db.read() as con:
        migrations, rows = store.applied_migrations(con), store.row_counts(con)
        store.copy_files(db_path, temporary)
    if store.complete_copy(temporary) != (migrations, rows):
        raise DatabaseError(f"{target}: the copy does not hold what the database held; nothing was written. "
                         "Try again; if it persists, check the disk.")
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    return migrations, rows
