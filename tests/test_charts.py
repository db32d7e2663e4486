"""The client's charts read without a manual: every colour and symbol has its legend entry, a mixed
picture before a first dominant is told apart from mixed, hovers carry ratings and whole sentences
in the coach's language, and markers of one day do not hide each other."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import charts, report_charts
from tracking.i18n import t
from tracking.instrument import DYNAMICS, load_instrument
from tracking.store.checkins import TimelinePoint
from tracking.store.insights import FocusChange, ItemAnswer, ObservationRecord

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
AMS = "Europe/Amsterdam"


def point(week: int, state: str | None, dominant: str | None, context: float = 60.0) -> TimelinePoint:
    scores = {"context": context, "relational": 40.0, "physiological": 30.0, "identity": 20.0}
    return TimelinePoint(id=week, at=START + timedelta(weeks=week), source="link", instrument_version="1",
                         contact_request=False, note=None, edited_at=None, scores=scores,
                         core={"sleep": 5, "energy": 5, "reactivity": 5, "meaning": 5}, state=state,
                         dominant=dominant, levels=dict(scores))


SERIES = [point(0, "mixed", None), point(1, "mixed", None), point(2, "context", "context"),
          point(3, "context", "context"), point(4, "mixed", "context"), point(5, "mixed", "context")]
SHIFT = {"id": 1, "kind": "dominant_shift", "at": (START + timedelta(weeks=3)).isoformat(), "from": "relational",
         "to": "context", "dynamic": None, "status": "open",
         "evidence": {"rule": "dominant_shift.v1", "lead_points": 6.5, "margin_points": 4.0, "swing_points": 15.25,
                      "shift_points": 13.5}}
MISMATCH = {"id": 2, "kind": "focus_mismatch", "at": (START + timedelta(weeks=3)).isoformat(), "from": None,
            "to": None, "dynamic": None, "status": "open",
            "evidence": {"rule": "focus_mismatch", "focus": "identity", "dominant": "context",
                         "since": START.isoformat()}}
FOCUS = [FocusChange("identity", START + timedelta(weeks=1), "Anne", None)]
SESSION = START + timedelta(weeks=2, hours=4)
OBSERVATIONS = [ObservationRecord(1, SESSION, "Anne", None, None, None, None,
                                  {"context": 8, "relational": 8, "physiological": None, "identity": 3}, None)]


@pytest.fixture(params=["nl", "en"])
def figure(request):
    return request.param, charts.timeline_figure(SERIES, [SHIFT, MISMATCH], FOCUS, OBSERVATIONS, request.param, AMS)


def legend(figure) -> dict[str, str]:
    """Legend entry name -> its group's title, for the entries the legend shows."""
    titles = {}
    for trace in figure.data:
        if trace.showlegend is False:
            continue
        titles.setdefault(trace.legendgroup, trace.legendgrouptitle.text)
    return {trace.name: titles.get(trace.legendgroup) for trace in figure.data if trace.showlegend is not False}


def test_every_colour_and_symbol_has_its_legend_entry(figure):
    lang, drawn = figure
    entries = legend(drawn)
    for dynamic in DYNAMICS:
        assert t(f"dynamic.{dynamic}", lang) in entries  # the lines and dots of each dynamic
    assert entries[t("state.forming", lang)] == t("chart.legend.states", lang)
    assert entries[t("state.mixed", lang)] == t("chart.legend.states", lang)
    assert entries[t("chart.focus_on", lang, dynamic=t("dynamic.identity", lang))] == t("chart.legend.focus", lang)
    assert entries[t("flag.dominant_shift", lang)] == t("chart.legend.flags", lang)
    for dynamic in ("context", "relational", "identity"):
        name = t("chart.observation_on", lang, dynamic=t(f"dynamic.{dynamic}", lang))
        assert entries[name] == t("chart.legend.observations", lang)


def test_mixed_before_a_first_dominant_is_drawn_apart_from_mixed(figure):
    lang, drawn = figure
    bands = {trace.name: trace for trace in drawn.data if trace.fill == "toself"}
    forming, mixed = bands[t("state.forming", lang)], bands[t("state.mixed", lang)]
    assert forming.fillpattern.shape == "/" and not mixed.fillpattern.shape


def test_an_observations_hover_gives_its_ratings_out_of_ten(figure):
    lang, drawn = figure
    [hover] = {trace.customdata[0] for trace in drawn.data
               if trace.name and trace.name.startswith(t("chart.observation_on", lang, dynamic=""))}
    assert t("chart.rating", lang, dynamic=t("dynamic.context", lang), rating=8) in hover
    assert t("chart.rating", lang, dynamic=t("dynamic.identity", lang), rating=3) in hover
    assert ("ma 18 mei 2026" if lang == "nl" else "Mon, 18 May 2026") in hover


