"""Add a client: who they are, their language, and when their weekly check-in is due."""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from dashboard.sections.settings import client_form
from tracking.usecases import clients

tr = runtime.tr
actor = runtime.actor()

st.title(tr("new_client.title"), anchor=False)
st.caption(tr("new_client.help"))
submitted = client_form("new_client")
if submitted is not None:
    client_id, details = submitted
    with runtime.user_errors():
        created = clients.add_client(runtime.context(), actor, client_id or "", details, now=runtime.now())
    data.changed()
    st.session_state["notice"] = tr("new_client.created", client=created.label)
    st.switch_page("views/client.py", query_params={"client": created.id})
