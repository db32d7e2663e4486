"""Plotly figures and colours shared by the pages. Pure: data in, figure out.

Colours are the Okabe-Ito palette, readable with the common colour-vision deficiencies, and every
colour and symbol has its entry in the legend (scores, the state bands behind them, the focus strip,
flags and observations), so a coach reads a chart without a manual and no meaning rests on colour
alone. Dates and numbers in hovers are written by `tracking.i18n.formats` (Babel); month ticks follow
the language through the Plotly config the page passes (`formats.plotly_config`).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tracking.i18n import TEXTS, formats, t
from tracking.instrument import CORE_INDICATORS, DYNAMICS, Instrument
from tracking.models import FLAG_KINDS

if TYPE_CHECKING:
    from tracking.store.checkins import TimelinePoint
    from tracking.store.insights import FocusChange, ItemAnswer, ObservationRecord

COLORS = {
    "context": "#E69F00",
    "relational": "#CC79A7",
    "physiological": "#0072B2",
    "identity": "#009E73",
    "mixed": "#7F7F7F",
    "forming": "#7F7F7F",  # drawn hatched: elevated, but no dominant established yet
    "none": "#BDBDBD",
}
FLAG_SYMBOLS = {
    "dominant_shift": "star",
    "focus_mismatch": "square",
    "reliable_deterioration": "triangle-up",
    "reliable_improvement": "triangle-down",
    "missed_checkins": "x",
    "contact_request": "circle",
    "not_on_track": "hourglass",
}
FLAG_TOP = 106  # flags sit just above the 0-100 scores
FLAG_STACK = 6  # points between flags raised on the same day, so none hides another
BAND_OPACITY = 0.13
FOCUS_STRIP = (-9.0, -4.0)
# Observations of one session sit at the same date: each dynamic's diamond has its own size, so
# equal ratings show as nested diamonds instead of one hiding the others.
OBSERVATION_SIZES = dict(zip(DYNAMICS, (9, 13, 17, 21), strict=True))
HOVER_WIDTH = 60  # characters per line of a flag's sentence in its hover
# The expected recovery band under the observed line: green inside, amber above, red well above.
ZONE_COLORS = {"inside": "#3A9E5C", "above": "#E69F00", "well_above": "#D55E00"}
ZONE_OPACITY = {"inside": 0.35, "above": 0.4, "well_above": 0.3}
STATE_ORDER = (*DYNAMICS, "mixed", "forming")


@cache
def zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def state_key(point: TimelinePoint) -> str | None:
    """The state as the chart tells it apart: `forming` is a mixed picture before the client's first
    dominant was established, which is not the same as two dynamics competing."""
    if point.state == "mixed" and point.dominant is None:
        return "forming"
    return point.state


def state_label(lang: str) -> Callable[[str | None], str]:
    def label(state: str | None) -> str:
        if state is None:
            return t("state.unknown", lang)
        if state in DYNAMICS:
            return t(f"dynamic.{state}", lang)
        return t(f"state.{state}", lang)

    return label


def state_cell_style(state: str | None) -> str:
    color = COLORS.get(state or "")
    if color is None:
        return ""
    return f"background-color: {color}33; border-left: 6px solid {color}"


def state_runs(series: list[TimelinePoint]) -> list[tuple[str, datetime, datetime]]:
    """(state, start, end) of consecutive check-ins with the same state (as `state_key` tells them)."""
    runs: list[tuple[str, datetime, datetime]] = []
    for index, point in enumerate(series):
        state = state_key(point)
        if state is None:
            continue
        end = series[index + 1].at if index + 1 < len(series) else point.at + timedelta(days=4)
        if runs and runs[-1][0] == state and runs[-1][2] == point.at:
            runs[-1] = (state, runs[-1][1], end)
        else:
            runs.append((state, point.at, end))
    return runs


def flag_text(flag: dict, lang: str) -> str:
    """One sentence for a coach: the kind, and the evidence in the coach's language."""
    evidence = flag.get("evidence") or {}
    key = f"evidence.{evidence.get('rule')}"
    summary = evidence.get("summary", "")
    if key in TEXTS:
        with suppress(KeyError, ValueError, IndexError):  # a sentence needs numbers this flag lacks
            summary = t(key, lang, **evidence_values(flag, lang))
    kind_label = t(f"flag.{flag['kind']}", lang)
    return f"{kind_label}: {summary}" if summary else kind_label


