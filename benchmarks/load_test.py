"""Load test: clients check in and coaches browse at once, beside running dashboards and schedulers.

    python benchmarks/load_test.py [--clients 50] [--coaches 10] [--workers 30] [--pages 4]
    python benchmarks/load_test.py --postgresql --clients 200 --coaches 20 --dashboards 3 --schedulers 2 \\
        --kill-scheduler --workers 40 --ramp-seconds 60

On one database (the demo data plus extra clients, each with a personal link): a DuckDB file, or
with `--postgresql` a throwaway PostgreSQL server of its own (tests/postgres.py), or the server
`--db postgresql://...` names.
- `--dashboards` dashboard servers (`streamlit run dashboard/app.py`) and `--schedulers` schedulers
  (`koers scheduler`) run as their own processes, as in production, and keep using the database;
- simulated users run in `--workers` separate processes, all at once: each client opens their link
  and submits a full check-in, each coach pages through their caseload and client pages. They run
  the app's own page scripts through Streamlit's AppTest (the same code the server runs for a
  browser session, without rendering), so each user is a real Streamlit session of the real app,
  and each worker is one more process running the dashboard's code on the shared database.

With more than one scheduler, the schedulers send through a real SMTP server on loopback (each
conversation takes `--smtp-delay` seconds), and the extra clients' first invitations fall due while
the users are busy. `--kill-scheduler` is the fault: the first scheduler is killed (SIGKILL) in the
middle of an SMTP conversation, before the server accepted the email; the other scheduler queues
that email again once its claim times out (KOERS_CLAIM_TIMEOUT_MINUTES, 2 here) and sends it.

Afterwards it checks that every check-in is stored exactly once against its period, that no user
saw an error, that the servers and the surviving schedulers are still running, and, with the SMTP
server, that every email in the outbox arrived exactly once (by its Message-ID) and nothing is left
unsent. It prints throughput and p50/p95 latencies as a Markdown table for docs/benchmarks.md.
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_users import client_session, coach_session, warm_up  # noqa: E402

SECRET_KEY = "load-test-secret-key-0123456789abcdefgh"
APP = str(ROOT / "dashboard" / "app.py")
MAIL_DOMAIN = "practice.example"
CLAIM_TIMEOUT_MINUTES = 2  # the shortest Koers allows: the killed scheduler's email waits this long
KILL_AT_MESSAGE = 5  # the victim is killed during its fifth SMTP conversation


def _address(location: Any) -> str:
    """KOERS_DB for a child process: a path, or the whole server address (with its password)."""
    return getattr(location, "url", None) or str(location)


def _env(location: Any, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOERS_")}
    env.update({"KOERS_DB": _address(location), "KOERS_SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(ROOT),
                "KOERS_CLAIM_TIMEOUT_MINUTES": str(CLAIM_TIMEOUT_MINUTES), **extra})
    return env


def prepare(location: Any, extra_clients: int, invite_soon: bool) -> tuple[list[str], list[int]]:
    """Demo data, extra clients, a fresh link per client; returns (tokens, coach ids). With
    `invite_soon`, the extra clients' first invitation is due two minutes from now."""
    os.environ.update({"KOERS_DB": _address(location), "KOERS_SECRET_KEY": SECRET_KEY})
    from tracking.clock import utcnow
    from tracking.context import Actor, open_context
    from tracking.settings import load_settings
    from tracking.usecases import clients, coaches, data, links

    ctx = open_context(load_settings(secrets_file=None))
    operator = Actor.operator()
    now = utcnow()
    data.load_demo(ctx, operator, now=now, seed=7, if_empty=False)
    coach_list = [account.coach for account in coaches.coach_accounts(ctx, operator)]
    soon = now + timedelta(minutes=2)
    schedule = {"tz": "UTC", "weekday": soon.weekday(), "time": f"{soon:%H:%M}"} if invite_soon else {}
    for number in range(extra_clients):
        clients.add_client(ctx, operator, f"L-{number:03d}", clients.ClientDetails(
            email=f"load{number}@client.example", name=f"Load {number}", **schedule),
            coach_email=coach_list[number % len(coach_list)].email, now=now)
    tokens = []
    for number in range(extra_clients):
        fresh = links.fresh_checkin_link(ctx, operator, f"L-{number:03d}", now=utcnow())
        tokens.append(fresh.url.split("?t=", 1)[1])
    return tokens, [coach.id for coach in coach_list]


