"""Import benchmark: `koers import` of 10,000 clients x 100 weekly check-ins against the database's own CSV load.

    python benchmarks/import_bench.py [--clients 10000] [--weeks 100] [--runs 3]
    python benchmarks/import_bench.py --postgresql [--runs 1]

The floor is the database loading the same file into a table of a fresh database: DuckDB's
`CREATE TABLE ... AS SELECT * FROM read_csv(...)` into a new file, or with `--postgresql` (a
throwaway server of its own, tests/postgres.py) PostgreSQL's `COPY ... FROM STDIN (FORMAT csv)` of
the file into a table with the file's columns, typed, sent from this process as `psql \\copy` does.
No import can be faster than reading the file once. `koers import` runs as its own process, as a
user runs it, on a fresh database each run; its peak memory is its maximum resident set size, as a
small launcher process that starts it measures it (see `LAUNCHER`). `koers flags --format json`
listing every flag is timed against the same floor. Results go to stdout as a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.instrument import load_instrument  # noqa: E402


def generate(path: Path, clients: int, weeks: int, seed: int = 7) -> None:
    """Plausible check-ins: per-client levels per dynamic, weekly noise, some unanswered items,
    irregular submission times, a few notes and contact requests. Written by DuckDB for speed."""
    level = {d: f"(3 + (hash(c, '{d}', {seed}) % 50) / 10.0)" for d in ("context", "relational", "physiological",
                                                                      "identity")}
    write_checkins(path, clients, weeks,
                   lambda item, dynamic: f"({level[dynamic]} + ((hash(c, w, '{item}') % 41)::INTEGER - 20) / 10.0)")


def write_checkins(path: Path, clients: int, weeks: int, strain: Callable[[str, str], str]) -> None:
    """A CSV of `clients` x `weeks` check-ins in the import format, written by DuckDB: `strain(item id,
    dynamic)` is the SQL of an item's strain on the 0-10 scale for client `c` in week `w` (reversed
    items answer 10 minus it); 2% of answers unanswered, times wandering over about three days, a
    contact request in 1 of 200 and a note in 1 of 15 check-ins."""
    instrument = load_instrument()
    columns = []
    for item in instrument.items:
        value = f"(10 - {strain(item.id, item.dynamic)})" if item.reversed else strain(item.id, item.dynamic)
        columns.append(
            f"CASE WHEN hash(c, w, '{item.id}', 'skip') % 50 = 0 THEN NULL "
            f"ELSE greatest(0, least(10, round({value})))::INTEGER END AS {item.id}"
        )
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT 'client-' || lpad(c::VARCHAR, 5, '0') AS client_id,
                   strftime(TIMESTAMP '2024-01-01 08:00' + INTERVAL (w) WEEK
                            + INTERVAL (hash(c, w) % 4000) MINUTE, '%Y-%m-%dT%H:%M:%S') || '+01:00' AS submitted_at,
                   {", ".join(columns)},
                   CASE WHEN hash(c, w, 'contact') % 200 = 0 THEN 'true' ELSE '' END AS contact_request,
                   CASE WHEN hash(c, w, 'note') % 15 = 0 THEN 'Slecht geslapen; veel gedoe op het werk.' ELSE ''
                   END AS note
            FROM range({clients}) a(c), range({weeks}) b(w)
            ORDER BY c, w
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def floor_seconds(csv_path: Path, work: Path) -> float:
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    con.close()
    return time.perf_counter() - started


FILE_COLUMNS = "client_id VARCHAR, submitted_at TIMESTAMPTZ, {items}, contact_request VARCHAR, note VARCHAR"


def floor_seconds_postgresql(csv_path: Path, cluster) -> float:
    """PostgreSQL's own COPY of the file into a fresh database's table of the file's columns."""
    import psycopg

    url = cluster.new_database(migrated=False)
    try:
        items = ", ".join(f"{item.id} SMALLINT" for item in load_instrument().items)
        started = time.perf_counter()
        with psycopg.connect(url.url) as con, con.cursor() as cursor:
            cursor.execute(f"CREATE TABLE t ({FILE_COLUMNS.format(items=items)})")
            with open(csv_path, "rb") as source, cursor.copy("COPY t FROM STDIN (FORMAT csv, HEADER)") as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
        return time.perf_counter() - started
    finally:
        cluster.drop_database(url)


def database_bytes(db: str) -> int:
    """The database's size on disk: the DuckDB file and its write-ahead log, or PostgreSQL's
    `pg_database_size` (tables, indexes and their free space) after a VACUUM."""
    if not db.startswith("postgresql://"):
        return sum(path.stat().st_size for path in Path(db).parent.glob(Path(db).name + "*")
                   if not path.name.endswith(".lock"))
    import psycopg

    with psycopg.connect(db, autocommit=True) as con:
        con.execute("VACUUM")
        return int(con.execute("SELECT pg_database_size(current_database())").fetchone()[0])