def evidence_values(flag: dict, lang: str) -> dict:
    """Evidence numbers plus translated names, for the evidence sentences in `tracking.i18n`."""
    evidence = dict(flag.get("evidence") or {})
    for name, value in list(evidence.items()):
        if isinstance(value, float):
            evidence[name] = formats.number(value, lang)
    for field in ("from", "to", "dynamic"):
        if flag.get(field):
            evidence[f"{field}_name"] = t(f"dynamic.{flag[field]}", lang)
    for field in ("focus", "dominant"):
        if evidence.get(field) in DYNAMICS:
            evidence[f"{field}_name"] = t(f"dynamic.{evidence[field]}", lang)
    change = (flag.get("evidence") or {}).get("change_points")
    if isinstance(change, int | float):
        evidence["change_abs"] = formats.number(abs(change), lang)
    if evidence.get("since"):
        evidence["since_date"] = formats.day(datetime.fromisoformat(evidence["since"]), lang)
    missed = evidence.get("missed") or []
    if len(missed) == 2:
        evidence["first_date"], evidence["second_date"] = (
            formats.day(datetime.fromisoformat(moment), lang) for moment in missed)
    return evidence


def wrapped(text: str, width: int = HOVER_WIDTH) -> str:
    """A long sentence broken into lines for a hover label, which Plotly does not wrap itself."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _polygons(spans: Iterable[tuple[datetime, datetime]], low: float, high: float
              ) -> tuple[list[datetime | None], list[float | None]]:
    """Rectangles from x0 to x1 and low to high, as one filled scatter trace (None between them)."""
    xs: list[datetime | None] = []
    ys: list[float | None] = []
    for start, end in spans:
        xs += [start, end, end, start, start, None]
        ys += [low, low, high, high, low, None]
    return xs, ys


def _legend_group(name: str, title: str, rank: int) -> dict[str, Any]:
    return {"legendgroup": name, "legendgrouptitle": {"text": title}, "legendrank": rank}


def timeline_figure(series: list[TimelinePoint], flags: list[dict], focus_changes: list[FocusChange],
                    observations: list[ObservationRecord], lang: str, tz: str) -> go.Figure:
    """The four dynamic scores over time, with state bands, flags, focus periods and observations."""
    figure = go.Figure()
    local = zone(tz)
    at = [p.at.astimezone(local) for p in series]
    days = [formats.weekday_day(moment, lang) for moment in at]
    label = state_label(lang)

    by_state: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for state, start, end in state_runs(series):
        if state != "none":
            by_state[state].append((start.astimezone(local), end.astimezone(local)))
    for rank, state in enumerate(STATE_ORDER):
        if state not in by_state:
            continue
        xs, ys = _polygons(by_state[state], 0, 100)
        name = t("state.forming", lang) if state == "forming" else label(state)
        figure.add_trace(go.Scatter(
            x=xs, y=ys, fill="toself", mode="none", name=name, hoverinfo="skip",
            fillcolor=_rgba(COLORS[state], BAND_OPACITY if state != "forming" else 0.05),
            fillpattern={"shape": "/", "fgcolor": COLORS[state], "fgopacity": 0.35, "size": 8}
            if state == "forming" else None,
            **_legend_group("states", t("chart.legend.states", lang), 200 + rank),
        ))

    _expected_traces(figure, series, focus_changes, lang, local)

    for rank, dynamic in enumerate(DYNAMICS):
        name = t(f"dynamic.{dynamic}", lang)
        scores = [p.scores[dynamic] for p in series]
        figure.add_trace(go.Scatter(
            x=at, y=scores, mode="markers", name=name, showlegend=False, legendgroup=dynamic,
            marker={"color": COLORS[dynamic], "size": 6, "opacity": 0.55},
            customdata=[t("chart.hover.score", lang, dynamic=name, score=formats.number(s, lang, 0), day=d)
                        if s is not None else "" for s, d in zip(scores, days)],
            hovertemplate="%{customdata}<extra></extra>",
        ))
        levels = [p.levels[dynamic] for p in series]
        figure.add_trace(go.Scatter(
            x=at, y=levels, mode="lines+markers", name=name, legendgroup=dynamic, legendrank=100 + rank,
            legendgrouptitle={"text": t("chart.legend.dynamics", lang)} if rank == 0 else None,
            line={"color": COLORS[dynamic], "width": 3}, marker={"size": 0.1, "opacity": 0}, connectgaps=True,
            customdata=[t("chart.hover.level", lang, dynamic=name, score=formats.number(v, lang, 0), day=d)
                        if v is not None else "" for v, d in zip(levels, days)],
            hovertemplate="%{customdata}<extra></extra>",
        ))

    _flag_traces(figure, flags, lang, local)
    _focus_traces(figure, focus_changes, at, lang, local)
    _observation_traces(figure, observations, lang, local)

    top = max([FLAG_TOP, *(trace_top for trace_top in _flag_tops(flags, local))]) + 4
    figure.update_layout(
        height=520, margin={"l": 60, "r": 10, "t": 30, "b": 10}, hovermode="closest",
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "groupclick": "toggleitem"},
        separators=formats.separators(lang),
        yaxis={"title": {"text": t("chart.strain", lang)}, "range": [-10, top], "tickvals": [0, 25, 50, 75, 100]},
        hoverlabel={"align": "left"},
    )
    return figure


def expected_dynamics(series: list[TimelinePoint], focus_changes: list[FocusChange]) -> list[str]:
    """The dynamics whose expected band is drawn: the established dominant and the current focus, the
    dynamics the coach should be moving (see docs/recovery.md)."""
    wanted = [series[-1].dominant] if series and series[-1].dominant in DYNAMICS else []
    focus = focus_changes[-1].focus if focus_changes else None
    if focus in DYNAMICS and focus not in wanted:
        wanted.append(focus)
    return [d for d in wanted if any(p.band.get(d) for p in series)]


def zone_edges(series: list[TimelinePoint], dynamic: str) -> tuple[list[datetime], dict[str, tuple[list, list]]]:
    """The moments the band of `dynamic` is drawn at, and per zone (green inside, amber above, red well
    above) its lower and upper edges, within 0-100."""
    drawn = [(p.at, band) for p in series if (band := p.band.get(dynamic))]
    moments = [moment for moment, _band in drawn]

    def edge(name: str) -> list[float]:
        return [min(max(float(band[name]), 0.0), 100.0) for _moment, band in drawn]

    lower, upper, well_above = edge("lower"), edge("upper"), edge("well_above")
    # Red is drawn as high above its line as amber is above the band: a zone, not the rest of the chart.
    red_top = [min(line + (line - edge_), 100.0) for edge_, line in zip(upper, well_above)]
    return moments, {"inside": (lower, upper), "above": (upper, well_above), "well_above": (well_above, red_top)}


def _expected_traces(figure: go.Figure, series: list[TimelinePoint], focus_changes: list[FocusChange], lang: str,
                     local: ZoneInfo) -> None:
    for rank, dynamic in enumerate(expected_dynamics(series, focus_changes)):
        name = t(f"dynamic.{dynamic}", lang)
        moments, zones = zone_edges(series, dynamic)
        shown = [moment.astimezone(local) for moment in moments]
        group = _legend_group(f"expected.{dynamic}", t("chart.legend.expected", lang, dynamic=name),
                              150 + 10 * rank)
        for offset, (zone_name, (low, high)) in enumerate(zones.items()):
            figure.add_trace(go.Scatter(
                x=shown + shown[::-1], y=high + low[::-1], fill="toself", mode="none",
                fillcolor=_rgba(ZONE_COLORS[zone_name], ZONE_OPACITY[zone_name]), hoverinfo="skip",
                name=t(f"chart.zone.{zone_name}", lang), **{**group, "legendrank": group["legendrank"] + offset},
            ))
        bands = [band for p in series if (band := p.band.get(dynamic))]
        figure.add_trace(go.Scatter(
            x=shown, y=[band["expected"] for band in bands], mode="lines", name=t("chart.expected_line", lang),
            line={"color": COLORS[dynamic], "width": 1.5, "dash": "dash"},
            customdata=[t("chart.hover.expected", lang, dynamic=name, day=formats.weekday_day(moment, lang),
                          expected=formats.number(band["expected"], lang, 0),
                          upper=formats.number(band["upper"], lang, 0))
                        for band, moment in zip(bands, shown)],
            hovertemplate="%{customdata}<extra></extra>", **{**group, "legendrank": group["legendrank"] + 3},
        ))


def _rgba(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _flag_positions(flags: list[dict], local: ZoneInfo) -> list[float]:
    """The height of each flag's marker: flags of one day stack upwards instead of covering each other."""
    seen: dict[object, int] = defaultdict(int)
    heights: list[float] = []
    for flag in flags:
        day = datetime.fromisoformat(flag["at"]).astimezone(local).date()
        heights.append(FLAG_TOP + FLAG_STACK * seen[day])
        seen[day] += 1
    return heights