class MailServer:
    """A real SMTP server on loopback that records every message it accepts, takes `delay` seconds
    per conversation, and can hold one conversation of the victim scheduler (known by its sender
    address) until the victim has been killed: the email is then not accepted."""

    def __init__(self, port: int, delay: float, victim: str | None):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.victim = victim
        self.accepted: list[tuple[str, str]] = []  # (Message-ID, sender)
        self.victim_messages = 0
        self.holding = threading.Event()
        self.killed: asyncio.Event | None = None
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        await asyncio.sleep(self.delay)
        sender = envelope.mail_from
        if sender == self.victim:
            self.victim_messages += 1
            if self.victim_messages == KILL_AT_MESSAGE:
                self.killed = asyncio.Event()
                self.holding.set()
                await self.killed.wait()
                return "451 4.3.0 the sender went away"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.accepted.append((str(message["Message-ID"]), sender))
        return "250 OK"

    def release(self) -> None:
        if self.killed is not None:
            self.controller.loop.call_soon_threadsafe(self.killed.set)


def start_processes(workdir: Path, location: Any, dashboards: int, schedulers: int,
                    mail_port: int | None) -> tuple[list[subprocess.Popen[bytes]], list[subprocess.Popen[bytes]]]:
    log = open(workdir / "processes.log", "w")  # noqa: SIM115 - closed with the processes
    servers, senders = [], []
    for _number in range(dashboards):
        port = _free_port()
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port), "--server.headless", "true"],
            env=_env(location), cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
        ))
        _wait_healthy(port)
    for number in range(schedulers):
        mail = {} if mail_port is None else {
            "KOERS_SMTP_HOST": "127.0.0.1", "KOERS_SMTP_PORT": str(mail_port), "KOERS_SMTP_STARTTLS": "false",
            "KOERS_MAIL_FROM": f"koers-{number + 1}@{MAIL_DOMAIN}"}
        senders.append(subprocess.Popen([sys.executable, "-m", "tracking", "scheduler"], env=_env(location, **mail),
                                        cwd=workdir, stdout=log, stderr=subprocess.STDOUT))
    return servers, senders


def _wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # waiting for the server to start, bounded by the deadline
    raise SystemExit(f"the dashboard server on port {port} did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _noop(_index: int) -> None:
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _store(location: Any) -> Any:
    from tracking.store import database

    return database(location)


def verify(location: Any, clients: int) -> tuple[int, int, list[str]]:
    """(check-ins stored, periods answered twice, failures)."""
    failures = []
    with _store(location).read() as con:
        stored = con.execute("SELECT count(*) FROM checkins WHERE client_id LIKE 'L-%'").fetchall()[0][0]
        duplicates = con.execute(
            "SELECT count(*) FROM (SELECT period_id FROM checkins WHERE client_id LIKE 'L-%' "
            "GROUP BY period_id HAVING count(*) > 1) AS twice").fetchall()[0][0]
        unlinked = con.execute("SELECT count(*) FROM checkins WHERE client_id LIKE 'L-%' AND period_id IS NULL"
                               ).fetchall()[0][0]
        completed = con.execute("SELECT count(*) FROM periods WHERE client_id LIKE 'L-%' AND status = 'completed'"
                                ).fetchall()[0][0]
    if stored != clients:
        failures.append(f"{stored} check-ins stored for {clients} clients (lost or duplicated)")
    if duplicates or unlinked:
        failures.append(f"{duplicates} periods with two check-ins, {unlinked} check-ins without a period")
    if completed != clients:
        failures.append(f"{completed} of {clients} periods completed")
    return stored, duplicates, failures


def unsent(location: Any, clients: int) -> int:
    """Emails still to go out (pending, being sent, or failed with a next attempt), counting the extra
    clients' invitations that are not queued yet."""
    with _store(location).read() as con:
        waiting = con.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                              "OR (status = 'failed' AND next_attempt_at IS NOT NULL)").fetchall()[0][0]
        invited = con.execute("SELECT count(DISTINCT client_id) FROM outbox WHERE kind = 'invitation' "
                              "AND client_id LIKE 'L-%'").fetchall()[0][0]
    return int(waiting) + clients - int(invited)


