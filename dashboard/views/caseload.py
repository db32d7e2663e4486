"""Caseload: who needs attention first, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, data, runtime
from tracking.i18n import formats
from tracking.instrument import DYNAMICS
from tracking.models import CLIENT_STATUSES, FLAG_KINDS
from tracking.schedule import Schedule, next_occurrence
from tracking.usecases import clients, safety

tr = runtime.tr
actor = runtime.actor()
viewer = actor.viewer
now = runtime.now()

st.title(tr("caseload.title"), anchor=False)
runtime.show_notice()

with runtime.user_errors():
    rows = data.caseload(data.path(), viewer)
if not st.session_state.get("viewed_caseload"):
    with runtime.user_errors():
        clients.record_caseload_view(runtime.context(), actor, len(rows), now=now)
    st.session_state["viewed_caseload"] = True


def _seen(concern_id: int) -> None:
    with runtime.user_errors():
        safety.acknowledge_concern(runtime.context(), actor, concern_id, now=runtime.now())
    data.changed()
    st.session_state["notice"] = tr("alerts.seen_done")


with runtime.user_errors():
    alerts = data.alerts(data.path(), viewer)
if alerts:
    # The client's safety net: concerns and contact requests before anything else on the page.
    st.subheader(tr("alerts.title"), anchor=False)
    zones = {r["id"]: r["tz"] for r in rows}
    for alert in alerts:
        label = f"{alert.client_name} ({alert.client_id})" if alert.client_name else alert.client_id
        when = runtime.when(alert.checkin_at, zones.get(alert.client_id, "Europe/Amsterdam"))
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.badge(tr("alerts.badge.concern") if alert.kind == "concern" else tr("alerts.badge.contact"),
                     icon=":material/emergency_home:" if alert.kind == "concern" else ":material/forum:",
                     color="red" if alert.kind == "concern" else "orange")
            runtime.show_plain(tr(f"alerts.{alert.kind}", client=label, when=when))  # the name is data
            st.page_link("views/client.py", label=tr("alerts.open"), query_params={"client": alert.client_id},
                         icon=":material/person:")
            if alert.kind == "concern":
                st.button(tr("alerts.seen"), key=f"concern_seen_{alert.id}", on_click=_seen, args=(alert.id,))

if not rows:
    st.info(tr("caseload.empty"))
    st.page_link("views/new_client.py", label=tr("nav.new_client"), icon=":material/person_add:")
    st.stop()

counts = {kind: sum(kind in row["open_kinds"] for row in rows) for kind in FLAG_KINDS}
summary = [runtime.tr_count(f"caseload.count.{kind}", counts[kind]) for kind in
           ("dominant_shift", "contact_request", "reliable_deterioration", "missed_checkins", "focus_mismatch")
           if counts[kind]]
st.markdown("**" + (formats.items(summary, runtime.lang()) if summary else tr("caseload.count.nothing")) + "**")

states = [*DYNAMICS, "mixed", "none"]
with st.container(horizontal=True):
    search = st.text_input(tr("caseload.search"), placeholder=tr("caseload.search_hint"), key="caseload_search",
                           live=True)
    any_label = tr("widget.choose_any")
    chosen_states = st.multiselect(tr("caseload.filter_state"), states, format_func=charts.state_label(runtime.lang()),
                                   key="caseload_states", placeholder=any_label, select_all=False)
    chosen_kinds = st.multiselect(tr("caseload.filter_flag"), FLAG_KINDS, format_func=runtime.labels("flag."),
                                  key="caseload_kinds", placeholder=any_label, select_all=False)
    chosen_status = st.multiselect(tr("caseload.filter_status"), CLIENT_STATUSES, default=["active", "paused"],
                                   format_func=runtime.labels("client_status."), key="caseload_status",
                                   placeholder=any_label, select_all=False)


def _next_due(row: dict[str, Any]) -> datetime | None:
    if row["status"] != "active" or row["reminder_weekday"] is None or not row["reminder_time"]:
        return None
    schedule = Schedule(row["reminder_weekday"], row["reminder_time"], row["tz"])
    return next_occurrence(schedule, max(now, row["schedule_from"] or now))


def _matches(row) -> bool:
    needle = (search or "").strip().lower()
    if needle and needle not in (row["name"] or "").lower() and needle not in row["id"].lower():
        return False
    if chosen_states and (row["state"] or "none") not in chosen_states:
        return False
    if chosen_kinds and not set(chosen_kinds) & set(row["open_kinds"]):
        return False
    return not chosen_status or row["status"] in chosen_status


shown = [row for row in rows if _matches(row)]
st.caption(tr("caseload.showing", shown=len(shown), total=len(rows)))
if not shown:
    st.info(tr("caseload.no_match"))
    st.stop()

lang = runtime.lang()
frame = pd.DataFrame({
    "client": [f"{r['name']} ({r['id']})" if r["name"] else r["id"] for r in shown],
    "state": [charts.state_label(lang)(r["state"]) if r["state"] else tr("state.unknown") for r in shown],
    # Whole points: the table also reads these out to screen readers, where 72.5 would be English.
    "trend": [[None if v is None else round(v) for v in r["spark"]] for r in shown],
    # Dates as text in the coach's language (a date column would be written in the browser's language).
    "last": [formats.moment(r["last_at"], lang, r["tz"]) if r["last_at"] else "" for r in shown],
    "next": [formats.short_moment(d, lang, r["tz"]) if (d := _next_due(r)) else "" for r in shown],
    "flags": [", ".join(tr(f"flag.{k}") for k in r["open_kinds"]) for r in shown],
    "focus": [tr(f"dynamic.{r['focus']}") if r["focus"] else "" for r in shown],
    "status": [tr(f"client_status.{r['status']}") for r in shown],
})
styled = frame.style.apply(
    lambda column: [charts.state_cell_style(r["state"]) for r in shown], subset=["state"]
)
selection = st.dataframe(
    styled,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="caseload_table",
    column_config={
        "client": st.column_config.TextColumn(tr("caseload.col.client"), width="medium", pinned=True),
        "state": st.column_config.TextColumn(tr("caseload.col.state"), help=tr("caseload.col.state_help")),
        "trend": st.column_config.LineChartColumn(tr("caseload.col.trend"), y_min=0, y_max=100,
                                                  help=tr("caseload.col.trend_help")),
        "last": st.column_config.TextColumn(tr("caseload.col.last")),
        "next": st.column_config.TextColumn(tr("caseload.col.next")),
        "flags": st.column_config.TextColumn(tr("caseload.col.flags"), width="large"),
        "focus": st.column_config.TextColumn(tr("caseload.col.focus")),
        "status": st.column_config.TextColumn(tr("caseload.col.status")),
    },
)
picked = selection.selection.rows if selection and selection.selection else []
if picked:
    st.switch_page("views/client.py", query_params={"client": shown[picked[0]]["id"]})
st.caption(tr("caseload.open_hint"))