def _flag_tops(flags: list[dict], local: ZoneInfo) -> list[float]:
    return _flag_positions(flags, local) or [FLAG_TOP]


def _flag_traces(figure: go.Figure, flags: list[dict], lang: str, local: ZoneInfo) -> None:
    heights = dict(zip((id(f) for f in flags), _flag_positions(flags, local), strict=True))
    for rank, kind in enumerate(FLAG_KINDS):
        of_kind = [f for f in flags if f["kind"] == kind]
        if not of_kind:
            continue
        moments = [datetime.fromisoformat(f["at"]).astimezone(local) for f in of_kind]
        figure.add_trace(go.Scatter(
            x=moments, y=[heights[id(f)] for f in of_kind], mode="markers", name=t(f"flag.{kind}", lang),
            marker={"symbol": FLAG_SYMBOLS.get(kind, "circle"), "size": 13, "color": "#1f2a2e",
                    "line": {"width": 1, "color": "white"}},
            customdata=[f"<b>{formats.weekday_day(m, lang)}</b><br>{wrapped(flag_text(f, lang))}"
                        for f, m in zip(of_kind, moments)],
            hovertemplate="%{customdata}<extra></extra>",
            **_legend_group("flags", t("chart.legend.flags", lang), 300 + rank),
        ))