def verify_mail(location: Any, server: MailServer) -> tuple[dict[str, int], list[str]]:
    """Every email the outbox records as sent arrived exactly once; nothing arrived that it does not hold."""
    from tracking.mail.transports import message_id
    from tracking.store import outbox

    with _store(location).read() as con:
        rows = outbox.listing(con, limit=1_000_000)
    sent = {message_id(row, f"koers@{MAIL_DOMAIN}"): row for row in rows if row.status == "sent"}
    arrived = collections.Counter(mid for mid, _sender in server.accepted)
    duplicated = sorted(mid for mid, n in arrived.items() if n > 1)
    missing = sorted(mid for mid in sent if mid not in arrived)
    unknown = sorted(mid for mid in arrived if mid not in sent)
    failures = []
    if duplicated:
        failures.append(f"{len(duplicated)} emails arrived more than once, e.g. {duplicated[0]}")
    if missing or unknown:
        failures.append(f"{len(missing)} sent emails never arrived, {len(unknown)} arrived unrecorded")
    by_sender = collections.Counter(sender for _mid, sender in server.accepted)
    figures = {"outbox rows": len(rows), "sent": len(sent), "arrived": sum(arrived.values()),
               "duplicated": len(duplicated), **{f"sent by {s}": n for s, n in sorted(by_sender.items())}}
    return figures, failures


def _server_location(args: argparse.Namespace, workdir: Path) -> tuple[Any, Any]:
    """(where the database is, the throwaway server to stop afterwards or None)."""
    from tracking.settings import DatabaseURL

    if args.db:
        return DatabaseURL(args.db), None
    if not args.postgresql:
        return workdir / "koers.duckdb", None
    from tests.postgres import Cluster

    cluster = Cluster()
    cluster.start()
    return cluster.new_database(migrated=False), cluster


