"""The client's own trend: the four core indicators as they answered them, one small chart each.

Kind and simple by design: no flags, no scores, no dynamic names; each chart is titled with what the
client was asked and carries that item's own end anchors, so "up" never has to be guessed from
colour. One calm colour; the latest point is larger and also given in words beside the chart.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from dashboard.checkin.present import when
from tracking.i18n import formats, t
from tracking.instrument import CORE_INDICATORS, Instrument

if TYPE_CHECKING:
    from tracking.store.submissions import CorePoint

LINE_COLOR = "#2f6f73"  # the theme's primary colour
MIN_POINTS = 2
MAX_TICKS = 4  # dates under a chart 360 px wide


def indicator_figure(series: list[CorePoint], indicator: str, lang: str, tz: str) -> go.Figure:
    """One indicator over time on 0-10; answered check-ins only, so a skipped week is not a zero."""
    zone = ZoneInfo(tz)
    points = [(p.at.astimezone(zone), p.core[indicator]) for p in series if p.core[indicator] is not None]
    x = [at for at, _value in points]
    y = [value for _at, value in points]
    figure = go.Figure(go.Scatter(
        x=x, y=y, mode="lines+markers", name=t(f"checkin.trend.{indicator}", lang),
        line={"color": LINE_COLOR, "width": 3},  # straight: a curve would invent values between weeks
        marker={"color": LINE_COLOR, "size": [7] * (len(y) - 1) + [13] if y else []},
        customdata=[formats.day_month(at, lang) for at in x],
        hovertemplate="%{customdata}: %{y}<extra></extra>",
    ))
    figure.update_layout(
        height=170, margin={"l": 8, "r": 8, "t": 8, "b": 8}, showlegend=False, dragmode=False,
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)", font={"size": 13},
    )
    figure.update_yaxes(range=[-0.6, 10.6], tickvals=[0, 5, 10], fixedrange=True, gridcolor="#e3e7e4",
                        zeroline=False)
    # Ticks named by day and month in words ("1 jul"): "01-07" is 1 July in Dutch but 7 January to
    # someone who reads dates the American way.
    ticks = x[::max(1, math.ceil(len(x) / MAX_TICKS))]
    figure.update_xaxes(fixedrange=True, showgrid=False, tickvals=ticks,
                        ticktext=[formats.day_month(at, lang) for at in ticks])
    return figure


def latest_text(series: list[CorePoint], indicator: str, instrument: Instrument, lang: str, tz: str) -> str:
    """The chart in words for someone who cannot see it: the scale and the latest answer."""
    item = instrument.item(indicator)
    low, high = item.anchors[lang]
    scale = t("checkin.anchors", lang, low=low, high=high)
    answered = [p for p in series if p.core[indicator] is not None]
    if not answered:
        return scale
    last = answered[-1]
    latest = t("checkin.trend.latest", lang, value=last.core[indicator],
               day=when(last.at, tz, lang, with_time=False))
    return f"{scale}. {latest}"


def has_trend(series: list[CorePoint] | None) -> bool:
    return series is not None and len(series) >= MIN_POINTS


__all__ = ["CORE_INDICATORS", "has_trend", "indicator_figure", "latest_text"]
