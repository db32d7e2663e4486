"""Check-ins: every answer set with its scores and state, and the client's notes, read as text."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, runtime
from tracking.context import Actor
from tracking.instrument import DYNAMICS
from tracking.usecases.clients import ClientBundle

tr = runtime.tr


def show_checkins(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    series = bundle.timeline
    if not series:
        st.info(tr("summary.no_checkins"))
        return
    label = charts.state_label(runtime.lang())
    rows = []
    for point in reversed(series):
        row: dict[str, str | int | None] = {tr("checkins.col.when"): runtime.when(point.at, client.tz),
                                            tr("checkins.col.state"): label(point.state)}
        for dynamic in DYNAMICS:
            value = point.scores[dynamic]
            row[tr(f"dynamic.{dynamic}")] = None if value is None else round(value)
        row[tr("checkins.col.contact")] = tr("checkins.yes") if point.contact_request else ""
        row[tr("checkins.col.note")] = point.note or ""
        row[tr("checkins.col.source")] = tr(f"checkins.source.{point.source}")
        rows.append(row)
    st.dataframe(rows, hide_index=True)
    notes = [p for p in reversed(series) if p.note]
    if notes:
        st.subheader(tr("overview.notes"), anchor=False)
        for point in notes:
            st.caption(runtime.when(point.at, client.tz))
            st.text(point.note)
