"""Printable report benchmark: file size and opening time in Debian's chromium, for the demo clients with
the most check-ins, with the report's static SVG charts against the same charts as Plotly HTML with
plotly.js inlined (how the report was made before).

    python benchmarks/report_bench.py [--clients 3] [--runs 5]

Opening time is the browser's own measure: from the start of navigation to the end of the `load`
event of the file (Plotly draws its charts before that), the median of `--runs` fresh pages. Results
are printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def reports(workdir: Path, clients: int) -> list[tuple[str, Path, Path]]:
    """(client, SVG report, Plotly report) for the demo clients with the most check-ins."""
    from dashboard import charts, report_charts
    from dashboard.report import report_html
    from tracking.context import Actor, open_context
    from tracking.settings import load_settings
    from tracking.usecases import data
    from tracking.usecases.clients import caseload_rows, client_bundle

    ctx = open_context(load_settings({}, secrets_file=None, db=workdir / "koers.duckdb"))
    operator = Actor.operator()
    now = datetime.now(UTC)
    data.load_demo(ctx, operator, now=now, seed=2026, if_empty=False)
    rows = caseload_rows(ctx, operator.viewer)
    bundles = [client_bundle(ctx, operator.viewer, row["id"]) for row in rows]
    bundles.sort(key=lambda bundle: len(bundle.timeline), reverse=True)
    made = []
    for bundle in bundles[:clients]:
        client, lang = bundle.client, bundle.client.lang
        flags = [f for f in bundle.flags if f["status"] != "resolved"]
        rows_of = {"flags": [[f["at"], f["kind"], f["status"], charts.flag_text(f, lang)] for f in bundle.flags],
                   "focus": [[c.at.isoformat(), c.focus or "", c.note or ""] for c in bundle.focus_changes],
                   "observations": [[o.at.date().isoformat(), "", o.note or ""] for o in bundle.observations]}
        svg = [report_charts.timeline_svg(bundle.timeline, flags, bundle.focus_changes, bundle.observations, lang,
                                          client.tz),
               report_charts.core_svg(bundle.timeline, lang, client.tz)]
        figures = [charts.timeline_figure(bundle.timeline, flags, bundle.focus_changes, bundle.observations, lang,
                                          client.tz),
                   charts.core_figure(bundle.timeline, lang, client.tz)]
        plotly = [figure.to_html(full_html=False, include_plotlyjs=index == 0,
                                 config={"displaylogo": False, "staticPlot": True})
                  for index, figure in enumerate(figures)]
        paths = []
        for name, drawn in (("svg", svg), ("plotly", plotly)):
            path = workdir / f"report-{client.id}-{name}.html"
            path.write_text(report_html(client=client, coach_name="Bench", generated=now, summary=[], charts=drawn,
                                        lang=lang, **rows_of), encoding="utf-8")
            paths.append(path)
        made.append((f"{client.id} ({len(bundle.timeline)} check-ins)", paths[0], paths[1]))
    return made


def opening_ms(browser, path: Path, runs: int) -> float:
    times = []
    for _run in range(runs):
        page = browser.new_page()
        page.goto(path.as_uri(), wait_until="load")
        times.append(page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"))
        page.close()
    return statistics.median(times)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        made = reports(Path(folder), args.clients)
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        print("| client | SVG report | opens in | Plotly report (plotly.js inlined) | opens in |")
        print("| --- | --- | --- | --- | --- |")
        for label, svg, plotly in made:
            svg_ms, plotly_ms = opening_ms(browser, svg, args.runs), opening_ms(browser, plotly, args.runs)
            print(f"| {label} | {svg.stat().st_size / 1024:,.0f} KB | {svg_ms:,.0f} ms "
                  f"| {plotly.stat().st_size / 1024 / 1024:,.1f} MB | {plotly_ms:,.0f} ms |")
        browser.close()


if __name__ == "__main__":
    main()
