"""Plotly figures and colours shared by the pages. Pure: data in, figure out.

Colours are the Okabe-Ito palette, readable with the common colour-vision deficiencies, and every
colour also carries a name (legend, label or hover), so no meaning rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tracking.i18n import TEXTS, date_text, t
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
    "none": "#BDBDBD",
}
FLAG_SYMBOLS = {
    "dominant_shift": "star",
    "focus_mismatch": "square",
    "reliable_deterioration": "triangle-up",
    "reliable_improvement": "triangle-down",
    "missed_checkins": "x",
    "contact_request": "circle",
}
FLAG_TOP = 106  # flags sit just above the 0-100 scores


@cache
def zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


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


def _runs(series: list[TimelinePoint]) -> list[tuple[str, datetime, datetime]]:
    """(state, start, end) of consecutive check-ins with the same state."""
    runs: list[tuple[str, datetime, datetime]] = []
    for index, point in enumerate(series):
        state = point.state
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
    for field in ("from", "to", "dynamic"):
        if flag.get(field):
            evidence[f"{field}_name"] = t(f"dynamic.{flag[field]}", lang)
    for field in ("focus", "dominant"):
        if evidence.get(field) in DYNAMICS:
            evidence[f"{field}_name"] = t(f"dynamic.{evidence[field]}", lang)
    if "change_points" in evidence:
        evidence["change_abs"] = round(abs(evidence["change_points"]), 1)
    if evidence.get("since"):
        evidence["since_date"] = date_text(datetime.fromisoformat(evidence["since"]), lang)
    missed = evidence.get("missed") or []
    if len(missed) == 2:
        evidence["first_date"], evidence["second_date"] = (
            date_text(datetime.fromisoformat(moment), lang) for moment in missed)
    return evidence


def timeline_figure(series: list[TimelinePoint], flags: list[dict], focus_changes: list[FocusChange],
                    observations: list[ObservationRecord], lang: str, tz: str) -> go.Figure:
    """The four dynamic scores over time, with state bands, flags, focus periods and observations."""
    figure = go.Figure()
    local = zone(tz)
    at = [p.at.astimezone(local) for p in series]
    for state, start, end in _runs(series):
        if state == "none":
            continue
        figure.add_vrect(x0=start.astimezone(local), x1=end.astimezone(local), fillcolor=COLORS[state],
                         opacity=0.13, line_width=0, layer="below")
    for dynamic in DYNAMICS:
        name = t(f"dynamic.{dynamic}", lang)
        figure.add_trace(go.Scatter(
            x=at, y=[p.scores[dynamic] for p in series], mode="markers", name=name, legendgroup=dynamic,
            marker={"color": COLORS[dynamic], "size": 6, "opacity": 0.55}, showlegend=False,
            hovertemplate=f"{name}: %{{y:.0f}}<extra>%{{x|%d %b %Y}}</extra>",
        ))
        figure.add_trace(go.Scatter(
            x=at, y=[p.levels[dynamic] for p in series], mode="lines", name=name, legendgroup=dynamic,
            line={"color": COLORS[dynamic], "width": 3}, connectgaps=True,
            hovertemplate=f"{name} ({t('chart.trend', lang)}): %{{y:.0f}}<extra></extra>",
        ))
    for kind in FLAG_KINDS:
        of_kind = [f for f in flags if f["kind"] == kind]
        if not of_kind:
            continue
        figure.add_trace(go.Scatter(
            x=[datetime.fromisoformat(f["at"]).astimezone(local) for f in of_kind], y=[FLAG_TOP] * len(of_kind),
            mode="markers", name=t(f"flag.{kind}", lang),
            marker={"symbol": FLAG_SYMBOLS[kind], "size": 13, "color": "#1f2a2e",
                    "line": {"width": 1, "color": "white"}},
            text=[flag_text(f, lang) for f in of_kind], hovertemplate="%{text}<extra>%{x|%d %b %Y}</extra>",
        ))
    last_shown = at[-1] + timedelta(days=4) if at else None
    for index, change in enumerate(focus_changes):
        begins = change.at.astimezone(local)
        stop = focus_changes[index + 1].at.astimezone(local) if index + 1 < len(focus_changes) else last_shown
        if change.focus is None or stop is None or stop <= begins:
            continue
        figure.add_shape(type="rect", x0=begins, x1=stop, y0=-9, y1=-4, fillcolor=COLORS[change.focus],
                         line_width=0, opacity=0.9)
        focus_name = t(f"dynamic.{change.focus}", lang)
        figure.add_trace(go.Scatter(
            x=[begins + (stop - begins) / 2], y=[-6.5], mode="markers", marker={"size": 1, "opacity": 0},
            showlegend=False, hovertemplate=f"{t('chart.focus', lang)}: {focus_name}<extra></extra>",
        ))
    if observations:
        for dynamic in DYNAMICS:
            rated = [o for o in observations if o.ratings.get(dynamic) is not None]
            if not rated:
                continue
            name = t(f"dynamic.{dynamic}", lang)
            figure.add_trace(go.Scatter(
                x=[o.at.astimezone(local) for o in rated], y=[(o.ratings[dynamic] or 0) * 10 for o in rated],
                mode="markers", name=t("chart.observation", lang), legendgroup="observations",
                showlegend=dynamic == DYNAMICS[0],
                marker={"symbol": "diamond-open", "size": 11, "color": COLORS[dynamic], "line": {"width": 2}},
                hovertemplate=f"{t('chart.observation', lang)} — {name}: %{{y:.0f}}<extra>%{{x|%d %b %Y}}</extra>",
            ))
    figure.update_layout(
        height=430, margin={"l": 50, "r": 10, "t": 30, "b": 10}, hovermode="closest",
        legend={"orientation": "h", "y": -0.15},
        yaxis={"title": t("chart.strain", lang), "range": [-10, 110], "tickvals": [0, 25, 50, 75, 100]},
    )
    return figure


def core_figure(series: list[TimelinePoint], lang: str, tz: str) -> go.Figure:
    """Small multiples of the four core indicators, as answered (0-10)."""
    figure = make_subplots(rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.14, horizontal_spacing=0.06,
                           subplot_titles=[t(f"core.{c}", lang) for c in CORE_INDICATORS])
    local = zone(tz)
    at = [p.at.astimezone(local) for p in series]
    for index, indicator in enumerate(CORE_INDICATORS):
        figure.add_trace(go.Scatter(
            x=at, y=[p.core[indicator] for p in series], mode="lines+markers", name=t(f"core.{indicator}", lang),
            line={"color": "#2f6f73"}, marker={"size": 5}, showlegend=False, connectgaps=False,
            hovertemplate="%{y}<extra>%{x|%d %b %Y}</extra>",
        ), row=index // 2 + 1, col=index % 2 + 1)
    figure.update_yaxes(range=[-0.5, 10.5], tickvals=[0, 5, 10])
    figure.update_layout(height=360, margin={"l": 40, "r": 10, "t": 40, "b": 10})
    return figure


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
    answered: list[list[int | None]] = [[None] * len(columns) for _ in items]
    for answer in answers:
        if answer.item_id not in row_of:
            continue
        row = row_of[answer.item_id]
        item = items[row]
        strain[row][position[answer.checkin_id]] = 10 - answer.value if item.reversed else answer.value
        answered[row][position[answer.checkin_id]] = answer.value
    labels = [f"{t(f'dynamic.{item.dynamic}', lang)[:12]} · {item.id.replace('_', ' ')}" for item in items]
    questions = [[item.text[lang]] * len(columns) for item in items]
    figure = go.Figure(go.Heatmap(
        z=strain, x=[checkin_times[c].astimezone(local) for c in columns], y=labels, zmin=0, zmax=10,
        colorscale="YlOrRd", colorbar={"title": t("chart.strain_short", lang)},
        customdata=[[[q, a] for q, a in zip(qrow, arow)] for qrow, arow in zip(questions, answered)],
        hovertemplate="%{customdata[0]}<br>" + t("chart.answer", lang) + ": %{customdata[1]} · "
                      + t("chart.strain_short", lang) + ": %{z}<extra>%{x|%d %b %Y}</extra>",
    ))
    figure.update_layout(height=480, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         yaxis={"autorange": "reversed"})
    return figure
