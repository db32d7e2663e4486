"""Small factories for test data: a context, coaches and clients made through the application layer,
answers, CSV text, check-in rows, and a database fingerprint."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracking.context import Actor, Context, open_context
from tracking.instrument import load_instrument
from tracking.models import Client, Coach
from tracking.settings import load_settings
from tracking.store.migrate import migrations
from tracking.usecases import clients, coaches

OPERATOR = Actor.operator()
PASSWORD = "correct horse battery"


def context(location, **settings: str) -> Context:
    """The context for a test database (a DuckDB file, or a PostgreSQL `DatabaseURL`; migrated), with
    settings given as KOERS_* keys."""
    return open_context(load_settings(settings, secrets_file=None, db=location))


def stored_checkins(ctx: Context, rows: list[dict], folder: Path, *, now: datetime) -> None:
    """Check-ins for a test's data, given as CSV rows: imported with `koers import`'s use case, which also
    derives states and flags."""
    from tracking.usecases import data

    source = folder / "stored-checkins.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    data.import_checkins(ctx, OPERATOR, source, now=now)


def coach(ctx: Context, email: str = "coach@example.org", name: str = "Ada Coach", *, is_admin: bool = False,
          lang: str = "nl", password: str = PASSWORD, now: datetime | None = None) -> Coach:
    return coaches.add_coach(ctx, OPERATOR, email, name, password, is_admin=is_admin, lang=lang, now=now)


def client(ctx: Context, client_id: str = "C1", *, coach_email: str = "coach@example.org",
           email: str | None = None, now: datetime | None = None, **details) -> Client:
    """A client of the coach with `coach_email`; `details` are `ClientDetails` fields (name, lang, weekday…)."""
    email = email or f"{client_id.lower()}@example.org"
    return clients.add_client(ctx, OPERATOR, client_id, clients.ClientDetails(email=email, **details),
                              coach_email=coach_email, now=now)


def answers(**overrides) -> dict:
    """A full set of answers (5 everywhere) with some overridden."""
    values = {item.id: 5 for item in load_instrument().items}
    values.update(overrides)
    return values


def csv_text(rows: list[dict], *, sep: str = ",", header: list[str] | None = None, line_end: str = "\n") -> str:
    """A check-in CSV in the contract's format; each row is a dict of column -> text."""
    instrument = load_instrument()
    header = header or ["client_id", "submitted_at", *instrument.item_ids, "contact_request", "note"]
    lines = [sep.join(header)]
    for row in rows:
        lines.append(sep.join(_cell(row.get(column, ""), sep) for column in header))
    return line_end.join(lines) + line_end


def _cell(value, sep: str) -> str:
    text = "" if value is None else str(value)
    if any(ch in text for ch in (sep, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def checkin(client: str = "C1", at: datetime | str = "2026-03-02T09:15:00+01:00", **overrides) -> dict:
    row = {"client_id": client, "submitted_at": at if isinstance(at, str) else at.isoformat()}
    row.update({k: str(v) for k, v in answers().items()})
    row.update({"contact_request": "", "note": ""})
    row.update({k: ("" if v is None else str(v)) for k, v in overrides.items()})
    return row


def weekly(client: str, weeks: int, start: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC), **overrides):
    return [checkin(client, start + timedelta(weeks=w), **overrides) for w in range(weeks)]


def database_fingerprint(location) -> str:
    """A digest of every table's contents, to prove that a refused command changed nothing: of a DuckDB
    file (absent is a state of its own), or of a PostgreSQL database (a `DatabaseURL`)."""
    from tracking.settings import DatabaseURL

    if isinstance(location, DatabaseURL):
        return _server_fingerprint(location)
    import duckdb

    db_path = Path(location)
    if not db_path.exists():
        return "absent"
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        digest = hashlib.sha256()
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
            digest.update(f"{table}:{rows!r}".encode())
        return digest.hexdigest()
    finally:
        con.close()


def _server_fingerprint(url) -> str:
    from tracking.store import database

    digest = hashlib.sha256()
    with database(url).read() as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        for table in tables:
            rows = sorted(con.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            digest.update(f"{table}:{rows!r}".encode())
    return digest.hexdigest()


def fresh_link(ctx: Context, client_id: str = "C1", *, now: datetime | None = None, actor: Actor = OPERATOR):
    """A fresh personal check-in link, as (url, period)."""
    from tracking.usecases import links

    fresh = links.fresh_checkin_link(ctx, actor, client_id, now=now)
    return fresh.url, fresh.period


def migrate_on_to(db, last: str) -> list[str]:
    """Apply the shipped migrations after those recorded, up to and including `last`; their names."""
    with db.write() as con:
        done = {name for (name,) in con.execute("SELECT name FROM schema_migrations").fetchall()}
        applied = [name for name, _sql in migrations(db.dialect) if name not in done and name <= last]
        for name, sql in migrations(db.dialect):
            if name in applied:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [name])
    return applied


def migrated_until(db, last: str) -> None:
    """A database as an older Koers left it: the shipped migrations up to and including `last`,
    each recorded, and none after it."""
    with db.write() as con:
        con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
        for name, sql in migrations(db.dialect):
            if name > last:
                break
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [name])
