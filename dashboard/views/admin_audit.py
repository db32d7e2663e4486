"""Admin: the audit log — who viewed or changed which client, and what Koers refused."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import runtime
from tracking.usecases import coaches

tr = runtime.tr
actor = runtime.admin_actor()

st.title(tr("admin.audit.title"))
st.caption(tr("admin.audit.help"))
client_filter = st.text_input(tr("admin.audit.client"), max_chars=64).strip() or None
with runtime.user_errors():
    lines = coaches.audit_entries(runtime.context(), actor, client_id=client_filter)
if not lines:
    st.info(tr("admin.audit.empty"))
    st.stop()
st.dataframe(
    [{
        tr("admin.audit.col.when"): runtime.when(line.entry.at, "Europe/Amsterdam"),
        tr("admin.audit.col.who"): line.who,
        tr("admin.audit.col.action"): line.entry.action,
        tr("admin.audit.col.client"): line.entry.client_id or "",
        tr("admin.audit.col.detail"): json.dumps(line.entry.detail, ensure_ascii=False) if line.entry.detail else "",
    } for line in lines],
    hide_index=True,
)
