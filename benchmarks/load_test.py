"""Load test: clients check in and coaches browse at once, beside the running dashboard and scheduler.

    python benchmarks/load_test.py [--clients 50] [--coaches 10] [--workers 8] [--pages 4]

On one DuckDB file (the demo data plus extra clients, each with a personal link):
- the dashboard server (`streamlit run dashboard/app.py`) and `koers scheduler` run as their own
  processes, as in production, and keep using the file throughout;
- simulated users run in `--workers` separate processes, all at once: each client opens their link
  and submits a full check-in, each coach pages through their caseload and client pages. They run
  the app's own page scripts through Streamlit's AppTest (the same code the server runs for a
  browser session, without rendering), so each user is a real Streamlit session of the real app.

Afterwards it checks that every check-in is stored exactly once against its period, that no user
saw an error, and that the scheduler is still running; it prints throughput and p50/p95 latencies as
a Markdown table for docs/benchmarks.md. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_users import client_session, coach_session, warm_up  # noqa: E402

SECRET_KEY = "load-test-secret-key-0123456789abcdefgh"
APP = str(ROOT / "dashboard" / "app.py")


def _env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_")}
    env.update({"KOERS_DB": str(db), "KOERS_SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(ROOT)})
    return env


def prepare(workdir: Path, extra_clients: int) -> tuple[Path, list[str], list[int]]:
    """Demo data, extra clients, a fresh link per client; returns (db, tokens, coach ids)."""
    os.environ.update({"KOERS_DB": str(workdir / "koers.duckdb"), "KOERS_SECRET_KEY": SECRET_KEY})
    from tracking.clock import utcnow
    from tracking.context import Actor, open_context
    from tracking.settings import load_settings
    from tracking.usecases import clients, coaches, data, links

    ctx = open_context(load_settings(secrets_file=None))
    operator = Actor.operator()
    now = utcnow()
    data.load_demo(ctx, operator, now=now, seed=7, if_empty=False)
    coach_list = [account.coach for account in coaches.coach_accounts(ctx, operator)]
    coach_ids = [coach.id for coach in coach_list]
    for number in range(extra_clients):
        clients.add_client(ctx, operator, f"L-{number:03d}", clients.ClientDetails(
            email=f"load{number}@client.example", name=f"Load {number}"),
            coach_email=coach_list[number % len(coach_list)].email, now=now)
    tokens = []
    for number in range(extra_clients):
        fresh = links.fresh_checkin_link(ctx, operator, f"L-{number:03d}", now=utcnow())
        tokens.append(fresh.url.split("?t=", 1)[1])
    return ctx.settings.db, tokens, coach_ids


def start_processes(workdir: Path, db: Path) -> list[subprocess.Popen]:
    env = _env(db)
    port = _free_port()
    log = open(workdir / "processes.log", "w")  # noqa: SIM115 - closed with the processes
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port), "--server.headless", "true"],
        env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
    )
    scheduler = subprocess.Popen([sys.executable, "-m", "tracking", "scheduler"], env=env, cwd=workdir,
                                 stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)  # waiting for the server to start, bounded by the deadline
    return [server, scheduler]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _noop(_index: int) -> None:
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def verify(db: Path, clients: int) -> tuple[int, int, list[str]]:
    """(check-ins stored, periods answered twice, failures)."""
    import duckdb

    failures = []
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT count(*) FROM checkins WHERE client_id LIKE 'L-%'").fetchone()[0]
        duplicates = con.execute(
            "SELECT count(*) FROM (SELECT period_id FROM checkins WHERE client_id LIKE 'L-%' "
            "GROUP BY period_id HAVING count(*) > 1)").fetchone()[0]
        unlinked = con.execute("SELECT count(*) FROM checkins WHERE client_id LIKE 'L-%' AND period_id IS NULL"
                               ).fetchone()[0]
        completed = con.execute("SELECT count(*) FROM periods WHERE client_id LIKE 'L-%' AND status = 'completed'"
                                ).fetchone()[0]
    if stored != clients:
        failures.append(f"{stored} check-ins stored for {clients} clients (lost or duplicated)")
    if duplicates or unlinked:
        failures.append(f"{duplicates} periods with two check-ins, {unlinked} check-ins without a period")
    if completed != clients:
        failures.append(f"{completed} of {clients} periods completed")
    return stored, duplicates, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--coaches", type=int, default=10)
    parser.add_argument("--workers", type=int, default=30, help="processes running the simulated users")
    parser.add_argument("--pages", type=int, default=4, help="client pages each coach opens after the caseload")
    parser.add_argument("--ramp-seconds", type=float, default=20.0,
                        help="users arrive spread over this many seconds (0: all at the same instant)")
    parser.add_argument("--think-seconds", type=float, default=5.0,
                        help="mean time a client takes to answer, and a coach reads a page (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="koers-load-"))
    processes = []
    try:
        db, tokens, coach_ids = prepare(workdir, args.clients)
        processes = start_processes(workdir, db)
        rng = random.Random(args.seed)
        results = []
        with ProcessPoolExecutor(max_workers=args.workers, initializer=warm_up) as pool:
            list(pool.map(_noop, range(args.workers)))  # every worker started and warmed up
            begin = time.time() + 1
            started = time.perf_counter()

            def arrival() -> float:
                return begin + rng.uniform(0, args.ramp_seconds)

            def think() -> float:
                return rng.uniform(0.4, 1.6) * args.think_seconds

            futures = [pool.submit(client_session, APP, str(db), SECRET_KEY, token, arrival(), think())
                       for token in tokens]
            futures += [pool.submit(coach_session, APP, str(db), SECRET_KEY, coach_ids[n % len(coach_ids)],
                                    args.pages, arrival(), think() / 3) for n in range(args.coaches)]
            for future in as_completed(futures):
                results.append(future.result())
        elapsed = time.perf_counter() - started
        alive = [p.poll() is None for p in processes]
        stored, duplicated, failures = verify(db, args.clients)
        problems = [p for r in results for p in r["problems"]]
        if problems:
            failures.append(f"{len(problems)} errors shown to users, e.g. {problems[0][:200]}")
        if not all(alive):
            failures.append("the dashboard server or the scheduler stopped during the test")
        submits = [r["submit"] for r in results if r["kind"] == "client"]
        opens = [r["open"] for r in results if r["kind"] == "client"]
        pages = [t for r in results if r["kind"] == "coach" for t in r["pages"]]
        print(f"{args.clients} clients checking in and {args.coaches} coaches browsing ({len(pages)} page views), "
              f"arriving over {args.ramp_seconds:g} s, think time about {args.think_seconds:g} s; "
              f"{args.workers} worker processes beside the dashboard server and the scheduler; "
              f"{os.cpu_count()} CPUs\n")
        print("| measure | value |")
        print("| --- | --- |")
        print(f"| wall time | {elapsed:.1f} s |")
        print(f"| throughput | {len(submits) / elapsed:.1f} check-ins/s, {len(pages) / elapsed:.1f} coach pages/s |")
        print(f"| open a link: p50 / p95 | {statistics.median(opens):.2f} s / {percentile(opens, 0.95):.2f} s |")
        print(f"| submit a check-in: p50 / p95 | {statistics.median(submits):.2f} s / "
              f"{percentile(submits, 0.95):.2f} s |")
        print(f"| coach page: p50 / p95 | {statistics.median(pages):.2f} s / {percentile(pages, 0.95):.2f} s |")
        print(f"| check-ins sent / stored / lost / duplicated | {len(submits)} / {stored} / "
              f"{max(0, len(submits) - stored)} / {duplicated} |")
        print(f"| errors shown to users | {len(problems)} |")
        for failure in failures:
            print(f"\nFAILED: {failure}")
        return 1 if failures else 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