def test_markers_of_one_day_do_not_hide_each_other(figure):
    _lang, drawn = figure
    flags = [trace for trace in drawn.data if trace.legendgroup == "flags"]
    assert sorted(y for trace in flags for y in trace.y) == [charts.FLAG_TOP, charts.FLAG_TOP + charts.FLAG_STACK]
    sizes = [trace.marker.size for trace in drawn.data if trace.legendgroup == "observations"]
    assert len(set(sizes)) == len(sizes) == 3  # equal ratings on one day nest instead of covering each other


def test_a_flags_hover_shows_its_sentence_whole_in_lines_with_the_numbers_of_the_language(figure):
    lang, drawn = figure
    [shift] = [trace for trace in drawn.data if trace.name == t("flag.dominant_shift", lang)]
    hover = shift.customdata[0]
    lines = hover.split("<br>")[1:]
    assert len(lines) > 2 and all(len(line) <= charts.HOVER_WIDTH for line in lines)
    assert ("15,2" if lang == "nl" else "15.2") in hover.replace("<br>", " ")


def test_the_heat_map_names_items_and_their_dynamics_in_full():
    instrument = load_instrument()
    answers = [ItemAnswer(1, START, item.id, 4) for item in instrument.items]
    drawn = charts.heatmap_figure(answers, instrument, "nl", AMS)
    dynamics, items = drawn.data[0].y
    assert "Relationele patronen" in dynamics and "Lichaam / energie" in dynamics
    assert "Wie ik ben los van werk" in items and "self apart from work" not in " ".join(items)
    assert all("_" not in name for name in items)


def banded(week: int, expected: float | None, observed: float) -> TimelinePoint:
    """A point whose physiological dynamic (the dominant) has an expected band around `expected`."""
    scores = {"context": 20.0, "relational": 25.0, "physiological": observed, "identity": 22.0}
    band = None if expected is None else {"expected": expected, "lower": expected - 8, "upper": expected + 8,
                                          "well_above": expected + 18, "observed": observed, "zone": "above"}
    return replace(point(week, "physiological", "physiological"), scores=scores, levels=dict(scores),
                   expected={**dict.fromkeys(DYNAMICS), "physiological": expected},
                   band={**dict.fromkeys(DYNAMICS), "physiological": band})


BANDED = [banded(0, None, 80.0), banded(1, None, 80.0), *(banded(w, 80.0 - 3 * w, 80.0) for w in range(2, 10))]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_expected_band_is_drawn_under_the_observed_line_green_amber_red_with_its_legend(lang):
    drawn = charts.timeline_figure(BANDED, [], [], [], lang, AMS)
    band = [trace for trace in drawn.data if trace.legendgroup == "expected.physiological"]
    title = t("chart.legend.expected", lang, dynamic=t("dynamic.physiological", lang))
    assert [trace.name for trace in band] == [t("chart.zone.inside", lang), t("chart.zone.above", lang),
                                              t("chart.zone.well_above", lang), t("chart.expected_line", lang)]
    assert {trace.legendgrouptitle.text for trace in band} == {title}
    assert [trace.fillcolor[:14] for trace in band[:3]] == ["rgba(58,158,92", "rgba(230,159,0", "rgba(213,94,0,"]
    inside = band[0]
    assert len(inside.x) == 2 * 8 and inside.y[0] == 82.0 and inside.y[-1] == 66.0  # weeks 2-9: upper, then lower
    observed = next(trace for trace in drawn.data if trace.legendgroup == "physiological" and trace.mode != "markers")
    assert drawn.data.index(band[-1]) < drawn.data.index(observed)  # under the observed line
    assert charts.expected_dynamics(SERIES, FOCUS) == []  # nothing to draw without a band


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_draws_the_same_band_with_its_legend(lang):
    svg = report_charts.timeline_svg(BANDED, [], [], [], lang, AMS)
    for color in charts.ZONE_COLORS.values():
        assert f'fill="{color}"' in svg
    assert 'stroke-dasharray="4 3"' in svg
    for key in ("chart.zone.inside", "chart.zone.above", "chart.zone.well_above", "chart.expected_line"):
        assert t(key, lang) in svg
    assert t("chart.legend.expected", lang, dynamic=t("dynamic.physiological", lang)) in svg
