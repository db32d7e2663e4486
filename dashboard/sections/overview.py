"""Overview: the summary in words, the dynamics over time, the core indicators and item detail."""

from __future__ import annotations

import streamlit as st

from dashboard import attention, charts, runtime
from dashboard.sections.flags import go_to_flags
from tracking.context import Actor
from tracking.summary import summarize
from tracking.usecases.clients import ClientBundle

tr = runtime.tr


def _sentence(key: str, values: dict, tz: str) -> str:
    shown = dict(values)
    for name in ("dynamic", "other"):
        if name in shown:
            shown[name] = tr(f"dynamic.{shown[name]}")
    if "since" in shown:
        shown["since"] = runtime.when(shown["since"], tz, with_time=False)
    return tr(key, **shown)


def _needs_attention(bundle: ClientBundle) -> None:
    """The open flags in a few words each (a contact request is above, with its note), and the way to them."""
    client = bundle.client
    lang = runtime.lang()
    today = runtime.now().date()
    found = [f for f in attention.by_urgency(bundle.flags) if f["status"] == "open" and f["kind"] != "contact_request"]
    if not found:
        return
    with st.container(border=True):
        st.markdown(f"**{tr('overview.attention')}**")
        for flag in found:
            runtime.show_plain(attention.line(flag, lang, client.tz, today))
        st.button(tr("overview.to_flags"), on_click=go_to_flags, icon=":material/flag:", key="overview_to_flags")


def show_overview(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    series = bundle.timeline
    lang = runtime.lang()
    sentences = [_sentence(key, values, client.tz) for key, values in summarize(series, runtime.now())]
    st.info(" ".join(sentences), icon=":material/insights:")
    _needs_attention(bundle)
    if not series:
        return
    visible_flags = [f for f in bundle.flags if f["status"] != "resolved"]
    st.subheader(tr("overview.dynamics"), anchor=False)
    st.caption(tr("overview.dynamics_help"))
    st.plotly_chart(
        charts.timeline_figure(series, visible_flags, bundle.focus_changes, bundle.observations, lang,
                               client.tz),
        key="timeline_chart", config=runtime.chart_config(),
    )
    st.subheader(tr("overview.core"), anchor=False)
    st.caption(tr("overview.core_help"))
    st.plotly_chart(charts.core_figure(series, lang, client.tz), key="core_chart", config=runtime.chart_config())
    with st.expander(tr("overview.items")):
        st.caption(tr("overview.items_help"))
        st.plotly_chart(charts.heatmap_figure(bundle.answers, runtime.instrument(), lang, client.tz),
                        key="heatmap_chart", config=runtime.chart_config())
    notes = [p for p in reversed(series) if p.note][:5]
    if notes:
        st.subheader(tr("overview.notes"), anchor=False)
        for point in notes:
            st.caption(runtime.when(point.at, client.tz))
            st.text(point.note)  # the client's own words: shown as text, never as Markdown or HTML
