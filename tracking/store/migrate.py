"""Numbered, append-only migrations, each applied in a transaction together with its record.

Every entry point (CLI, dashboard, scheduler) calls `ensure_schema` before its first unit of
work; it costs one read when the database is current.

Each database has its own files with the same numbers and names: DuckDB's in `migrations/`,
PostgreSQL's in `migrations/postgresql/`. A new migration is a new file in both folders, with the
next number; a file that was released is never changed.
"""

from __future__ import annotations

from pathlib import Path

from tracking.errors import DatabaseError
from tracking.instrument import INSTRUMENT_DIR, load_instrument
from tracking.store.contract import Store, StoreConnection
from tracking.store.dialect import DUCKDB, POSTGRESQL

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
FOLDERS = {DUCKDB: MIGRATIONS_DIR, POSTGRESQL: MIGRATIONS_DIR / POSTGRESQL}
PATTERN = "[0-9][0-9][0-9][0-9]_*.sql"
_current: set[tuple[str, str]] = set()


def migrations(dialect: str = DUCKDB) -> list[tuple[str, str]]:
    """(name, SQL) of every migration shipped with this version for one database, in order."""
    files = sorted(FOLDERS[dialect].glob(PATTERN))
    return [(path.stem, path.read_text(encoding="utf-8")) for path in files]


def _applied(con: StoreConnection) -> set[str]:
    found = con.execute(
        """
        SELECT count(*) FROM information_schema.tables
        WHERE table_name = 'schema_migrations' AND table_schema = current_schema()
        """
    ).fetchone()
    if not found or not found[0]:
        return set()
    return {name for (name,) in con.execute("SELECT name FROM schema_migrations").fetchall()}


# Tables the first migration creates: finding one in a database without Koers' record of migrations
# means it belongs to something else.
FIRST_TABLES = ("coaches", "clients", "checkins", "flags", "outbox", "audit_log")


def pending(db: Store) -> list[str]:
    known = [name for name, _sql in migrations(db.dialect)]
    if not db.exists():
        return known
    with db.read() as con:
        applied = _applied(con)
        if not applied:
            _refuse_a_stranger(con, db.location)
    unknown = applied - set(known)
    if unknown:
        raise DatabaseError(
            f"{db.location}: the database was migrated by a newer Koers ({', '.join(sorted(unknown))}); "
            "upgrade Koers before using this database."
        )
    return [name for name in known if name not in applied]


def _refuse_a_stranger(con: StoreConnection, location: str) -> None:
    """A database with Koers' tables but no record of its migrations was made by something else."""
    names = ", ".join(f"'{name}'" for name in FIRST_TABLES)
    (found,) = con.execute(
        f"""
        SELECT count(*) FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name IN ({names})
        """
    ).fetchall()[0]
    if found:
        raise DatabaseError(
            f"{location}: this database has tables of the names Koers uses but no record of Koers' migrations, "
            "so it was not made by Koers; nothing was changed. Give Koers a database of its own."
        )


def apply_migrations(db: Store) -> list[str]:
    """Apply what is pending; returns the names applied (empty when the database is current)."""
    done = []
    if db.exists():
        with db.read() as con:
            applied = _applied(con)
    else:
        applied = set()
    for name, sql in migrations(db.dialect):
        if name in applied:
            continue
        with db.write() as con:
            # Another process may have applied it between our read and this lock. The record of
            # migrations is made with the first, so a first migration that fails leaves nothing.
            if not _applied(con):
                _refuse_a_stranger(con, db.location)
                con.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                            "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
            if name in _applied(con):
                continue
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [name])
        done.append(name)
    return done


def sync_instruments(db: Store) -> None:
    """Record the item order of every instrument version shipped with Koers (the `answers` view
    reads check-ins' answer lists through it)."""
    versions = sorted(path.stem[1:] for path in INSTRUMENT_DIR.glob("v*.toml"))
    with db.read() as con:
        known = {v for (v,) in con.execute("SELECT DISTINCT version FROM instrument_items").fetchall()}
    missing = [load_instrument(version) for version in versions if version not in known]
    if not missing:
        return
    with db.write() as con:
        for instrument in missing:
            con.executemany(
                "INSERT INTO instrument_items VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [[instrument.version, position, item.id, item.dynamic, item.direction]
                 for position, item in enumerate(instrument.items, start=1)],
            )


def ensure_schema(db: Store) -> None:
    """Bring the database up to date once per process."""
    if db.key in _current:
        return
    if pending(db):
        apply_migrations(db)
    sync_instruments(db)
    _current.add(db.key)