def _kill_when_held(server: MailServer, victim: subprocess.Popen[bytes], log: list[str]) -> None:
    if server.holding.wait(timeout=600):
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        log.append(f"scheduler 1 killed at {time.strftime('%H:%M:%S')} during its SMTP conversation "
                   f"number {KILL_AT_MESSAGE}, before the server accepted the email")
    server.release()


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
    parser.add_argument("--db", help="a postgresql:// address to use (its database must be empty)")
    parser.add_argument("--postgresql", action="store_true", help="a throwaway PostgreSQL server of its own")
    parser.add_argument("--dashboards", type=int, default=1, help="dashboard server processes")
    parser.add_argument("--schedulers", type=int, default=1, help="scheduler processes")
    parser.add_argument("--kill-scheduler", action="store_true", help="kill the first scheduler mid-send")
    parser.add_argument("--smtp-delay", type=float, default=0.05, help="seconds per SMTP conversation")
    args = parser.parse_args()
    with_mail = args.schedulers > 1 or args.kill_scheduler
    workdir = Path(tempfile.mkdtemp(prefix="koers-load-"))
    servers: list[subprocess.Popen[bytes]] = []
    senders: list[subprocess.Popen[bytes]] = []
    events: list[str] = []
    cluster = mail = None
    try:
        location, cluster = _server_location(args, workdir)
        tokens, coach_ids = prepare(location, args.clients, invite_soon=with_mail)
        if with_mail:
            mail = MailServer(_free_port(), args.smtp_delay,
                              f"koers-1@{MAIL_DOMAIN}" if args.kill_scheduler else None)
            mail.controller.start()
        servers, senders = start_processes(workdir, location, args.dashboards, args.schedulers,
                                           mail.controller.port if mail else None)
        if mail and args.kill_scheduler:
            threading.Thread(target=_kill_when_held, args=(mail, senders[0], events), daemon=True).start()
        rng = random.Random(args.seed)
        results = []
        context = multiprocessing.get_context()
        warmed = context.Barrier(args.workers)  # no worker takes a user before every worker is warm
        with ProcessPoolExecutor(max_workers=args.workers, mp_context=context, initializer=warm_up,
                                 initargs=(warmed,)) as pool:
            list(pool.map(_noop, range(args.workers)))  # returns once the barrier let every worker through
            begin = time.time() + 1
            started = time.perf_counter()

            def arrival() -> float:
                return begin + rng.uniform(0, args.ramp_seconds)

            def think() -> float:
                return rng.uniform(0.4, 1.6) * args.think_seconds

            db = _address(location)
            users = [(arrival(), client_session, (APP, db, SECRET_KEY, token), think()) for token in tokens]
            users += [(arrival(), coach_session, (APP, db, SECRET_KEY, coach_ids[n % len(coach_ids)], args.pages),
                       think() / 3) for n in range(args.coaches)]
            users.sort(key=lambda user: user[0])  # a free worker takes the next user to arrive
            futures = [pool.submit(session, *arguments, at, thinking) for at, session, arguments, thinking in users]
            for future in as_completed(futures):
                results.append(future.result())
        elapsed = time.perf_counter() - started
        stored, duplicated, failures = verify(location, args.clients)
        mail_figures: dict[str, int] = {}
        if mail:
            # The killed scheduler's email waits for its claim to time out; then a run sends it.
            deadline = time.monotonic() + 60 * (CLAIM_TIMEOUT_MINUTES + 5)
            while unsent(location, args.clients) and time.monotonic() < deadline:
                time.sleep(5)  # the schedulers send on their own minute; waiting for them, bounded
            mail_figures, mail_failures = verify_mail(location, mail)
            failures += mail_failures
            if left := unsent(location, args.clients):
                failures.append(f"{left} emails still unsent after the claim timeout")
            if args.kill_scheduler and not events:
                failures.append("the scheduler to be killed never reached the mail server")
        expected_dead = {0} if args.kill_scheduler else set()
        if not all(p.poll() is None for p in servers):
            failures.append("a dashboard server stopped during the test")
        if any((p.poll() is None) == (n in expected_dead) for n, p in enumerate(senders)):
            failures.append("a scheduler stopped during the test")
        problems = [p for r in results for p in r["problems"]]
        if problems:
            failures.append(f"{len(problems)} errors shown to users, e.g. {problems[0][:200]}")
        submits = [r["submit"] for r in results if r["kind"] == "client"]
        opens = [r["open"] for r in results if r["kind"] == "client"]
        pages = [t for r in results if r["kind"] == "coach" for t in r["pages"]]
        kind = "PostgreSQL" if not isinstance(location, Path) else "DuckDB"
        print(f"{kind}: {args.clients} clients checking in and {args.coaches} coaches browsing ({len(pages)} page "
              f"views), arriving over {args.ramp_seconds:g} s, think time about {args.think_seconds:g} s; "
              f"{args.workers} worker processes beside {args.dashboards} dashboard server(s) and "
              f"{args.schedulers} scheduler(s); {os.cpu_count()} CPUs\n")
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
        for name, value in mail_figures.items():
            print(f"| emails {name} | {value} |")
        for event in events:
            print(f"\n{event}")
        for failure in failures:
            print(f"\nFAILED: {failure}")
        return 1 if failures else 0
    finally:
        for process in servers + senders:
            if process.poll() is None:
                process.terminate()
        for process in servers + senders:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if mail is not None:
            mail.release()
            mail.controller.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
