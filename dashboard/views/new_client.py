"""Add a client: who they are, their language, and when their weekly check-in is due."""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from dashboard.sections.settings import client_form
from tracking.store import audit, clients

tr = runtime.tr
viewer = runtime.viewer()

st.title(tr("new_client.title"))
st.caption(tr("new_client.help"))
values = client_form("new_client")
if values is not None:
    now = runtime.now()
    client_id = values.pop("client_id")
    show_trend = values.pop("show_trend")
    with runtime.user_errors(), runtime.database().write() as con:
        created = clients.add_client(con, client_id=client_id, coach_id=viewer.coach_id, now=now, **values)
        clients.set_show_trend(con, created.id, show_trend)
        audit.record(con, now, viewer.actor, "client_add", created.id)
    data.changed()
    st.session_state["notice"] = tr("new_client.created", client=runtime.plain(created.label))
    st.switch_page("views/client.py", query_params={"client": created.id})
