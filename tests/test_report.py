"""The printable report: static SVG charts in the reader's language with every colour and symbol in
the legend, small enough to open at once, with nothing that runs."""

from __future__ import annotations

import re

import pytest

from dashboard import report_charts
from dashboard.report import report_html
from tests.conftest import NOW
from tests.factories import OPERATOR, context
from tracking.i18n import t
from tracking.usecases.clients import caseload_rows, client_bundle


@pytest.fixture(scope="module")
def longest(demo_template):
    """The demo client with the most check-ins, and its page's data."""
    ctx = context(demo_template)
    bundles = [client_bundle(ctx, OPERATOR.viewer, row["id"]) for row in caseload_rows(ctx, OPERATOR.viewer)]
    return max(bundles, key=lambda bundle: (len(bundle.observations) > 0, len(bundle.timeline)))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_draws_its_charts_as_svg_in_the_readers_language(longest, lang):
    bundle = longest
    flags = [f for f in bundle.flags if f["status"] != "resolved"]
    timeline = report_charts.timeline_svg(bundle.timeline, flags, bundle.focus_changes, bundle.observations, lang,
                                          bundle.client.tz)
    core = report_charts.core_svg(bundle.timeline, lang, bundle.client.tz)
    page = report_html(client=bundle.client, coach_name="Anne", generated=NOW, summary=["…"], charts=[timeline, core],
                       flags=[], focus=[], observations=[], lang=lang)
    assert len(page.encode()) < 150_000  # the Plotly report with plotly.js inlined was about 4.8 MB
    assert "<script" not in page and "plotly" not in page.lower()
    assert f">{t('chart.strain', lang)}</text>" in timeline  # the axis title whole, in one piece
    months = r"\b(mei|jun|jul|aug|sep|okt|nov) 2026\b" if lang == "nl" else r"\b(May|Jun|Jul|Aug|Sept|Oct|Nov) 2026\b"
    assert re.search(months, timeline)
    for title in ("chart.legend.dynamics", "chart.legend.states", "chart.legend.flags"):
        assert t(title, lang) in timeline
    if bundle.observations:
        assert t("chart.legend.observations", lang) in timeline
    for dynamic in ("context", "relational", "physiological", "identity"):
        assert t(f"dynamic.{dynamic}", lang) in timeline


def test_observations_are_listed_by_day_with_their_ratings():
    from tracking.models import Client

    client = Client("C1", 1, "Sanne", None, "nl", "Europe/Amsterdam", 0, "09:00", "active", False, None, None, NOW)
    page = report_html(client=client, coach_name="Anne", generated=NOW, summary=[], charts=[], flags=[], focus=[],
                       observations=[["ma 23 nov 2026", "Context 8/10 en Identiteit 3/10", "Schouders gespannen"]],
                       lang="nl")
    assert "<th>Datum</th><th>Inschatting (0-10)</th><th>Observatie</th>" in page
    assert "Context 8/10 en Identiteit 3/10" in page
