"""Size benchmark: what a week of reminders adds to the database, on DuckDB and on PostgreSQL.

    python benchmarks/size_bench.py [--clients 2000]

On a fresh database of each kind: one coach and `--clients` clients with a weekly reminder, then
one run of the scheduler at their reminder time, which creates each client's check-in period and
personal link, queues the invitation and sends it (as an `.eml` file, so no mail server is needed;
the stored copy keeps its text, with the link's token removed). The growth of the database divided
by the number of clients is what a week of invitations costs per client. Together with the bytes
per check-in that `benchmarks/import_bench.py` reports, it gives docs/sizing.md its figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_bench import database_bytes  # noqa: E402

SECRET_KEY = "size-bench-secret-key-0123456789abcdefgh"
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam


def week_of_invitations(location, address: str, clients: int, folder: Path) -> tuple[int, int]:
    """(bytes before, bytes after) one week of invitations to `clients` clients."""
    from tracking.context import open_context
    from tracking.mail.send import run_once
    from tracking.settings import load_settings
    from tracking.store import accounts
    from tracking.store import clients as client_store

    ctx = open_context(load_settings({"KOERS_SECRET_KEY": SECRET_KEY, "KOERS_OUTBOX_DIR": str(folder)},
                                     secrets_file=None, db=location))
    added = MONDAY - timedelta(days=30)
    with ctx.db.write() as con:
        coach = accounts.add_coach(con, email="coach@example.org", name="Ada", password_hash="-", is_admin=False,
                                   now=added)
        for number in range(clients):
            client_store.add_client(con, client_id=f"C{number:05d}", coach_id=coach.id,
                                    email=f"c{number}@client.example", name=f"Client {number}", lang="nl",
                                    tz="Europe/Amsterdam", reminder_weekday=0, reminder_time="09:00", now=added)
    before = database_bytes(address)
    summary = run_once(ctx, clock=lambda: MONDAY + timedelta(minutes=1))
    if len(summary.send.sent) < clients:
        raise SystemExit(f"only {len(summary.send.sent)} of {clients} invitations were sent")
    return before, database_bytes(address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="koers-size-"))
    from tests.postgres import Cluster

    cluster = Cluster().start()
    try:
        os.environ.pop("KOERS_DB", None)
        print(f"One week of invitations to {args.clients:,} clients (period, personal link, email sent and kept)\n")
        print("| database | before | after | bytes per client-week |")
        print("| --- | --- | --- | --- |")
        duckdb_file = work / "koers.duckdb"
        url = cluster.new_database(migrated=False)
        for name, location, address in (("DuckDB", duckdb_file, str(duckdb_file)), ("PostgreSQL", url, url.url)):
            before, after = week_of_invitations(location, address, args.clients, work / name)
            print(f"| {name} | {before / 2**20:.1f} MiB | {after / 2**20:.1f} MiB | "
                  f"{(after - before) / args.clients:,.0f} |")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
