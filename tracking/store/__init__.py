"""Storage on DuckDB: the only package that imports `duckdb`."""

from tracking.settings import Settings
from tracking.store.connection import Database
from tracking.store.migrate import ensure_schema


def open_database(settings: Settings) -> Database:
    """The configured database, migrated to the current schema."""
    db = Database(settings.db, settings.busy_timeout_seconds)
    ensure_schema(db)
    return db


__all__ = ["Database", "ensure_schema", "open_database"]
