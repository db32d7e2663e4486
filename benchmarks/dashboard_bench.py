"""Dashboard benchmark: the caseload and a client page for a coach with 200 clients x a year of check-ins.

    python benchmarks/dashboard_bench.py [--clients 200] [--weeks 52] [--runs 5]

Each page is rendered through Streamlit's AppTest (the page's own Python, queries and charts, without
a browser), signed in as the coach. "Cold" clears Streamlit's data cache first, as after a change;
"warm" is the next render within the cache's lifetime. Results are printed as a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SECRET_KEY = "dashboard-benchmark-secret-key-0123456789"


def build_database(workdir: Path, clients: int, weeks: int) -> Path:
    from import_bench import generate

    from tracking.context import Actor, open_context
    from tracking.settings import load_settings
    from tracking.usecases import coaches, data

    db_path = workdir / "koers.duckdb"
    ctx = open_context(load_settings({}, secrets_file=None, db=db_path))
    coaches.add_coach(ctx, Actor.operator(), "coach@bench.example", "Bench Coach", "bench-password")
    csv_path = workdir / "checkins.csv"
    generate(csv_path, clients, weeks)
    data.import_checkins(ctx, Actor.operator(), csv_path, coach_email="coach@bench.example")
    return db_path


def render(page: str, coach_id: int, **query) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.session_state["coach_id"] = coach_id
    at.session_state["last_active"] = datetime.now(UTC)
    at.session_state["lang"] = "en"
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py")
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"{page} failed: {at.exception[0].value}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="koers-dash-bench-") as tmp:
        workdir = Path(tmp)
        db_path = build_database(workdir, args.clients, args.weeks)
        os.environ["KOERS_DB"] = str(db_path)
        os.environ["KOERS_SECRET_KEY"] = SECRET_KEY
        os.chdir(workdir)
        import streamlit as st

        from dashboard import runtime

        client = "client-00007"
        results = {}
        render("caseload", 1)  # imports, settings and the first connection, as a running server has them
        for page, query in (("caseload", {}), ("client", {"client": client})):
            cold, warm = [], []
            for _run in range(args.runs):
                st.cache_data.clear()
                runtime._settings_and_db.clear()
                cold.append(render(page, 1, **query))
                warm.append(render(page, 1, **query))
            results[page] = (statistics.median(cold), max(cold), statistics.median(warm))
        print(f"{args.clients} clients x {args.weeks} weekly check-ins, one coach; {args.runs} runs each\n")
        print("| page | cold render, median | cold, worst | warm render, median | goal |")
        print("| --- | --- | --- | --- | --- |")
        for page, (median_cold, worst_cold, median_warm) in results.items():
            print(f"| {page} | {median_cold:.2f} s | {worst_cold:.2f} s | {median_warm:.2f} s | < 1 s |")


if __name__ == "__main__":
    main()
