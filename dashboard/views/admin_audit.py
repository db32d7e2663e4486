"""Admin: the audit log — who viewed or changed which client, and what Koers refused."""

from __future__ import annotations

import json
from datetime import UTC

import streamlit as st

from dashboard import runtime
from tracking.store import accounts, audit

tr = runtime.tr
viewer = runtime.admin_viewer()

st.title(tr("admin.audit.title"))
st.caption(tr("admin.audit.help"))
client_filter = st.text_input(tr("admin.audit.client"), max_chars=64).strip() or None
with runtime.user_errors(), runtime.database().read() as con:
    entries = audit.recent(con, limit=500, client_id=client_filter)
    names = {f"coach:{c.id}": f"{c.name} <{c.email}>" for c in accounts.list_coaches(con)}
if not entries:
    st.info(tr("admin.audit.empty"))
    st.stop()
st.dataframe(
    [{
        tr("admin.audit.col.when"): runtime.when(entry["at"].replace(tzinfo=UTC), "Europe/Amsterdam"),
        tr("admin.audit.col.who"): names.get(entry["actor"], entry["actor"]),
        tr("admin.audit.col.action"): entry["action"],
        tr("admin.audit.col.client"): entry["client_id"] or "",
        tr("admin.audit.col.detail"): json.dumps(entry["detail"], ensure_ascii=False) if entry["detail"] else "",
    } for entry in entries],
    hide_index=True,
)