def _focus_traces(figure: go.Figure, focus_changes: list[FocusChange], at: list[datetime], lang: str,
                  local: ZoneInfo) -> None:
    last_shown = at[-1] + timedelta(days=4) if at else None
    spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for index, change in enumerate(focus_changes):
        begins = change.at.astimezone(local)
        stop = focus_changes[index + 1].at.astimezone(local) if index + 1 < len(focus_changes) else last_shown
        if change.focus is None or stop is None or stop <= begins:
            continue
        spans[change.focus].append((begins, stop))
    for rank, dynamic in enumerate(DYNAMICS):
        if dynamic not in spans:
            continue
        xs, ys = _polygons(spans[dynamic], *FOCUS_STRIP)
        figure.add_trace(go.Scatter(
            x=xs, y=ys, fill="toself", mode="none", fillcolor=_rgba(COLORS[dynamic], 0.9),
            name=t("chart.focus_on", lang, dynamic=t(f"dynamic.{dynamic}", lang)), hoveron="fills",
            hoverinfo="name", **_legend_group("focus", t("chart.legend.focus", lang), 400 + rank),
        ))


def _observation_traces(figure: go.Figure, observations: list[ObservationRecord], lang: str,
                        local: ZoneInfo) -> None:
    def hover(observation: ObservationRecord) -> str:
        lines = [t("chart.rating", lang, dynamic=t(f"dynamic.{d}", lang), rating=v)
                 for d, v in observation.ratings.items() if v is not None]
        day = formats.weekday_day(observation.at, lang, local)
        return f"<b>{t('chart.observation_of', lang, day=day)}</b><br>" + "<br>".join(lines)

    for rank, dynamic in enumerate(DYNAMICS):
        rated = [o for o in observations if o.ratings.get(dynamic) is not None]
        if not rated:
            continue
        figure.add_trace(go.Scatter(
            x=[o.at.astimezone(local) for o in rated], y=[(o.ratings[dynamic] or 0) * 10 for o in rated],
            mode="markers", name=t("chart.observation_on", lang, dynamic=t(f"dynamic.{dynamic}", lang)),
            marker={"symbol": "diamond-open", "size": OBSERVATION_SIZES[dynamic], "color": COLORS[dynamic],
                    "line": {"width": 2}},
            customdata=[hover(o) for o in rated], hovertemplate="%{customdata}<extra></extra>",
            **_legend_group("observations", t("chart.legend.observations", lang), 500 + rank),
        ))


