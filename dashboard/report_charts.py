"""The printable report's charts as static SVG: the same picture as the page's Plotly charts (scores,
the smoothed course, state bands, focus strip, flags and observations; the core indicators) in a few
kilobytes, so the report opens at once, prints sharp and needs no JavaScript.

Pure: data in, markup out. Every text is escaped; dates and numbers come from
`tracking.i18n.formats`. A legend in HTML under each chart names every colour and symbol.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dashboard.charts import (
    COLORS,
    FLAG_SYMBOLS,
    OBSERVATION_SIZES,
    STATE_ORDER,
    ZONE_COLORS,
    ZONE_OPACITY,
    expected_dynamics,
    flag_text,
    state_label,
    state_runs,
    zone,
    zone_edges,
)
from tracking.i18n import formats, t
from tracking.instrument import CORE_INDICATORS, DYNAMICS
from tracking.models import FLAG_KINDS

if TYPE_CHECKING:
    from tracking.store.checkins import TimelinePoint
    from tracking.store.insights import FocusChange, ObservationRecord

FONT = "font-family:system-ui,sans-serif;font-size:11px;fill:#1f2a2e"
MONTH_TICK_PX = 80  # room a month label ("sept 2026") needs, so labels never run into each other


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Frame:
    """A plot area inside an SVG: maps moments and values to pixels."""

    left: float
    top: float
    width: float
    height: float
    start: datetime
    end: datetime
    low: float
    high: float

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        return self.left + self.width * (moment - self.start).total_seconds() / span

    def y(self, value: float) -> float:
        return self.top + self.height * (self.high - value) / (self.high - self.low)


def _month_ticks(frame: Frame, lang: str, tz: str) -> list[str]:
    local = zone(tz)
    first = frame.start.astimezone(local)
    month = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = []
    while month <= frame.end:
        if month >= first:
            months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    room = max(1, int(frame.width // MONTH_TICK_PX))
    step = max(1, -(-len(months) // room))
    parts = []
    bottom = frame.top + frame.height
    for moment in months[::step]:
        x = frame.x(moment)
        parts.append(f'<line x1="{x:.1f}" y1="{frame.top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#e3e7e4"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle" style="{FONT}">'
                     f"{_e(formats.month(moment, lang))}</text>")
    return parts


def _value_ticks(frame: Frame, values: Sequence[int], lang: str) -> list[str]:
    parts = []
    for value in values:
        y = frame.y(value)
        parts.append(f'<line x1="{frame.left:.1f}" y1="{y:.1f}" x2="{frame.left + frame.width:.1f}" y2="{y:.1f}" '
                     'stroke="#e3e7e4"/>')
        parts.append(f'<text x="{frame.left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" style="{FONT}">'
                     f"{_e(formats.count(value, lang))}</text>")
    return parts


def _symbol(kind: str, x: float, y: float, size: float = 6.0) -> str:
    """A flag's marker: the same shape as on the page."""
    shape = FLAG_SYMBOLS.get(kind, "circle")
    fill = 'fill="#1f2a2e" stroke="white" stroke-width="1"'
    if shape == "square":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}" {fill}/>'
    if shape in ("triangle-up", "triangle-down"):
        sign = -1 if shape == "triangle-up" else 1
        points = (f"{x:.1f},{y + sign * size:.1f} {x - size:.1f},{y - sign * size:.1f} "
                  f"{x + size:.1f},{y - sign * size:.1f}")
        return f'<polygon points="{points}" {fill}/>'
    if shape == "x":
        return (f'<path d="M{x - size:.1f},{y - size:.1f}L{x + size:.1f},{y + size:.1f}M{x - size:.1f},{y + size:.1f}'
                f'L{x + size:.1f},{y - size:.1f}" stroke="#1f2a2e" stroke-width="2.5"/>')
    if shape == "star":
        points = " ".join(
            f"{x + (size * 1.3 if i % 2 == 0 else size * 0.55) * math.sin(i * math.pi / 5):.1f},"
            f"{y - (size * 1.3 if i % 2 == 0 else size * 0.55) * math.cos(i * math.pi / 5):.1f}"
            for i in range(10))
        return f'<polygon points="{points}" {fill}/>'
    if shape == "hourglass":
        return (f'<polygon points="{x - size:.1f},{y - size:.1f} {x + size:.1f},{y - size:.1f} {x - size:.1f},'
                f'{y + size:.1f} {x + size:.1f},{y + size:.1f}" {fill}/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {fill}/>'


def _diamond(x: float, y: float, size: float, color: str) -> str:
    half = size / 2
    return (f'<polygon points="{x:.1f},{y - half:.1f} {x + half:.1f},{y:.1f} {x:.1f},{y + half:.1f} '
            f'{x - half:.1f},{y:.1f}" fill="none" stroke="{color}" stroke-width="2"/>')


HATCH = ('<defs><pattern id="forming" width="8" height="8" patternUnits="userSpaceOnUse" '
         'patternTransform="rotate(45)"><rect width="8" height="8" fill="#7F7F7F" fill-opacity="0.05"/>'
         '<line x1="0" y1="0" x2="0" y2="8" stroke="#7F7F7F" stroke-opacity="0.35" stroke-width="2"/></pattern></defs>')


def _band_fill(state: str) -> str:
    return 'fill="url(#forming)"' if state == "forming" else f'fill="{COLORS[state]}" fill-opacity="0.13"'


def _swatch(markup: str) -> str:
    return f'<svg width="22" height="16" viewBox="0 0 22 16" aria-hidden="true">{markup}</svg>'


def _legend(groups: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """An HTML legend: per group a title and its entries, each a small SVG swatch and a name."""
    rows = []
    for title, entries in groups:
        if not entries:
            continue
        items = "".join(f'<span class="key">{_swatch(swatch)} {_e(name)}</span>' for swatch, name in entries)
        rows.append(f'<div class="legend-group"><strong>{_e(title)}</strong> {items}</div>')
    return f'<div class="legend">{"".join(rows)}</div>'


def timeline_svg(series: list[TimelinePoint], flags: list[dict], focus_changes: list[FocusChange],
                 observations: list[ObservationRecord], lang: str, tz: str) -> str:
    """The four dynamics over time, with the page's bands, strip, flags and observations, and its legend."""
    local = zone(tz)
    width, height = 900, 380
    start = series[0].at
    end = series[-1].at + timedelta(days=4)
    moments = [start, end, *(o.at for o in observations)]
    frame = Frame(left=62, top=14, width=width - 62 - 12, height=height - 14 - 34,
                  start=min(moments), end=max(moments), low=-10, high=118)
    parts = [HATCH]
    title = t("chart.strain", lang)
    parts.append(f'<text transform="translate(14,{frame.top + frame.height / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle" style="{FONT}">{_e(title)}</text>')
    parts += _value_ticks(frame, (0, 25, 50, 75, 100), lang)
    parts += _month_ticks(frame, lang, tz)
    states_seen: list[str] = []
    for state, begins, ends in state_runs(series):
        if state == "none":
            continue
        if state not in states_seen:
            states_seen.append(state)
        x0, x1 = frame.x(begins), frame.x(ends)
        parts.append(f'<rect x="{x0:.1f}" y="{frame.y(100):.1f}" width="{max(x1 - x0, 0.5):.1f}" '
                     f'height="{frame.y(0) - frame.y(100):.1f}" {_band_fill(state)}/>')
    focus_seen: list[str] = []
    for index, change in enumerate(focus_changes):
        stop = focus_changes[index + 1].at if index + 1 < len(focus_changes) else end
        if change.focus is None or stop <= change.at:
            continue
        if change.focus not in focus_seen:
            focus_seen.append(change.focus)
        x0, x1 = frame.x(change.at), frame.x(stop)
        parts.append(f'<rect x="{x0:.1f}" y="{frame.y(-4):.1f}" width="{x1 - x0:.1f}" '
                     f'height="{frame.y(-9) - frame.y(-4):.1f}" fill="{COLORS[change.focus]}" fill-opacity="0.9"/>')
    banded = expected_dynamics(series, focus_changes)
    for dynamic in banded:
        parts += _expected_band(frame, series, dynamic)
    for dynamic in DYNAMICS:
        color = COLORS[dynamic]
        for point in series:
            score = point.scores[dynamic]
            if score is not None:
                parts.append(f'<circle cx="{frame.x(point.at):.1f}" cy="{frame.y(score):.1f}" r="2.5" '
                             f'fill="{color}" fill-opacity="0.55"/>')
        line = [(frame.x(p.at), frame.y(level)) for p in series if (level := p.levels[dynamic]) is not None]
        if line:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>')
    stacked: dict[object, int] = {}
    kinds_seen = []
    for flag in flags:
        moment = datetime.fromisoformat(flag["at"])
        day = moment.astimezone(local).date()
        level = stacked.get(day, 0)
        stacked[day] = level + 1
        if flag["kind"] not in kinds_seen:
            kinds_seen.append(flag["kind"])
        parts.append(f"<g><title>{_e(formats.weekday_day(moment, lang, tz))}: {_e(flag_text(flag, lang))}</title>"
                     f"{_symbol(flag['kind'], frame.x(moment), frame.y(106 + 6 * level))}</g>")
    rated_seen = []
    for observation in observations:
        for dynamic, rating in observation.ratings.items():
            if rating is None:
                continue
            if dynamic not in rated_seen:
                rated_seen.append(dynamic)
            parts.append(_diamond(frame.x(observation.at), frame.y(rating * 10), OBSERVATION_SIZES[dynamic],
                                  COLORS[dynamic]))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{_e(t("overview.dynamics", lang))}">{"".join(parts)}</svg>')
    label = state_label(lang)
    legend = _legend([
        (t("chart.legend.dynamics", lang), [
            (f'<line x1="1" y1="8" x2="21" y2="8" stroke="{COLORS[d]}" stroke-width="2.5"/>'
             f'<circle cx="11" cy="8" r="2.5" fill="{COLORS[d]}" fill-opacity="0.55"/>', t(f"dynamic.{d}", lang))
            for d in DYNAMICS]),
        *((t("chart.legend.expected", lang, dynamic=t(f"dynamic.{d}", lang)), [
            *((f'<rect x="1" y="2" width="20" height="12" fill="{ZONE_COLORS[z]}" fill-opacity="{ZONE_OPACITY[z]}"/>',
               t(f"chart.zone.{z}", lang)) for z in ZONE_COLORS),
            (f'<line x1="1" y1="8" x2="21" y2="8" stroke="{COLORS[d]}" stroke-width="1.5" stroke-dasharray="4 3"/>',
             t("chart.expected_line", lang))]) for d in banded),
        (t("chart.legend.states", lang), [
            (HATCH + f'<rect x="1" y="2" width="20" height="12" {_band_fill(s)} stroke="#d7dedb"/>',
             t("state.forming", lang) if s == "forming" else label(s))
            for s in STATE_ORDER if s in states_seen]),
        (t("chart.legend.focus", lang), [
            (f'<rect x="1" y="5" width="20" height="6" fill="{COLORS[d]}" fill-opacity="0.9"/>',
             t(f"dynamic.{d}", lang)) for d in DYNAMICS if d in focus_seen]),
        (t("chart.legend.flags", lang), [
            (_symbol(kind, 11, 8, 5), t(f"flag.{kind}", lang)) for kind in FLAG_KINDS if kind in kinds_seen]),
        (t("chart.legend.observations", lang), [
            (_diamond(11, 8, 12, COLORS[d]), t(f"dynamic.{d}", lang)) for d in DYNAMICS if d in rated_seen]),
    ])
    return f'<figure class="chart">{svg}{legend}</figure>'


def _expected_band(frame: Frame, series: list[TimelinePoint], dynamic: str) -> list[str]:
    """The expected band of `dynamic` as three zones (green, amber, red) and its dashed expected line."""
    moments, zones = zone_edges(series, dynamic)
    xs = [frame.x(moment) for moment in moments]
    parts = []
    for name, (low, high) in zones.items():
        outline = [*zip(xs, high), *zip(xs[::-1], low[::-1])]
        points = " ".join(f"{x:.1f},{frame.y(value):.1f}" for x, value in outline)
        parts.append(f'<polygon points="{points}" fill="{ZONE_COLORS[name]}" fill-opacity="{ZONE_OPACITY[name]}"/>')
    bands = [band for p in series if (band := p.band.get(dynamic))]
    line = " ".join(f"{x:.1f},{frame.y(band['expected']):.1f}" for x, band in zip(xs, bands))
    parts.append(f'<polyline points="{line}" fill="none" stroke="{COLORS[dynamic]}" stroke-width="1.5" '
                 'stroke-dasharray="4 3"/>')
    return parts


def core_svg(series: list[TimelinePoint], lang: str, tz: str) -> str:
    """The four core indicators as answered (0-10), small multiples in one SVG."""
    width, height = 900, 360
    panel_w, panel_h = (width - 20) / 2, (height - 10) / 2
    start, end = series[0].at, series[-1].at + timedelta(days=4)
    parts = []
    for index, indicator in enumerate(CORE_INDICATORS):
        left = 10 + (index % 2) * panel_w
        top = (index // 2) * panel_h
        frame = Frame(left=left + 34, top=top + 22, width=panel_w - 46, height=panel_h - 50,
                      start=start, end=end, low=-0.5, high=10.5)
        parts.append(f'<text x="{left + panel_w / 2:.1f}" y="{top + 14:.1f}" text-anchor="middle" '
                     f'style="{FONT};font-size:13px;font-weight:600">{_e(t(f"core.{indicator}", lang))}</text>')
        parts += _value_ticks(frame, (0, 5, 10), lang)
        parts += _month_ticks(frame, lang, tz)
        segment: list[str] = []
        segments = [segment]
        for point in series:
            value = point.core[indicator]
            if value is None:
                segment = []
                segments.append(segment)
                continue
            x, y = frame.x(point.at), frame.y(value)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2f6f73"/>')
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#2f6f73" stroke-width="2"/>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{_e(t("overview.core", lang))}">{"".join(parts)}</svg>')
    return f'<figure class="chart">{svg}<p class="legend">{_e(t("overview.core_help", lang))}</p></figure>'
