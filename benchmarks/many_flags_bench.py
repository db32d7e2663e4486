"""Many flags: `koers import` and `koers flags --format json` when every client's dynamics drift.

    python benchmarks/many_flags_bench.py [--clients 10000] [--weeks 100] [--runs 3]

Every client's four dynamics drift up and down over months: a sine with a period of about a year
(48-60 weeks, drawn per client), an amplitude of about 2.5 item points (2-3) and its own phase per
dynamic, around a per-client level, plus weekly noise. Dominants shift and scores really change, so
the file raises a large number of flags (the reliable-change rule used before raised about
150,000-180,000 on it). Timed like `import_bench.py`, against the same floor: DuckDB loading the
file into a table of a new database file.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_bench import command_env, floor_seconds, koers, settle, write_checkins  # noqa: E402
from tracking.instrument import DYNAMICS  # noqa: E402


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def timed_cpu(run, who: int):
    """`run()`'s result and the CPU seconds it took (all threads), less sensitive than wall time to a
    machine shared with other work."""
    before = cpu_seconds(who)
    result = run()
    return result, cpu_seconds(who) - before


def generate(path: Path, clients: int, weeks: int, seed: int = 11) -> None:
    """Check-ins whose latent strain per dynamic follows a slow sine; written by DuckDB for speed."""
    def uniform(*parts: object) -> str:
        """A number in [0, 1) from a hash of the parts (reproducible per client, week, item)."""
        return f"((hash({', '.join(str(p) for p in parts)}, {seed}) % 1000000) / 1000000.0)"

    period = f"(48 + 12 * {uniform('c', repr('period'))})"
    level = {
        d: (f"(3.5 + 2.0 * {uniform('c', repr(d), repr('level'))} + (2.0 + {uniform('c', repr(d), repr('amp'))})"
            f" * sin(2 * pi() * (w / {period} + {uniform('c', repr(d), repr('phase'))})))")
        for d in DYNAMICS
    }

    def strain(item: str, dynamic: str) -> str:
        noise = f"(({uniform('c', 'w', repr(item))} + {uniform('c', 'w', repr(item), 2)} - 1.0) * 2.4)"
        return f"({level[dynamic]} + {noise})"

    write_checkins(path, clients, weeks, strain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="koers-many-flags-"))
    try:
        csv_path = work / "checkins.csv"
        generate(csv_path, args.clients, args.weeks)
        size_mb = csv_path.stat().st_size / 1e6
        env = command_env()
        floors, imports, listings, peaks = [], [], [], []
        cpu: dict[str, list[float]] = {"floor": [], "import": [], "flags": []}
        db = work / "koers.duckdb"
        for _run in range(args.runs):
            settle()
            floor, floor_cpu = timed_cpu(lambda: floor_seconds(csv_path, work), resource.RUSAGE_SELF)
            floors.append(floor)
            cpu["floor"].append(floor_cpu)
            for leftover in work.glob("koers.duckdb*"):
                leftover.unlink()
            koers("init", "--db", str(db), "--no-secret", env=env)
            settle()
            (seconds, peak, out), import_cpu = timed_cpu(
                lambda: koers("import", str(csv_path), "--db", str(db), env=env), resource.RUSAGE_CHILDREN)
            imports.append(seconds)
            peaks.append(peak)
            cpu["import"].append(import_cpu)
            settle()
            (listed, _peak, flags_json), flags_cpu = timed_cpu(
                lambda: koers("flags", "--format", "json", "--db", str(db), env=env), resource.RUSAGE_CHILDREN)
            listings.append(listed)
            cpu["flags"].append(flags_cpu)
        floor = statistics.median(floors)
        counts = duckdb.connect(str(db), read_only=True).execute(
            "SELECT kind, count(*), count(*) FILTER (WHERE status = 'open') FROM flags GROUP BY kind ORDER BY kind"
        ).fetchall()
        print(f"File: {args.clients * args.weeks:,} check-ins ({args.clients:,} clients x {args.weeks} weeks), "
              f"{size_mb:.0f} MB")
        print(f"Import output: {out.strip()}")
        listed_flags = flags_json.count('"kind":')
        print(f"Flags listed: {listed_flags:,} ({len(flags_json) / 1e6:.0f} MB of JSON)")
        print("Flags by kind (all, open): " + ", ".join(f"{k} {n:,} ({o:,})" for k, n, o in counts) + "\n")
        print("| measure | median of runs | x floor | goal |")
        print("| --- | --- | --- | --- |")
        print(f"| DuckDB `read_csv` into a table (floor) | {floor:.2f} s | 1.0 | |")
        print(f"| `koers import` (validate, write, detect) | {statistics.median(imports):.2f} s | "
              f"{statistics.median(imports) / floor:.1f} | <= 5 |")
        print(f"| `koers flags --format json` (all flags) | {statistics.median(listings):.2f} s | "
              f"{statistics.median(listings) / floor:.1f} | <= 3 |")
        print(f"| peak memory of `koers import` | {max(peaks):.0f} MiB | | <= 1024 MiB |")
        print(f"\nRuns: floor {', '.join(f'{s:.2f}' for s in floors)}; import "
              f"{', '.join(f'{s:.2f}' for s in imports)}; flags {', '.join(f'{s:.2f}' for s in listings)}")
        floor_cpu = statistics.median(cpu["floor"])
        import_cpu, flags_cpu = statistics.median(cpu["import"]), statistics.median(cpu["flags"])
        print(f"CPU seconds (all threads), median: floor {floor_cpu:.2f}, import {import_cpu:.2f} "
              f"(x{import_cpu / floor_cpu:.1f}), flags {flags_cpu:.2f} (x{flags_cpu / floor_cpu:.1f}); "
              f"load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