def core_figure(series: list[TimelinePoint], lang: str, tz: str) -> go.Figure:
    """Small multiples of the four core indicators, as answered (0-10)."""
    figure = make_subplots(rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.14, horizontal_spacing=0.06,
                           subplot_titles=[t(f"core.{c}", lang) for c in CORE_INDICATORS])
    local = zone(tz)
    at = [p.at.astimezone(local) for p in series]
    days = [formats.weekday_day(moment, lang) for moment in at]
    for index, indicator in enumerate(CORE_INDICATORS):
        values = [p.core[indicator] for p in series]
        figure.add_trace(go.Scatter(
            x=at, y=values, mode="lines+markers", name=t(f"core.{indicator}", lang),
            line={"color": "#2f6f73"}, marker={"size": 5}, showlegend=False, connectgaps=False,
            customdata=[t("chart.hover.answer", lang, day=d, answer=v) if v is not None else ""
                        for v, d in zip(values, days)],
            hovertemplate="%{customdata}<extra></extra>",
        ), row=index // 2 + 1, col=index % 2 + 1)
    figure.update_yaxes(range=[-0.5, 10.5], tickvals=[0, 5, 10])
    figure.update_layout(height=360, margin={"l": 40, "r": 10, "t": 40, "b": 10}, separators=formats.separators(lang))
    return figure


def item_label(item_id: str, question: str, lang: str) -> str:
    """How a coach names an item in a chart: its short name, or the question for an item that has none."""
    key = f"item.{item_id}"
    return t(key, lang) if key in TEXTS else question


def heatmap_figure(answers: list[ItemAnswer], instrument: Instrument, lang: str, tz: str) -> go.Figure:
    """Strain per item (rows, grouped by dynamic) per check-in (columns)."""
    local = zone(tz)
    checkin_times: dict[int, datetime] = {}
    for answer in answers:
        checkin_times.setdefault(answer.checkin_id, answer.at)
    columns = sorted(checkin_times, key=lambda c: checkin_times[c])
    position = {c: i for i, c in enumerate(columns)}
    items = [item for dynamic in DYNAMICS for item in instrument.items_of(dynamic)]
    row_of = {item.id: i for i, item in enumerate(items)}
    strain: list[list[int | None]] = [[None] * len(columns) for _ in items]
    hovers: list[list[str]] = [[""] * len(columns) for _ in items]
    days = [formats.weekday_day(checkin_times[c].astimezone(local), lang) for c in columns]
    for answer in answers:
        if answer.item_id not in row_of:
            continue
        row = row_of[answer.item_id]
        item = items[row]
        column = position[answer.checkin_id]
        value = 10 - answer.value if item.reversed else answer.value
        strain[row][column] = value
        hovers[row][column] = (f"<b>{days[column]}</b><br>{wrapped(item.text[lang])}<br>"
                               + t("chart.hover.item", lang, answer=answer.value, strain=value))
    # Two levels of row labels: the dynamic, named once in full for its items, and each item by name.
    rows = [[t(f"dynamic.{item.dynamic}", lang) for item in items],
            [item_label(item.id, item.text[lang], lang) for item in items]]
    figure = go.Figure(go.Heatmap(
        z=strain, x=[checkin_times[c].astimezone(local) for c in columns], y=rows, zmin=0, zmax=10,
        colorscale="YlOrRd", colorbar={"title": {"text": t("chart.strain_short", lang)}},
        customdata=hovers, hovertemplate="%{customdata}<extra></extra>", xgap=1, ygap=1,
    ))
    figure.update_layout(height=520, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         yaxis={"autorange": "reversed"}, separators=formats.separators(lang),
                         hoverlabel={"align": "left"})
    return figure
