"""Storage: the only package that imports `duckdb` or `psycopg`.

A path in KOERS_DB is a DuckDB file (`connection.Database`); a postgresql:// address is a
PostgreSQL server (`postgres.PostgresDatabase`). Both keep the contract in `contract.py`.
"""

from __future__ import annotations

from pathlib import Path

from tracking.settings import DatabaseURL, Settings
from tracking.store.connection import Database
from tracking.store.contract import Store, StoreConnection
from tracking.store.migrate import ensure_schema


def database(location: Path | str | DatabaseURL, busy_timeout_seconds: float = 30.0) -> Store:
    """The database at `location`: a DuckDB file, or a PostgreSQL server's database."""
    if isinstance(location, DatabaseURL):
        from tracking.store.postgres import PostgresDatabase  # psycopg only where a server is used

        return PostgresDatabase(location, busy_timeout_seconds)
    return Database(location, busy_timeout_seconds)


def open_database(settings: Settings) -> Store:
    """The configured database, migrated to the current schema."""
    db = database(settings.db, settings.busy_timeout_seconds)
    ensure_schema(db)
    return db


__all__ = ["Database", "Store", "StoreConnection", "database", "ensure_schema", "open_database"]
