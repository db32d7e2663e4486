"""Caseload: who needs attention first, and why."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import attention, charts, data, runtime
from tracking.i18n import formats
from tracking.instrument import DYNAMICS
from tracking.models import CLIENT_STATUSES, FLAG_KINDS
from tracking.usecases import clients, safety

# Column widths in pixels: with the row selector they fit the 736 px a 768 px tablet leaves the page.
COLUMN_PX = {"client": 120, "why": 292, "trend": 64, "state": 110, "last": 104}
# Row heights: above 64 px the table wraps long text; about 7 px a character at its font size.
CHARS_PER_LINE = {column: COLUMN_PX[column] // 7 - 2 for column in ("client", "why", "state")}
LINE_PX, ROW_PADDING_PX, ROW_LINES_MIN, ROW_LINES_MAX = 19, 14, 3, 6
HEADER_PX, BORDER_PX = 36, 4

tr = runtime.tr
actor = runtime.actor()
viewer = actor.viewer
now = runtime.now()

st.title(tr("caseload.title"), anchor=False)
runtime.show_notice()

with runtime.user_errors():
    rows = data.caseload(data.path(), viewer)
runtime.record_look("caseload", None,
                    lambda: clients.record_caseload_view(runtime.context(), actor, len(rows), now=now))


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
# Counted in the order of urgency the table keeps.
summary = [runtime.tr_count(f"caseload.count.{kind}", counts[kind]) for kind in
           ("contact_request", "dominant_shift", "reliable_deterioration", "not_on_track", "missed_checkins",
            "focus_mismatch")
           if counts.get(kind)]
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
today = now.date()


def _client(row: dict[str, Any]) -> str:
    label = f"{row['name']} ({row['id']})" if row["name"] else row["id"]
    status = row["status"]
    return label if status == "active" else f"{label} · {tr(f'client_status.{status}')}"


def _state(row: dict[str, Any]) -> str:
    """The state; which dynamic the trend line follows when that is not the state (Mixed, None
    elevated); and the focus when it differs from the dominant dynamic."""
    parts = [charts.state_label(lang)(row["state"]) if row["state"] else tr("state.unknown")]
    line_of = row["spark_dynamic"]
    if line_of and line_of != row["state"]:
        parts.append(tr("caseload.trend_of", dynamic=tr(f"dynamic.{line_of}")))
    if row["state"] in DYNAMICS and row["focus"] and row["focus"] != row["state"]:
        parts.append(tr("caseload.focus_on", dynamic=tr(f"dynamic.{row['focus']}")))
    return " · ".join(parts)


def _last(row: dict[str, Any]) -> str:
    last_at = row["last_at"]
    if last_at is None:
        return tr("caseload.never")
    if last_at.year == today.year:
        return formats.short_day(last_at, lang, row["tz"])
    return formats.weekday_day(last_at, lang, row["tz"])


def _row_height(frame: pd.DataFrame) -> int:
    """Tall enough for the longest text to wrap without being cut (up to ROW_LINES_MAX lines)."""
    lines = max((math.ceil(len(text) / chars) for column, chars in CHARS_PER_LINE.items()
                 for text in frame[column]), default=1)
    return LINE_PX * min(max(lines, ROW_LINES_MIN), ROW_LINES_MAX) + ROW_PADDING_PX


# Rows stay in the store's order: open contact requests (newest first), unacknowledged shifts,
# deteriorations and not on track, missed check-ins, other open flags; clients with only acknowledged
# flags below them.
frame = pd.DataFrame({
    "client": [_client(r) for r in shown],
    # In words, right after the client: what needs attention and why (the most urgent first).
    "why": [attention.why(r["attention"], lang, r["tz"], today) for r in shown],
    # One dynamic's course (the store never joins two dynamics in one line); the line is drawn, and
    # screen readers hear whole points, never raw decimals.
    "trend": [[round(v) for v in r["spark"] if v is not None] for r in shown],
    "state": [_state(r) for r in shown],
    "last": [_last(r) for r in shown],
})
styled = frame.style.apply(
    lambda column: [charts.state_cell_style(r["state"]) for r in shown], subset=["state"]
)
row_height = _row_height(frame)
# Narrow enough for a 768 px tablet without sideways scrolling; wider screens stretch the columns.
selection = st.dataframe(
    styled,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="caseload_table",
    row_height=row_height,
    # Tall enough for every row: the page scrolls, never a box inside it.
    height=HEADER_PX + row_height * len(shown) + BORDER_PX,
    column_config={
        "client": st.column_config.TextColumn(tr("caseload.col.client"), width=COLUMN_PX["client"]),
        "why": st.column_config.TextColumn(tr("caseload.col.why"), width=COLUMN_PX["why"],
                                           help=tr("caseload.col.why_help")),
        "trend": st.column_config.LineChartColumn(tr("caseload.col.trend"), y_min=0, y_max=100,
                                                  width=COLUMN_PX["trend"], help=tr("caseload.col.trend_help")),
        "state": st.column_config.TextColumn(tr("caseload.col.state"), width=COLUMN_PX["state"],
                                             help=tr("caseload.col.state_help")),
        "last": st.column_config.TextColumn(tr("caseload.col.last"), width=COLUMN_PX["last"]),
    },
)
picked = selection.selection.rows if selection and selection.selection else []
if picked:
    st.switch_page("views/client.py", query_params={"client": shown[picked[0]]["id"]})
st.caption(tr("caseload.open_hint"))
