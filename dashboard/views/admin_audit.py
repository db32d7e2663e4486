"""Admin: the audit log — who viewed or changed which client, and what Koers refused, in words."""

from __future__ import annotations

import streamlit as st

from dashboard import runtime
from tracking.i18n import audit as wording
from tracking.usecases import coaches

tr = runtime.tr
actor = runtime.admin_actor()
lang = runtime.lang()

st.title(tr("admin.audit.title"), anchor=False)
st.caption(tr("admin.audit.help"))
client_filter = st.text_input(tr("admin.audit.client"), max_chars=64).strip() or None
with runtime.user_errors():
    lines = coaches.audit_entries(runtime.context(), actor, client_id=client_filter)
    tz = coaches.own_account(runtime.context(), actor).tz
runtime.record_look("audit_log", client_filter, lambda: coaches.record_audit_log_view(
    runtime.context(), actor, len(lines), client_id=client_filter, now=runtime.now()))
if not lines:
    if client_filter:  # the id as typed: shown as plain text
        runtime.show_plain(tr("admin.audit.empty_client", client=client_filter), "info")
    else:
        st.info(tr("admin.audit.empty"))
    st.stop()
st.dataframe(
    [{
        tr("admin.audit.col.when"): runtime.when(line.entry.at, tz),
        tr("admin.audit.col.who"): line.who if line.who != line.entry.actor else wording.who(line.who, {}, lang),
        tr("admin.audit.col.action"): wording.action_name(line.entry.action, lang),
        tr("admin.audit.col.client"): line.entry.client_id or "",
        tr("admin.audit.col.detail"): wording.describe(line.entry.action, line.entry.detail, lang),
    } for line in lines],
    hide_index=True,
)
