"""A large import into an empty database: on PostgreSQL what is derived is computed from the rows as
written, not read back from the server. The result must be exactly what the stored rows give."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from benchmarks.many_flags_bench import generate
from tests.factories import OPERATOR, context, csv_text, weekly
from tracking.store import derived
from tracking.usecases import data

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def csv_file(tmp_path):
    """30 clients x 60 weeks whose dynamics drift: shifts, reliable changes and not on track."""
    path = tmp_path / "checkins.csv"
    generate(path, clients=30, weeks=60)
    return path


def derived_rows(ctx):
    with ctx.db.read() as con:
        states = con.execute("SELECT * FROM states ORDER BY checkin_id").fetchall()
        flags = con.execute(
            "SELECT key, status, checkin_id, evidence::VARCHAR, retired_at, retired_reason FROM flags ORDER BY key"
        ).fetchall()
        reliability = con.execute("SELECT dynamic, alpha, sd, n, weekly_noise FROM reliability ORDER BY 1").fetchall()
        curves = con.execute("SELECT count(*) FROM recovery_curves").fetchall()
    return states, flags, reliability, curves


def test_a_first_import_derives_what_the_stored_rows_give(backend, csv_file, monkeypatch):
    ctx = context(backend.location)
    sources = []
    reading = derived._reading

    def spy(con, ingested):
        with reading(con, ingested) as source:
            sources.append(source.dialect)
            yield source

    monkeypatch.setattr(derived, "_reading", contextmanager(spy))
    _summary, raised = data.import_checkins(ctx, OPERATOR, csv_file, now=NOW)
    # On the server, the import's detection read the rows it wrote from memory; DuckDB reads its file.
    assert sources == ["duckdb"]
    assert raised > 30
    after_import = derived_rows(ctx)

    summary = data.recompute(ctx, OPERATOR, now=NOW)  # reads every row back from the database

    assert (summary.flags_raised, summary.flags_withdrawn) == (0, 0)
    assert derived_rows(ctx) == after_import


def test_a_second_import_reads_the_stored_rows(backend, csv_file, tmp_path, monkeypatch):
    ctx = context(backend.location)
    first = tmp_path / "first.csv"
    first.write_text(csv_text(weekly("another-client", 3)), encoding="utf-8", newline="")
    data.import_checkins(ctx, OPERATOR, first, now=NOW)
    sources = []
    reading = derived._reading

    def spy(con, ingested):
        with reading(con, ingested) as source:
            sources.append(source.dialect)
            yield source

    monkeypatch.setattr(derived, "_reading", contextmanager(spy))
    data.import_checkins(ctx, OPERATOR, csv_file, now=NOW)
    assert sources == [backend.name]
