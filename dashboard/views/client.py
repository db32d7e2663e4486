"""One client: what is going on, the flags, the intervention focus, observations, settings, export."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard import data, runtime
from dashboard.sections import (
    show_checkins,
    show_export,
    show_flags,
    show_focus,
    show_observations,
    show_overview,
    show_settings,
)
from dashboard.sections.flags import show_contact_requests
from tracking.usecases import clients

tr = runtime.tr
actor = runtime.actor()
viewer = actor.viewer

SECTIONS = {
    "overview": show_overview,
    "flags": show_flags,
    "focus": show_focus,
    "observations": show_observations,
    "checkins": show_checkins,
    "settings": show_settings,
    "export": show_export,
}

with runtime.user_errors():
    caseload = data.caseload(data.path(), viewer)
ids = [row["id"] for row in caseload]
labels = {row["id"]: f"{row['name']} ({row['id']})" if row["name"] else row["id"] for row in caseload}
client_id = st.query_params.get("client")

chosen = st.selectbox(
    tr("client.pick"), ids, index=ids.index(client_id) if client_id in ids else None,
    format_func=lambda c: labels.get(c, c), placeholder=tr("client.pick_hint"), key=f"client_pick_{client_id}",
)
if chosen and chosen != client_id:
    st.query_params["client"] = chosen
    st.session_state.pop("client_section", None)
    st.rerun()
if not client_id:
    st.info(tr("client.none_chosen"))
    st.stop()

# Also when refused (someone else's client, or none): the refusal is recorded, once.
runtime.record_look("client", client_id,
                    partial(clients.record_client_view, runtime.context(), actor, client_id, now=runtime.now()))
with runtime.user_errors():
    bundle = data.client_bundle(data.path(), viewer, client_id)
client = bundle.client

runtime.show_plain(client.label, "title")
facts = [tr(f"client_status.{client.status}")]
facts.append(tr("client.focus_is", focus=tr(f"dynamic.{client.focus}")) if client.focus else tr("focus.none"))
facts.append(runtime.tr_count("client.checkin_count", len(bundle.timeline)))
if bundle.lang_chosen_at is not None:
    facts.append(tr("client.lang_chosen", language=tr(f"language.{client.lang}"),
                    when=runtime.when(bundle.lang_chosen_at, client.tz, with_time=False)))
open_flags = [f for f in bundle.flags if f["status"] == "open"]
if open_flags:
    facts.append(runtime.tr_count("client.open_flags", len(open_flags)))
st.caption(" · ".join(facts))
runtime.show_notice()
show_contact_requests(bundle, actor)  # an open contact request comes first, whatever the section

if st.session_state.get("client_section") not in SECTIONS:
    st.session_state["client_section"] = "overview"
section = st.segmented_control(
    tr("client.section"), list(SECTIONS), format_func=runtime.labels("client.section."),
    key="client_section", label_visibility="collapsed", required=True,
)
SECTIONS[section or "overview"](bundle, actor)