# A small process that starts the command and reports its time and peak memory. Started from here
# directly, a child's peak resident set would include this process's own size at the fork (Linux
# carries the parent's high-water mark over the exec), and this process holds a whole file of CSV or
# JSON at times; the launcher is a few MiB.
LAUNCHER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": seconds, "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, report)
sys.exit(code)
"""


def command_env() -> dict[str, str]:
    """The environment `koers` runs in here: this checkout's code, no KOERS_ settings, and Python's
    cache of compiled sources in use, as with any installed Koers (a setting such as
    PYTHONDONTWRITEBYTECODE would have every run compile Koers' sources again, about 0.1 s). The
    sources are compiled once, before any run is timed."""
    compileall.compile_dir(str(ROOT / "tracking"), quiet=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def settle(cluster=None) -> None:
    """Let the last step's writes land before the next step is timed: the operating system's pending
    writes (`sync`) and, on PostgreSQL, a checkpoint. Without it, a step paid for the one before it
    (the floor's 200 MB, an import's 400 MB), and later runs for the earlier ones. Every timed step,
    the floor's too, starts settled."""
    if cluster is not None:
        with cluster.admin() as con:
            con.execute("CHECKPOINT")
    os.sync()


def koers(*args: str, env: dict) -> tuple[float, float, str]:
    """Run a koers command; (seconds, peak MiB of the command's own process, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, report.name, sys.executable, "-m", "tracking", *args],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"koers {' '.join(args)} failed:\n{done.stderr}")
        measured = json.load(report)
    return measured["seconds"], measured["peak_kib"] / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true",
                        help="import into a throwaway PostgreSQL server, against its COPY of the file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="koers-bench-"))
    try:
        csv_path = work / "checkins.csv"
        generate(csv_path, args.clients, args.weeks)
        rows = args.clients * args.weeks
        size_mb = csv_path.stat().st_size / 1e6
        env = command_env()
        floors, imports, listings, peaks, sizes = [], [], [], [], []
        cluster = None
        if args.postgresql:
            from tests.postgres import Cluster

            cluster = Cluster().start()
        try:
            for _run in range(args.runs):
                settle(cluster)
                if cluster is None:
                    floors.append(floor_seconds(csv_path, work))
                    for leftover in work.glob("koers.duckdb*"):
                        leftover.unlink()
                    db = str(work / "koers.duckdb")
                else:
                    floors.append(floor_seconds_postgresql(csv_path, cluster))
                    db = cluster.new_database(migrated=False).url
                koers("init", "--db", db, "--no-secret", env=env)
                settle(cluster)
                seconds, peak, out = koers("import", str(csv_path), "--db", db, env=env)
                imports.append(seconds)
                peaks.append(peak)
                settle(cluster)
                listed, _peak, flags_json = koers("flags", "--format", "json", "--db", db, env=env)
                listings.append(listed)
                sizes.append(database_bytes(db))
        finally:
            if cluster is not None:
                cluster.stop()
        floor = statistics.median(floors)
        print(f"File: {rows:,} check-ins ({args.clients:,} clients x {args.weeks} weeks), {size_mb:.0f} MB")
        print(f"Import output: {out.strip()}")
        flag_count = flags_json.count('"kind"')
        print(f"Flags listed: {flag_count:,}\n")
        print("| measure | median of runs | x floor | goal |")
        print("| --- | --- | --- | --- |")
        floor_name = ("PostgreSQL `COPY` of the file into a table" if args.postgresql
                      else "DuckDB `read_csv` into a table")
        print(f"| {floor_name} (floor) | {floor:.2f} s | 1.0 | |")
        print(f"| `koers import` (validate, write, detect) | {statistics.median(imports):.2f} s | "
              f"{statistics.median(imports) / floor:.1f} | <= 5 |")
        print(f"| `koers flags --format json` (all flags) | {statistics.median(listings):.2f} s | "
              f"{statistics.median(listings) / floor:.1f} | <= 3 |")
        print(f"| peak memory of `koers import` | {max(peaks):.0f} MiB | | <= 1024 MiB |")
        print(f"| database size after the import | {sizes[-1] / 2**20:.0f} MiB, {sizes[-1] / rows:.0f} bytes per "
              "check-in (with its scores, state and flags) | | |")
        print(f"\nRuns: floor {', '.join(f'{s:.2f}' for s in floors)}; import "
              f"{', '.join(f'{s:.2f}' for s in imports)}; flags {', '.join(f'{s:.2f}' for s in listings)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
